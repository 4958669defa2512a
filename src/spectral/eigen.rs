//! Symmetric and generalized symmetric-definite eigensolves (docs/maths.md, "The linear
//! (denoising) autoencoder in closed form").

use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::linalg::triangular_solve;
use faer::{Accum, Mat, MatRef, Side};

use super::SpectralError;

/// Eigenpairs of the pencil A v = mu B v, with A = F F^T: mu decreasing, columns of `vectors`
/// B-normalised (S^T B S = I). The paper's S.
#[derive(Clone, Debug)]
pub struct GeneralizedEigen {
    /// Generalized eigenvalues mu, decreasing.
    pub mu: Vec<f64>,
    /// S (D x D): column k is the eigenvector of `mu[k]`.
    pub vectors: Mat<f64>,
}

impl GeneralizedEigen {
    /// Solves (F F^T) v = mu B v through B = L L^T and the symmetric eigensolve of
    /// (L^{-1} F)(L^{-1} F)^T = V diag(mu) V^T, so that S = L^{-T} V.
    ///
    /// Forming L^{-1} F and its outer product, rather than L^{-1} A L^{-T}, keeps the reduced
    /// matrix positive semi-definite by construction and squares no condition number.
    pub fn solve(
        a_factor: MatRef<'_, f64>,
        b: MatRef<'_, f64>,
    ) -> Result<GeneralizedEigen, SpectralError> {
        let (l, reduced) = reduce(a_factor, b)?;
        let (mu, mut vectors) = symmetric_eigen_decreasing(reduced.as_ref())?;
        triangular_solve::solve_upper_triangular_in_place(
            l.transpose(),
            vectors.as_mut(),
            faer::get_global_parallelism(),
        );
        fix_signs(&mut vectors);
        Ok(GeneralizedEigen { mu, vectors })
    }

    /// The generalized eigenvalues mu alone, decreasing: the same reduction as [`Self::solve`]
    /// without the eigenvectors (no back-transformation, no back-substitution), for what needs
    /// only mu, such as the optimal loss.
    pub fn values(
        a_factor: MatRef<'_, f64>,
        b: MatRef<'_, f64>,
    ) -> Result<Vec<f64>, SpectralError> {
        let (_, reduced) = reduce(a_factor, b)?;
        let mut mu = reduced
            .self_adjoint_eigenvalues(Side::Lower)
            .map_err(|e| SpectralError::Eigensolve(format!("{e:?}")))?;
        mu.reverse();
        Ok(mu)
    }

    /// The top-K eigenvectors S_K (D x K), the paper's encoder E = S_K^T.
    pub fn top(&self, k: usize) -> MatRef<'_, f64> {
        self.vectors.subcols(0, k)
    }

    /// S as an ndarray (D x D, column k = eigenvector k).
    pub fn vectors_array(&self) -> ndarray::Array2<f64> {
        super::gram::to_array(self.vectors.as_ref())
    }
}

/// The pencil (F F^T, B) reduced to a symmetric matrix: B = L L^T, and the lower triangle of
/// (L^{-1} F)(L^{-1} F)^T, whose eigenvalues are the pencil's. Returns L with it.
fn reduce(
    a_factor: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
) -> Result<(Mat<f64>, Mat<f64>), SpectralError> {
    let d = b.nrows();
    if b.ncols() != d || a_factor.nrows() != d {
        return Err(SpectralError::Shape(format!(
            "pencil with B {}x{} and A factor {}x{}",
            b.nrows(),
            b.ncols(),
            a_factor.nrows(),
            a_factor.ncols()
        )));
    }
    let l = b
        .llt(Side::Lower)
        .map_err(|e| SpectralError::NotPositiveDefinite(format!("B in the pencil (A, B): {e:?}")))?
        .L()
        .to_owned();
    let mut f = a_factor.to_owned();
    triangular_solve::solve_lower_triangular_in_place(
        l.as_ref(),
        f.as_mut(),
        faer::get_global_parallelism(),
    );
    Ok((l, mul_lower(f.as_ref(), f.transpose())))
}

/// Eigenpairs of a symmetric matrix (lower triangle read), eigenvalues decreasing.
pub(crate) fn symmetric_eigen_decreasing(
    m: MatRef<'_, f64>,
) -> Result<(Vec<f64>, Mat<f64>), SpectralError> {
    let d = m.nrows();
    let evd = m
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| SpectralError::Eigensolve(format!("{e:?}")))?;
    let s = evd.S().column_vector();
    let u = evd.U();
    // faer returns increasing eigenvalues; the paper sorts by decreasing variance.
    let values = (0..d).map(|k| s[d - 1 - k]).collect();
    let vectors = Mat::from_fn(d, d, |i, k| u[(i, d - 1 - k)]);
    Ok((values, vectors))
}

/// Makes each column's largest-magnitude entry positive, so that pictures and JSON are
/// reproducible across platforms (an eigenvector's sign is otherwise arbitrary).
pub(crate) fn fix_signs(v: &mut Mat<f64>) {
    for k in 0..v.ncols() {
        let col = v.col(k);
        let mut best = 0.0f64;
        for i in 0..v.nrows() {
            if col[i].abs() > best.abs() {
                best = col[i];
            }
        }
        if best < 0.0 {
            for i in 0..v.nrows() {
                v[(i, k)] = -v[(i, k)];
            }
        }
    }
}

/// The lower triangle of `lhs * rhs`, for a product the caller knows to be symmetric (the upper
/// triangle is left at zero): half the work of [`mul`].
pub(crate) fn mul_lower(lhs: MatRef<'_, f64>, rhs: MatRef<'_, f64>) -> Mat<f64> {
    let mut out = Mat::zeros(lhs.nrows(), rhs.ncols());
    triangular::matmul(
        out.as_mut(),
        BlockStructure::TriangularLower,
        Accum::Replace,
        lhs,
        BlockStructure::Rectangular,
        rhs,
        BlockStructure::Rectangular,
        1.0,
        faer::get_global_parallelism(),
    );
    out
}

/// Plain matrix product helper: `lhs * rhs` as a new matrix.
pub(crate) fn mul(lhs: MatRef<'_, f64>, rhs: MatRef<'_, f64>) -> Mat<f64> {
    let mut out = Mat::zeros(lhs.nrows(), rhs.ncols());
    faer::linalg::matmul::matmul(
        out.as_mut(),
        Accum::Replace,
        lhs,
        rhs,
        1.0,
        faer::get_global_parallelism(),
    );
    out
}
