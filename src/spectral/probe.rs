//! The closed-form ridge linear probe (least squares onto one-hot labels, argmax) used to score a
//! subspace, and the seeded train/test split it is scored on.

use faer::linalg::solvers::Solve;
use faer::{Mat, MatRef, Side};
use serde::{Deserialize, Serialize};

use super::eigen::mul;
use super::gram::for_each_preprocessed_chunk;
use super::{Gram, Preprocessing, SpectralError, SplitMix64};
use crate::dataset::Dataset;

/// How a linear probe is trained and scored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeConfig {
    /// Seed of the train/test shuffle.
    pub seed: u64,
    /// Fraction of the images held out for testing.
    pub test_fraction: f64,
    /// Ridge of the least squares, relative to the mean feature variance trace(Z^T Z)/k.
    pub relative_ridge: f64,
}

impl Default for ProbeConfig {
    /// Seed 0, 20% held out, ridge 1e-6 (just enough to make collinear features solvable).
    fn default() -> Self {
        ProbeConfig {
            seed: 0,
            test_fraction: 0.2,
            relative_ridge: 1e-6,
        }
    }
}

/// A seeded train/test partition of 0..N, each part in increasing order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Split {
    /// Training image indices.
    pub train: Vec<usize>,
    /// Test image indices.
    pub test: Vec<usize>,
}

impl Split {
    /// How many of `n` images (n >= 4) the training part holds: all but `round(test_fraction * n)`,
    /// keeping at least one test image and two training images.
    pub fn training_size(n: usize, test_fraction: f64) -> usize {
        n - ((test_fraction * n as f64).round() as usize).clamp(1, n.saturating_sub(2).max(1))
    }

    /// Shuffles 0..n with `seed` and holds out `round(test_fraction * n)` images (at least one
    /// on each side).
    pub fn new(n: usize, test_fraction: f64, seed: u64) -> Result<Split, SpectralError> {
        if n < 4 || !(test_fraction > 0.0 && test_fraction < 1.0) {
            return Err(SpectralError::InvalidArgument(format!(
                "cannot split {n} images with test fraction {test_fraction}"
            )));
        }
        let mut order: Vec<usize> = (0..n).collect();
        SplitMix64::new(seed).shuffle(&mut order);
        let n_test = n - Split::training_size(n, test_fraction);
        let mut test = order[..n_test].to_vec();
        let mut train = order[n_test..].to_vec();
        test.sort_unstable();
        train.sort_unstable();
        Ok(Split { train, test })
    }
}

/// Least squares from features z = V^T x onto one-hot labels, folded into one D x C map of the
/// preprocessed image: scores = x^T (V W) + prior.
#[derive(Clone, Debug)]
pub struct LinearProbe {
    map: Mat<f64>,
    prior: Vec<f64>,
    preprocessing: Preprocessing,
}

impl LinearProbe {
    /// Fits W = (Z^T Z + alpha I)^{-1} Z^T Y from second moments only: Z^T Z = V^T G V and
    /// Z^T Y = V^T (Y^T X)^T. The features are centred on the training set, so the intercept is
    /// the class frequency.
    pub fn fit(
        gram: &Gram,
        basis: MatRef<'_, f64>,
        relative_ridge: f64,
    ) -> Result<LinearProbe, SpectralError> {
        let k = basis.ncols();
        if basis.nrows() != gram.d() || k == 0 {
            return Err(SpectralError::Shape(format!(
                "probe basis is {}x{k}, D={}",
                basis.nrows(),
                gram.d()
            )));
        }
        let mut ztz = mul(basis.transpose(), mul(gram.matrix(), basis).as_ref());
        let alpha = relative_ridge * (0..k).map(|i| ztz[(i, i)]).sum::<f64>() / k as f64;
        for i in 0..k {
            ztz[(i, i)] += alpha;
        }
        let zty = mul(basis.transpose(), gram.class_sums().transpose());
        let chol = ztz
            .llt(Side::Lower)
            .map_err(|e| SpectralError::NotPositiveDefinite(format!("probe Z^T Z: {e:?}")))?;
        let w = chol.solve(zty.as_ref());
        let n = gram.n() as f64;
        Ok(LinearProbe {
            map: mul(basis, w.as_ref()),
            prior: gram.class_counts().iter().map(|&c| c as f64 / n).collect(),
            preprocessing: gram.preprocessing().clone(),
        })
    }

    /// Fraction of the images `rows` of `data` whose argmax score is their label.
    pub fn accuracy(&self, data: &Dataset, rows: &[usize]) -> f64 {
        if rows.is_empty() {
            return 0.0;
        }
        let d = data.d();
        let classes = self.prior.len();
        let mut correct = 0usize;
        for_each_preprocessed_chunk(data, rows, &self.preprocessing, |chunk, chunk_rows| {
            let x = MatRef::from_row_major_slice(chunk, chunk_rows.len(), d);
            let scores = mul(x, self.map.as_ref());
            for (i, &row) in chunk_rows.iter().enumerate() {
                let best = (0..classes)
                    .map(|c| scores[(i, c)] + self.prior[c])
                    .enumerate()
                    .fold(
                        (0, f64::NEG_INFINITY),
                        |acc, (c, s)| if s > acc.1 { (c, s) } else { acc },
                    );
                if best.0 == usize::from(data.labels[row]) {
                    correct += 1;
                }
            }
        });
        correct as f64 / rows.len() as f64
    }
}
