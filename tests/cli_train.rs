//! `recon-align train` and `align --gram gpu`: the command line's training run against the
//! closed form (through `recon-align dae`), and the GPU Gram against the CPU's f64 Gram.

use std::process::Command;

use recon_align::spectral::{closed_form_dae, Gram, ProbeConfig, Split};
use serde_json::Value;

fn run(args: &[&str]) -> Result<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_recon-align"))
        .args(args)
        .output()
        .expect("the binary runs");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

fn have_bundled_mnist() -> bool {
    let found = recon_align::dataset::bundled_candidates()
        .iter()
        .any(|p| p.is_file());
    if !found {
        if std::env::var("RECON_ALIGN_REQUIRE_DATA").as_deref() == Ok("1") {
            panic!("RECON_ALIGN_REQUIRE_DATA=1 but the bundled digits are missing (`cargo xtask data`)");
        }
        eprintln!(
            "skipped: bundled MNIST not built (`cargo xtask data`; `cargo xtask test` builds it)"
        );
    }
    found
}

/// Whether a GPU adapter answers; with RECON_ALIGN_REQUIRE_GPU=1 its absence is a failure.
fn gpu_or_skip(err: &str) -> bool {
    if std::env::var("RECON_ALIGN_REQUIRE_GPU").as_deref() == Ok("1") {
        panic!("RECON_ALIGN_REQUIRE_GPU=1 but the GPU run failed: {err}");
    }
    eprintln!("skipped GPU half: {err}");
    false
}

const TRAIN: &[&str] = &[
    "train",
    "--data",
    "mnist",
    "--limit",
    "1024",
    "--k",
    "8",
    "--noise",
    "mask:0.5:2",
    "--epochs",
    "4",
    "--lr",
    "0.003",
    "--batch",
    "64",
    "--seed",
    "5",
    "--json",
];

#[test]
fn train_prints_one_line_per_epoch_and_approaches_the_closed_form() {
    if !have_bundled_mnist() {
        return;
    }
    let cpu = lines(&run(&[TRAIN, &["--backend", "cpu"]].concat()).unwrap());
    assert_eq!(cpu.len(), 4, "one JSON line per epoch");
    for (i, e) in cpu.iter().enumerate() {
        assert_eq!(e["epoch"], i + 1);
        assert_eq!(e["backend"], "cpu");
        assert_eq!(e["energy"].as_array().unwrap().len(), 784);
        assert_eq!(e["spectrum"].as_array().unwrap().len(), 784);
    }
    // The run trains on the training part of the seeded split (80%), and reports the closed-form
    // optimum of that part, per sample.
    let whole = recon_align::dataset::load_source("mnist")
        .unwrap()
        .truncate(1024);
    let split = Split::new(1024, ProbeConfig::default().test_fraction, 5).unwrap();
    let part = whole.subset(&split.train);
    let gram = Gram::from_dataset(&part).unwrap();
    let noise = "mask:0.5:2".parse().unwrap();
    let optimum = closed_form_dae(&gram, &noise, 8).unwrap().loss / part.n as f64;
    assert_eq!(part.n, 819);
    let first = &cpu[0];
    let last = &cpu[3];
    assert!((last["optimum"].as_f64().unwrap() - optimum).abs() < 1e-9 * optimum);
    let (gap0, gap) = (
        first["gap"].as_f64().unwrap(),
        last["gap"].as_f64().unwrap(),
    );
    assert!(
        gap < 0.5 * gap0,
        "the gap to the optimum shrinks: {gap0} -> {gap}"
    );
    assert!(
        last["loss"].as_f64().unwrap() >= 0.9 * optimum,
        "no run beats the optimum by much"
    );

    // The same run on the GPU: same batches and masks, f32 on both sides.
    match run(&[TRAIN, &["--backend", "gpu"]].concat()) {
        Ok(text) => {
            let gpu = lines(&text);
            assert_eq!(gpu.len(), 4);
            for (c, g) in cpu.iter().zip(&gpu) {
                let (lc, lg) = (c["loss"].as_f64().unwrap(), g["loss"].as_f64().unwrap());
                assert!(
                    (lc - lg).abs() < 1e-3 * lc,
                    "epoch loss cpu {lc} vs gpu {lg}"
                );
            }
        }
        Err(e) => {
            gpu_or_skip(&e);
        }
    }
}

