//! Shared helpers of the command-line tests: run the `recon-align` binary and read its output.
#![allow(dead_code)]

use std::process::{Command, Output};

/// Runs the `recon-align` binary cargo built for these tests with `args`.
pub fn recon_align(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_recon-align"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// What a run printed to stdout.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What a run printed to stderr.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
