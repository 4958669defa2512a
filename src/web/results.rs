//! The plain objects the worker protocol sends to the page (see `www/worker.js`), built from the
//! library's results.

use crate::dataset::Dataset;
use crate::spectral::{GuidedReport, Noise, SpectralError, SubspaceStudy, SweepConfig};

/// Variance fractions of the top/bottom panel.
pub(super) const FRACTIONS: [f64; 7] = [0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];
/// Reconstruction weights of the guided panel: from supervision only to reconstruction only.
pub(super) const LAMBDAS: [f64; 9] = [1e-6, 1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0, 1e4];

/// Alignment (%) against K for no noise and for one noise.
#[derive(serde::Serialize)]
pub(super) struct AlignmentResult {
    pub n: usize,
    pub d: usize,
    pub noise: String,
    pub k: Vec<usize>,
    pub clean: Vec<f64>,
    pub noisy: Vec<f64>,
}

/// Alignment (%) against K = 1..D for one noise.
#[derive(serde::Serialize)]
pub(super) struct AlignmentCurve {
    pub n: usize,
    pub d: usize,
    pub noise: String,
    pub alignment: Vec<f64>,
}

/// One noise of the paper's sweep.
#[derive(serde::Serialize)]
pub(super) struct SweepEntry {
    noise: String,
    kind: &'static str,
    p: f64,
    patch: usize,
    std: f64,
}

/// The sweep's noises, one entry each (the worker runs them one by one): the paper's sweep with
/// its first Gaussian noise as the flat-zero reference.
pub(super) fn sweep_plan() -> Vec<SweepEntry> {
    let default = SweepConfig::default();
    let config = SweepConfig {
        gaussian_stds: default.gaussian_stds[..1].to_vec(),
        ..default
    };
    config
        .noises()
        .map(|noise| {
            let (kind, p, patch, std) = match noise {
                Noise::Gaussian { std } => ("gaussian", 0.0, 0, std),
                Noise::Mask { p, patch } => ("mask", p, patch, 0.0),
                Noise::None => ("none", 0.0, 0, 0.0),
                Noise::DropMap { .. } => ("dropmap", 0.0, 1, 0.0),
                Noise::GaussMap { .. } => ("gaussmap", 0.0, 0, 0.0),
            };
            SweepEntry {
                noise: noise.to_string(),
                kind,
                p,
                patch,
                std,
            }
        })
        .collect()
}

/// One end of the spectrum, per variance fraction.
#[derive(serde::Serialize, Default)]
struct SubspaceSideResult {
    variance: Vec<f64>,
    dims: Vec<usize>,
    linear_acc: Vec<f64>,
}

/// The seeded held-out split of a probe.
#[derive(serde::Serialize)]
struct SplitInfo {
    train: usize,
    test: usize,
    seed: u64,
}

/// Linear-probe accuracy on the top and bottom variance subspaces, per fraction.
#[derive(serde::Serialize)]
pub(super) struct SubspaceResult {
    split: SplitInfo,
    fractions: Vec<f64>,
    full_acc: f64,
    chance: f64,
    top: SubspaceSideResult,
    bottom: SubspaceSideResult,
}

impl SubspaceResult {
    /// The linear probes of `study` at every fraction of [`FRACTIONS`].
    pub(super) fn collect(
        study: &SubspaceStudy,
        data: &Dataset,
        seed: u64,
    ) -> Result<Self, SpectralError> {
        let mut top = SubspaceSideResult::default();
        let mut bottom = SubspaceSideResult::default();
        let mut last = None;
        for &f in &FRACTIONS {
            let s = study.linear(data, f)?;
            top.variance.push(s.top_variance);
            top.dims.push(s.top_dims);
            top.linear_acc.push(s.top_accuracy);
            bottom.variance.push(s.bottom_variance);
            bottom.dims.push(s.bottom_dims);
            bottom.linear_acc.push(s.bottom_accuracy);
            last = Some(s);
        }
        let last = last.expect("FRACTIONS is not empty");
        Ok(SubspaceResult {
            split: SplitInfo {
                train: last.n_train,
                test: last.n_test,
                seed,
            },
            fractions: FRACTIONS.to_vec(),
            full_acc: last.full_accuracy,
            chance: last.chance,
            top,
            bottom,
        })
    }
}

/// Reconstruction error against probe accuracy as the reconstruction weight varies.
#[derive(serde::Serialize)]
pub(super) struct GuidedResult {
    k: usize,
    split: SplitInfo,
    lambda: Vec<f64>,
    recon_error: Vec<f64>,
    probe_acc: Vec<f64>,
    pca_recon_error: f64,
    pca_acc: f64,
}

impl GuidedResult {
    /// The report of a run with split seed `seed`.
    pub(super) fn new(r: GuidedReport, seed: u64) -> Self {
        GuidedResult {
            k: r.k,
            split: SplitInfo {
                train: r.n_train,
                test: r.n_test,
                seed,
            },
            lambda: r.points.iter().map(|p| p.lambda).collect(),
            recon_error: r.points.iter().map(|p| p.reconstruction_error).collect(),
            probe_acc: r.points.iter().map(|p| p.accuracy).collect(),
            pca_recon_error: r.pca_reconstruction_error,
            pca_acc: r.pca_accuracy,
        }
    }
}
