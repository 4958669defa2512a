//! What the page's worker can hold and finish: a dataset is checked in full (sizes, images,
//! classes, and a memory and time estimate of the figures from N and D) before it replaces the
//! one loaded, so a refused dataset costs nothing.

use super::{DataError, Dataset};

/// Fewest images the page accepts (the probes hold out a fifth of them for testing).
pub const MIN_IMAGES: usize = 20;
/// Fewest classes the page accepts (a probe needs two classes to tell apart).
pub const MIN_CLASSES: usize = 2;
/// Most memory the figures may need, by [`PageEstimate`], in bytes (the worker's WebAssembly
/// memory tops out at 4 GiB, and a browser tab seldom gets that much).
pub const PAGE_MAX_BYTES: u64 = 1 << 30;
/// Longest the first figure (the alignment curves, which every dataset must reach) may take, by
/// [`PageEstimate`], in seconds. Longer figures are held for the reader
/// ([`PanelEstimate`](super::PanelEstimate)), not refused.
pub const PAGE_MAX_SECONDS: f64 = 600.0;
/// Multiply-adds per second assumed of the page's CPU path (WebAssembly, one thread): a
/// deliberately low rate, so the estimate errs towards refusing.
pub const PAGE_MULADDS_PER_SECOND: f64 = 1e9;
/// D x D matrices of f64 the figures keep at once (G, the noise's moments, eigenvectors, the
/// pencil's factors and their work space, and two mask families).
pub const PAGE_SQUARE_MATRICES: u64 = 10;
/// Multiply-adds of the first figure's eigenproblems of size D (PCA and a generalized one, a few
/// D^3 each), counted in units of D^3.
pub const PAGE_CUBES: f64 = 12.0;

/// Memory the page's figures need for N images of D pixels, and time its first figure needs (an
/// estimate).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageEstimate {
    /// Bytes: the images (N D) and the D x D matrices of f64.
    pub bytes: u64,
    /// Seconds at [`PAGE_MULADDS_PER_SECOND`]: the Gram matrix (N D^2 / 2) and the
    /// eigenproblems ([`PAGE_CUBES`] D^3).
    pub seconds: f64,
}

impl PageEstimate {
    /// The estimate for N images of D pixels.
    pub fn new(n: usize, d: usize) -> Self {
        let (n64, d64) = (n as u64, d as u64);
        let bytes = n64.saturating_mul(d64).saturating_add(
            PAGE_SQUARE_MATRICES
                .saturating_mul(8)
                .saturating_mul(d64.saturating_mul(d64)),
        );
        let (nf, df) = (n as f64, d as f64);
        let seconds = (nf * df * df / 2.0 + PAGE_CUBES * df * df * df) / PAGE_MULADDS_PER_SECOND;
        PageEstimate { bytes, seconds }
    }

    /// Whether the page can hold and finish it.
    pub fn fits(&self) -> bool {
        self.bytes <= PAGE_MAX_BYTES && self.seconds <= PAGE_MAX_SECONDS
    }
}

/// Largest D whose figures fit the page's limits (for N = `n` images), found by bisection.
pub fn page_max_d(n: usize) -> usize {
    let (mut lo, mut hi) = (1usize, 1usize << 20);
    while lo + 1 < hi {
        let mid = (lo + hi) / 2;
        if PageEstimate::new(n, mid).fits() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

fn gb(bytes: u64) -> String {
    format!("{:.2} GB", bytes as f64 / 1e9)
}

fn duration(seconds: f64) -> String {
    if seconds < 120.0 {
        format!("{seconds:.0} s")
    } else if seconds < 7200.0 {
        format!("{:.0} minutes", seconds / 60.0)
    } else {
        format!("{:.0} hours", seconds / 3600.0)
    }
}

/// Refuses N images of D pixels when the page's figures could not hold or finish them; the
/// message gives the estimate and the limits.
pub fn check_page_size(n: usize, d: usize) -> Result<(), DataError> {
    let e = PageEstimate::new(n, d);
    if e.fits() {
        return Ok(());
    }
    let max_d = page_max_d(n);
    let side = (max_d as f64).sqrt().floor() as usize;
    Err(DataError::Refused(format!(
        "{} images of D={} pixels are too large for this page: the figures would need about {} \
         of memory and {} (estimated); the limits are {} and {} (for {} images, D <= {}, e.g. \
         {side}x{side} pixels)",
        sep(n),
        sep(d),
        gb(e.bytes),
        duration(e.seconds),
        gb(PAGE_MAX_BYTES),
        duration(PAGE_MAX_SECONDS),
        sep(n),
        sep(max_d),
    )))
}

/// Checks a parsed dataset for the page: its size ([`check_page_size`]), at least
/// [`MIN_IMAGES`] images and [`MIN_CLASSES`] classes that hold images.
pub fn check_for_page(data: &Dataset) -> Result<(), DataError> {
    if data.n < MIN_IMAGES {
        return Err(DataError::Refused(format!(
            "the data holds {} image{}; the figures need at least {MIN_IMAGES}",
            data.n,
            if data.n == 1 { "" } else { "s" }
        )));
    }
    let present = data.class_counts().iter().filter(|&&c| c > 0).count();
    if present < MIN_CLASSES {
        return Err(DataError::Refused(format!(
            "every image has the same label ({}); the probes need at least {MIN_CLASSES} classes",
            data.labels.first().copied().unwrap_or(0)
        )));
    }
    check_page_size(data.n, data.d())
}

/// `12345` as `12,345`.
fn sep(v: usize) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
