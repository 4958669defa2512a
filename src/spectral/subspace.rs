//! Top and bottom variance subspaces (docs/maths.md, "Top and bottom variance subspaces", the paper's
//! Figure 1).

use std::sync::OnceLock;

use faer::{Accum, Mat, MatRef};
use serde::{Deserialize, Serialize};

use super::{Gram, LinearProbe, Pca, Preprocessing, ProbeConfig, SpectralError, Split};
use crate::dataset::Dataset;

/// Which end of the spectrum a subspace is taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubspaceSide {
    /// The largest-variance eigenvectors.
    Top,
    /// The smallest-variance eigenvectors.
    Bottom,
}

/// Linear-probe accuracies on the top and bottom subspaces holding a fraction v of the variance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubspaceSplit {
    /// The requested fraction v of the variance.
    pub fraction: f64,
    /// Training images (PCA, preprocessing and probes are fitted on them only).
    pub n_train: usize,
    /// Held-out test images.
    pub n_test: usize,
    /// Number of top eigenvectors holding v.
    pub top_dims: usize,
    /// Variance fraction actually held by them.
    pub top_variance: f64,
    /// Test accuracy of a linear probe on the top projection.
    pub top_accuracy: f64,
    /// Number of bottom eigenvectors holding v.
    pub bottom_dims: usize,
    /// Variance fraction actually held by them.
    pub bottom_variance: f64,
    /// Test accuracy of a linear probe on the bottom projection.
    pub bottom_accuracy: f64,
    /// Test accuracy of a linear probe on all pixels, for reference.
    pub full_accuracy: f64,
    /// Accuracy of always guessing the most frequent training class.
    pub chance: f64,
}

/// The fractions of the variance the page's subspace panel plots (and `recon-align subspace`
/// scores without `--fraction`).
pub const SUBSPACE_FRACTIONS: [f64; 7] = [0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];

/// One end of the spectrum at every fraction of a [`SubspaceTable`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SubspaceSideTable {
    /// Variance fraction held by the subspace at each fraction.
    pub variance: Vec<f64>,
    /// Its number of eigenvectors.
    pub dims: Vec<usize>,
    /// Test accuracy of a linear probe on the projection.
    pub linear_acc: Vec<f64>,
}

/// Linear probes on the top and the bottom subspaces at several fractions of the variance: the
/// page's subspace panel (its field names).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubspaceTable {
    /// The requested fractions of the variance.
    pub fractions: Vec<f64>,
    /// Training images.
    pub n_train: usize,
    /// Held-out test images.
    pub n_test: usize,
    /// Test accuracy of a linear probe on all pixels.
    pub full_acc: f64,
    /// Accuracy of always guessing the most frequent training class.
    pub chance: f64,
    /// The top subspaces.
    pub top: SubspaceSideTable,
    /// The bottom subspaces.
    pub bottom: SubspaceSideTable,
}

/// Images per block of [`SubspaceStudy::coordinates`].
const COORDINATE_ROWS: usize = 256;

/// A seeded train/test split with the Gram and PCA of its training part: built once, then
/// scored at as many variance fractions (and with as many probes) as wanted.
pub struct SubspaceStudy {
    config: ProbeConfig,
    split: Split,
    gram: Gram,
    pca: Pca,
    coordinates: OnceLock<Mat<f64>>,
    /// The probe's accuracy on all D directions: the same for every fraction, so fitted once.
    full_accuracy: OnceLock<f64>,
}

impl SubspaceStudy {
    /// Splits `data` with `config` and fits preprocessing, G and PCA on the training part only.
    pub fn new(data: &Dataset, config: &ProbeConfig) -> Result<Self, SpectralError> {
        let split = Split::new(data.n, config.test_fraction, config.seed)?;
        let gram = Gram::from_rows(data, &split.train, super::DEFAULT_RELATIVE_RIDGE)?;
        let pca = Pca::new(&gram)?;
        Ok(SubspaceStudy {
            config: config.clone(),
            split,
            gram,
            pca,
            coordinates: OnceLock::new(),
            full_accuracy: OnceLock::new(),
        })
    }

