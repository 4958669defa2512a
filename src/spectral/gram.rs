//! The second moments of the preprocessed data: G = X^T X, Y^T X and n_c (docs/maths.md,
//! "Preprocessing and the Gram matrix").

use faer::{Mat, MatMut, MatRef};
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use super::byte_gram::byte_gram;
use super::shared_eigen::SharedEigen;
use super::{GeneralizedEigen, MaskFamily, Noise, Pca, Preprocessing, SpectralError};
use crate::dataset::Dataset;

/// The relative ridge added to G: `ridge = DEFAULT_RELATIVE_RIDGE * trace(G) / D`.
///
/// The ridge rule (docs/maths.md): at most 1e-6 * trace(G)/D, so that constant pixels (MNIST's
/// border) contribute nothing. We take the largest allowed value: it keeps Cholesky of B well
/// defined for every noise model while moving no eigenvalue of real data by more than 1e-6 of
/// the mean eigenvalue. Adding `ridge * I` to G is the same as appending D label-free
/// pseudo-images `sqrt(ridge) * e_i` to X (with zero rows in Y): null directions then have a
/// tiny but well-defined norm and exactly zero label energy, so they sort last and carry nothing
/// in the alignment measure, deterministically (unlike the random jitter of the authors' code).
pub const DEFAULT_RELATIVE_RIDGE: f64 = 1e-6;

/// Images per block when streaming preprocessed pixels (probes, projections).
const CHUNK_ROWS: usize = 512;

/// Image geometry (C, H, W), channel-major; the mask noise needs it to tile patches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageShape {
    /// Channels C.
    pub c: usize,
    /// Height H.
    pub h: usize,
    /// Width W.
    pub w: usize,
}

impl ImageShape {
    /// Pixels per image, D = C*H*W.
    pub fn d(&self) -> usize {
        self.c * self.h * self.w
    }
}

/// The preprocessed Gram matrix G = X^T X (plus ridge), the class sums Y^T X and counts n_c.
#[derive(Clone, Debug)]
pub struct Gram {
    shape: ImageShape,
    n: usize,
    preprocessing: Preprocessing,
    g: Mat<f64>,
    ridge: f64,
    class_sums: Mat<f64>,
    class_counts: Vec<usize>,
    shared: SharedEigen,
}

impl Gram {
    /// G, Y^T X and n_c of a whole dataset, with [`DEFAULT_RELATIVE_RIDGE`].
    pub fn from_dataset(data: &Dataset) -> Result<Gram, SpectralError> {
        let rows: Vec<usize> = (0..data.n).collect();
        Gram::from_rows(data, &rows, DEFAULT_RELATIVE_RIDGE)
    }

    /// G, Y^T X and n_c of the images `rows` of `data` (a training split), preprocessed with
    /// their own mean and std, with ridge `relative_ridge * trace(G) / D`.
    pub fn from_rows(
        data: &Dataset,
        rows: &[usize],
        relative_ridge: f64,
    ) -> Result<Gram, SpectralError> {
        let shape = ImageShape {
            c: data.c,
            h: data.h,
            w: data.w,
        };
        let d = shape.d();
        let n = rows.len();
        if n < 2 || d == 0 {
            return Err(SpectralError::InvalidArgument(format!(
                "need at least 2 images of at least 1 pixel, got N={n}, D={d}"
            )));
        }
        let classes = data.classes.max(1);
        let raw = raw_moments(data, rows, classes);
        // Centring after the fact is exact enough: the raw sums of byte products are integers
        // below 2^53, so R and s s^T / n are each off by one rounding at most.
        let mut centred = raw.gram;
        let n_f = n as f64;
        for j in 0..d {
            for i in j..d {
                centred[(i, j)] -= raw.pixel_sums[i] * raw.pixel_sums[j] / n_f;
            }
        }
        let trace: f64 = (0..d).map(|i| centred[(i, i)]).sum();
        let var = trace / (n_f * d as f64);
        if var <= 0.0 {
            return Err(SpectralError::InvalidArgument(
                "every pixel is constant: the global std is zero".into(),
            ));
        }
        let mut g = Mat::from_fn(d, d, |i, j| {
            let (i, j) = if i >= j { (i, j) } else { (j, i) };
            centred[(i, j)] / var
        });
        let std_bytes = var.sqrt();
        let mean_bytes: Vec<f64> = raw.pixel_sums.iter().map(|s| s / n_f).collect();
        let class_sums = Mat::from_fn(classes, d, |c, j| {
            (raw.class_sums[c * d + j] - raw.class_counts[c] as f64 * mean_bytes[j]) / std_bytes
        });
        let ridge = add_ridge(g.as_mut(), relative_ridge)?;
        Ok(Gram {
            shape,
            n,
            preprocessing: Preprocessing {
                mean: mean_bytes.iter().map(|m| m / 255.0).collect(),
                scale: std_bytes / 255.0,
            },
            g,
            ridge,
            class_sums,
            class_counts: raw.class_counts,
            shared: SharedEigen::default(),
        })
    }

