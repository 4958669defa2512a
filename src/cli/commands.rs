//! The closed-form commands: `align`, `sweep`, `dae`, `never-beneficial` and `guided`, each a
//! table or (with `--json`) one JSON object (`subspace` is in its own file).

use std::fmt::Write as _;

use recon_align::dataset::Dataset;
use recon_align::spectral::{self, Gram, Noise, SubspaceVerdict, SweepConfig};
use serde_json::{json, Value};

use super::{
    train, AlignArgs, DaeArgs, DataArgs, Device, Failure, GuidedArgs, NeverBeneficialArgs, Output,
    SweepArgs,
};

/// Loads `--data`, truncated to `--limit`.
pub(super) fn load(args: &DataArgs) -> Result<Dataset, Failure> {
    let reshape = recon_align::dataset::Reshape {
        side: args.side,
        grey: args.grey,
    };
    let data = recon_align::dataset::load_path_reshaped(&args.data, args.shape, reshape)
        .map_err(|e| Failure::Run(format!("cannot load '{}': {e}", args.data)))?;
    Ok(match args.limit {
        Some(n) => data.truncate(n),
        None => data,
    })
}

/// `serde_json::to_value` of a plain-data result, with a few extra fields in front.
pub(super) fn with_fields(value: impl serde::Serialize, extra: &[(&str, Value)]) -> Value {
    let mut object = serde_json::Map::new();
    for (k, v) in extra {
        object.insert(k.to_string(), v.clone());
    }
    if let Ok(Value::Object(fields)) = serde_json::to_value(value) {
        object.extend(fields);
    }
    Value::Object(object)
}

/// Widths worth showing in a table: powers of two up to D, and D.
fn table_widths(d: usize) -> Vec<usize> {
    let mut ks: Vec<usize> = std::iter::successors(Some(1usize), |k| Some(k * 2))
        .take_while(|&k| k < d)
        .collect();
    ks.push(d);
    ks
}

/// `align`: alignment(K) of the noise's closed-form code with the labels, K = 1..D.
pub(super) fn align(args: &AlignArgs) -> Result<Output, Failure> {
    let data = load(&args.data)?;
    let gram = match args.gram {
        Device::Gpu => train::gpu_gram(&data)?,
        Device::Cpu => Gram::from_dataset(&data)?,
    };
    let curve = spectral::alignment_curve(&gram, &args.noise)?;
    // The scale reads the noise-free curve, whatever the noise.
    let clean = if args.noise == Noise::None {
        curve.alignment.clone()
    } else {
        spectral::alignment_curve(&gram, &Noise::None)?.alignment
    };
    let scale = spectral::alignment_scale(&gram, &clean)?;
    if args.json {
        return Ok(Output::Json(with_fields(
            &curve,
            &[
                ("classes", json!(gram.classes())),
                ("ridge", json!(gram.ridge())),
                ("scale", serde_json::to_value(&scale).unwrap_or(Value::Null)),
            ],
        )));
    }
    let mut text = format!(
        "N={} D={} classes={} noise={}\n     K  alignment(%)\n",
        curve.n,
        curve.d,
        gram.classes(),
        curve.noise
    );
    for k in table_widths(curve.d) {
        let _ = writeln!(text, "{k:>6}  {:>10.4}", curve.alignment[k - 1]);
    }
    let _ = writeln!(
        text,
        "Without noise, PCA's top directions reach alignment {}",
        scale
            .levels
            .iter()
            .zip(&scale.pca_dims)
            .zip(&scale.pca_variance)
            .map(|((level, k), v)| format!("{level}% at K={k} ({:.1}% of the variance)", 100.0 * v))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        text,
        "The label-optimal subspace (C-1 = {} directions) reaches {:.4}% and holds {:.1}% of the variance",
        scale.label_optimal_dims,
        scale.label_optimal_alignment,
        100.0 * scale.label_optimal_variance
    );
    Ok(Output::Text(text))
}

/// `sweep`: the impact of each mask (p x patch) and Gaussian noise on the alignment, per K.
pub(super) fn sweep(args: &SweepArgs) -> Result<Output, Failure> {
    let config = SweepConfig {
        probabilities: args.probabilities.clone(),
        patches: args.patches.clone(),
        gaussian_stds: args.gaussian.clone(),
    };
    let data = load(&args.data)?;
    let gram = Gram::from_dataset(&data)?;
    let result = spectral::impact_sweep(&gram, &config)?;
    if args.json {
        let config = serde_json::to_value(&config).unwrap_or(Value::Null);
        return Ok(Output::Json(with_fields(&result, &[("config", config)])));
    }
    let ks: Vec<usize> = table_widths(result.d)
        .into_iter()
        .filter(|&k| k >= 32.min(result.d))
        .collect();
    let mut text = format!(
        "N={} D={}: impact on supervised performance (%) = 100 (noise - clean) / clean\n{:<22}",
        result.n, result.d, "noise \\ K"
    );
    for k in &ks {
        let _ = write!(text, "{k:>9}");
    }
    let _ = write!(text, "\n{:<22}", "clean alignment (%)");
    for k in &ks {
        let _ = write!(text, "{:>9.3}", result.clean[k - 1]);
    }
    for row in &result.rows {
        let _ = write!(text, "\n{:<22}", row.noise);
        for k in &ks {
            let _ = write!(text, "{:>9.3}", row.impact[k - 1]);
        }
    }
    text.push('\n');
    Ok(Output::Text(text))
}

