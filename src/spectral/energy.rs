//! Energy of reconstructions along the data eigenvectors (docs/maths.md, "Learning order").

use faer::{Mat, MatRef};

use super::eigen::mul;
use super::{Gram, Pca, SpectralError};

/// diag(U^T M G M^T U): the energy of the reconstructions Xhat = X M^T along each data
/// eigenvector u_k, for a D x D linear map M given row-major. Costs D x D work, not N x D.
pub fn spectrum_energy(gram: &Gram, pca: &Pca, map: &[f64]) -> Result<Vec<f64>, SpectralError> {
    let d = gram.d();
    if map.len() != d * d {
        return Err(SpectralError::Shape(format!(
            "map has {} values, D x D = {}",
            map.len(),
            d * d
        )));
    }
    let m = MatRef::from_row_major_slice(map, d, d);
    Ok(energy_of(
        gram.matrix(),
        mul(m.transpose(), pca.vectors.as_ref()),
    ))
}

/// [`spectrum_energy`] of an autoencoder's map M = W E, from encoder E (K x D) and decoder W
/// (D x K), both row-major, without forming M.
pub fn spectrum_energy_of_autoencoder(
    gram: &Gram,
    pca: &Pca,
    encoder: &[f64],
    decoder: &[f64],
) -> Result<Vec<f64>, SpectralError> {
    spectrum_energy_of_denoiser(gram.matrix(), pca, encoder, decoder)
}

/// diag(U^T M B M^T U): the expected energy of a denoiser's reconstructions W E x~ along each
/// data eigenvector, where B = sum E[x~ x~^T] is the noisy inputs' second moment (the pencil's
/// B; B = G without noise). Using G instead would score the denoiser on clean inputs, which it
/// never sees, and overstate the energy by up to 1/(1-p)^2 under masking.
pub fn spectrum_energy_of_denoiser(
    input_moment: MatRef<'_, f64>,
    pca: &Pca,
    encoder: &[f64],
    decoder: &[f64],
) -> Result<Vec<f64>, SpectralError> {
    energy_along(input_moment, pca.vectors.as_ref(), encoder, decoder)
}

/// diag(Vᵀ M B Mᵀ V) for M = W E and the columns of `basis` V (D x J): the expected energy of a
/// denoiser's reconstructions along each of them ([`spectrum_energy_of_denoiser`] for V = U).
pub(crate) fn energy_along(
    input_moment: MatRef<'_, f64>,
    basis: MatRef<'_, f64>,
    encoder: &[f64],
    decoder: &[f64],
) -> Result<Vec<f64>, SpectralError> {
    let d = input_moment.nrows();
    let k = encoder.len() / d.max(1);
    if encoder.len() != k * d || decoder.len() != k * d || basis.nrows() != d {
        return Err(SpectralError::Shape(format!(
            "encoder has {} values and decoder {}, expected K x D = {k} x {d} each, and a basis of {} rows",
            encoder.len(),
            decoder.len(),
            basis.nrows()
        )));
    }
    let e = MatRef::from_row_major_slice(encoder, k, d);
    let w = MatRef::from_row_major_slice(decoder, d, k);
    // Mᵀ V = Eᵀ P with P = Wᵀ V (K x J), so Vᵀ M B Mᵀ V = Pᵀ S P with S = E B Eᵀ (K x K): about
    // K D² + K D J multiply-adds instead of the D³ of B (Mᵀ V).
    let p = mul(w.transpose(), basis);
    let s = mul(mul(e, input_moment).as_ref(), e.transpose());
    let sp = mul(s.as_ref(), p.as_ref());
    Ok((0..basis.ncols())
        .map(|i| (0..k).map(|j| p[(j, i)] * sp[(j, i)]).sum())
        .collect())
}

/// diag(T^T G T) for T = M^T U.
fn energy_of(moment: MatRef<'_, f64>, t: Mat<f64>) -> Vec<f64> {
    let gt = mul(moment, t.as_ref());
    (0..t.ncols())
        .map(|k| (0..t.nrows()).map(|i| t[(i, k)] * gt[(i, k)]).sum())
        .collect()
}