    /// Z = X U (N x D): the coordinates of every preprocessed image of `data` (the dataset this
    /// study was built from) along every eigenvector, row r for image r. Computed on the first
    /// call, as one blocked product, and shared by every subspace: the coordinates of a subspace
    /// are columns of Z.
    pub fn coordinates(&self, data: &Dataset) -> MatRef<'_, f64> {
        self.coordinates
            .get_or_init(|| {
                let d = data.d();
                let u = self.pca.vectors.as_ref();
                let prep = self.gram.preprocessing();
                let mut z = Mat::<f64>::zeros(data.n, d);
                for start in (0..data.n).step_by(COORDINATE_ROWS) {
                    let rows = COORDINATE_ROWS.min(data.n - start);
                    let mut x = Mat::<f64>::zeros(rows, d);
                    for r in 0..rows {
                        for (i, v) in prep.apply(data.image(start + r)).into_iter().enumerate() {
                            x[(r, i)] = v;
                        }
                    }
                    faer::linalg::matmul::matmul(
                        z.as_mut().subrows_mut(start, rows),
                        Accum::Replace,
                        x.as_ref(),
                        u,
                        1.0,
                        faer::get_global_parallelism(),
                    );
                }
                z
            })
            .as_ref()
    }

    /// The train/test partition.
    pub fn split(&self) -> &Split {
        &self.split
    }

    /// G of the training images (with their own preprocessing).
    pub fn gram(&self) -> &Gram {
        &self.gram
    }

    /// PCA of the training images.
    pub fn pca(&self) -> &Pca {
        &self.pca
    }

    /// The eigenvector indices of the `side` subspace holding `fraction` of the variance.
    pub fn dims(&self, fraction: f64, side: SubspaceSide) -> Result<Vec<usize>, SpectralError> {
        if !(fraction > 0.0 && fraction <= 1.0) {
            return Err(SpectralError::InvalidArgument(format!(
                "variance fraction {fraction} must be in (0, 1]"
            )));
        }
        Ok(self.pca.variance_subspace(fraction, side))
    }

    /// Closed-form linear probes on the top and the bottom subspaces holding `fraction`.
    pub fn linear(&self, data: &Dataset, fraction: f64) -> Result<SubspaceSplit, SpectralError> {
        let (gram, pca, split) = (&self.gram, &self.pca, &self.split);
        let fractions = pca.variance_fractions();
        let score = |dims: &[usize]| -> Result<f64, SpectralError> {
            let probe =
                LinearProbe::fit(gram, pca.basis(dims).as_ref(), self.config.relative_ridge)?;
            Ok(probe.accuracy(data, &split.test))
        };
        let top = self.dims(fraction, SubspaceSide::Top)?;
        let bottom = self.dims(fraction, SubspaceSide::Bottom)?;
        let all: Vec<usize> = (0..gram.d()).collect();
        let majority = gram.class_counts().iter().copied().max().unwrap_or(0);
        let majority_class = gram
            .class_counts()
            .iter()
            .position(|&c| c == majority)
            .unwrap_or(0);
        let chance = split
            .test
            .iter()
            .filter(|&&i| usize::from(data.labels[i]) == majority_class)
            .count() as f64
            / split.test.len() as f64;
        let full_accuracy = match self.full_accuracy.get() {
            Some(&acc) => acc,
            None => {
                let acc = score(&all)?;
                *self.full_accuracy.get_or_init(|| acc)
            }
        };
        Ok(SubspaceSplit {
            fraction,
            n_train: split.train.len(),
            n_test: split.test.len(),
            top_dims: top.len(),
            top_variance: top.iter().map(|&i| fractions[i]).sum(),
            top_accuracy: score(&top)?,
            bottom_dims: bottom.len(),
            bottom_variance: bottom.iter().map(|&i| fractions[i]).sum(),
            bottom_accuracy: score(&bottom)?,
            full_accuracy,
            chance,
        })
    }
}

impl SubspaceStudy {
    /// [`SubspaceStudy::linear`] at every fraction of `fractions` (at least one), as one table.
    pub fn table(&self, data: &Dataset, fractions: &[f64]) -> Result<SubspaceTable, SpectralError> {
        let (mut top, mut bottom) = (SubspaceSideTable::default(), SubspaceSideTable::default());
        let mut last = None;
        for &f in fractions {
            let s = self.linear(data, f)?;
            top.variance.push(s.top_variance);
            top.dims.push(s.top_dims);
            top.linear_acc.push(s.top_accuracy);
            bottom.variance.push(s.bottom_variance);
            bottom.dims.push(s.bottom_dims);
            bottom.linear_acc.push(s.bottom_accuracy);
            last = Some(s);
        }
        let last = last.ok_or_else(|| {
            SpectralError::InvalidArgument("no variance fraction to score".into())
        })?;
        Ok(SubspaceTable {
            fractions: fractions.to_vec(),
            n_train: last.n_train,
            n_test: last.n_test,
            full_acc: last.full_accuracy,
            chance: last.chance,
            top,
            bottom,
        })
    }
}

/// Splits `data` with `config`, fits PCA on the training part, and scores a closed-form linear
/// probe on the top and the bottom subspaces holding `fraction` of the variance.
pub fn subspace_split(
    data: &Dataset,
    fraction: f64,
    config: &ProbeConfig,
) -> Result<SubspaceSplit, SpectralError> {
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(SpectralError::InvalidArgument(format!(
            "variance fraction {fraction} must be in (0, 1]"
        )));
    }
    SubspaceStudy::new(data, config)?.linear(data, fraction)
}

/// Projects preprocessed images onto span(basis) (orthonormal columns): x -> V V^T x, one
/// `Vec` of D values per image, still in preprocessed units (see [`min_max_rescale`]).
pub fn project_images(
    preprocessing: &Preprocessing,
    basis: MatRef<'_, f64>,
    images: &[&[u8]],
) -> Vec<Vec<f64>> {
    images
        .iter()
        .map(|image| {
            let x = preprocessing.apply(image);
            let coords: Vec<f64> = (0..basis.ncols())
                .map(|k| (0..x.len()).map(|i| basis[(i, k)] * x[i]).sum())
                .collect();
            (0..x.len())
                .map(|i| (0..coords.len()).map(|k| basis[(i, k)] * coords[k]).sum())
                .collect()
        })
        .collect()
}

/// Rescales values linearly onto 0..=1 (min -> 0, max -> 1), as the paper displays projected
/// images; a constant image maps to 0.5.
pub fn min_max_rescale(values: &[f64]) -> Vec<f64> {
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if hi > lo {
        values.iter().map(|v| (v - lo) / (hi - lo)).collect()
    } else {
        vec![0.5; values.len()]
    }
}
