//! The options of each command (clap derive structs: their doc comments are the `--help`
//! text), the typed values they take and where their defaults come from.

use clap::{Args, ValueEnum};
use recon_align::spectral::{self, Noise, ProbeConfig, SpectralError, SweepConfig};
use recon_align::train::TrainSettings;

/// The dataset every command reads.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// mnist (the bundled first 10,000 MNIST training digits), fashion (the bundled 10,000
    /// Fashion-MNIST test images), a file (NumPy .npz, CIFAR-10/100 .tar.gz or .bin batch, a
    /// bundled .bin), or a folder with train-images-idx3-ubyte[.gz] and
    /// train-labels-idx1-ubyte[.gz], or with x.npy and y.npy, or an image folder (one sub-folder
    /// of PNG/JPEG images per class, as torchvision's ImageFolder; also as a .zip) (README, "Your
    /// own data")
    #[arg(long, value_name = "SRC")]
    pub data: String,
    /// Image shape C,H,W of flat N x D NumPy images (e.g. 3,32,32)
    #[arg(long, value_name = "C,H,W", value_parser = image_shape)]
    pub shape: Option<recon_align::dataset::Shape>,
    /// Resize every image to S x S pixels (area-averaged; docs/maths.md, "Resize and grey"); an
    /// image folder's images may then differ in size
    #[arg(long, value_name = "S", value_parser = image_side)]
    pub side: Option<usize>,
    /// Convert to one grey channel (BT.601 luma, 0.299 R + 0.587 G + 0.114 B)
    #[arg(long)]
    pub grey: bool,
    /// Use only the first N images
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    pub limit: Option<usize>,
}

/// The seeded train/test split of the linear probe.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Seed of the train/test split
    #[arg(long, value_name = "S", default_value_t = ProbeConfig::default().seed)]
    pub seed: u64,
    /// Fraction of images held out for the probe, in (0, 1)
    #[arg(
        long,
        value_name = "F",
        default_value_t = ProbeConfig::default().test_fraction
    )]
    pub test_fraction: f64,
}

impl ProbeArgs {
    /// The probe configuration: the library's defaults with this seed and held-out fraction.
    pub fn config(&self) -> ProbeConfig {
        ProbeConfig {
            seed: self.seed,
            test_fraction: self.test_fraction,
            ..ProbeConfig::default()
        }
    }
}

/// Options of `align`.
#[derive(Debug, Args)]
pub struct AlignArgs {
    /// The dataset.
    #[command(flatten)]
    pub data: DataArgs,
    /// none, gaussian:S, mask:P:K (drop prob. P, KxK patches), dropmap:<49 digits> or
    /// gaussmap:<49 digits> (a 7x7 map of drop probabilities or stds, digit d = d/10)
    #[arg(long, value_name = "SPEC", value_parser = noise, default_value_t = Noise::None)]
    pub noise: Noise,
    /// Build G on the cpu (f64) or the gpu (WGSL kernel: exact integer sums, each entry rounded once to f32)
    #[arg(long, value_name = "DEV", value_enum, default_value_t = Device::Cpu)]
    pub gram: Device,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

/// Options of `sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The dataset.
    #[command(flatten)]
    pub data: DataArgs,
    /// Mask drop probabilities, each in [0, 1) (space- or comma-separated)
    #[arg(
        long,
        value_name = "P",
        num_args = 1..,
        value_delimiter = ',',
        value_parser = probability,
        default_values_t = SweepConfig::default().probabilities
    )]
    pub probabilities: Vec<f64>,
    /// Mask patch sides, each at least 1
    #[arg(
        long,
        value_name = "K",
        num_args = 1..,
        value_delimiter = ',',
        value_parser = at_least_one,
        default_values_t = SweepConfig::default().patches
    )]
    pub patches: Vec<usize>,
    /// Gaussian stds, the flat-zero reference
    #[arg(
        long,
        value_name = "S",
        num_args = 1..,
        value_delimiter = ',',
        default_values_t = SweepConfig::default().gaussian_stds
    )]
    pub gaussian: Vec<f64>,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