#[test]
fn gpu_gram_gives_the_cpu_alignment_within_f32_tolerance() {
    if !have_bundled_mnist() {
        return;
    }
    let args = [
        "align",
        "--data",
        "mnist",
        "--limit",
        "2000",
        "--noise",
        "mask:0.5:1",
        "--json",
    ];
    let cpu: Value =
        serde_json::from_str(&run(&[&args[..], &["--gram", "cpu"]].concat()).unwrap()).unwrap();
    let gpu = match run(&[&args[..], &["--gram", "gpu"]].concat()) {
        Ok(text) => serde_json::from_str::<Value>(&text).unwrap(),
        Err(e) => {
            gpu_or_skip(&e);
            return;
        }
    };
    let (a, b) = (
        cpu["alignment"].as_array().unwrap(),
        gpu["alignment"].as_array().unwrap(),
    );
    assert_eq!(a.len(), b.len());
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x.as_f64().unwrap() - y.as_f64().unwrap()).abs())
        .fold(0.0, f64::max);
    // f32 accumulation over 2000 images: measured 5e-5 points on lavapipe.
    assert!(
        worst < 1e-3,
        "alignment differs by {worst} points between GPU and CPU Grams"
    );
}

#[test]
fn train_refuses_bad_settings_with_a_reason() {
    for (args, needle) in [
        (vec!["train", "--data", "mnist", "--k", "0"], "width"),
        (
            vec!["train", "--data", "mnist", "--optimizer", "rmsprop"],
            "'rmsprop' for '--optimiser",
        ),
        (
            vec!["train", "--data", "mnist", "--backend", "tpu"],
            "[possible values: gpu, cpu]",
        ),
    ] {
        if !have_bundled_mnist() {
            return;
        }
        let err = run(&args).unwrap_err();
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn train_help_shows_the_optimiser_and_the_shared_defaults() {
    let out = Command::new(env!("CARGO_BIN_EXE_recon-align"))
        .args(["train", "--help"])
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    // The help text of one option: from its line to the next option's, in either help layout.
    let line = |flag: &str| {
        let mut lines = help
            .lines()
            .skip_while(|l| !l.trim_start().starts_with(&format!("{flag} ")));
        let first = lines
            .next()
            .unwrap_or_else(|| panic!("no {flag} in {help}"));
        let rest = lines.take_while(|l| !l.trim_start().starts_with("--"));
        std::iter::once(first)
            .chain(rest)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let defaults = recon_align::train::TrainSettings::default();
    let optimiser = line("--optimiser");
    assert!(
        optimiser.contains("--optimizer"),
        "alias shown: {optimiser}"
    );
    assert!(
        optimiser.contains(&format!("[default: {}]", defaults.optimiser)),
        "{optimiser}"
    );
    for (flag, default) in [
        ("--batch", defaults.batch.to_string()),
        ("--epochs", defaults.epochs.to_string()),
        ("--k", defaults.k.to_string()),
        ("--lr", defaults.lr.to_string()),
        ("--momentum", defaults.momentum.to_string()),
        ("--seed", defaults.seed.to_string()),
        ("--noise", defaults.noise.clone()),
    ] {
        let line = line(flag);
        assert!(line.contains(&format!("[default: {default}]")), "{line}");
    }
}

#[test]
fn the_american_optimizer_flag_still_works() {
    // Parsed and accepted: the run then fails on the missing data (exit 1), not on usage (2).
    for flag in ["--optimizer", "--optimiser"] {
        let out = Command::new(env!("CARGO_BIN_EXE_recon-align"))
            .args(["train", "--data", "/nonexistent/recon-align", flag, "adam"])
            .output()
            .expect("the binary runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{flag}: {err}");
        assert!(err.contains("cannot load"), "{flag}: {err}");
    }
    if !have_bundled_mnist() {
        return;
    }
    let short = |flag: &str, opt: &str| {
        let args = [
            "train",
            "--data",
            "mnist",
            "--limit",
            "256",
            "--k",
            "4",
            "--batch",
            "64",
            "--epochs",
            "1",
            "--backend",
            "cpu",
            "--json",
            flag,
            opt,
        ];
        lines(&run(&args).unwrap())[0]["loss"].as_f64().unwrap()
    };
    assert_eq!(short("--optimizer", "adam"), short("--optimiser", "adam"));
    assert_eq!(short("--optimizer", "sgd"), short("--optimiser", "sgd"));
}
