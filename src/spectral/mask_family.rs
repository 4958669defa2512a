//! The pencils of every mask of one patch side, solved from one shared eigendecomposition
//! (docs/maths.md, "The masks of one patch side share one eigendecomposition").
//!
//! A mask `mask:P:K` has the pencil ((1-P)^2 G G, (1-P)^2 (G + t G_K)) with t = P / (1 - P) and
//! G_K = G o P_K, G kept within each K x K patch and zero across patches: the same eigenpairs
//! as (G G, G + t G_K). With G_K = R R^T (one small Cholesky factor per patch) and
//! R^-1 G R^-T = W diag(sigma) W^T, every t reduces to the symmetric matrix
//! D_t Sigma M Sigma D_t with M = (R W)^T (R W) and D_t = (Sigma + t I)^-1/2, the same M for
//! every P. A sweep over P then costs one symmetric eigensolve per P, where a pencil of its own
//! costs a Cholesky factor, two triangular solves, an eigensolve and three products.

use faer::linalg::triangular_solve;
use faer::{Mat, MatMut, MatRef, Side};

use super::alignment::{cumulative_percent, label_energies_of_factor};
use super::eigen::{mul, mul_lower, symmetric_eigen_decreasing};
use super::noise::patch_of;
use super::{Gram, SpectralError};

/// What the masks of one patch side share: the eigenvalues sigma of R^-1 G R^-T, M and the
/// class sums in the same basis.
#[derive(Clone, Debug)]
pub struct MaskFamily {
    patch: usize,
    /// sigma, decreasing.
    sigma: Vec<f64>,
    /// M = (R W)^T (R W), lower triangle (D x D).
    m: Mat<f64>,
    /// (Y^T X) R^-T W (C x D).
    class_sums: Mat<f64>,
}

impl MaskFamily {
    /// The family of the masks with patch side `patch` on `gram`.
    pub fn new(gram: &Gram, patch: usize) -> Result<MaskFamily, SpectralError> {
        if patch == 0 {
            return Err(SpectralError::InvalidArgument("mask patch side 0".into()));
        }
        let g = gram.matrix();
        let d = gram.d();
        let blocks = patch_factors(gram, patch)?;
        // R^-1 G, then R^-1 (R^-1 G)^T = R^-1 G R^-T (G is symmetric).
        let mut left = g.to_owned();
        solve_blocks(&blocks, left.as_mut());
        let mut reduced = left.transpose().to_owned();
        solve_blocks(&blocks, reduced.as_mut());
        let (sigma, w) = symmetric_eigen_decreasing(reduced.as_ref())?;
        let mut rw = Mat::<f64>::zeros(d, d);
        for PatchFactor { rows, factor } in &blocks {
            let part = mul(factor.as_ref(), gather(w.as_ref(), rows).as_ref());
            scatter(&part, rows, rw.as_mut());
        }
        let m = mul_lower(rw.transpose(), rw.as_ref());
        let mut sums = gram.class_sums().transpose().to_owned();
        solve_blocks(&blocks, sums.as_mut());
        let class_sums = mul(sums.transpose(), w.as_ref());
        Ok(MaskFamily {
            patch,
            sigma,
            m,
            class_sums,
        })
    }

    /// The patch side K of this family's masks.
    pub fn patch(&self) -> usize {
        self.patch
    }

    /// alignment(K) for K = 1..=D and the generalized eigenvalues mu (decreasing) of the mask
    /// that drops each patch with probability `p` (0 < p < 1).
    pub fn curve(&self, gram: &Gram, p: f64) -> Result<(Vec<f64>, Vec<f64>), SpectralError> {
        if !(p > 0.0 && p < 1.0) {
            return Err(SpectralError::InvalidArgument(format!(
                "a mask family needs 0 < p < 1, got {p}"
            )));
        }
        let t = p / (1.0 - p);
        let d = self.sigma.len();
        // Clamped at 0: sigma of a positive definite matrix, up to rounding.
        let sigma: Vec<f64> = self.sigma.iter().map(|s| s.max(0.0)).collect();
        let damp: Vec<f64> = sigma.iter().map(|s| (s + t).sqrt().recip()).collect();
        let scale: Vec<f64> = sigma.iter().zip(&damp).map(|(s, e)| s * e).collect();
        let reduced = Mat::from_fn(d, d, |i, j| {
            if j <= i {
                scale[i] * self.m[(i, j)] * scale[j]
            } else {
                0.0
            }
        });
        let (mu, v) = symmetric_eigen_decreasing(reduced.as_ref())?;
        // S = R^-T W D_t V: S^T G S = V^T diag(sigma / (sigma + t)) V and
        // (Y^T X) S = class_sums D_t V.
        let root: Vec<f64> = sigma.iter().zip(&damp).map(|(s, e)| s.sqrt() * e).collect();
        let weighted = Mat::from_fn(d, d, |i, k| root[i] * v[(i, k)]);
        let h = mul_lower(weighted.transpose(), weighted.as_ref());
        let sums = Mat::from_fn(d, self.class_sums.nrows(), |i, c| {
            self.class_sums[(c, i)] * damp[i]
        });
        let yq_t = mul(v.transpose(), sums.as_ref());
        let energies = label_energies_of_factor(h, yq_t, gram.class_counts())?;
        Ok((cumulative_percent(&energies), mu))
    }
}

/// One patch's pixels and the lower Cholesky factor of G restricted to them: a diagonal block of
/// R.
struct PatchFactor {
    rows: Vec<usize>,
    factor: Mat<f64>,
}

/// The factor of every patch of side `patch`.
fn patch_factors(gram: &Gram, patch: usize) -> Result<Vec<PatchFactor>, SpectralError> {
    let g = gram.matrix();
    let shape = gram.shape();
    let mut rows: Vec<Vec<usize>> = Vec::new();
    for i in 0..gram.d() {
        let p = patch_of(shape, patch, i);
        if rows.len() <= p {
            rows.resize_with(p + 1, Vec::new);
        }
        rows[p].push(i);
    }
    rows.into_iter()
        .filter(|r| !r.is_empty())
        .map(|r| {
            let block = Mat::from_fn(r.len(), r.len(), |a, b| g[(r[a], r[b])]);
            let factor = block.llt(Side::Lower).map_err(|e| {
                SpectralError::NotPositiveDefinite(format!(
                    "G within a {patch}x{patch} patch: {e:?}"
                ))
            })?;
            Ok(PatchFactor {
                rows: r,
                factor: factor.L().to_owned(),
            })
        })
        .collect()
}

/// m <- R^-1 m, one patch's rows at a time.
fn solve_blocks(blocks: &[PatchFactor], mut m: MatMut<'_, f64>) {
    for PatchFactor { rows, factor } in blocks {
        let mut part = gather(m.as_ref(), rows);
        triangular_solve::solve_lower_triangular_in_place(
            factor.as_ref(),
            part.as_mut(),
            faer::Par::Seq,
        );
        scatter(&part, rows, m.as_mut());
    }
}

fn gather(m: MatRef<'_, f64>, rows: &[usize]) -> Mat<f64> {
    Mat::from_fn(rows.len(), m.ncols(), |a, j| m[(rows[a], j)])
}

fn scatter(part: &Mat<f64>, rows: &[usize], mut m: MatMut<'_, f64>) {
    for (a, &r) in rows.iter().enumerate() {
        for j in 0..part.ncols() {
            m[(r, j)] = part[(a, j)];
        }
    }
}
