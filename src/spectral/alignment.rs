//! The alignment measure and the "impact on supervised performance" sweep (docs/maths.md,
//! "Alignment and the impact of a noise").

use faer::linalg::triangular_solve;
use faer::{Mat, MatRef, Side};
use serde::{Deserialize, Serialize};

use super::eigen::{mul, mul_lower};
use super::{GeneralizedEigen, Gram, Noise, Pca, SpectralError};

/// alignment(K) for K = 1..=D under one noise model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlignmentCurve {
    /// The noise model, as `none`, `gaussian:S` or `mask:P:K`.
    pub noise: String,
    /// Number of images N.
    pub n: usize,
    /// Input dimension D.
    pub d: usize,
    /// alignment(K) in percent; entry K-1 is width K, the last entry is 100.
    pub alignment: Vec<f64>,
    /// The generalized eigenvalues mu, decreasing.
    pub mu: Vec<f64>,
}

/// The alignment of the eigenvectors S of a pencil with the labels, for every width K:
/// 100 * sqrt(sum_{k<=K} a_k / sum_k a_k), a_k = sum_c n_c (Y^T q_k)_c^2, Q = Gram-Schmidt(X S).
///
/// No N x D QR: H = S^T G S = R^T R and Y^T Q = (Y^T X) S R^{-1}.
pub fn alignment(gram: &Gram, eig: &GeneralizedEigen) -> Result<Vec<f64>, SpectralError> {
    Ok(cumulative_percent(&label_energies_of_basis(
        gram,
        eig.vectors.as_ref(),
    )?))
}

/// a_k for the Gram-Schmidt columns q_k of X S, for any S (D x K) of full column rank; their sum
/// over a full basis is the total the alignment is measured against. No N x D QR:
/// H = S^T G S = R^T R and Y^T Q = (Y^T X) S R^{-1}.
pub fn label_energies_of_basis(gram: &Gram, s: MatRef<'_, f64>) -> Result<Vec<f64>, SpectralError> {
    let h = mul_lower(s.transpose(), mul(gram.matrix(), s).as_ref());
    let yq_t = mul(s.transpose(), gram.class_sums().transpose());
    label_energies_of_factor(h, yq_t, gram.class_counts())
}

/// a_k from H = S^T G S (lower triangle read) and (Y^T X S)^T: with H = R^T R,
/// (Y^T Q)^T = R^{-T} (Y^T X S)^T, one forward substitution.
pub(super) fn label_energies_of_factor(
    h: Mat<f64>,
    mut yq_t: Mat<f64>,
    counts: &[usize],
) -> Result<Vec<f64>, SpectralError> {
    let r_t = h
        .llt(Side::Lower)
        .map_err(|e| SpectralError::NotPositiveDefinite(format!("H = S^T G S: {e:?}")))?;
    triangular_solve::solve_lower_triangular_in_place(
        r_t.L(),
        yq_t.as_mut(),
        faer::get_global_parallelism(),
    );
    Ok(label_energies(&yq_t, counts))
}

/// a_k = ||Y Y^T q_k||^2 = sum_c n_c (Y^T q_k)_c^2, from the rows of (Y^T Q)^T.
fn label_energies(yq_t: &Mat<f64>, counts: &[usize]) -> Vec<f64> {
    (0..yq_t.nrows())
        .map(|k| {
            counts
                .iter()
                .enumerate()
                .map(|(c, &n_c)| n_c as f64 * yq_t[(k, c)].powi(2))
                .sum()
        })
        .collect()
}

/// 100 * sqrt(partial sums / total sum), the paper's percent curve.
pub(super) fn cumulative_percent(energies: &[f64]) -> Vec<f64> {
    let total: f64 = energies.iter().sum();
    let mut acc = 0.0;
    energies
        .iter()
        .map(|a| {
            acc += a;
            if total > 0.0 {
                100.0 * (acc / total).sqrt()
            } else {
                0.0
            }
        })
        .collect()
}

/// The alignment curve of one noise model: pencil, generalized eigensolve, alignment.
///
/// Two kinds of pencil share an eigendecomposition with others:
/// - no noise (and a mask with p = 0, whose pencil is exactly G's) and Gaussian noise: PCA's
///   (`pca_curve`);
/// - a mask with p > 0: the family of its patch side ([`Gram::mask_family`]), one eigensolve
///   per mask once the family is known, so that a sweep over p shares the work.
pub fn alignment_curve(gram: &Gram, noise: &Noise) -> Result<AlignmentCurve, SpectralError> {
    noise.validate()?;
    let shared = match noise.as_uniform() {
        Noise::None | Noise::Mask { p: 0.0, .. } => pca_curve(gram, 0.0)?,
        Noise::Gaussian { std } => pca_curve(gram, gram.n() as f64 * std * std)?,
        Noise::Mask { p, patch } => Some(gram.mask_family(patch)?.curve(gram, p)?),
        Noise::DropMap { .. } | Noise::GaussMap { .. } => None,
    };
    let (alignment, mu) = match shared {
        Some(curve) => curve,
        None => {
            let eig = gram.generalized_eigen(noise)?;
            (alignment(gram, &eig)?, eig.mu.clone())
        }
    };
    Ok(AlignmentCurve {
        noise: noise.to_string(),
        n: gram.n(),
        d: gram.d(),
        alignment,
        mu,
    })
}

