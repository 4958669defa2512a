//! `cargo xtask device-pack`: one folder, `target/device-pack/`, that checks recon-align on a real
//! GPU beside PyTorch, on a Linux x86-64 machine with only a GPU driver and xz: no network, no
//! Rust, no Node. Its `run.sh` (bench/device/run.sh) runs the GPU tests, gpu_bench, the CLI's GPU
//! commands, the same work in PyTorch, and the page's wasm on WebGPU through Dawn, and prints one
//! table. `cargo xtask test` builds the folder and runs `run.sh --smoke` on lavapipe.
//!
//! The folder, at most `LIMIT` bytes:
//!   run.sh, table.awk, torch_bench.py     bench/device/
//!   bin/*.xz                              stripped, xz-compressed release binaries: the CLI,
//!                                         gpu_bench and the GPU test binaries
//!   lib/                                  the Vulkan loader and GL dispatch libraries, as
//!                                         Debian's libvulkan1 and libglvnd packages ship them
//!   www/data/                             the bundled data
//!   web/                                  dawn.mjs, the wasm built with `--features bench` (pkg/),
//!                                         npm `webgpu`'s linux-x64 Dawn addon (xz), node.xz

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo_bin, site, status, Result};

/// The folder's size limit (the device machine's transfer allows 64 MiB with the working tree).
pub const LIMIT: u64 = 60 << 20;

/// The GPU test binaries that travel (tests/<name>.rs).
pub const GPU_TESTS: [&str; 4] = ["gpu_kernels", "gpu_training", "gpu_mlp", "gpu_noise_maps"];

/// Debian packages whose shared libraries travel in lib/: the Vulkan loader, and the GL vendor
/// dispatch libraries that NVIDIA's Vulkan driver (libGLX_nvidia) loads.
const LIBRARIES: [&str; 7] = [
    "libvulkan1",
    "libglvnd0",
    "libglx0",
    "libegl1",
    "libopengl0",
    "libgl1",
    "libgles2",
];

/// Builds the folder and returns it. `bench_pkg` is the wasm package built with `--features
/// bench` (site::bench_site builds it).
pub fn pack(root: &Path, bench_pkg: &Path) -> Result<PathBuf> {
    let out = site::target_dir(root).join("device-pack");
    if out.exists() {
        fs::remove_dir_all(&out)?;
    }
    for dir in [
        "bin",
        "lib",
        "www/data",
        "web/pkg",
        "web/node_modules/webgpu/dist",
    ] {
        fs::create_dir_all(out.join(dir))?;
    }
    for file in ["run.sh", "table.awk", "torch_bench.py"] {
        fs::copy(root.join("bench/device").join(file), out.join(file))?;
    }
    for binary in binaries()? {
        compress(&binary, &out.join("bin"), true)?;
    }
    for lib in libraries()? {
        let name = lib.file_name().ok_or("library without a name")?;
        fs::copy(&lib, out.join("lib").join(name))?;
    }
    for set in recon_align::dataset::bundled() {
        fs::copy(
            root.join("www/data").join(&set.file),
            out.join("www/data").join(&set.file),
        )?;
    }
    web(root, bench_pkg, &out.join("web"))?;
    let size = folder_size(&out)?;
    println!(
        "xtask: device pack in {} ({:.1} MiB)",
        out.display(),
        size as f64 / 1048576.0
    );
    if size > LIMIT {
        return Err(format!("the device pack is {size} bytes, over its limit of {LIMIT}").into());
    }
    Ok(out)
}

/// The release binaries: the CLI, gpu_bench (`--features bench`) and the GPU test binaries.
fn binaries() -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut build = |args: &[&str]| -> Result {
        let mut cmd = Command::new(cargo_bin());
        cmd.args(args)
            .args(["--release", "--message-format=json-render-diagnostics"]);
        println!("xtask: running {cmd:?}");
        let run = cmd.output()?;
        if !run.status.success() {
            return Err(format!("{cmd:?} failed ({})", run.status).into());
        }
        out.extend(executables(&String::from_utf8_lossy(&run.stdout)));
        Ok(())
    };
    build(&["build", "--package", "recon-align", "--bin", "recon-align"])?;
    build(&["build", "--features", "bench", "--example", "gpu_bench"])?;
    let mut tests = vec!["test", "--package", "recon-align", "--no-run"];
    for name in GPU_TESTS {
        tests.extend(["--test", name]);
    }
    build(&tests)?;
    // The test build also names the CLI it links its CLI tests against.
    out.sort();
    out.dedup();
    if out.len() != 2 + GPU_TESTS.len() {
        return Err(format!(
            "expected {} binaries from cargo, got {out:?}",
            2 + GPU_TESTS.len()
        )
        .into());
    }
    Ok(out)
}

