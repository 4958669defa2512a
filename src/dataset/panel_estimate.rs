//! How long each of the page's figures takes on a dataset of N images of D pixels, estimated before
//! anything runs: the page starts the figures estimated to finish within
//! [`PANEL_AUTO_SECONDS`] and holds the others until the reader asks for them.
//!
//! Each figure's time is the Gram matrix (N D^2 / 2 multiply-adds at [`GRAM_MULADDS_PER_SECOND`]),
//! a part that grows as D^3 (eigensolves) and a part that grows as N D (probes, training epochs,
//! per-image passes). The two constants per figure were fitted to the page's times on its CPU
//! path in headless Chromium on a 2-core machine: each figure alone, from the press of Load to its
//! end, on generated CIFAR-sized images at N = 10,000 with D = 768 and D = 3,072 (BENCHMARKS.md,
//! "Large images on the page"; training at the default 20 epochs; the noise designer with a
//! Gaussian map, at D = 3,072 only). The estimate is rough: it says seconds, minutes or hours, and a faster
//! CPU takes less.

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
pub const PANEL_AUTO_SECONDS: f64 = 60.0;

/// Multiply-adds per second of the Gram matrix on the page's CPU path (the wasm's integer dot
/// products), as the fit assumes.
pub const GRAM_MULADDS_PER_SECOND: f64 = 4e9;

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

/// Seconds at D = 784, N = 10,000 of the parts that grow as D^3 and as N D, per figure (fitted;
/// see the module's documentation).
fn reference_seconds(panel: &str) -> (f64, f64) {
    match panel {
        // Two eigensolves (clean and noisy curves).
        "alignment" => (0.65, 1.1),
        // Thirty-one noises, nine per mask family sharing one eigendecomposition.
        "sweep" => (4.1, 1.0),
        // The pencil's eigensolve and the largest angles at every width (a grid above D = 1024).
        "never" => (1.3, 1.15),
        // One eigensolve, linear probes and fourteen MLP probes.
        "subspace" => (1.5, 6.2),
        // One partial eigensolve per lambda of the grid.
        "guided" => (0.1, 0.28),
        // The monitor's eigensolves, and 20 training epochs.
        "train" => (0.47, 4.6),
        // An alignment curve and two never-beneficial tests of the designed noise.
        "designer" => (3.2, 0.0),
        _ => (0.0, 0.0),
    }
}

impl PanelEstimate {
    /// The estimate for figure `panel` on N images of D pixels.
    pub fn new(panel: &str, n: usize, d: usize) -> Self {
        let (cubic, linear) = reference_seconds(panel);
        let scale_d = d as f64 / REFERENCE_D;
        let scale_n = n as f64 / REFERENCE_N;
        let gram = n as f64 * (d as f64).powi(2) / 2.0 / GRAM_MULADDS_PER_SECOND;
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
