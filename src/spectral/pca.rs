//! Principal components of the preprocessed data: G = U diag(lambda) U^T (docs/maths.md,
//! "Preprocessing and the Gram matrix"), and the top and bottom variance subspaces.

use faer::Mat;

use super::eigen::{fix_signs, mul, symmetric_eigen_decreasing};
use super::{Gram, SpectralError, SubspaceSide};

/// PCA of the preprocessed data: G = U diag(lambda) U^T with lambda decreasing.
#[derive(Clone, Debug)]
pub struct Pca {
    /// Eigenvalues lambda of G (ridge included), decreasing.
    pub lambda: Vec<f64>,
    /// U (D x D, orthonormal): column k is the eigenvector of `lambda[k]`.
    pub vectors: Mat<f64>,
}

impl Pca {
    /// Eigendecomposition of G (computed once per Gram: see [`Gram::pca`]).
    pub fn new(gram: &Gram) -> Result<Pca, SpectralError> {
        Ok((*gram.pca()?).clone())
    }

    /// Computes the eigendecomposition of G.
    pub(crate) fn compute(gram: &Gram) -> Result<Pca, SpectralError> {
        let (lambda, mut vectors) = symmetric_eigen_decreasing(gram.matrix())?;
        fix_signs(&mut vectors);
        Ok(Pca { lambda, vectors })
    }

    /// Whether every eigenvalue is positive (G positive definite: its ridge makes it so).
    pub fn is_positive_definite(&self) -> bool {
        self.lambda.iter().all(|&l| l > 0.0)
    }

    /// The class sums in PCA's unit-variance coordinates, Lam^{-1/2} U^T (Y^T X)^T (D x C): row k
    /// is Y^T q_k for q_k = X u_k / sqrt(lambda_k). Needs [`Pca::is_positive_definite`].
    pub(crate) fn whitened_class_sums(&self, gram: &Gram) -> Mat<f64> {
        let mut b = mul(self.vectors.transpose(), gram.class_sums().transpose());
        for (k, l) in self.lambda.iter().enumerate() {
            let scale = l.sqrt().recip();
            for c in 0..b.ncols() {
                b[(k, c)] *= scale;
            }
        }
        b
    }

    /// U as an ndarray (D x D, column k = eigenvector k).
    pub fn vectors_array(&self) -> ndarray::Array2<f64> {
        super::gram::to_array(self.vectors.as_ref())
    }

    /// Fraction of the total variance held by each eigenvector.
    pub fn variance_fractions(&self) -> Vec<f64> {
        let total: f64 = self.lambda.iter().sum();
        self.lambda.iter().map(|l| l / total).collect()
    }

    /// Indices of the fewest eigenvectors, from the top or the bottom of the spectrum, whose
    /// eigenvalues hold at least `fraction` of the total variance.
    pub fn variance_subspace(&self, fraction: f64, side: SubspaceSide) -> Vec<usize> {
        let total: f64 = self.lambda.iter().sum();
        let d = self.lambda.len();
        let order: Box<dyn Iterator<Item = usize>> = match side {
            SubspaceSide::Top => Box::new(0..d),
            SubspaceSide::Bottom => Box::new((0..d).rev()),
        };
        let mut held = 0.0;
        let mut dims = Vec::new();
        for i in order {
            if held >= fraction * total && !dims.is_empty() {
                break;
            }
            held += self.lambda[i];
            dims.push(i);
        }
        dims.sort_unstable();
        dims
    }

    /// The eigenvectors `dims` as the columns of a D x k basis.
    pub fn basis(&self, dims: &[usize]) -> Mat<f64> {
        Mat::from_fn(self.vectors.nrows(), dims.len(), |i, j| {
            self.vectors[(i, dims[j])]
        })
    }
}
