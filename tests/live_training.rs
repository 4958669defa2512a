//! The live-training yardsticks (src/live.rs) against independent computations: an explicit
//! Gram-Schmidt on the N x D data, the PCA optimum's known energies, and plain training.

mod spectral_support;

use recon_align::dataset::Dataset;
use recon_align::live::{EpochSummary, Monitor};
use recon_align::spectral::{closed_form_dae, Gram, Noise, Pca, SplitMix64};
use recon_align::train::{train_dae, Backend, DaeConfig, TrainSettings};
use spectral_support::{explicit_x, synthetic};

/// Orthonormalises the columns of an N x K row-major matrix (modified Gram-Schmidt), dropping
/// columns that are (numerically) dependent on the previous ones. The threshold is relative to
/// the largest column: a constant pixel's centred column is rounding noise, not a direction.
fn gram_schmidt(m: &[f64], n: usize, k: usize) -> Vec<Vec<f64>> {
    let column_norm = |j: usize| (0..n).map(|i| m[i * k + j].powi(2)).sum::<f64>().sqrt();
    let largest = (0..k).map(column_norm).fold(0.0, f64::max);
    let mut basis: Vec<Vec<f64>> = Vec::new();
    for j in 0..k {
        let mut v: Vec<f64> = (0..n).map(|i| m[i * k + j]).collect();
        for q in &basis {
            let dot: f64 = q.iter().zip(&v).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(q).for_each(|(x, qi)| *x -= dot * qi);
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 1e-9 * largest {
            basis.push(v.iter().map(|x| x / norm).collect());
        }
    }
    basis
}

/// sum over columns q of ||Y^T q||^2 weighted by class counts: sum_c n_c (Y^T q)_c^2.
fn label_energy(basis: &[Vec<f64>], labels: &[u8], classes: usize) -> f64 {
    let counts: Vec<f64> = (0..classes)
        .map(|c| labels.iter().filter(|&&l| l as usize == c).count() as f64)
        .collect();
    basis
        .iter()
        .map(|q| {
            let mut yq = vec![0.0; classes];
            for (i, &l) in labels.iter().enumerate() {
                yq[l as usize] += q[i];
            }
            (0..classes).map(|c| counts[c] * yq[c] * yq[c]).sum::<f64>()
        })
        .sum()
}

/// A live run of `settings` on the CPU, as the page and `recon-align train` do it: the DAE on the
/// training part of the split, each epoch summarised.
fn train_on_cpu(data: &Dataset, settings: &TrainSettings) -> Vec<EpochSummary> {
    let (_, config) = settings
        .resolve(Monitor::training_size(data.n), data.d())
        .unwrap();
    let monitor = Monitor::new(data, &config).unwrap();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let mut summaries = Vec::new();
    pollster::block_on(train_dae(
        Backend::Cpu,
        monitor.training_set(),
        monitor.preprocessing(),
        &config,
        &cancel,
        |r| {
            summaries.push(monitor.summarise(data, r, "cpu").unwrap());
            true
        },
    ))
    .unwrap();
    summaries
}

/// Plain reconstruction at width `k`, seed 1.
fn plain(k: usize) -> DaeConfig {
    DaeConfig {
        k,
        noise: Noise::None,
        seed: 1,
        ..DaeConfig::default()
    }
}

#[test]
fn encoder_alignment_matches_an_explicit_gram_schmidt_of_the_codes() {
    let whole = synthetic(300, (1, 4, 4), 3, true, 7);
    let k = 5;
    let config = plain(k);
    let monitor = Monitor::new(&whole, &config).unwrap();
    // Alignment is measured on the training part, the images the DAE sees.
    let data = monitor.training_set().clone();
    assert_eq!(data.n, 240);
    let (n, d) = (data.n, data.d());
    let mut rng = SplitMix64::new(3);
    let encoder: Vec<f64> = (0..k * d).map(|_| rng.next_normal()).collect();
    let ours = monitor.encoder_alignment(&encoder, k).unwrap();

    let x = explicit_x(&data);
    // Codes Z = X E^T (N x K) and the full column space of X (N x D).
    let z: Vec<f64> = (0..n)
        .flat_map(|i| {
            let x = &x;
            let encoder = &encoder;
            (0..k).map(move |j| {
                (0..d)
                    .map(|p| x[i * d + p] * encoder[j * d + p])
                    .sum::<f64>()
            })
        })
        .collect();
    let codes = label_energy(&gram_schmidt(&z, n, k), &data.labels, data.classes);
    let full = label_energy(&gram_schmidt(&x, n, d), &data.labels, data.classes);
    let expected = 100.0 * (codes / full).sqrt();
    // The documented ridge (1e-6 trace(G)/D) moves the result by about 1e-5 points here.
    assert!(
        (ours - expected).abs() < 1e-4,
        "ours {ours}, explicit {expected}"
    );
}

#[test]
fn the_pca_optimum_reconstructs_exactly_the_top_k_spectrum() {
    // Paper: the optimal linear AE is PCA, so its reconstructions carry lambda_i on the top K
    // eigendirections and nothing on the others.
    let data = synthetic(300, (1, 4, 4), 3, false, 11);
    let k = 4;
    let monitor = Monitor::new(&data, &plain(k)).unwrap();
    let gram = Gram::from_dataset(monitor.training_set()).unwrap();
    let lambda = Pca::new(&gram).unwrap().lambda;
    let dae = closed_form_dae(&gram, &Noise::None, k).unwrap();
    let report = recon_align::train::EpochReport {
        epoch: 1,
        steps: 1,
        train_loss: 0.0,
        samples_per_second: 0.0,
        weights: recon_align::train::DaeWeights {
            d: data.d(),
            k,
            encoder: dae.encoder.iter().map(|&v| v as f32).collect(),
            decoder: dae.decoder.iter().map(|&v| v as f32).collect(),
        },
        checkpoints: vec![],
    };
    let summary = monitor.summarise(&data, &report, "cpu").unwrap();
    for (i, (e, l)) in summary.energy.iter().zip(&lambda).enumerate() {
        let expected = if i < k { *l } else { 0.0 };
        assert!(
            (e - expected).abs() < 1e-4 * lambda[0],
            "direction {i}: energy {e}, expected {expected}"
        );
    }
}

#[test]
fn cpu_training_closes_the_gap_to_the_closed_form_optimum() {
    let data = synthetic(512, (1, 4, 4), 4, true, 5);
    let settings = TrainSettings {
        k: 3,
        noise: "mask:0.3:2".into(),
        lr: 3e-3,
        optimiser: "adam".into(),
        momentum: 0.0,
        epochs: 60,
        batch: 32,
        seed: 2,
    };
    let summaries = train_on_cpu(&data, &settings);
    let first = &summaries[0];
    let last = summaries.last().unwrap();
    // The loss is a noisy per-epoch mean (sampled masks), so allow a few percent.
    assert!(
        last.gap < 0.05 * last.optimum,
        "final gap {} vs optimum {}",
        last.gap,
        last.optimum
    );
    assert!(
        first.gap > 3.0 * last.gap.max(0.0),
        "the gap shrinks: {} -> {}",
        first.gap,
        last.gap
    );
    assert!(last.alignment > 0.0 && last.alignment <= 100.0);
    assert!(
        last.probe_acc > 1.0 / 4.0,
        "probe beats chance: {}",
        last.probe_acc
    );
}

#[test]
fn bad_training_settings_are_refused_with_a_reason() {
    let ok = TrainSettings::default();
    for (settings, needle) in [
        (TrainSettings { k: 0, ..ok.clone() }, "width"),
        (
            TrainSettings {
                lr: f64::NAN,
                ..ok.clone()
            },
            "learning rate",
        ),
        (
            TrainSettings {
                optimiser: "rmsprop".into(),
                ..ok.clone()
            },
            "optimiser",
        ),
        (
            TrainSettings {
                noise: "mask:1.5:2".into(),
                ..ok.clone()
            },
            "mask",
        ),
        (
            TrainSettings {
                epochs: 0,
                ..ok.clone()
            },
            "epochs",
        ),
        (
            TrainSettings {
                batch: 20_000,
                ..ok.clone()
            },
            "at most 10000",
        ),
    ] {
        let err = settings.resolve(10_000, 784).unwrap_err().to_string();
        assert!(err.contains(needle), "{err} should mention {needle}");
    }
}

#[test]
fn the_default_run_learns_the_top_directions_at_times_near_one_over_their_rate() {
    // The linear theory: from a small initialisation, plain gradient descent with small steps
    // learns the direction of rate s at a time proportional to 1/s (up to a logarithm). The
    // default run (plain SGD, on the training part of the bundled digits, a 1x1 mask: s = (1−p)λ)
    // is in that regime, and the measured slope is close to −1 and clearly not −0.75.
    let Some(data) = spectral_support::bundled("mnist", "learning order") else {
        return;
    };
    let settings = TrainSettings::default();
    assert_eq!(settings.optimiser, "sgd");
    assert_eq!(settings.momentum, 0.0, "the page's default is plain SGD");
    let order = train_on_cpu(&data, &settings).pop().unwrap().learning_order;
    let regime = order.regime.as_ref().unwrap();
    assert!(
        regime.inside,
        "ε of the top direction {}",
        regime.epsilon[0]
    );
    assert!(
        order.fitted >= settings.k - 4,
        "{} of {} directions timed: {:?}",
        order.fitted,
        settings.k,
        order.status
    );
    let slope = order.slope.unwrap();
    let [lo, hi] = order.slope_interval.unwrap();
    assert!(
        (-1.2..=-0.9).contains(&slope) && hi < -0.75,
        "log-log slope {slope} [{lo}, {hi}], the law says -1; times {:?}",
        order.half_optimum_epoch
    );
    // Directions the run did not learn are not timed, and are the slow ones.
    let timed: Vec<f64> = order.half_optimum_epoch.iter().flatten().copied().collect();
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    assert!(
        mean(&timed[timed.len() / 2..]) > 3.0 * mean(&timed[..timed.len() / 4]),
        "the lower half is learned later than the top quarter: {timed:?}"
    );
}
