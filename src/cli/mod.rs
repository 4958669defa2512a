//! The `recon-align` command-line tool: loads a dataset, runs one of the paper's closed forms,
//! prints a table or one JSON object.
//!
//! This file holds the command line's top level (clap derive: the doc comments are the `--help`
//! text) and the dispatch; [`options`] holds each command's options, [`commands`] runs the
//! closed forms, [`subspace`] the linear and MLP probes on variance subspaces and [`train`] the
//! mini-batch training run.

mod commands;
mod options;
mod subspace;
mod train;

use std::ffi::OsString;
use std::io::Write;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand};
use recon_align::spectral;
use serde_json::Value;

pub use options::{
    AlignArgs, DaeArgs, DataArgs, Device, GuidedArgs, NeverBeneficialArgs, SubspaceArgs, SweepArgs,
    TrainArgs,
};

/// Closed forms of Balestriero & LeCun (ICML 2024), "How Learning by Reconstruction Produces
/// Uninformative Features For Perception", on the CPU in f64 (and a linear DAE trained on the
/// GPU or the CPU).
///
/// Each command loads a dataset (--data mnist for the bundled digits, or a folder of IDX files)
/// and prints a table, or one JSON object with --json.
#[derive(Debug, Parser)]
#[command(name = "recon-align", version, arg_required_else_help = true)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// One of the tool's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// alignment(K) of a noise model's closed-form code with the labels, K = 1..D
    Align(AlignArgs),
    /// Impact of masking (p x patch) and Gaussian noise on the alignment, per K
    Sweep(SweepArgs),
    /// Closed-form linear denoising autoencoder of width K: loss*, encoder, decoder
    Dae(DaeArgs),
    /// Label-free test: is a noise's top-K subspace PCA's, for every K?
    NeverBeneficial(NeverBeneficialArgs),
    /// Linear-probe (with --mlp, also MLP-probe) accuracy on the top and bottom subspaces holding
    /// a fraction V of the variance
    Subspace(SubspaceArgs),
    /// Supervised + lambda * reconstruction closed form: reconstruction error vs probe accuracy
    Guided(GuidedArgs),
    /// Train the linear DAE by mini-batch descent; one line (JSON with --json) per epoch
    Train(TrainArgs),
    /// Print a shell completion script to stdout (e.g. recon-align completions bash)
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// What a command prints: a JSON object or text.
pub enum Output {
    /// One JSON object on one line.
    Json(Value),
    /// Text, printed as is.
    Text(String),
}

/// Why a command failed: bad usage found after parsing (exit 2) or a failure while running
/// (exit 1).
pub enum Failure {
    /// A setting the parser could not check alone (e.g. K against the data's D).
    Usage(String),
    /// Anything else: unreadable data, a singular system, no GPU.
    Run(String),
}

impl From<spectral::SpectralError> for Failure {
    fn from(e: spectral::SpectralError) -> Self {
        Failure::Run(e.to_string())
    }
}

impl From<recon_align::train::StudyError> for Failure {
    fn from(e: recon_align::train::StudyError) -> Self {
        match e {
            recon_align::train::StudyError::Spectral(e) => e.into(),
            recon_align::train::StudyError::Gpu(e) => e.into(),
        }
    }
}

impl From<recon_align::gpu::GpuError> for Failure {
    fn from(e: recon_align::gpu::GpuError) -> Self {
        Failure::Run(format!("GPU: {e}"))
    }
}

/// Runs the tool on `args` (the program name first, as [`std::env::args_os`] gives them) and
/// returns the process exit code: 0 on success, 1 when a run fails, 2 on bad usage.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        // `--help` and `--version` (exit 0, stdout) or a usage error (exit 2, stderr); with no
        // arguments at all, the help goes to stderr with exit 2.
        Err(e) => {
            // A help page piped into a closed `head` is fine.
            let _ = e.print();
            return e.exit_code();
        }
    };
    let name = command_name(&cli.command);
    let result = match cli.command {
        Command::Align(args) => commands::align(&args),
        Command::Sweep(args) => commands::sweep(&args),
        Command::Dae(args) => commands::dae(&args),
        Command::NeverBeneficial(args) => commands::never_beneficial(&args),
        Command::Subspace(args) => subspace::subspace(&args),
        Command::Guided(args) => commands::guided(&args),
        Command::Train(args) => train::train(&args),
        Command::Completions { shell } => Ok(completions(shell)),
    };
    match result {
        Ok(output) => print(output),
        Err(Failure::Usage(message)) => {
            // Worded and formatted like clap's own usage errors, with the command's usage line.
            let mut cli = Cli::command();
            cli.build();
            let error = match cli.find_subcommand_mut(name) {
                Some(sub) => sub.error(ErrorKind::ValueValidation, message),
                None => cli.error(ErrorKind::ValueValidation, message),
            };
            let _ = error.print();
            error.exit_code()
        }
        Err(Failure::Run(message)) => {
            eprintln!("error: {message}");
            1
        }
    }
}

/// The name a command is written with on the command line.
fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Align(_) => "align",
        Command::Sweep(_) => "sweep",
        Command::Dae(_) => "dae",
        Command::NeverBeneficial(_) => "never-beneficial",
        Command::Subspace(_) => "subspace",
        Command::Guided(_) => "guided",
        Command::Train(_) => "train",
        Command::Completions { .. } => "completions",
    }
}

/// The completion script of `shell`, built in memory so that a closed pipe is no panic.
fn completions(shell: clap_complete::Shell) -> Output {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "recon-align", &mut script);
    Output::Text(String::from_utf8_lossy(&script).into_owned())
}

/// Writes a command's output to stdout; returns the exit code.
fn print(output: Output) -> i32 {
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
