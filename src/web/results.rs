//! The plain objects the worker protocol sends to the page (see `www/worker.js`), built from the
//! library's results.

use crate::dataset::Dataset;
use crate::spectral::{
    AlignmentScale, Noise, SpectralError, SubspaceSideTable, SubspaceStudy, SweepConfig,
};
use crate::train::mlp::{mlp_probe_config, MLP_NORMALISATION, MLP_PATIENCE, MLP_VALIDATION};

/// Variance fractions of the top/bottom panel.
pub(super) const FRACTIONS: [f64; 7] = crate::spectral::SUBSPACE_FRACTIONS;
/// Alignment (%) against K for no noise and for one noise.
#[derive(serde::Serialize)]
pub(super) struct AlignmentResult {
    pub n: usize,
    pub d: usize,
    pub noise: String,
    pub k: Vec<usize>,
    pub clean: Vec<f64>,
    pub noisy: Vec<f64>,
    /// The clean curve's scale, as `recon-align align --json` gives it.
    pub scale: AlignmentScale,
}

/// Alignment (%) against K = 1..D for one noise.
#[derive(serde::Serialize)]
pub(super) struct AlignmentCurve {
    pub n: usize,
    pub d: usize,
    pub noise: String,
    pub alignment: Vec<f64>,
    /// The scale of the clean curve, with the clean curve only (`none`); null otherwise.
    pub scale: Option<AlignmentScale>,
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

/// The seeded held-out split of a probe.
#[derive(serde::Serialize)]
struct SplitInfo {
    train: usize,
    test: usize,
    seed: u64,
}

/// Linear-probe accuracy on the top and bottom variance subspaces, per fraction, and how the
/// page's MLP probes (one `mlp` task per subspace) are trained.
#[derive(serde::Serialize)]
pub(super) struct SubspaceResult {
    split: SplitInfo,
    fractions: Vec<f64>,
    full_acc: f64,
    chance: f64,
    top: SubspaceSideTable,
    bottom: SubspaceSideTable,
    mlp_normalisation: &'static str,
    mlp_max_epochs: usize,
    mlp_patience: usize,
    mlp_validation: f64,
}

impl SubspaceResult {
    /// The linear probes of `study` at every fraction of [`FRACTIONS`].
    pub(super) fn collect(
        study: &SubspaceStudy,
        data: &Dataset,
        seed: u64,
    ) -> Result<Self, SpectralError> {
        let table = study.table(data, &FRACTIONS)?;
        Ok(SubspaceResult {
            split: SplitInfo {
                train: table.n_train,
                test: table.n_test,
                seed,
            },
            fractions: table.fractions,
            full_acc: table.full_acc,
            chance: table.chance,
            top: table.top,
            bottom: table.bottom,
            mlp_normalisation: MLP_NORMALISATION,
            mlp_max_epochs: mlp_probe_config(seed).epochs,
            mlp_patience: MLP_PATIENCE,
            mlp_validation: MLP_VALIDATION,
        })
    }
}