/// alignment(K) for K = 1..=D and the generalized eigenvalues mu, decreasing.
pub(super) type CurveAndMu = (Vec<f64>, Vec<f64>);

/// The curve and mu of the pencil (G^2, G + shift I), from PCA: its eigenvectors are G's, v_k =
/// u_k / sqrt(lambda_k + shift), with mu_k = lambda_k^2 / (lambda_k + shift), in the same order
/// as lambda. None when some lambda is not positive (the pencil then needs its own solve).
fn pca_curve(gram: &Gram, shift: f64) -> Result<Option<CurveAndMu>, SpectralError> {
    let pca = gram.pca()?;
    if !pca.is_positive_definite() {
        return Ok(None);
    }
    Ok(Some((
        cumulative_percent(&label_energies_of_eigenvectors(gram, &pca)),
        pca.lambda.iter().map(|l| l * l / (l + shift)).collect(),
    )))
}

/// The label energy of the whole column space of X, sum_k a_k over any full basis (the total every
/// alignment is measured against), from PCA: the columns X u_k are already orthogonal.
pub fn total_label_energy(gram: &Gram, pca: &Pca) -> Result<f64, SpectralError> {
    if pca.is_positive_definite() {
        Ok(label_energies_of_eigenvectors(gram, pca).iter().sum())
    } else {
        Ok(label_energies_of_basis(gram, pca.vectors.as_ref())?
            .iter()
            .sum())
    }
}

/// a_k for S = U diag(c_k) with G = U diag(lambda) U^T and any c_k > 0: the columns X S are
/// orthogonal, so Gram-Schmidt only normalises them, q_k = X u_k / sqrt(lambda_k), and
/// Y^T q_k = (Y^T X) u_k / sqrt(lambda_k).
fn label_energies_of_eigenvectors(gram: &Gram, pca: &Pca) -> Vec<f64> {
    label_energies(&pca.whitened_class_sums(gram), gram.class_counts())
}

/// Which noise models the impact sweep visits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepConfig {
    /// Mask drop probabilities p.
    pub probabilities: Vec<f64>,
    /// Mask patch sides k.
    pub patches: Vec<usize>,
    /// Gaussian standard deviations: the flat-zero reference.
    pub gaussian_stds: Vec<f64>,
}

impl Default for SweepConfig {
    /// The paper's sweep: p in linspace(0, 0.99, 10), patches 1x1, 2x2, 4x4, plus Gaussian noise.
    /// (linspace(0, 0.99, 10) is 0.11 i, written as 11 i / 100 so that p prints as 0.33, not
    /// 0.32999999999999996.)
    fn default() -> Self {
        SweepConfig {
            probabilities: (0..10u32).map(|i| f64::from(11 * i) / 100.0).collect(),
            patches: vec![1, 2, 4],
            gaussian_stds: vec![0.1, 1.0, 10.0],
        }
    }
}

/// One noise model's alignment and its impact relative to the clean curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// The noise model, as `gaussian:S` or `mask:P:K`.
    pub noise: String,
    /// alignment(K) in percent, K = 1..=D.
    pub alignment: Vec<f64>,
    /// 100 * (alignment_noise(K) - alignment_clean(K)) / alignment_clean(K), K = 1..=D.
    pub impact: Vec<f64>,
}

/// The paper's "impact on supervised performance (%)" for every swept noise model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImpactSweep {
    /// Number of images N.
    pub n: usize,
    /// Input dimension D.
    pub d: usize,
    /// The clean alignment curve (no noise), K = 1..=D.
    pub clean: Vec<f64>,
    /// Gaussian rows first, then masks by patch and probability.
    pub rows: Vec<SweepRow>,
}

impl SweepConfig {
    /// The swept noises in the sweep's order: Gaussian ones first, then masks by patch and
    /// probability.
    pub fn noises(&self) -> impl Iterator<Item = Noise> + '_ {
        let gaussians = self
            .gaussian_stds
            .iter()
            .map(|&std| Noise::Gaussian { std });
        let masks = self.patches.iter().flat_map(move |&patch| {
            self.probabilities
                .iter()
                .map(move |&p| Noise::Mask { p, patch })
        });
        gaussians.chain(masks)
    }
}

/// The paper's impact on supervised performance (%), per K: 100 (noisy - clean) / clean, and 0
/// where the clean alignment is 0.
pub fn impact(noisy: &[f64], clean: &[f64]) -> Vec<f64> {
    noisy
        .iter()
        .zip(clean)
        .map(|(a, c)| if *c > 0.0 { 100.0 * (a - c) / c } else { 0.0 })
        .collect()
}

/// Impact of each noise of `config` on the alignment: 100 * (noise - clean) / clean, per K.
pub fn impact_sweep(gram: &Gram, config: &SweepConfig) -> Result<ImpactSweep, SpectralError> {
    let clean = alignment_curve(gram, &Noise::None)?.alignment;
    let rows = config
        .noises()
        .map(|noise| {
            let alignment = alignment_curve(gram, &noise)?.alignment;
            Ok(SweepRow {
                noise: noise.to_string(),
                impact: impact(&alignment, &clean),
                alignment,
            })
        })
        .collect::<Result<_, SpectralError>>()?;
    Ok(ImpactSweep {
        n: gram.n(),
        d: gram.d(),
        clean,
        rows,
    })
}
