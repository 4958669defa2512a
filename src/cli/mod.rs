//! The `recon-align` command-line tool: loads a dataset, runs one of the paper's closed forms,
//! prints a table or one JSON object.

mod args;
mod train;

use std::io::Write;

use args::{options_help, parse, Arity, OptionSpec, Options, UsageError};
use recon_align::dataset::Dataset;
use recon_align::spectral::{self, Gram, Noise, ProbeConfig, SweepConfig};
use serde_json::{json, Value};

const DATA: OptionSpec = OptionSpec { name: "data", arity: Arity::One, value: "SRC", help: "`mnist` (bundled digits) or a folder with train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]" };
const LIMIT: OptionSpec = OptionSpec {
    name: "limit",
    arity: Arity::One,
    value: "N",
    help: "use only the first N images",
};
const JSON: OptionSpec = OptionSpec {
    name: "json",
    arity: Arity::Flag,
    value: "",
    help: "print one JSON object instead of a table",
};
const HELP: OptionSpec = OptionSpec {
    name: "help",
    arity: Arity::Flag,
    value: "",
    help: "show this help",
};
const NOISE: OptionSpec = OptionSpec {
    name: "noise",
    arity: Arity::One,
    value: "SPEC",
    help: "none (default), gaussian:S or mask:P:K (drop prob. P, KxK patches)",
};
const K: OptionSpec = OptionSpec {
    name: "k",
    arity: Arity::One,
    value: "K",
    help: "code width K (1..=D)",
};
const SEED: OptionSpec = OptionSpec {
    name: "seed",
    arity: Arity::One,
    value: "S",
    help: "seed of the train/test split (default 0)",
};
const TEST_FRACTION: OptionSpec = OptionSpec {
    name: "test-fraction",
    arity: Arity::One,
    value: "F",
    help: "fraction of images held out for the probe (default 0.2)",
};

/// One subcommand: its name, one-line summary, options and body.
struct Command {
    name: &'static str,
    summary: &'static str,
    options: &'static [OptionSpec],
    run: fn(&Options) -> Result<Output, Failure>,
}

const COMMANDS: &[Command] = &[
    Command {
        name: "align",
        summary: "alignment(K) of a noise model's closed-form code with the labels, K = 1..D",
        options: &[
            DATA,
            LIMIT,
            NOISE,
            OptionSpec { name: "gram", arity: Arity::One, value: "DEV", help: "build G on `cpu` (f64, default) or `gpu` (WGSL kernel, f32 accumulation)" },
            JSON,
            HELP,
        ],
        run: align,
    },
    Command {
        name: "sweep",
        summary: "impact of masking (p x patch) and Gaussian noise on the alignment, per K",
        options: &[
            DATA,
            LIMIT,
            OptionSpec { name: "probabilities", arity: Arity::Many, value: "P..", help: "mask drop probabilities (default linspace(0, 0.99, 10))" },
            OptionSpec { name: "patches", arity: Arity::Many, value: "K..", help: "mask patch sides (default 1 2 4)" },
            OptionSpec { name: "gaussian", arity: Arity::Many, value: "S..", help: "Gaussian stds, the flat-zero reference (default 0.1 1 10)" },
            JSON,
            HELP,
        ],
        run: sweep,
    },
    Command { name: "dae", summary: "closed-form linear denoising autoencoder of width K: loss*, encoder, decoder", options: &[DATA, LIMIT, NOISE, K, JSON, HELP], run: dae },
    Command {
        name: "never-beneficial",
        summary: "label-free test: is a noise's top-K subspace PCA's, for every K?",
        options: &[
            DATA,
            LIMIT,
            OptionSpec { name: "noise", arity: Arity::Many, value: "SPEC..", help: "noise models to test (default gaussian:1 mask:0.5:1)" },
            OptionSpec { name: "tolerance", arity: Arity::One, value: "T", help: "tolerance on ||sin Theta||_F (default 1e-6)" },
            JSON,
            HELP,
        ],
        run: never_beneficial,
    },
    Command {
        name: "subspace",
        summary: "linear-probe accuracy on the top and bottom subspaces holding a fraction V of the variance",
        options: &[DATA, LIMIT, OptionSpec { name: "fraction", arity: Arity::One, value: "V", help: "fraction of the variance, in (0, 1]" }, SEED, TEST_FRACTION, JSON, HELP],
        run: subspace,
    },
    Command {
        name: "guided",
        summary: "supervised + lambda * reconstruction closed form: reconstruction error vs probe accuracy",
        options: &[DATA, LIMIT, K, OptionSpec { name: "lambdas", arity: Arity::Many, value: "L..", help: "weights of the reconstruction term (default 1e-9 1e-7 1e-5 1e-3 1e-1 10)" }, SEED, TEST_FRACTION, JSON, HELP],
        run: guided,
    },
    Command {
        name: "train",
        summary: "train the linear DAE by mini-batch descent; one line (JSON with --json) per epoch",
        options: &[
            DATA,
            LIMIT,
            K,
            OptionSpec { name: "noise", arity: Arity::One, value: "SPEC", help: "none, gaussian:S or mask:P:K (default mask:0.5:1)" },
            OptionSpec { name: "epochs", arity: Arity::One, value: "E", help: "passes over the data (default 10)" },
            OptionSpec { name: "lr", arity: Arity::One, value: "LR", help: "learning rate (default 0.001)" },
            OptionSpec { name: "optimizer", arity: Arity::One, value: "OPT", help: "adam (default) or sgd (momentum 0.9)" },
            OptionSpec { name: "batch", arity: Arity::One, value: "B", help: "mini-batch size (default 128)" },
            OptionSpec { name: "seed", arity: Arity::One, value: "S", help: "seed of weights, order, noise and probe split (default 1)" },
            OptionSpec { name: "backend", arity: Arity::One, value: "DEV", help: "gpu (default; wgpu adapter, WGPU_BACKEND/WGPU_ADAPTER_NAME honoured) or cpu" },
            JSON,
            HELP,
        ],
        run: train::train,
    },
];

