//! How long each of the page's figures takes on a dataset of N images of D pixels, estimated before
//! anything runs: the page starts the figures estimated to finish within
//! [`PANEL_AUTO_SECONDS`] and holds the others until the reader asks for them.
//!
//! Each figure's time on the page's CPU path was measured on the bundled digits (N = 10,000,
//! D = 784) in headless Chromium on a 2-core machine (BENCHMARKS.md, "Large images on the page"),
//! and is scaled from there by how its work grows: the eigensolves as D^3, the Gram matrix as
//! N D^2, the probes and training as N D. The estimate is rough (within a factor of about 2 on
//! that machine; a faster CPU takes less): it says minutes or hours, not seconds.

use serde::{Deserialize, Serialize};

/// The page's figures that can take long, by their progress row's name.
pub const PANELS: [&str; 7] = [
    "alignment",
    "sweep",
    "never",
    "subspace",
    "guided",
    "train",
    "designer",
];

/// Figures estimated to take longer than this (seconds) wait for the reader on the page.
pub const PANEL_AUTO_SECONDS: f64 = 180.0;

/// The reference dataset of the measured times: N and D of the bundled digits.
const REFERENCE_N: f64 = 10_000.0;
const REFERENCE_D: f64 = 784.0;

/// One figure's estimate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PanelEstimate {
    /// The figure, one of [`PANELS`].
    pub panel: String,
    /// Estimated seconds on the page's CPU path.
    pub seconds: f64,
    /// Estimated bytes of memory it holds at its peak: the images (N D) and its D x D matrices
    /// of f64.
    pub bytes: u64,
    /// Whether the page starts it on its own (`seconds <= PANEL_AUTO_SECONDS`).
    pub auto: bool,
}

/// D x D matrices of f64 each figure holds at its peak (G, eigenvectors, the pencil's factors,
/// the overlaps and triangular factors of the never-beneficial test, work space).
fn square_matrices(panel: &str) -> u64 {
    match panel {
        "never" | "designer" => 12,
        "sweep" | "guided" => 8,
        _ => 6,
    }
}

/// Seconds on the reference data for the parts that grow as D^3 and as N D, per figure.
fn reference_seconds(panel: &str) -> (f64, f64) {
    match panel {
        // Two eigensolves (clean and noisy curves).
        "alignment" => (2.0, 0.0),
        // Thirty-one noises, nine per mask family sharing one eigendecomposition.
        "sweep" => (14.0, 0.0),
        // Two eigensolves and the largest angles at every width (a grid above D = 1024).
        "never" => (5.0, 0.0),
        // One eigensolve and linear probes (D^3), fourteen MLP probes (N D).
        "subspace" => (4.0, 16.0),
        // One partial eigensolve per lambda of the grid.
        "guided" => (13.0, 0.0),
        // Training epochs at the default settings, and the monitor's eigensolves.
        "train" => (2.0, 12.0),
        // An alignment curve and two never-beneficial tests of the designed noise.
        "designer" => (11.0, 0.0),
        _ => (0.0, 0.0),
    }
}

impl PanelEstimate {
    /// The estimate for figure `panel` on N images of D pixels.
    pub fn new(panel: &str, n: usize, d: usize) -> Self {
        let (cubic, linear) = reference_seconds(panel);
        let scale_d = d as f64 / REFERENCE_D;
        let scale_n = n as f64 / REFERENCE_N;
        // The Gram matrix: N D^2 / 2 multiply-adds at 1e9 per second.
        let gram = n as f64 * (d as f64).powi(2) / 2.0 / 1e9;
        let seconds = gram + cubic * scale_d.powi(3) + linear * scale_n * scale_d;
        let (n64, d64) = (n as u64, d as u64);
        let bytes = n64.saturating_mul(d64).saturating_add(
            square_matrices(panel)
                .saturating_mul(8)
                .saturating_mul(d64.saturating_mul(d64)),
        );
        PanelEstimate {
            panel: panel.to_string(),
            seconds,
            bytes,
            auto: seconds <= PANEL_AUTO_SECONDS,
        }
    }

    /// Every figure's estimate, in the order of [`PANELS`].
    pub fn all(n: usize, d: usize) -> Vec<Self> {
        PANELS.iter().map(|p| Self::new(p, n, d)).collect()
    }
}
