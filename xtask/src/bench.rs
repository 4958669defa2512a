//! `cargo xtask bench <name>`: builds what a benchmark needs and runs it. The benchmarks and their
//! drivers live in `bench/`; their results and readings are in BENCHMARKS.md.

use std::path::Path;
use std::process::Command;

use crate::{cargo_bin, gpu_env, serve, setup, site, status, Result};

/// Name, what it measures (one line for the listing), and the runner (extra arguments passed on).
type Runner = fn(&Path, &[String]) -> Result;
pub const BENCHMARKS: &[(&str, &str, Runner)] = &[
    (
        "kernels",
        "native GPU kernels (Gram, GEMM, DAE epoch) vs faer on the CPU: bench/gpu_bench.rs [N]",
        kernels,
    ),
    (
        "browser",
        "the same on WebGPU, wasm CPU and TF.js in headless Chromium: bench/bench.mjs [query]",
        browser,
    ),
    (
        "page",
        "the page in headless Chromium, cold and warm visits, each panel's time, against a baseline site and the native commands: bench/page-bench.mjs [BASELINE_SITE] [reps=N] [webgpu] [first]",
        page,
    ),
    (
        "align",
        "`recon-align align` vs numpy+scipy: bench/align_bench.sh [DATA_DIR] [NOISE] [RUNS]",
        align,
    ),
];

/// The listing printed by `cargo xtask bench` without a name.
pub fn list() -> String {
    let mut out = String::from("cargo xtask bench <name> [args]   (results: BENCHMARKS.md)\n\n");
    for (name, what, _) in BENCHMARKS {
        out.push_str(&format!("  {name:<9}{what}\n"));
    }
    out
}

pub fn run(root: &Path, args: &[String]) -> Result {
    let Some(name) = args.first() else {
        print!("{}", list());
        return Ok(());
    };
    match BENCHMARKS.iter().find(|(n, _, _)| n == name) {
        Some((_, _, runner)) => runner(root, &args[1..]),
        None => Err(format!("unknown benchmark `{name}`\n\n{}", list()).into()),
    }
}

/// `cargo run --release --features bench --example gpu_bench [N]` (wgpu: lavapipe or a real GPU).
fn kernels(_root: &Path, args: &[String]) -> Result {
    let mut cmd = Command::new(cargo_bin());
    cmd.args([
        "run",
        "--release",
        "--features",
        "bench",
        "--example",
        "gpu_bench",
        "--",
    ])
    .args(args);
    gpu_env(&mut cmd)?;
    status(&mut cmd)
}

/// Builds and serves the bench site and runs bench/bench.mjs against its page.
fn browser(root: &Path, args: &[String]) -> Result {
    setup::all(root)?;
    let site = site::bench_site(root)?;
    node_against(
        &site,
        "bench/",
        "RECON_ALIGN_BENCH_URL",
        &root.join("bench/bench.mjs"),
        args,
    )
}

/// Builds and serves dist/ (the product) and runs bench/page-bench.mjs against it: each site is
/// visited twice in one browser profile, cold and warm (the second visit with the caches, G's
/// included, that the first filled). A first
/// argument that names a folder is a baseline site (a `dist/` built from another commit), served
/// too and measured alternately with this tree's. The release `recon-align` is built too: the
/// script times the native commands of the same figures in the same run (bench/native-plan.mjs).
fn page(root: &Path, args: &[String]) -> Result {
    setup::all(root)?;
    site::dist(root)?;
    crate::cargo(&["build", "--release", "--bin", "recon-align"])?;
    let dist = root.join("dist");
    let mut cmd = Command::new("node");
    cmd.env("RECON_ALIGN_BIN", release_bin(root));
    let mut rest = args;
    if let Some(baseline) = args.first().map(Path::new).filter(|p| p.is_dir()) {
        let url = format!("http://{}/", serve::spawn(baseline)?);
        println!(
            "xtask: RECON_ALIGN_BASELINE_URL={url} ({})",
            baseline.display()
        );
        cmd.env("RECON_ALIGN_BASELINE_URL", url);
        rest = &args[1..];
    }
    let url = format!("http://{}/", serve::spawn(&dist)?);
    println!("xtask: RECON_ALIGN_URL={url}");
    status(
        cmd.arg(root.join("bench/page-bench.mjs"))
            .args(rest)
            .env("RECON_ALIGN_URL", url),
    )
}

/// The release `recon-align` that `cargo build --release` writes (under `CARGO_TARGET_DIR` if set).
fn release_bin(root: &Path) -> std::path::PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), Into::into);
    target
        .join("release")
        .join(format!("recon-align{}", std::env::consts::EXE_SUFFIX))
}

/// Serves `site` on 127.0.0.1 and runs the node `script` with `env` set to the URL of `path` there.
fn node_against(site: &Path, path: &str, env: &str, script: &Path, args: &[String]) -> Result {
    let url = format!("http://{}/{path}", serve::spawn(site)?);
    println!("xtask: {env}={url}");
    status(Command::new("node").arg(script).args(args).env(env, url))
}

/// bench/align_bench.sh (needs python3 with numpy and scipy; hyperfine is optional).
fn align(root: &Path, args: &[String]) -> Result {
    setup::all(root)?;
    status(
        Command::new("bash")
            .arg(root.join("bench/align_bench.sh"))
            .args(args),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_benchmark_is_listed_and_its_driver_exists() {
        let root = crate::project_root();
        let listing = list();
        for (name, what, _) in BENCHMARKS {
            assert!(listing.contains(name), "{name}");
            let driver = what.split("bench/").nth(1).expect("names its driver");
            let file = driver.split_whitespace().next().unwrap();
            assert!(root.join("bench").join(file).is_file(), "bench/{file}");
        }
        assert!(root.join("bench/web/index.html").is_file());
    }

    #[test]
    fn an_unknown_benchmark_is_an_error() {
        let err = run(&crate::project_root(), &["nope".into()]).unwrap_err();
        assert!(err.to_string().contains("unknown benchmark `nope`"));
    }
}