/// Options of `dae`.
#[derive(Debug, Args)]
pub struct DaeArgs {
    /// The dataset.
    #[command(flatten)]
    pub data: DataArgs,
    /// none, gaussian:S, mask:P:K (drop prob. P, KxK patches), dropmap:<49 digits> or
    /// gaussmap:<49 digits> (a 7x7 map of drop probabilities or stds, digit d = d/10)
    #[arg(long, value_name = "SPEC", value_parser = noise, default_value_t = Noise::None)]
    pub noise: Noise,
    /// Code width K (1..=D)
    #[arg(long, value_name = "K")]
    pub k: usize,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

/// Options of `never-beneficial`.
#[derive(Debug, Args)]
pub struct NeverBeneficialArgs {
    /// The dataset.
    #[command(flatten)]
    pub data: DataArgs,
    /// Noise models to test (space- or comma-separated)
    #[arg(
        long,
        value_name = "SPEC",
        num_args = 1..,
        value_delimiter = ',',
        value_parser = noise,
        default_values_t = default_never_beneficial_noises()
    )]
    pub noise: Vec<Noise>,
    /// Base tolerance on the sine of the largest principal angle (widened where an eigengap
    /// is too small for double precision)
    #[arg(
        long,
        value_name = "T",
        value_parser = positive,
        default_value_t = spectral::DEFAULT_SUBSPACE_TOLERANCE
    )]
    pub tolerance: f64,
    /// Test every width K = 1..D (by default, for D above 1024, every K up to 64 and then 64
    /// widths spaced evenly in log K, as the page does: the test costs O(D^3) per top width)
    #[arg(long)]
    pub all_widths: bool,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

/// Options of `subspace`.
#[derive(Debug, Args)]
pub struct SubspaceArgs {
    /// The dataset.
    #[command(flatten)]
    pub data: DataArgs,
    /// Fraction of the variance, in (0, 1]; without it, every fraction the page plots (10%, 25%,
    /// 50%, 75%, 90%, 95%, 99%), with --json as the page's subspace.json
    #[arg(long, value_name = "V")]
    pub fraction: Option<f64>,
    /// The probe's split.
    #[command(flatten)]
    pub probe: ProbeArgs,
    /// Also train the page's MLP probe (one hidden ReLU layer, the page's training settings,
    /// seeded with --seed) on the top and the bottom subspace; the text output lists its settings
    #[arg(long)]
    pub mlp: bool,
    /// Where the MLP probes train (with --mlp): gpu (wgpu adapter; WGPU_BACKEND and
    /// WGPU_ADAPTER_NAME honoured) or cpu (the page's CPU fallback)
    #[arg(long, value_name = "DEV", value_enum, default_value_t = Device::Gpu, requires = "mlp")]
    pub backend: Device,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

/// Options of `guided`.
#[derive(Debug, Args)]
pub struct GuidedArgs {
    /// The dataset.
    #[command(flatten)]
    pub data: DataArgs,
    /// Code width K (1..=D)
    #[arg(long, value_name = "K")]
    pub k: usize,
    /// Weights of the reconstruction term (space- or comma-separated) [default: the page's grid,
    /// 1e-6 to 1e6 times the lambda at which both terms weigh the same]
    #[arg(long, value_name = "L", num_args = 1.., value_delimiter = ',')]
    pub lambdas: Option<Vec<f64>>,
    /// The probe's split.
    #[command(flatten)]
    pub probe: ProbeArgs,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

/// Options of `train`; the defaults are the page's, [`TrainSettings::default`].
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The dataset.
    #[command(flatten)]
    pub data: DataArgs,
    /// Code width K (1..=D)
    #[arg(long, value_name = "K", default_value_t = TrainSettings::default().k)]
    pub k: usize,
    /// none, gaussian:S, mask:P:K (drop prob. P, KxK patches), dropmap:<49 digits> or
    /// gaussmap:<49 digits> (a 7x7 map of drop probabilities or stds, digit d = d/10)
    #[arg(long, value_name = "SPEC", value_parser = noise, default_value_t = default_train_noise())]
    pub noise: Noise,
    /// Passes over the data
    #[arg(long, value_name = "E", default_value_t = TrainSettings::default().epochs)]
    pub epochs: usize,
    /// Learning rate
    #[arg(long, value_name = "LR", default_value_t = TrainSettings::default().lr)]
    pub lr: f64,
    /// The optimiser: sgd (minibatch SGD, heavy-ball momentum --momentum) or adam
    #[arg(
        long,
        value_name = "OPT",
        value_enum,
        visible_alias = "optimizer",
        default_value_t = default_optimiser()
    )]
    pub optimiser: OptimiserKind,
    /// Heavy-ball momentum of sgd, in [0, 1) (0: plain SGD, the learning-order law's regime)
    #[arg(long, value_name = "M", default_value_t = TrainSettings::default().momentum)]
    pub momentum: f64,
    /// Mini-batch size
    #[arg(long, value_name = "B", default_value_t = TrainSettings::default().batch)]
    pub batch: usize,
    /// Seed of weights, order, noise and probe split
    #[arg(long, value_name = "S", default_value_t = TrainSettings::default().seed)]
    pub seed: u64,
    /// Where to train: gpu (wgpu adapter; WGPU_BACKEND and WGPU_ADAPTER_NAME honoured) or cpu
    #[arg(long, value_name = "DEV", value_enum, default_value_t = Device::Gpu)]
    pub backend: Device,
    /// Print one JSON object per epoch instead of a table line
    #[arg(long)]
    pub json: bool,
}

