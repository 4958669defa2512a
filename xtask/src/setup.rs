//! Installs what the build and the tests need, skipping whatever is already there.

use std::path::Path;
use std::process::Command;

use recon_align::dataset::{bundled, BundledBuild};

use crate::{status, Result};

/// Debian packages: Chromium for the browser tests, Mesa's lavapipe for native GPU tests (with a
/// file that shows each is installed). The bundled datasets' packages come from
/// `www/datasets.json` (Fashion-MNIST, which the IDX loader test and the benchmarks read too).
const APT_TOOLS: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    (
        "mesa-vulkan-drivers",
        "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json",
    ),
];

/// The Debian packages of the bundled datasets, each with a file it installs.
fn dataset_packages() -> Vec<(String, String)> {
    bundled()
        .iter()
        .filter_map(|set| match &set.build {
            BundledBuild::Idx { images, apt, .. } => Some((apt.clone(), images.clone())),
            BundledBuild::NpmMnist { .. } => None,
        })
        .collect()
}

/// Everything: apt packages, the wasm32 target and npm packages.
pub fn all(root: &Path) -> Result {
    apt(false)?;
    for_build(root)
}

/// What building the page needs: the wasm32 target, npm packages and the bundled datasets'
/// Debian packages.
pub fn for_build(root: &Path) -> Result {
    apt(true)?;
    wasm_target()?;
    npm(root)
}

/// `rustup target add wasm32-unknown-unknown` when the target is missing.
pub fn wasm_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match installed {
        Ok(out) if String::from_utf8_lossy(&out.stdout).contains("wasm32-unknown-unknown") => {
            Ok(())
        }
        Ok(_) => status(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"])),
        // Without rustup the toolchain is managed by hand; cargo will say if the target is missing.
        Err(_) => Ok(()),
    }
}

/// `npm ci` when `node_modules` is missing or older than the lock file.
pub fn npm(root: &Path) -> Result {
    let lock = root.join("package-lock.json");
    let stamp = root.join("node_modules/.package-lock.json");
    let modified = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    let fresh = matches!((modified(&stamp), modified(&lock)), (Some(s), Some(l)) if s >= l);
    if fresh {
        return Ok(());
    }
    status(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(root),
    )
}

/// Installs the Debian packages that are missing (as root, or through sudo): the datasets' only
/// when `datasets_only`, else the tools' too.
fn apt(datasets_only: bool) -> Result {
    let mut packages = dataset_packages();
    if !datasets_only {
        packages.extend(
            APT_TOOLS
                .iter()
                .map(|(n, p)| (n.to_string(), p.to_string())),
        );
    }
    let missing: Vec<String> = packages
        .into_iter()
        .filter(|(_, probe)| !Path::new(probe).exists())
        .map(|(name, _)| name)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let (program, prefix): (&str, &[&str]) = if root {
        ("apt-get", &[])
    } else {
        ("sudo", &["apt-get"])
    };
    let run = |args: &[&str]| {
        let mut cmd = Command::new(program);
        cmd.args(prefix)
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive");
        status(&mut cmd)
    };
    run(&["update", "-q"])?;
    let mut install = vec!["install", "-y", "-q"];
    install.extend(missing.iter().map(String::as_str));
    run(&install).map_err(|e| format!("installing {missing:?} failed: {e}").into())
}
