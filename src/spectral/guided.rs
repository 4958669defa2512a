//! Same reconstruction, different perception: the guided closed form (docs/maths.md, "Same
//! reconstruction, different perception (guidance)").

use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

use super::dae::optimal_decoder;
use super::eigen::{fix_signs, mul};
use super::top_eigen::{top_eigen, top_eigen_dense, EigenPath};
use super::{Gram, LinearProbe, ProbeConfig, SpectralError, Split};
use crate::dataset::Dataset;

/// The reconstruction weights of the guided sweep, for the page and the command line alike, in
/// units of the balanced lambda (trace(X^T Y Y^T X) / trace(G G), where both terms weigh the same):
/// supervision alone (1e-6), 1, then ten steps a decade from 2 to 100, where the encoders leave
/// PCA's reconstruction error on MNIST and Fashion-MNIST at every width from 4 to 32, then 1e3 and
/// reconstruction alone (1e6, PCA). docs/maths.md, "Same reconstruction, different perception".
pub const GUIDED_GRID: [f64; 22] = [
    1e-6, 1.0, 2.0, 2.5, 3.2, 4.0, 5.0, 6.3, 8.0, 10.0, 12.5, 16.0, 20.0, 25.0, 32.0, 40.0, 50.0,
    63.0, 80.0, 100.0, 1e3, 1e6,
];

/// Binomial standard error of an accuracy `p` (a fraction) measured on `n` test images,
/// sqrt(p (1 - p) / n), as a fraction; NaN without test images.
pub fn binomial_standard_error(p: f64, n: usize) -> f64 {
    if n == 0 {
        return f64::NAN;
    }
    (p * (1.0 - p) / n as f64).sqrt()
}

/// The sizes and seed of the probe's train/test split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SplitSizes {
    /// Training images (the Gram, the encoders and the probes are fitted on them).
    pub train: usize,
    /// Held-out test images (the probes are scored on them).
    pub test: usize,
    /// Seed of the shuffle.
    pub seed: u64,
}

/// The guided sweep over lambda, with PCA (the lambda -> infinity limit) as reference: the page's
/// `guided.json` and `recon-align guided --json`, field for field. Accuracies are fractions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuidedReport {
    /// Width K.
    pub k: usize,
    /// The probe's split.
    pub split: SplitSizes,
    /// The lambda at which both terms of A weigh the same, trace(X^T Y Y^T X) / trace(G G):
    /// a natural unit for lambda, whose raw scale depends on the data.
    pub balanced_lambda: f64,
    /// PCA's relative reconstruction error at width K: the best any encoder can do.
    pub pca_recon_error: f64,
    /// Test accuracy of a linear probe on PCA's width-K code.
    pub pca_acc: f64,
    /// Binomial standard error of `pca_acc` on `split.test` images.
    pub pca_acc_se: f64,
    /// The weights lambda, in the order given.
    pub lambda: Vec<f64>,
    /// Per lambda: training reconstruction error with the optimal decoder, divided by trace(G).
    pub recon_error: Vec<f64>,
    /// Per lambda: test accuracy of a linear probe on the width-K code.
    pub probe_acc: Vec<f64>,
    /// Per lambda: binomial standard error of `probe_acc` on `split.test` images.
    pub probe_acc_se: Vec<f64>,
}

/// How the guided encoder solves its symmetric eigenproblem.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GuidedSolver {
    /// The partial top-K solve ([`top_eigen`]), falling back to the full one under its contract.
    #[default]
    TopK,
    /// The full dense symmetric eigensolve, top K columns kept.
    Dense,
}

/// The guided encoder: top-K generalized eigenvectors of (X^T Y Y^T X + lam G G, G), columns
/// G-normalised (S^T G S = I).
///
/// Through PCA, G = U Lam U^T (one eigendecomposition per Gram, shared by every lambda): with
/// b = Lam^{-1/2} U^T X^T Y (D x C), the pencil reduces to the symmetric matrix b b^T + lam Lam,
/// whose eigenvectors V give S = U Lam^{-1/2} V. One partial symmetric eigensolve per lambda, and
/// no Cholesky factor or triangular solve (docs/maths.md, "Same reconstruction, different
/// perception").
pub fn guided_encoder(gram: &Gram, lambda: f64, k: usize) -> Result<Mat<f64>, SpectralError> {
    guided_encoder_with(gram, lambda, k, GuidedSolver::TopK)
}