/// Which device computes: `gpu` (wgpu: Vulkan, Metal, DX12) or `cpu`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Device {
    /// A wgpu adapter.
    Gpu,
    /// The CPU.
    Cpu,
}

/// The optimiser of `train`, as [`TrainSettings`] names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OptimiserKind {
    /// Adam with bias correction.
    Adam,
    /// Minibatch SGD with heavy-ball momentum (`--momentum`, 0 by default).
    Sgd,
}

impl OptimiserKind {
    /// The name [`TrainSettings`] takes: `adam` or `sgd`.
    pub fn name(self) -> &'static str {
        match self {
            OptimiserKind::Adam => "adam",
            OptimiserKind::Sgd => "sgd",
        }
    }
}

/// The noise models `never-beneficial` tests by default: one Gaussian, one 1x1 mask.
fn default_never_beneficial_noises() -> Vec<Noise> {
    vec![
        Noise::Gaussian { std: 1.0 },
        Noise::Mask { p: 0.5, patch: 1 },
    ]
}

/// The noise of [`TrainSettings::default`], parsed.
fn default_train_noise() -> Noise {
    let noise = TrainSettings::default().noise;
    noise
        .parse()
        .unwrap_or_else(|e| panic!("TrainSettings::default().noise '{noise}': {e}"))
}

/// The optimiser of [`TrainSettings::default`], parsed.
fn default_optimiser() -> OptimiserKind {
    let name = TrainSettings::default().optimiser;
    OptimiserKind::from_str(&name, false)
        .unwrap_or_else(|e| panic!("TrainSettings::default().optimiser '{name}': {e}"))
}

/// A noise model, none, gaussian:S, mask:P:K, dropmap:<49 digits> or gaussmap:<49 digits>, checked ([`Noise`]'s `FromStr`).
fn noise(text: &str) -> Result<Noise, String> {
    text.parse().map_err(|e| match e {
        SpectralError::InvalidArgument(why) => why,
        other => other.to_string(),
    })
}

/// A count that must be at least 1 (`--limit`, `--patches`).
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// An image side S, 1 to MAX_SIDE.
fn image_side(text: &str) -> Result<usize, String> {
    let max = recon_align::dataset::MAX_SIDE;
    match text.parse::<usize>() {
        Ok(s) if (1..=max).contains(&s) => Ok(s),
        Ok(_) => Err(format!("a side must be 1 to {max}")),
        Err(e) => Err(e.to_string()),
    }
}

/// An image shape C,H,W.
fn image_shape(text: &str) -> Result<recon_align::dataset::Shape, String> {
    recon_align::dataset::parse_shape(text).map_err(|e| e.to_string())
}

/// A mask drop probability, in [0, 1).
fn probability(text: &str) -> Result<f64, String> {
    let p: f64 = text.parse().map_err(|e| format!("{e}"))?;
    if (0.0..1.0).contains(&p) {
        Ok(p)
    } else {
        Err("a drop probability must satisfy 0 <= p < 1".into())
    }
}

/// A finite positive number (`--tolerance`).
fn positive(text: &str) -> Result<f64, String> {
    let t: f64 = text.parse().map_err(|e| format!("{e}"))?;
    if t.is_finite() && t > 0.0 {
        Ok(t)
    } else {
        Err("must be finite and positive".into())
    }
}
