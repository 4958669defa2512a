//! Early stopping of the MLP probe, on both backends: the kept weights are those of the first
//! epoch with the highest validation accuracy (the same weights a plain run of that many epochs
//! ends with, and their accuracy recomputed here in f64), and training stops `patience` epochs
//! after it, or at the configured number of epochs.

mod gpu_support;

use gpu_support::{context, TestRng};
use recon_align::train::mlp::{train_mlp_probe_early_stopping, EarlyStopping};
use recon_align::train::{
    train_mlp_probe, Backend, MlpConfig, MlpDims, MlpParams, MlpReport, ProbeData,
};

const DIMS: MlpDims = MlpDims {
    features: 12,
    hidden: 32,
    classes: 3,
};

/// Noisy labels from the sign pattern of two features: a small training set that a large
/// learning rate overfits, so the validation score rises, then falls.
fn noisy_problem(n: usize, seed: u64) -> (Vec<f32>, Vec<u8>) {
    let mut rng = TestRng::new(seed);
    let x = rng.vec(n * DIMS.features);
    let y = (0..n)
        .map(|i| {
            let (a, b) = (x[i * DIMS.features], x[i * DIMS.features + 1]);
            let clean = if a > 0.0 {
                1
            } else if b > 0.0 {
                2
            } else {
                0
            };
            if rng.next_u64().is_multiple_of(4) {
                (rng.next_u64() % 3) as u8
            } else {
                clean
            }
        })
        .collect();
    (x, y)
}

fn config(epochs: usize) -> MlpConfig {
    MlpConfig {
        epochs,
        batch: 16,
        lr: 0.02,
        seed: 5,
        ..MlpConfig::default()
    }
}

/// Training, validation and test samples.
struct Sets {
    train: (Vec<f32>, Vec<u8>),
    validation: (Vec<f32>, Vec<u8>),
    test: (Vec<f32>, Vec<u8>),
}

fn data(set: &(Vec<f32>, Vec<u8>)) -> ProbeData<'_> {
    ProbeData {
        x: &set.0,
        y: &set.1,
    }
}

fn run(backend: Backend<'_>, sets: &Sets, epochs: usize, patience: usize) -> MlpReport {
    pollster::block_on(train_mlp_probe_early_stopping(
        backend,
        data(&sets.train),
        EarlyStopping {
            validation: data(&sets.validation),
            patience,
        },
        data(&sets.test),
        DIMS,
        &config(epochs),
    ))
    .unwrap()
}

/// The same training without early stopping, for `epochs` epochs.
fn plain(backend: Backend<'_>, sets: &Sets, epochs: usize) -> MlpReport {
    pollster::block_on(train_mlp_probe(
        backend,
        data(&sets.train),
        data(&sets.test),
        DIMS,
        &config(epochs),
    ))
    .unwrap()
}

/// Accuracy of `params` on a set, by the written-out forward pass in f64 (lowest class on ties).
fn accuracy_f64(params: &MlpParams, (x, y): &(Vec<f32>, Vec<u8>)) -> f64 {
    let MlpDims {
        features: f,
        hidden: h,
        classes: c,
    } = params.dims;
    let w = |v: &[f32], i: usize| f64::from(v[i]);
    let right = y
        .iter()
        .enumerate()
        .filter(|&(s, &label)| {
            let a: Vec<f64> = (0..h)
                .map(|j| {
                    let z = (0..f).fold(w(&params.b1, j), |acc, i| {
                        acc + f64::from(x[s * f + i]) * w(&params.w1, i * h + j)
                    });
                    z.max(0.0)
                })
                .collect();
            let logits: Vec<f64> = (0..c)
                .map(|k| {
                    (0..h).fold(w(&params.b2, k), |acc, j| {
                        acc + a[j] * w(&params.w2, j * c + k)
                    })
                })
                .collect();
            let best = (1..c).fold(0, |b, k| if logits[k] > logits[b] { k } else { b });
            best == usize::from(label)
        })
        .count();
    right as f64 / y.len() as f64
}

/// Checks one backend's early-stopped run against the rule and against a plain run.
fn check(backend: Backend<'_>, name: &str) {
    let sets = Sets {
        train: noisy_problem(160, 1),
        validation: noisy_problem(300, 2),
        test: noisy_problem(300, 3),
    };
    let (max, patience) = (200, 4);
    let r = run(backend, &sets, max, patience);
    let v = &r.validation_acc;
    eprintln!(
        "{name}: kept epoch {} of {}, validation accuracy {v:?}, test {}",
        r.epochs,
        r.losses.len(),
        r.test_acc
    );
    assert_eq!(v.len(), r.losses.len(), "one validation score per epoch");
    // The kept epoch is the first with the highest validation score.
    let highest = v.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let first_highest = v.iter().position(|&a| a == highest).unwrap() + 1;
    assert_eq!(r.epochs, first_highest);
    // It stopped `patience` epochs later, well before the cap (the problem overfits).
    assert!(r.losses.len() < max, "ran to the cap: {v:?}");
    assert_eq!(r.losses.len(), r.epochs + patience);
    // The kept weights are those a plain run of that many epochs ends with: bit for bit on the
    // CPU, and on the GPU too (the same submissions in the same order).
    let reference = plain(backend, &sets, r.epochs);
    assert_eq!(r.params, reference.params, "{name}: the kept weights");
    assert_eq!(
        r.test_acc, reference.test_acc,
        "{name}: their test accuracy"
    );
    // And their validation accuracy is the one recorded for that epoch (f32 and f64 may rank
    // the logits of a near-tie differently: one image at most here).
    let recomputed = accuracy_f64(&r.params, &sets.validation);
    let recorded = f64::from(v[r.epochs - 1]);
    assert!(
        (recomputed - recorded).abs() <= 1.5 / sets.validation.1.len() as f64,
        "{name}: accuracy {recorded} recorded, {recomputed} recomputed"
    );
    // With a cap below the best epoch, training runs to the cap and keeps the best so far.
    let capped = run(backend, &sets, 3, patience);
    assert_eq!(capped.losses.len(), 3);
    assert_eq!(capped.validation_acc, v[..3].to_vec());
}

#[test]
fn early_stopping_keeps_the_best_validation_epoch_and_stops_after_the_patience() {
    check(Backend::Cpu, "cpu");
    if let Some(ctx) = context() {
        check(Backend::Gpu(&ctx), "gpu");
    }
}
