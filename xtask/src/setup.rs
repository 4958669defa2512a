//! Installs what the build and the tests need, skipping whatever is already there.

use std::path::Path;
use std::process::Command;

use crate::{status, Result};

/// Debian packages: Chromium for the browser tests, Mesa's lavapipe for native GPU tests,
/// Fashion-MNIST (IDX, 70,000 images): the page's second bundled dataset (its 10,000 test images),
/// the IDX loader test and the benchmarks.
const APT_PACKAGES: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    (
        "dataset-fashion-mnist",
        "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
    ),
    (
        "mesa-vulkan-drivers",
        "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json",
    ),
];

/// Everything: apt packages, the wasm32 target and npm packages.
pub fn all(root: &Path) -> Result {
    apt(&[])?;
    for_build(root)
}

/// What building the page needs: the wasm32 target, npm packages and Fashion-MNIST.
pub fn for_build(root: &Path) -> Result {
    apt(&["dataset-fashion-mnist"])?;
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

/// Installs the Debian packages of `only` (all of them when empty) that are missing (as root, or
/// through sudo).
fn apt(only: &[&str]) -> Result {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .filter(|(name, _)| only.is_empty() || only.contains(name))
        .filter(|(_, probe)| !Path::new(probe).exists())
        .map(|(name, _)| *name)
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
    install.extend(&missing);
    run(&install).map_err(|e| format!("installing {missing:?} failed: {e}").into())
}