/// [`guided_encoder`] with the eigensolver chosen by `solver`.
pub fn guided_encoder_with(
    gram: &Gram,
    lambda: f64,
    k: usize,
    solver: GuidedSolver,
) -> Result<Mat<f64>, SpectralError> {
    let d = gram.d();
    let pca = gram.pca()?;
    if let Some(bad) = pca.lambda.iter().find(|l| l.is_nan() || **l <= 0.0) {
        return Err(SpectralError::NotPositiveDefinite(format!(
            "G in the guided pencil has the eigenvalue {bad}"
        )));
    }
    let inv_root: Vec<f64> = pca.lambda.iter().map(|l| 1.0 / l.sqrt()).collect();
    let b = pca.whitened_class_sums(gram);
    let diagonal: Vec<f64> = pca.lambda.iter().map(|l| lambda * l).collect();
    let top = match solver {
        GuidedSolver::TopK => top_eigen(&diagonal, b.as_ref(), k)?,
        GuidedSolver::Dense => {
            top_eigen_dense(&diagonal, b.as_ref(), k, EigenPath::DenseRequested)?
        }
    };
    let v = top.vectors;
    let scaled_top = Mat::from_fn(d, k, |i, j| inv_root[i] * v[(i, j)]);
    let mut s = mul(pca.vectors.as_ref(), scaled_top.as_ref());
    fix_signs(&mut s);
    Ok(s)
}

/// Relative training reconstruction error trace(G) - tr((E G E^T)^{-1} E G G E^T), over
/// trace(G), of the encoder E = basis^T with its optimal decoder.
fn reconstruction_error(gram: &Gram, basis: MatRef<'_, f64>) -> Result<f64, SpectralError> {
    let e = basis.transpose();
    let g = gram.matrix();
    let w_t = optimal_decoder(e, g, g)?;
    let eg = mul(e, g);
    let explained: f64 = (0..w_t.nrows())
        .map(|r| {
            (0..w_t.ncols())
                .map(|c| w_t[(r, c)] * eg[(r, c)])
                .sum::<f64>()
        })
        .sum();
    Ok((gram.trace() - explained) / gram.trace())
}

/// Sweeps lambda: for each, the guided width-K encoder's reconstruction error (train) and
/// linear-probe accuracy (test) with its binomial standard error, on a seeded split of `data`.
/// `lambdas` are the weights; `None` is the page's grid, [`GUIDED_GRID`] times the balanced lambda
/// of the training split.
pub fn guided(
    data: &Dataset,
    k: usize,
    lambdas: Option<&[f64]>,
    config: &ProbeConfig,
) -> Result<GuidedReport, SpectralError> {
    guided_with(data, k, lambdas, config, GuidedSolver::TopK)
}

/// [`guided`] with the encoders' eigensolver chosen by `solver`.
pub fn guided_with(
    data: &Dataset,
    k: usize,
    lambdas: Option<&[f64]>,
    config: &ProbeConfig,
    solver: GuidedSolver,
) -> Result<GuidedReport, SpectralError> {
    if k == 0 || k > data.d() {
        return Err(SpectralError::InvalidArgument(format!(
            "width K={k} must be in 1..={}",
            data.d()
        )));
    }
    if let Some(bad) = lambdas
        .unwrap_or_default()
        .iter()
        .find(|l| !(l.is_finite() && **l >= 0.0))
    {
        return Err(SpectralError::InvalidArgument(format!(
            "lambda {bad} must be finite and >= 0"
        )));
    }
    let split = Split::new(data.n, config.test_fraction, config.seed)?;
    let gram = Gram::from_rows(data, &split.train, super::DEFAULT_RELATIVE_RIDGE)?;
    let n_test = split.test.len();
    let evaluate = |basis: MatRef<'_, f64>| -> Result<(f64, f64), SpectralError> {
        let probe = LinearProbe::fit(&gram, basis, config.relative_ridge)?;
        Ok((
            reconstruction_error(&gram, basis)?,
            probe.accuracy(data, &split.test),
        ))
    };
    let label_energy: f64 = gram.class_sums().squared_norm_l2();
    let balanced_lambda = label_energy / gram.matrix().squared_norm_l2();
    let lambdas: Vec<f64> = match lambdas {
        Some(given) => given.to_vec(),
        None => GUIDED_GRID.iter().map(|t| t * balanced_lambda).collect(),
    };
    let pca = super::Pca::new(&gram)?;
    let (pca_recon_error, pca_acc) = evaluate(pca.vectors.subcols(0, k))?;
    let mut recon_error = Vec::with_capacity(lambdas.len());
    let mut probe_acc = Vec::with_capacity(lambdas.len());
    for &lambda in &lambdas {
        let (error, accuracy) = evaluate(guided_encoder_with(&gram, lambda, k, solver)?.as_ref())?;
        recon_error.push(error);
        probe_acc.push(accuracy);
    }
    Ok(GuidedReport {
        k,
        split: SplitSizes {
            train: split.train.len(),
            test: n_test,
            seed: config.seed,
        },
        balanced_lambda,
        pca_recon_error,
        pca_acc,
        pca_acc_se: binomial_standard_error(pca_acc, n_test),
        lambda: lambdas,
        probe_acc_se: probe_acc
            .iter()
            .map(|&p| binomial_standard_error(p, n_test))
            .collect(),
        recon_error,
        probe_acc,
    })
}
