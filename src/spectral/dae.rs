//! The closed-form linear denoising autoencoder (docs/maths.md, "The linear
//! (denoising) autoencoder in closed form").

use faer::linalg::solvers::Solve;
use faer::{Mat, MatRef, Side};
use serde::{Deserialize, Serialize};

use super::eigen::mul;
use super::{GeneralizedEigen, Gram, Noise, Pencil, SpectralError};

/// The optimal width-K linear DAE for one noise model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DaeSolution {
    /// The noise model, as `none`, `gaussian:S` or `mask:P:K`.
    pub noise: String,
    /// Width K.
    pub k: usize,
    /// Input dimension D.
    pub d: usize,
    /// The top-K generalized eigenvalues mu.
    pub mu: Vec<f64>,
    /// The optimal loss: trace(G) - sum of the top-K mu (loss*).
    pub loss: f64,
    /// trace(G): the loss of the zero map, for scale.
    pub trace: f64,
    /// Encoder E = S_K^T (K x D, row-major).
    pub encoder: Vec<f64>,
    /// Decoder W (D x K, row-major), W^T = (E B E^T)^{-1} E C.
    pub decoder: Vec<f64>,
}

/// Solves the width-K linear DAE min E||x - W E x~||^2 in closed form: E spans the top-K
/// generalized eigenvectors of (A, B), W^T = (E B E^T)^{-1} E C, loss = trace(G) - sum top-K mu.
pub fn closed_form_dae(gram: &Gram, noise: &Noise, k: usize) -> Result<DaeSolution, SpectralError> {
    let d = gram.d();
    check_width(k, d)?;
    let pencil = Pencil::new(gram, noise)?;
    let eig = pencil.solve()?;
    let e = eig.top(k).transpose();
    let w_t = optimal_decoder(e, pencil.b(), pencil.cross.as_ref())?;
    let mu = eig.mu[..k].to_vec();
    let trace = gram.trace();
    Ok(DaeSolution {
        noise: noise.to_string(),
        k,
        d,
        loss: optimal_loss(trace, &mu),
        mu,
        trace,
        encoder: row_major(e),
        decoder: row_major(w_t.transpose()),
    })
}

/// The optimal loss of the width-K linear DAE alone, trace(G) - sum of the top-K mu, from the
/// pencil's eigenvalues only: [`closed_form_dae`]'s `loss` without its eigenvectors.
pub fn closed_form_dae_loss(gram: &Gram, noise: &Noise, k: usize) -> Result<f64, SpectralError> {
    check_width(k, gram.d())?;
    let pencil = Pencil::new(gram, noise)?;
    let mu = GeneralizedEigen::values(pencil.cross.as_ref(), pencil.b())?;
    Ok(optimal_loss(gram.trace(), &mu[..k]))
}

/// A code width K is one of 1..=D.
fn check_width(k: usize, d: usize) -> Result<(), SpectralError> {
    if k == 0 || k > d {
        return Err(SpectralError::InvalidArgument(format!(
            "width K={k} must be in 1..={d}"
        )));
    }
    Ok(())
}

/// loss* = trace(G) - sum of the top-K mu, for B-normalised eigenvectors.
pub(crate) fn optimal_loss(trace: f64, top_mu: &[f64]) -> f64 {
    trace - top_mu.iter().sum::<f64>()
}

/// W^T = (E B E^T)^{-1} E C, the least-squares decoder for a fixed encoder E (K x D).
pub(crate) fn optimal_decoder(
    e: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    cross: MatRef<'_, f64>,
) -> Result<Mat<f64>, SpectralError> {
    let ebe = mul(mul(e, b).as_ref(), e.transpose());
    let chol = ebe
        .llt(Side::Lower)
        .map_err(|err| SpectralError::NotPositiveDefinite(format!("E B E^T: {err:?}")))?;
    Ok(chol.solve(mul(e, cross).as_ref()))
}

/// A matrix as a row-major `Vec`.
pub(crate) fn row_major(m: MatRef<'_, f64>) -> Vec<f64> {
    (0..m.nrows())
        .flat_map(|i| (0..m.ncols()).map(move |j| m[(i, j)]))
        .collect()
}
