//! `recon-align subspace`: the linear probes on the top and the bottom variance subspaces and,
//! with `--mlp`, the page's MLP probes on the same subspaces. With `--fraction`, one fraction;
//! without, the page's subspace panel (every fraction it plots, with its field names).

use std::fmt::Write as _;

use recon_align::dataset::Dataset;
use recon_align::spectral::{
    SubspaceSide, SubspaceSideTable, SubspaceSplit, SubspaceStudy, SUBSPACE_FRACTIONS,
};
use recon_align::train::mlp::{MlpScore, MLP_NORMALISATION, MLP_PATIENCE, MLP_VALIDATION};
use recon_align::train::{
    mlp_probe_config, mlp_subspace_accuracy, Backend, MlpConfig, Optimiser, MLP_HIDDEN,
};
use serde_json::{json, Map, Value};

use super::commands::{load, with_fields};
use super::train::gpu_context;
use super::{Device, Failure, Output, SubspaceArgs};

/// The MLP probes on the two subspaces of each fraction, and how they were trained.
struct MlpProbes {
    top: Vec<MlpScore>,
    bottom: Vec<MlpScore>,
    backend: &'static str,
    config: MlpConfig,
}

impl MlpProbes {
    /// The settings every MLP field set carries, as the page's subspace result names them.
    fn settings(&self) -> [(&'static str, Value); 5] {
        [
            ("mlp_backend", json!(self.backend)),
            ("mlp_normalisation", json!(MLP_NORMALISATION)),
            ("mlp_max_epochs", json!(self.config.epochs)),
            ("mlp_patience", json!(MLP_PATIENCE)),
            ("mlp_validation", json!(MLP_VALIDATION)),
        ]
    }
}

/// Trains the page's MLP probe (`mlp_probe_config(seed)`, the split seed) on the top and on the
/// bottom subspace of `study` holding each of `fractions` of the variance, on `device`.
fn mlp_probes(
    study: &SubspaceStudy,
    data: &Dataset,
    fractions: &[f64],
    device: Device,
    seed: u64,
) -> Result<MlpProbes, Failure> {
    let ctx = match device {
        Device::Gpu => Some(gpu_context()?),
        Device::Cpu => None,
    };
    let backend = ctx.as_ref().map_or(Backend::Cpu, Backend::Gpu);
    let config = mlp_probe_config(seed);
    let side = |side| -> Result<Vec<MlpScore>, Failure> {
        let mut scores = Vec::with_capacity(fractions.len());
        for &f in fractions {
            scores.push(pollster::block_on(mlp_subspace_accuracy(
                study, backend, data, f, side, &config,
            ))?);
        }
        Ok(scores)
    };
    Ok(MlpProbes {
        top: side(SubspaceSide::Top)?,
        bottom: side(SubspaceSide::Bottom)?,
        backend: backend.name(),
        config,
    })
}

/// `subspace`: linear-probe (and with `--mlp`, MLP-probe) accuracy on the top and bottom
/// variance subspaces.
pub(super) fn subspace(args: &SubspaceArgs) -> Result<Output, Failure> {
    let config = args.probe.config();
    let data = load(&args.data)?;
    let fractions = match args.fraction {
        Some(f) => vec![f],
        None => SUBSPACE_FRACTIONS.to_vec(),
    };
    // One split and one PCA for both kinds of probe, as the page's worker does.
    let study = SubspaceStudy::new(&data, &config)?;
    let table = study.table(&data, &fractions)?;
    let mlp = match args.mlp {
        true => Some(mlp_probes(
            &study,
            &data,
            &fractions,
            args.backend,
            config.seed,
        )?),
        false => None,
    };
    let head = [
        ("n", json!(data.n)),
        ("d", json!(data.d())),
        ("seed", json!(config.seed)),
    ];
    if args.json {
        let mut fields = Map::new();
        if args.fraction.is_some() {
            // One fraction: its linear probes, and the MLP's as `top_mlp_accuracy`, ...
            let (t, b) = (&table.top, &table.bottom);
            let linear = SubspaceSplit {
                fraction: fractions[0],
                n_train: table.n_train,
                n_test: table.n_test,
                top_dims: t.dims[0],
                top_variance: t.variance[0],
                top_accuracy: t.linear_acc[0],
                bottom_dims: b.dims[0],
                bottom_variance: b.variance[0],
                bottom_accuracy: b.linear_acc[0],
                full_accuracy: table.full_acc,
                chance: table.chance,
            };
            if let Value::Object(linear) = with_fields(linear, &head) {
                fields = linear;
            }
            if let Some(m) = &mlp {
                for (side, s) in [("top", &m.top[0]), ("bottom", &m.bottom[0])] {
                    fields.insert(format!("{side}_mlp_accuracy"), json!(s.accuracy));
                    fields.insert(format!("{side}_mlp_epochs"), json!(s.epochs));
                    fields.insert(format!("{side}_mlp_epochs_run"), json!(s.epochs_run));
                    fields.insert(format!("{side}_mlp_val_acc"), json!(s.validation_accuracy));
                }
            }
        } else {
            // The page's subspace.json: one array per quantity, by fraction.
            for (k, v) in head {
                fields.insert(k.into(), v);
            }
            let split = json!({"train": table.n_train, "test": table.n_test, "seed": config.seed});
            fields.insert("split".into(), split);
            fields.insert("fractions".into(), json!(table.fractions));
            fields.insert("full_acc".into(), json!(table.full_acc));
            fields.insert("chance".into(), json!(table.chance));
            for (name, side) in [("top", &table.top), ("bottom", &table.bottom)] {
                let mut value = json!(side);
                if let (Some(m), Value::Object(o)) = (&mlp, &mut value) {
                    let scores = if name == "top" { &m.top } else { &m.bottom };
                    let each = |f: fn(&MlpScore) -> Value| scores.iter().map(f).collect();
                    o.insert("mlp_acc".into(), each(|s| json!(s.accuracy)));
                    o.insert("mlp_epochs".into(), each(|s| json!(s.epochs)));
                    o.insert("mlp_epochs_run".into(), each(|s| json!(s.epochs_run)));
                    o.insert("mlp_val_acc".into(), each(|s| json!(s.validation_accuracy)));
                }
                fields.insert(name.into(), value);
            }
        }
        if let Some(m) = &mlp {
            for (k, v) in m.settings() {
                fields.insert(k.into(), v);
            }
        }
        return Ok(Output::Json(Value::Object(fields)));
    }
    let mut text = format!(
        "N={} D={} (train {}, test {}); all pixels: {:.2}%, majority class: {:.2}%\n\
         test accuracy on the top and the bottom subspaces holding each share of the variance\n\
         {:>6}  {:>20}  {:>7}  {:>7}  {:>20}  {:>7}  {:>7}\n",
        data.n,
        data.d(),
        table.n_train,
        table.n_test,
        100.0 * table.full_acc,
        100.0 * table.chance,
        "share",
        "top: dims (held)",
        "linear",
        "MLP",
        "bottom: dims (held)",
        "linear",
        "MLP",
    );
    for (i, f) in table.fractions.iter().enumerate() {
        let mlp_of = |scores: &[MlpScore]| format!("{:.2}%", 100.0 * scores[i].accuracy);
        let (top_mlp, bottom_mlp) = match &mlp {
            Some(m) => (mlp_of(&m.top), mlp_of(&m.bottom)),
            None => ("-".into(), "-".into()),
        };
        let side = |s: &SubspaceSideTable| {
            (
                format!("{} ({:.2}%)", s.dims[i], 100.0 * s.variance[i]),
                format!("{:.2}%", 100.0 * s.linear_acc[i]),
            )
        };
        let ((td, tl), (bd, bl)) = (side(&table.top), side(&table.bottom));
        let _ = writeln!(
            text,
            "{:>5}%  {td:>20}  {tl:>7}  {top_mlp:>7}  {bd:>20}  {bl:>7}  {bottom_mlp:>7}",
            100.0 * f
        );
    }
    if let Some(m) = mlp {
        let c = &m.config;
        let optimiser = match c.optimiser {
            Optimiser::Adam { .. } => "Adam",
            Optimiser::SgdMomentum { .. } => "SGD with momentum",
        };
        let epochs = |scores: &[MlpScore]| {
            let e: Vec<String> = scores.iter().map(|s| s.epochs.to_string()).collect();
            e.join(", ")
        };
        let _ = writeln!(
            text,
            "MLP probe ({MLP_HIDDEN} hidden ReLU units, {optimiser} at lr {} on batches of {}, \
             seed {}; inputs: the globally standardised images' coordinates in the subspace, \
             one scale per subspace, none per image; trained on {} with the best epoch on a \
             {}% validation split, stopping {MLP_PATIENCE} epochs after it or at {} epochs)\n\
             epochs kept, top: {}; bottom: {}",
            c.lr,
            c.batch,
            c.seed,
            m.backend,
            100.0 * MLP_VALIDATION,
            c.epochs,
            epochs(&m.top),
            epochs(&m.bottom),
        );
    }
    Ok(Output::Text(text))
}