/// The `"executable"` paths in cargo's JSON messages (one object per line).
fn executables(messages: &str) -> Vec<PathBuf> {
    const KEY: &str = "\"executable\":\"";
    messages
        .lines()
        .filter_map(|line| {
            let start = line.find(KEY)? + KEY.len();
            let end = start + line[start..].find('"')?;
            Some(PathBuf::from(&line[start..end]))
        })
        .collect()
}

/// Writes `file` (stripped first when `strip`) as `<dir>/<name>.xz`, named without cargo's hash.
fn compress(file: &Path, dir: &Path, strip: bool) -> Result {
    let stem = file
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("binary without a name")?;
    let name = match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            name
        }
        _ => stem,
    };
    let plain = dir.join(name);
    if strip {
        status(Command::new("strip").arg("-o").arg(&plain).arg(file))?;
    } else {
        fs::copy(file, &plain)?;
    }
    status(Command::new("xz").args(["-T0", "-6", "-f"]).arg(&plain))
}

/// The shared libraries (`*.so.*`) of `LIBRARIES`, as dpkg lists them on this Debian machine.
fn libraries() -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for package in LIBRARIES {
        let listing = Command::new("dpkg").args(["-L", package]).output()?;
        if !listing.status.success() {
            return Err(format!("dpkg knows no {package}: apt-get install {package}").into());
        }
        out.extend(
            String::from_utf8_lossy(&listing.stdout)
                .lines()
                .filter(|l| l.contains(".so.") && Path::new(l).exists())
                .map(PathBuf::from),
        );
    }
    Ok(out)
}

/// web/: dawn.mjs, the bench wasm package, npm `webgpu` for linux-x64 and a compressed Node.
fn web(root: &Path, bench_pkg: &Path, web: &Path) -> Result {
    fs::copy(root.join("bench/device/dawn.mjs"), web.join("dawn.mjs"))?;
    for file in ["recon_align.js", "recon_align_bg.wasm"] {
        fs::copy(bench_pkg.join(file), web.join("pkg").join(file))?;
    }
    let webgpu = root.join("node_modules/webgpu");
    let dest = web.join("node_modules/webgpu");
    for file in ["package.json", "index.js"] {
        fs::copy(webgpu.join(file), dest.join(file))?;
    }
    let addon = webgpu.join("dist/linux-x64");
    fs::create_dir_all(dest.join("dist/linux-x64"))?;
    // The addon compressed too (21 MB, 6 MB as xz); run.sh unpacks it.
    compress(
        &addon.join("dawn.node"),
        &dest.join("dist/linux-x64"),
        false,
    )?;
    let node = Command::new("sh")
        .args(["-c", "command -v node"])
        .output()?;
    let node = String::from_utf8_lossy(&node.stdout).trim().to_string();
    if node.is_empty() {
        return Err("no node on PATH to pack".into());
    }
    compress(Path::new(&node), web, false)
}

fn folder_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            folder_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executables_are_read_from_cargo_messages_and_only_there() {
        let messages = concat!(
            "{\"reason\":\"compiler-artifact\",\"executable\":\"/t/release/deps/gpu_mlp-0fcc81102ebad6d5\",\"fresh\":true}\n",
            "{\"reason\":\"compiler-artifact\",\"executable\":null}\n",
            "{\"reason\":\"build-finished\",\"success\":true}\n",
        );
        assert_eq!(
            executables(messages),
            vec![PathBuf::from("/t/release/deps/gpu_mlp-0fcc81102ebad6d5")]
        );
    }
}