    /// Builds a Gram from moments computed elsewhere (e.g. on the GPU): `gram` is the D x D
    /// preprocessed X^T X without ridge (row-major, f32 or f64), `class_sums` the C x D matrix
    /// Y^T X (row-major), `class_counts` the n_c. The ridge `relative_ridge * trace(G)/D` is added
    /// here, and G is symmetrised because a GPU sum need not be exactly symmetric.
    pub fn from_preprocessed<T: Copy + Into<f64>>(
        shape: ImageShape,
        preprocessing: Preprocessing,
        gram: &[T],
        class_sums: &[T],
        class_counts: &[usize],
        relative_ridge: f64,
    ) -> Result<Gram, SpectralError> {
        let d = shape.d();
        let classes = class_counts.len();
        if gram.len() != d * d || class_sums.len() != classes * d || preprocessing.mean.len() != d {
            return Err(SpectralError::Shape(format!(
                "D={d}, C={classes}: expected gram of {} values, class sums of {} and mean of {d}; got {}, {} and {}",
                d * d,
                classes * d,
                gram.len(),
                class_sums.len(),
                preprocessing.mean.len()
            )));
        }
        let n: usize = class_counts.iter().sum();
        let at = |i: usize, j: usize| -> f64 { gram[i * d + j].into() };
        let largest = (0..d * d)
            .map(|k| at(k / d, k % d).abs())
            .fold(0.0, f64::max);
        let skew = (0..d * d)
            .map(|k| (at(k / d, k % d) - at(k % d, k / d)).abs())
            .fold(0.0, f64::max);
        // f32 rounding leaves a skew near 1e-7 of the largest entry; a large one means a single
        // triangle was filled, which averaging would silently halve.
        if skew > 1e-3 * largest {
            return Err(SpectralError::Shape(format!(
                "the Gram is not symmetric (max |G_ij - G_ji| = {skew:e}, max |G_ij| = {largest:e}): pass the full matrix"
            )));
        }
        let mut g = Mat::from_fn(d, d, |i, j| {
            0.5 * (gram[i * d + j].into() + gram[j * d + i].into())
        });
        let ridge = add_ridge(g.as_mut(), relative_ridge)?;
        Ok(Gram {
            shape,
            n,
            preprocessing,
            g,
            ridge,
            class_sums: Mat::from_fn(classes, d, |c, j| class_sums[c * d + j].into()),
            class_counts: class_counts.to_vec(),
            shared: SharedEigen::default(),
        })
    }

    /// Pixels per image D.
    pub fn d(&self) -> usize {
        self.shape.d()
    }

    /// Number of images N behind the moments.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of classes C.
    pub fn classes(&self) -> usize {
        self.class_counts.len()
    }

    /// Image geometry.
    pub fn shape(&self) -> ImageShape {
        self.shape
    }

    /// The preprocessing that produced these moments.
    pub fn preprocessing(&self) -> &Preprocessing {
        &self.preprocessing
    }

    /// G = X^T X + ridge * I (D x D, symmetric).
    pub fn matrix(&self) -> MatRef<'_, f64> {
        self.g.as_ref()
    }

    /// G as an ndarray (D x D).
    pub fn to_array(&self) -> ndarray::Array2<f64> {
        to_array(self.g.as_ref())
    }

    /// G as a row-major `Vec` (D*D values).
    pub fn to_row_major(&self) -> Vec<f64> {
        let d = self.d();
        (0..d * d).map(|k| self.g[(k / d, k % d)]).collect()
    }

    /// The absolute ridge that was added to G's diagonal.
    pub fn ridge(&self) -> f64 {
        self.ridge
    }

    /// trace(G), ridge included: the reconstruction loss of the zero map.
    pub fn trace(&self) -> f64 {
        (0..self.d()).map(|i| self.g[(i, i)]).sum()
    }

    /// Y^T X, the C x D per-class sums of preprocessed pixels.
    pub fn class_sums(&self) -> MatRef<'_, f64> {
        self.class_sums.as_ref()
    }

    /// n_c, the number of images in each class.
    pub fn class_counts(&self) -> &[usize] {
        &self.class_counts
    }

    /// PCA of G, computed on the first call and shared by every later one (clones included).
    pub fn pca(&self) -> Result<Arc<Pca>, SpectralError> {
        self.shared.pca(self)
    }

    /// The generalized eigenpairs of `noise`'s pencil, shared with the latest callers that asked
    /// for the same noise (the alignment and the never-beneficial test, say).
    pub fn generalized_eigen(&self, noise: &Noise) -> Result<Arc<GeneralizedEigen>, SpectralError> {
        self.shared.pencil(self, noise)
    }

    /// The eigendecomposition shared by every mask of patch side `patch` ([`MaskFamily`]),
    /// kept for the sweep's patch sides.
    pub fn mask_family(&self, patch: usize) -> Result<Arc<MaskFamily>, SpectralError> {
        self.shared.mask_family(self, patch)
    }
}