/// What a command prints: a JSON object or text.
enum Output {
    Json(Value),
    Text(String),
}

/// Why a command failed: bad usage (exit 2) or a failure while running (exit 1).
enum Failure {
    Usage(UsageError),
    Run(String),
}

impl From<UsageError> for Failure {
    fn from(e: UsageError) -> Self {
        Failure::Usage(e)
    }
}

impl From<spectral::SpectralError> for Failure {
    fn from(e: spectral::SpectralError) -> Self {
        Failure::Run(e.to_string())
    }
}

/// Runs the tool on `args` (without the program name) and returns the process exit code.
pub fn run(args: &[String]) -> i32 {
    let Some(first) = args.first() else {
        eprint!("{}", main_help());
        return 2;
    };
    if matches!(first.as_str(), "--help" | "-h" | "help") {
        print!("{}", main_help());
        return 0;
    }
    let Some(command) = COMMANDS.iter().find(|c| c.name == first) else {
        eprintln!("error: unknown command '{first}'\n\n{}", main_help());
        return 2;
    };
    let rest = &args[1..];
    if rest.iter().any(|a| a == "--help" || a == "-h") {
        print!("{}", command_help(command));
        return 0;
    }
    let result = parse(command.name, rest, command.options)
        .map_err(Failure::Usage)
        .and_then(|options| (command.run)(&options));
    match result {
        Ok(output) => {
            let mut stdout = std::io::stdout().lock();
            let written = match output {
                Output::Json(value) => serde_json::to_writer(&mut stdout, &value)
                    .map_err(std::io::Error::from)
                    .and_then(|_| writeln!(stdout)),
                Output::Text(text) => write!(stdout, "{text}"),
            };
            match written.and_then(|_| stdout.flush()) {
                Ok(()) => 0,
                // `recon-align ... | head` closing the pipe early is not an error worth a message.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
                Err(e) => {
                    eprintln!("error: cannot write output: {e}");
                    1
                }
            }
        }
        Err(Failure::Usage(e)) => {
            eprintln!("error: {e}\n(see 'recon-align {} --help')", command.name);
            2
        }
        Err(Failure::Run(e)) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn main_help() -> String {
    let mut text = String::from(
        "recon-align: closed forms of Balestriero & LeCun (ICML 2024), \"How Learning by Reconstruction\n\
         Produces Uninformative Features For Perception\", on the CPU in f64.\n\n\
         usage: recon-align COMMAND --data SRC [options]\n\ncommands:\n",
    );
    for c in COMMANDS {
        text.push_str(&format!("  {:<18} {}\n", c.name, c.summary));
    }
    text.push_str("\n'recon-align COMMAND --help' lists a command's options.\n");
    text
}

fn command_help(c: &Command) -> String {
    format!(
        "recon-align {}: {}\n\nusage: recon-align {} [options]\n\noptions:\n{}",
        c.name,
        c.summary,
        c.name,
        options_help(c.options)
    )
}

/// Loads `--data`, truncated to `--limit`.
fn load(options: &Options) -> Result<Dataset, Failure> {
    let src: String = options.require("data")?;
    let data = recon_align::dataset::load_source(&src)
        .map_err(|e| Failure::Run(format!("cannot load '{src}': {e}")))?;
    match options.get::<usize>("limit")? {
        Some(0) => Err(UsageError("'--limit' must be at least 1".into()).into()),
        Some(n) => Ok(data.truncate(n)),
        None => Ok(data),
    }
}

fn noise_option(options: &Options) -> Result<Noise, Failure> {
    Ok(options.get::<Noise>("noise")?.unwrap_or(Noise::None))
}

fn probe_config(options: &Options) -> Result<ProbeConfig, Failure> {
    let default = ProbeConfig::default();
    Ok(ProbeConfig {
        seed: options.get("seed")?.unwrap_or(default.seed),
        test_fraction: options
            .get("test-fraction")?
            .unwrap_or(default.test_fraction),
        ..default
    })
}

/// `serde_json::to_value` of a plain-data result, with a few extra fields in front.
fn with_fields(value: impl serde::Serialize, extra: &[(&str, Value)]) -> Value {
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

fn align(options: &Options) -> Result<Output, Failure> {
    let noise = noise_option(options)?;
    let device = options
        .get::<String>("gram")?
        .map(|s| s.parse::<train::Device>().map_err(UsageError))
        .transpose()?;
    let data = load(options)?;
    let gram = match device {
        Some(train::Device::Gpu) => train::gpu_gram(&data)?,
        _ => Gram::from_dataset(&data)?,
    };
    let curve = spectral::alignment_curve(&gram, &noise)?;
    if options.has("json") {
        return Ok(Output::Json(with_fields(
            &curve,
            &[
                ("classes", json!(gram.classes())),
                ("ridge", json!(gram.ridge())),
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
        text.push_str(&format!("{k:>6}  {:>10.4}\n", curve.alignment[k - 1]));
    }
    Ok(Output::Text(text))
}

fn sweep(options: &Options) -> Result<Output, Failure> {
    let default = SweepConfig::default();
    let config = SweepConfig {
        probabilities: options
            .list("probabilities")?
            .unwrap_or(default.probabilities),
        patches: options.list("patches")?.unwrap_or(default.patches),
        gaussian_stds: options.list("gaussian")?.unwrap_or(default.gaussian_stds),
    };
    for &p in &config.probabilities {
        Noise::Mask { p, patch: 1 }.validate()?;
    }
    if config.patches.contains(&0) {
        return Err(UsageError("patch sides must be at least 1".into()).into());
    }
    let data = load(options)?;
    let gram = Gram::from_dataset(&data)?;
    let result = spectral::impact_sweep(&gram, &config)?;
    if options.has("json") {
        return Ok(Output::Json(with_fields(
            &result,
            &[(
                "config",
                serde_json::to_value(&config).unwrap_or(Value::Null),
            )],
        )));
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
        text.push_str(&format!("{k:>9}"));
    }
    text.push_str(&format!("\n{:<22}", "clean alignment (%)"));
    for k in &ks {
        text.push_str(&format!("{:>9.3}", result.clean[k - 1]));
    }
    for row in &result.rows {
        text.push_str(&format!("\n{:<22}", row.noise));
        for k in &ks {
            text.push_str(&format!("{:>9.3}", row.impact[k - 1]));
        }
    }
    text.push('\n');
    Ok(Output::Text(text))
}

fn dae(options: &Options) -> Result<Output, Failure> {
    let noise = noise_option(options)?;
    let k: usize = options.require("k")?;
    let data = load(options)?;
    let gram = Gram::from_dataset(&data)?;
    let solution = spectral::closed_form_dae(&gram, &noise, k)?;
    if options.has("json") {
        return Ok(Output::Json(with_fields(
            &solution,
            &[("n", json!(gram.n()))],
        )));
    }
    Ok(Output::Text(format!(
        "N={} D={} noise={} K={}\noptimal loss  {:.6e}\ntrace(G)      {:.6e}\nrelative loss {:.6}\ntop mu        {:?}\n",
        gram.n(),
        solution.d,
        solution.noise,
        solution.k,
        solution.loss,
        solution.trace,
        solution.loss / solution.trace,
        &solution.mu[..solution.k.min(8)]
    )))
}

fn never_beneficial(options: &Options) -> Result<Output, Failure> {
    let noises: Vec<Noise> = options.list("noise")?.unwrap_or_else(|| {
        vec![
            Noise::Gaussian { std: 1.0 },
            Noise::Mask { p: 0.5, patch: 1 },
        ]
    });
    let tolerance: f64 = options
        .get("tolerance")?
        .unwrap_or(spectral::DEFAULT_SUBSPACE_TOLERANCE);
    if tolerance.is_nan() || tolerance <= 0.0 {
        return Err(UsageError(format!("tolerance {tolerance} must be positive")).into());
    }
    let data = load(options)?;
    let gram = Gram::from_dataset(&data)?;
    let reports = noises
        .iter()
        .map(|noise| spectral::never_beneficial(&gram, noise, tolerance))
        .collect::<Result<Vec<_>, _>>()?;
    if options.has("json") {
        return Ok(Output::Json(
            json!({ "n": gram.n(), "d": gram.d(), "reports": reports }),
        ));
    }
    let mut text = format!("N={} D={}: is the noise's top-K subspace PCA's? (||sin Theta||_F <= tolerance {tolerance:e})\n", gram.n(), gram.d());
    for r in &reports {
        let count = |v| r.verdict.iter().filter(|x| **x == v).count();
        text.push_str(&format!(
            "{:<16} same {:>4}  different {:>4}  undetermined {:>4}  -> {}\n",
            r.noise,
            count(spectral::SubspaceVerdict::Same),
            count(spectral::SubspaceVerdict::Different),
            count(spectral::SubspaceVerdict::Undetermined),
            if r.never_beneficial {
                "never beneficial: cannot help any task at any K"
            } else {
                "changes the subspace: may help or hurt"
            }
        ));
        for k in table_widths(gram.d()) {
            text.push_str(&format!(
                "    K={k:<5} ||sin Theta||_F = {:.3e}  {:?}\n",
                r.distance[k - 1],
                r.verdict[k - 1]
            ));
        }
    }
    Ok(Output::Text(text))
}

fn subspace(options: &Options) -> Result<Output, Failure> {
    let fraction: f64 = options.require("fraction")?;
    let config = probe_config(options)?;
    let data = load(options)?;
    let result = spectral::subspace_split(&data, fraction, &config)?;
    if options.has("json") {
        return Ok(Output::Json(with_fields(
            &result,
            &[
                ("n", json!(data.n)),
                ("d", json!(data.d())),
                ("seed", json!(config.seed)),
            ],
        )));
    }
    Ok(Output::Text(format!(
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
    )))
}

fn guided(options: &Options) -> Result<Output, Failure> {
    let k: usize = options.require("k")?;
    let lambdas: Vec<f64> = options
        .list("lambdas")?
        .unwrap_or_else(|| vec![1e-9, 1e-7, 1e-5, 1e-3, 1e-1, 10.0]);
    let config = probe_config(options)?;
    let data = load(options)?;
    let report = spectral::guided(&data, k, &lambdas, &config)?;
    if options.has("json") {
        return Ok(Output::Json(with_fields(
            &report,
            &[("n", json!(data.n)), ("d", json!(data.d()))],
        )));
    }
    let mut text = format!(
        "N={} D={} K={} (train {}, test {}); both terms weigh the same at lambda = {:e}\n{:>12}  {:>22}  {:>14}\n{:>12}  {:>22.6}  {:>13.2}%\n",
        data.n,
        data.d(),
        k,
        report.n_train,
        report.n_test,
        report.balanced_lambda,
        "lambda",
        "relative recon. error",
        "probe accuracy",
        "PCA",
        report.pca_reconstruction_error,
        100.0 * report.pca_accuracy
    );
    for p in &report.points {
        text.push_str(&format!(
            "{:>12e}  {:>22.6}  {:>13.2}%\n",
            p.lambda,
            p.reconstruction_error,
            100.0 * p.accuracy
        ));
    }
    Ok(Output::Text(text))
}
