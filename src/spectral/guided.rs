//! Same reconstruction, different perception: the guided closed form (docs/maths.md, "Same
//! reconstruction, different perception (guidance)").

use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

use super::dae::optimal_decoder;
use super::eigen::{fix_signs, mul, symmetric_eigen_decreasing};
use super::{Gram, LinearProbe, ProbeConfig, SpectralError, Split};
use crate::dataset::Dataset;

/// Reconstruction error and probe accuracy of the guided encoder for one lambda.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuidedPoint {
    /// The weight lambda of the reconstruction term.
    pub lambda: f64,
    /// Training reconstruction error with the optimal decoder, divided by trace(G).
    pub reconstruction_error: f64,
    /// Test accuracy of a linear probe on the width-K code.
    pub accuracy: f64,
}

/// The guided sweep over lambda, with PCA (the lambda -> infinity limit) as reference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuidedReport {
    /// Width K.
    pub k: usize,
    /// Training images.
    pub n_train: usize,
    /// Held-out test images.
    pub n_test: usize,
    /// PCA's relative reconstruction error at width K: the best any encoder can do.
    pub pca_reconstruction_error: f64,
    /// Test accuracy of a linear probe on PCA's width-K code.
    pub pca_accuracy: f64,
    /// The lambda at which both terms of A weigh the same, trace(X^T Y Y^T X) / trace(G G):
    /// a natural unit for lambda, whose raw scale depends on N and D.
    pub balanced_lambda: f64,
    /// One point per lambda, in the order given.
    pub points: Vec<GuidedPoint>,
}

/// The guided encoder: top-K generalized eigenvectors of (X^T Y Y^T X + lam G G, G), columns
/// G-normalised (S^T G S = I).
///
/// Through PCA, G = U Lam U^T (one eigendecomposition per Gram, shared by every lambda): with
/// b = Lam^{-1/2} U^T X^T Y (D x C), the pencil reduces to the symmetric matrix b b^T + lam Lam,
/// whose eigenvectors V give S = U Lam^{-1/2} V. One symmetric eigensolve per lambda, and no
/// Cholesky factor or triangular solve (docs/maths.md, "Same reconstruction, different perception").
pub fn guided_encoder(gram: &Gram, lambda: f64, k: usize) -> Result<Mat<f64>, SpectralError> {
    let d = gram.d();
    let pca = gram.pca()?;
    if let Some(bad) = pca.lambda.iter().find(|l| l.is_nan() || **l <= 0.0) {
        return Err(SpectralError::NotPositiveDefinite(format!(
            "G in the guided pencil has the eigenvalue {bad}"
        )));
    }
    let inv_root: Vec<f64> = pca.lambda.iter().map(|l| 1.0 / l.sqrt()).collect();
    let b = pca.whitened_class_sums(gram);
    let mut reduced = mul(b.as_ref(), b.transpose());
    for i in 0..d {
        reduced[(i, i)] += lambda * pca.lambda[i];
    }
    let (_, v) = symmetric_eigen_decreasing(reduced.as_ref())?;
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
/// linear-probe accuracy (test), on a seeded split of `data`.
pub fn guided(
    data: &Dataset,
    k: usize,
    lambdas: &[f64],
    config: &ProbeConfig,
) -> Result<GuidedReport, SpectralError> {
    if k == 0 || k > data.d() {
        return Err(SpectralError::InvalidArgument(format!(
            "width K={k} must be in 1..={}",
            data.d()
        )));
    }
    if let Some(bad) = lambdas.iter().find(|l| !(l.is_finite() && **l >= 0.0)) {
        return Err(SpectralError::InvalidArgument(format!(
            "lambda {bad} must be finite and >= 0"
        )));
    }
    let split = Split::new(data.n, config.test_fraction, config.seed)?;
    let gram = Gram::from_rows(data, &split.train, super::DEFAULT_RELATIVE_RIDGE)?;
    let evaluate = |basis: MatRef<'_, f64>| -> Result<(f64, f64), SpectralError> {
        let probe = LinearProbe::fit(&gram, basis, config.relative_ridge)?;
        Ok((
            reconstruction_error(&gram, basis)?,
            probe.accuracy(data, &split.test),
        ))
    };
    let pca = super::Pca::new(&gram)?;
    let (pca_reconstruction_error, pca_accuracy) = evaluate(pca.vectors.subcols(0, k))?;
    let points = lambdas
        .iter()
        .map(|&lambda| {
            let (reconstruction_error, accuracy) =
                evaluate(guided_encoder(&gram, lambda, k)?.as_ref())?;
            Ok(GuidedPoint {
                lambda,
                reconstruction_error,
                accuracy,
            })
        })
        .collect::<Result<_, SpectralError>>()?;
    let label_energy: f64 = gram.class_sums().squared_norm_l2();
    let balanced_lambda = label_energy / gram.matrix().squared_norm_l2();
    Ok(GuidedReport {
        balanced_lambda,
        k,
        n_train: split.train.len(),
        n_test: split.test.len(),
        pca_reconstruction_error,
        pca_accuracy,
        points,
    })
}
