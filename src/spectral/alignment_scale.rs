//! A scale for the alignment curve (docs/maths.md, "A scale for the alignment"): how many of PCA's
//! directions the plain autoencoder needs to reach 90, 95 and 99% alignment and the share of the
//! pixel variance those directions hold, against the label-optimal subspace: C - 1 directions that
//! reach 100%, and the share of the variance their features hold.

use faer::linalg::triangular_solve;
use faer::{Mat, MatRef, Side};
use serde::{Deserialize, Serialize};

use super::alignment::label_energies_of_basis;
use super::eigen::{mul, mul_lower};
use super::{total_label_energy, Gram, Pca, SpectralError};

/// The alignments (percent) at which the scale reads the clean curve.
pub const SCALE_LEVELS: [f64; 3] = [90.0, 95.0, 99.0];

/// Where the clean alignment curve stands against the label-optimal subspace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlignmentScale {
    /// The alignments read on the clean curve, in percent ([`SCALE_LEVELS`]).
    pub levels: Vec<f64>,
    /// For each level, the fewest of PCA's top directions whose alignment reaches it: the width K
    /// the noise-free autoencoder needs.
    pub pca_dims: Vec<usize>,
    /// For each level, the share of the pixel variance those directions hold,
    /// sum_{i<=K} lambda_i / sum_i lambda_i (a fraction).
    pub pca_variance: Vec<f64>,
    /// C - 1 for the C classes present: the data is centred, so X^T Y has rank at most C - 1.
    pub label_optimal_dims: usize,
    /// Alignment (percent) of the label-optimal subspace's features X V, V = G^-1 X^T Y: 100 up
    /// to rounding, computed like every other alignment.
    pub label_optimal_alignment: f64,
    /// The share of the pixel variance those features hold: the share of ||X||^2 that the best
    /// linear reconstruction from them recovers (a fraction; see [`variance_share`]).
    pub label_optimal_variance: f64,
}

/// The scale of the clean alignment curve `clean` (alignment(K) for K = 1..=D, no noise).
pub fn alignment_scale(gram: &Gram, clean: &[f64]) -> Result<AlignmentScale, SpectralError> {
    if clean.len() != gram.d() {
        return Err(SpectralError::Shape(format!(
            "the clean curve has {} widths, the data D = {}",
            clean.len(),
            gram.d()
        )));
    }
    let pca = gram.pca()?;
    let total: f64 = pca.lambda.iter().sum();
    let pca_dims: Vec<usize> = SCALE_LEVELS
        .iter()
        .map(|&level| width_reaching(clean, level))
        .collect();
    let pca_variance = pca_dims
        .iter()
        .map(|&k| pca.lambda[..k].iter().sum::<f64>() / total)
        .collect();
    let basis = label_optimal_basis(gram, &pca)?;
    let (label_optimal_alignment, label_optimal_variance) = if basis.ncols() == 0 {
        (0.0, 0.0)
    } else {
        let reached: f64 = label_energies_of_basis(gram, basis.as_ref())?.iter().sum();
        let all = total_label_energy(gram, &pca)?;
        let alignment = if all > 0.0 {
            100.0 * (reached / all).sqrt()
        } else {
            0.0
        };
        (alignment, variance_share(gram, basis.as_ref())?)
    };
    Ok(AlignmentScale {
        levels: SCALE_LEVELS.to_vec(),
        pca_dims,
        pca_variance,
        label_optimal_dims: basis.ncols(),
        label_optimal_alignment,
        label_optimal_variance,
    })
}

/// The fewest leading widths of an alignment curve whose alignment reaches `level` percent (the
/// curve's length when none does).
pub fn width_reaching(curve: &[f64], level: f64) -> usize {
    curve
        .iter()
        .position(|&a| a >= level)
        .map_or(curve.len(), |i| i + 1)
}

/// The share of the pixel variance held by the features X V of the filters V (D x k, full column
/// rank): the share of ||X||^2 = trace(G) recovered by the best linear reconstruction of X from
/// X V, trace(G V (V^T G V)^-1 V^T G) / trace(G). For PCA's top K eigenvectors it is
/// sum_{i<=K} lambda_i / sum_i lambda_i.
pub fn variance_share(gram: &Gram, v: MatRef<'_, f64>) -> Result<f64, SpectralError> {
    if v.nrows() != gram.d() {
        return Err(SpectralError::Shape(format!(
            "filters of {} pixels for data of D = {}",
            v.nrows(),
            gram.d()
        )));
    }
    let gv = mul(gram.matrix(), v);
    let h = mul_lower(v.transpose(), gv.as_ref());
    let l = h
        .llt(Side::Lower)
        .map_err(|e| SpectralError::NotPositiveDefinite(format!("V^T G V: {e:?}")))?;
    // With V^T G V = L L^T, trace(G V (V^T G V)^-1 V^T G) = ||L^-1 (G V)^T||_F^2.
    let mut z = gv.transpose().to_owned();
    triangular_solve::solve_lower_triangular_in_place(
        l.L(),
        z.as_mut(),
        faer::get_global_parallelism(),
    );
    Ok(z.squared_norm_l2() / gram.trace())
}

/// Filters V = G^-1 (Y^T X)^T for every class present but the last (X^T Y sums to zero over the
/// classes, so the last adds nothing): D x (C - 1). Through PCA, G^-1 = U diag(1/lambda) U^T.
fn label_optimal_basis(gram: &Gram, pca: &Pca) -> Result<Mat<f64>, SpectralError> {
    if !pca.is_positive_definite() {
        return Err(SpectralError::NotPositiveDefinite(
            "G (the label-optimal subspace needs G^-1)".into(),
        ));
    }
    let present: Vec<usize> = (0..gram.classes())
        .filter(|&c| gram.class_counts()[c] > 0)
        .collect();
    let kept = &present[..present.len().saturating_sub(1)];
    // Row k of the whitened class sums is lambda_k^{-1/2} u_k^T (Y^T X)^T; one more
    // lambda_k^{-1/2} gives U^T G^-1 (Y^T X)^T.
    let whitened = pca.whitened_class_sums(gram);
    let coefficients = Mat::from_fn(gram.d(), kept.len(), |k, j| {
        whitened[(k, kept[j])] / pca.lambda[k].sqrt()
    });
    Ok(mul(pca.vectors.as_ref(), coefficients.as_ref()))
}