/// `dae`: the closed-form linear denoising autoencoder of width K.
pub(super) fn dae(args: &DaeArgs) -> Result<Output, Failure> {
    let data = load(&args.data)?;
    let gram = Gram::from_dataset(&data)?;
    let solution = spectral::closed_form_dae(&gram, &args.noise, args.k)?;
    if args.json {
        return Ok(Output::Json(with_fields(
            &solution,
            &[("n", json!(gram.n()))],
        )));
    }
    let mut text = format!(
        "N={} D={} noise={} K={}\n",
        gram.n(),
        solution.d,
        solution.noise,
        solution.k
    );
    let _ = writeln!(text, "optimal loss  {:.6e}", solution.loss);
    let _ = writeln!(text, "trace(G)      {:.6e}", solution.trace);
    let _ = writeln!(text, "relative loss {:.6}", solution.loss / solution.trace);
    let _ = writeln!(
        text,
        "top mu        {:?}",
        &solution.mu[..solution.k.min(8)]
    );
    Ok(Output::Text(text))
}

/// `never-beneficial`: the label-free test of each noise's top-K subspace against PCA's.
pub(super) fn never_beneficial(args: &NeverBeneficialArgs) -> Result<Output, Failure> {
    let tolerance = args.tolerance;
    let data = load(&args.data)?;
    let gram = Gram::from_dataset(&data)?;
    let reports = args
        .noise
        .iter()
        .map(|noise| {
            if args.all_widths {
                let every: Vec<usize> = (1..=gram.d()).collect();
                spectral::never_beneficial_at(&gram, noise, tolerance, &every)
            } else {
                spectral::never_beneficial(&gram, noise, tolerance)
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    if args.json {
        return Ok(Output::Json(
            json!({ "n": gram.n(), "d": gram.d(), "reports": reports }),
        ));
    }
    let mut text = format!(
        "N={} D={}: are the noise's top-K features PCA's? (largest principal angle between the \
         feature subspaces X S_K and X U_K, base tolerance sin(angle) <= {tolerance:e}; pixel: the \
         same between the filters S_K and U_K; undetermined: eigenvalues K and K+1 tied)\n",
        gram.n(),
        gram.d()
    );
    for r in &reports {
        let count = |v| r.status.iter().filter(|x| **x == v).count();
        let _ = writeln!(
            text,
            "{:<16} same {:>4}  different {:>4}  undetermined {:>4}  -> {}",
            r.noise,
            count(SubspaceVerdict::Same),
            count(SubspaceVerdict::Different),
            count(SubspaceVerdict::Undetermined),
            match (r.never_beneficial, r.k.len() == gram.d()) {
                (true, true) => "never beneficial: cannot help any task at any K".to_string(),
                (true, false) => format!(
                    "never beneficial at the {} widths tested (of {})",
                    r.k.len(),
                    gram.d()
                ),
                (false, _) => "changes the subspace: may help or hurt".to_string(),
            }
        );
        let mut rows: Vec<usize> = table_widths(gram.d())
            .into_iter()
            .map(|k| r.k.iter().rposition(|&t| t <= k).unwrap_or(0))
            .collect();
        rows.dedup();
        for i in rows {
            let k = r.k[i];
            let _ = writeln!(
                text,
                "    K={k:<5} features {:>10.4e} deg (tolerance {:.3e} deg, pixel {:>10.4e} deg)  {:?}",
                r.max_feature_angle_deg[i],
                r.tolerance_deg[i],
                r.max_angle_deg[i],
                r.status[i]
            );
        }
    }
    Ok(Output::Text(text))
}

/// `guided`: the supervised + lambda * reconstruction closed form, per lambda.
pub(super) fn guided(args: &GuidedArgs) -> Result<Output, Failure> {
    let config = args.probe.config();
    let data = load(&args.data)?;
    let report = spectral::guided(&data, args.k, args.lambdas.as_deref(), &config)?;
    if args.json {
        return Ok(Output::Json(with_fields(
            &report,
            &[("n", json!(data.n)), ("d", json!(data.d()))],
        )));
    }
    let mut text = format!(
        "N={} D={} K={} (train {}, test {}); both terms weigh the same at lambda = {:e}\n",
        data.n,
        data.d(),
        args.k,
        report.split.train,
        report.split.test,
        report.balanced_lambda,
    );
    let _ = writeln!(
        text,
        "{:>12}  {:>22}  {:>22}",
        "lambda", "relative recon. error", "probe accuracy +- SE"
    );
    let row = |text: &mut String, lambda: &str, error: f64, acc: f64, se: f64| {
        let (acc, se) = (100.0 * acc, 100.0 * se);
        let _ = writeln!(text, "{lambda:>12}  {error:>22.6}  {acc:>13.2}% +- {se:.2}");
    };
    let r = &report;
    row(&mut text, "PCA", r.pca_recon_error, r.pca_acc, r.pca_acc_se);
    for (i, lambda) in r.lambda.iter().enumerate() {
        let (error, acc, se) = (r.recon_error[i], r.probe_acc[i], r.probe_acc_se[i]);
        row(&mut text, &format!("{lambda:e}"), error, acc, se);
    }
    Ok(Output::Text(text))
}
