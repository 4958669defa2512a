//! The paper's Figure 1 claim on data built to show it: when the labels live in low-variance
//! directions, a classifier on the bottom of the variance wins and one on the top is at chance.

mod spectral_support;

use recon_align::dataset::Dataset;
use recon_align::spectral::{ProbeConfig, SplitMix64, SubspaceSide, SubspaceStudy};
use recon_align::train::{mlp_probe_config, mlp_subspace_accuracy, Backend, MlpConfig};
use spectral_support::bundled;

fn study(data: &Dataset, seed: u64) -> SubspaceStudy {
    SubspaceStudy::new(
        data,
        &ProbeConfig {
            seed,
            ..ProbeConfig::default()
        },
    )
    .unwrap()
}

/// 4x4 images: pixels 0..8 carry loud label-free noise, pixels 8..16 a quiet class signal.
fn quiet_labels(n: usize, classes: usize, seed: u64) -> Dataset {
    let mut rng = SplitMix64::new(seed);
    let mut images = Vec::with_capacity(n * 16);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let label = i % classes;
        labels.push(label as u8);
        for j in 0..16 {
            let v = if j < 8 {
                128.0 + 50.0 * rng.next_normal()
            } else {
                let signal = if j - 8 == label { 30.0 } else { 0.0 };
                100.0 + signal + 4.0 * rng.next_normal()
            };
            images.push(v.round().clamp(0.0, 255.0) as u8);
        }
    }
    Dataset::new((1, 4, 4), images, labels).unwrap()
}

#[test]
fn mlp_on_the_bottom_of_the_variance_finds_labels_the_top_misses() {
    let data = quiet_labels(1200, 3, 9);
    let study = study(&data, 4);
    let config = MlpConfig {
        epochs: 30,
        batch: 32,
        lr: 3e-3,
        seed: 4,
        ..MlpConfig::default()
    };
    let score = |fraction, side| {
        pollster::block_on(mlp_subspace_accuracy(
            &study,
            Backend::Cpu,
            &data,
            fraction,
            side,
            &config,
        ))
        .unwrap()
    };
    let (top, top_dims) = score(0.5, SubspaceSide::Top);
    let (bottom, bottom_dims) = score(0.1, SubspaceSide::Bottom);
    assert!(
        top_dims >= 2 && bottom_dims >= 2,
        "dims {top_dims} / {bottom_dims}"
    );
    assert!(
        top < 0.5,
        "the loud half of the variance carries no label: {top}"
    );
    assert!(bottom > 0.9, "the quiet 10% carries them all: {bottom}");
}

#[test]
fn bad_fractions_are_refused() {
    let data = quiet_labels(60, 3, 1);
    let study = study(&data, 1);
    for f in [0.0, 1.5, f64::NAN] {
        let r = pollster::block_on(mlp_subspace_accuracy(
            &study,
            Backend::Cpu,
            &data,
            f,
            SubspaceSide::Top,
            &MlpConfig::default(),
        ));
        assert!(r.is_err(), "fraction {f}");
    }
}

#[test]
fn on_mnist_the_bottom_quarter_of_the_variance_still_classifies_well() {
    // docs/maths.md: with a small MLP the bottom 10-25% of the variance still gives 80-87% on MNIST.
    let Some(data) = bundled("mnist", "perception_mlp on the bundled digits") else {
        return;
    };
    let study = study(&data, 1);
    let config = mlp_probe_config(1);
    let score = |fraction, side| {
        pollster::block_on(mlp_subspace_accuracy(
            &study,
            Backend::Cpu,
            &data,
            fraction,
            side,
            &config,
        ))
        .unwrap()
        .0
    };
    let bottom = score(0.25, SubspaceSide::Bottom);
    let top = score(0.25, SubspaceSide::Top);
    eprintln!("test accuracy: bottom 25% {bottom:.4}, top 25% {top:.4}");
    // Measured 0.762 and 0.598 with each projected image normalised on its own (0.786 and 0.629
    // before); the majority class is about 0.11.
    assert!(bottom > 0.7, "bottom 25% of the variance: {bottom}");
    assert!(
        bottom > top,
        "bottom 25% ({bottom}) beats the top 25% ({top})"
    );
}

#[test]
fn the_probe_settings_are_the_best_on_a_validation_split_of_the_training_part() {
    use recon_align::train::mlp_validation_accuracy;
    let Some(data) = bundled("mnist", "perception_mlp on the bundled digits") else {
        return;
    };
    let study = study(&data, 1);
    let chosen = mlp_probe_config(1);
    // The grid and the criterion were fixed before looking: the mean validation accuracy over
    // the top and the bottom 25% of the variance, so neither side is favoured.
    let mut scores = Vec::new();
    for lr in [1e-3, 3e-3, 1e-2, 3e-2] {
        let config = MlpConfig { lr, ..chosen };
        let mut total = 0.0;
        for side in [SubspaceSide::Top, SubspaceSide::Bottom] {
            let acc = pollster::block_on(mlp_validation_accuracy(
                &study,
                Backend::Cpu,
                &data,
                (0.25, side),
                0.1,
                &config,
            ))
            .unwrap();
            eprintln!("lr {lr}: {side:?} 25% validation accuracy {acc:.4}");
            total += acc / 2.0;
        }
        scores.push((lr, total));
    }
    let best = scores
        .iter()
        .fold(scores[0], |b, s| if s.1 > b.1 { *s } else { b });
    assert_eq!(best.0, chosen.lr, "validation scores {scores:?}");
}