/// Adds `relative_ridge * trace(G)/D` to G's diagonal and returns that ridge.
fn add_ridge(mut g: MatMut<'_, f64>, relative_ridge: f64) -> Result<f64, SpectralError> {
    if !(0.0..=1e-6).contains(&relative_ridge) {
        return Err(SpectralError::InvalidArgument(format!(
            "relative ridge {relative_ridge} outside [0, 1e-6] (docs/maths.md)"
        )));
    }
    let d = g.nrows();
    let trace: f64 = (0..d).map(|i| g[(i, i)]).sum();
    let ridge = relative_ridge * trace / d as f64;
    for i in 0..d {
        g[(i, i)] += ridge;
    }
    Ok(ridge)
}

/// Exact sums over raw bytes (values 0..=255): lower triangle of R = B^T B, pixel and class sums.
struct RawMoments {
    gram: Mat<f64>,
    pixel_sums: Vec<f64>,
    class_sums: Vec<f64>,
    class_counts: Vec<usize>,
}

fn raw_moments(data: &Dataset, rows: &[usize], classes: usize) -> RawMoments {
    let d = data.d();
    let mut class_sums = vec![0u64; classes * d];
    let mut class_counts = vec![0usize; classes];
    for &row in rows {
        let label = usize::from(data.labels[row]).min(classes - 1);
        class_counts[label] += 1;
        for (s, &b) in class_sums[label * d..(label + 1) * d]
            .iter_mut()
            .zip(data.image(row))
        {
            *s += u64::from(b);
        }
    }
    // Every image is in exactly one class: the pixel sums are the class sums added up.
    let mut pixel_sums = vec![0u64; d];
    for class in class_sums.chunks_exact(d) {
        for (s, &c) in pixel_sums.iter_mut().zip(class) {
            *s += c;
        }
    }
    // Integers below 2^53 (N < 1.3e11 images): exact in f64.
    let r = byte_gram(d, rows, |row| data.image(row));
    RawMoments {
        gram: Mat::from_fn(d, d, |i, j| if i >= j { r[i * d + j] as f64 } else { 0.0 }),
        pixel_sums: pixel_sums.iter().map(|&s| s as f64).collect(),
        class_sums: class_sums.iter().map(|&s| s as f64).collect(),
        class_counts,
    }
}

/// Streams the images `rows` preprocessed with `prep`, `CHUNK_ROWS` images at a time; each
/// chunk is image-major (image j at `chunk[j*D..(j+1)*D]`).
pub(crate) fn for_each_preprocessed_chunk(
    data: &Dataset,
    rows: &[usize],
    prep: &Preprocessing,
    mut f: impl FnMut(&[f64], &[usize]),
) {
    let d = data.d();
    let inv = 1.0 / (255.0 * prep.scale);
    let offset: Vec<f64> = prep.mean.iter().map(|m| m / prep.scale).collect();
    let mut buffer = vec![0.0f64; CHUNK_ROWS * d];
    for chunk_rows in rows.chunks(CHUNK_ROWS) {
        let buf = &mut buffer[..chunk_rows.len() * d];
        for (dst, &row) in buf.chunks_exact_mut(d).zip(chunk_rows) {
            for ((x, &b), &o) in dst.iter_mut().zip(data.image(row)).zip(&offset) {
                *x = f64::from(b) * inv - o;
            }
        }
        f(buf, chunk_rows);
    }
}

/// A faer matrix as an ndarray, for callers that work in ndarray.
pub(crate) fn to_array(m: MatRef<'_, f64>) -> ndarray::Array2<f64> {
    ndarray::Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}
