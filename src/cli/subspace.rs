//! `recon-align subspace`: the linear probes on the top and the bottom variance subspaces and,
//! with `--mlp`, the page's MLP probes on the same subspaces (the page's subspace panel, one
//! fraction at a time).

use recon_align::dataset::Dataset;
use recon_align::spectral::{self, SubspaceSide, SubspaceStudy};
use recon_align::train::{
    mlp_probe_config, mlp_subspace_accuracy, Backend, MlpConfig, Optimiser, MLP_HIDDEN,
};
use serde_json::{json, Value};

use super::commands::{load, with_fields};
use super::train::gpu_context;
use super::{Device, Failure, Output, SubspaceArgs};

/// The MLP probes' test accuracies on the two subspaces, and how they were trained.
struct MlpProbes {
    top_accuracy: f64,
    bottom_accuracy: f64,
    backend: &'static str,
    config: MlpConfig,
}

/// Trains the page's MLP probe (`mlp_probe_config(seed)`, the split seed) on the top and on the
/// bottom subspace of `study` holding `fraction` of the variance, on `device`.
fn mlp_probes(
    study: &SubspaceStudy,
    data: &Dataset,
    fraction: f64,
    device: Device,
    seed: u64,
) -> Result<MlpProbes, Failure> {
    let ctx = match device {
        Device::Gpu => Some(gpu_context()?),
        Device::Cpu => None,
    };
    let backend = ctx.as_ref().map_or(Backend::Cpu, Backend::Gpu);
    let config = mlp_probe_config(seed);
    let accuracy = |side| {
        pollster::block_on(mlp_subspace_accuracy(
            study, backend, data, fraction, side, &config,
        ))
        .map(|(acc, _)| acc)
    };
    Ok(MlpProbes {
        top_accuracy: accuracy(SubspaceSide::Top)?,
        bottom_accuracy: accuracy(SubspaceSide::Bottom)?,
        backend: backend.name(),
        config,
    })
}

/// `subspace`: linear-probe (and with `--mlp`, MLP-probe) accuracy on the top and bottom
/// variance subspaces.
pub(super) fn subspace(args: &SubspaceArgs) -> Result<Output, Failure> {
    let config = args.probe.config();
    let data = load(&args.data)?;
    let (result, mlp) = if args.mlp {
        // One split and one PCA for both kinds of probe, as the page's worker does.
        let study = SubspaceStudy::new(&data, &config)?;
        let result = study.linear(&data, args.fraction)?;
        let mlp = mlp_probes(&study, &data, args.fraction, args.backend, config.seed)?;
        (result, Some(mlp))
    } else {
        (
            spectral::subspace_split(&data, args.fraction, &config)?,
            None,
        )
    };
    if args.json {
        let mut value = with_fields(
            &result,
            &[
                ("n", json!(data.n)),
                ("d", json!(data.d())),
                ("seed", json!(config.seed)),
            ],
        );
        if let (Some(m), Value::Object(fields)) = (&mlp, &mut value) {
            fields.insert("top_mlp_accuracy".into(), json!(m.top_accuracy));
            fields.insert("bottom_mlp_accuracy".into(), json!(m.bottom_accuracy));
            fields.insert("mlp_backend".into(), json!(m.backend));
        }
        return Ok(Output::Json(value));
    }
    let mut text = format!(
        "N={} D={} (train {}, test {}), linear probe test accuracy\n\
         top    {:>4} dims holding {:>6.2}% of the variance: {:>6.2}%\n\
         bottom {:>4} dims holding {:>6.2}% of the variance: {:>6.2}%\n\
         all pixels: {:.2}%   majority class: {:.2}%\n",
        data.n,
        data.d(),
        result.n_train,
        result.n_test,
        result.top_dims,
        100.0 * result.top_variance,
        100.0 * result.top_accuracy,
        result.bottom_dims,
        100.0 * result.bottom_variance,
        100.0 * result.bottom_accuracy,
        100.0 * result.full_accuracy,
        100.0 * result.chance
    );
    if let Some(m) = mlp {
        let c = &m.config;
        let optimiser = match c.optimiser {
            Optimiser::Adam { .. } => "Adam",
            Optimiser::SgdMomentum { .. } => "SGD with momentum",
        };
        text.push_str(&format!(
            "MLP probe test accuracy ({MLP_HIDDEN} hidden ReLU units, {} epochs of {optimiser} \
             at lr {} on batches of {}, seed {}; each projected image normalised on its own; \
             trained on {})\n\
             top    {:>4} dims: {:>6.2}%\n\
             bottom {:>4} dims: {:>6.2}%\n",
            c.epochs,
            c.lr,
            c.batch,
            c.seed,
            m.backend,
            result.top_dims,
            100.0 * m.top_accuracy,
            result.bottom_dims,
            100.0 * m.bottom_accuracy,
        ));
    }
    Ok(Output::Text(text))
}
