//! The guided sweep's uncertainty: the standard error it reports for each probe accuracy, against
//! the test images counted one by one and a bootstrap over them, computed here.

mod spectral_support;

use recon_align::spectral::{
    guided, guided_encoder, Gram, LinearProbe, Pca, ProbeConfig, Split, SplitMix64,
    DEFAULT_RELATIVE_RIDGE, GUIDED_GRID,
};
use spectral_support::*;

/// Standard deviation of the mean of `correct` (0/1 per test image) over `resamples` bootstrap
/// resamples drawn with `seed`.
fn bootstrap_se(correct: &[f64], resamples: usize, seed: u64) -> f64 {
    let n = correct.len();
    let mut rng = SplitMix64::new(seed);
    let means: Vec<f64> = (0..resamples)
        .map(|_| (0..n).map(|_| correct[rng.below(n)]).sum::<f64>() / n as f64)
        .collect();
    let mean = means.iter().sum::<f64>() / resamples as f64;
    let var = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (resamples - 1) as f64;
    var.sqrt()
}

#[test]
fn accuracy_standard_errors_match_the_test_counts_and_a_bootstrap() {
    let data = synthetic(500, (1, 4, 4), 4, false, 31);
    let config = ProbeConfig {
        seed: 5,
        ..ProbeConfig::default()
    };
    let (k, lambdas) = (2, [1e-6, 1e-2, 1.0]);
    let report = guided(&data, k, Some(&lambdas), &config).unwrap();
    let split = Split::new(data.n, config.test_fraction, config.seed).unwrap();
    assert_eq!(report.split.test, split.test.len());
    assert_eq!(report.split.train, split.train.len());
    assert_eq!(report.split.seed, config.seed);
    let n = split.test.len() as f64;
    // Each encoder again, scored here one test image at a time.
    let gram = Gram::from_rows(&data, &split.train, DEFAULT_RELATIVE_RIDGE).unwrap();
    let pca = Pca::new(&gram).unwrap();
    let mut bases = vec![pca.vectors.subcols(0, k).to_owned()];
    bases.extend(lambdas.map(|l| guided_encoder(&gram, l, k).unwrap()));
    let reported = std::iter::once((report.pca_acc, report.pca_acc_se)).chain(
        report
            .probe_acc
            .iter()
            .copied()
            .zip(report.probe_acc_se.clone()),
    );
    let mut seen = Vec::new();
    for (i, (basis, (acc, se))) in bases.iter().zip(reported).enumerate() {
        let probe = LinearProbe::fit(&gram, basis.as_ref(), config.relative_ridge).unwrap();
        let correct: Vec<f64> = split
            .test
            .iter()
            .map(|&row| probe.accuracy(&data, &[row]))
            .collect();
        let count: f64 = correct.iter().sum();
        assert_eq!(count, (acc * n).round(), "encoder {i}: {acc} of {n}");
        // The binomial standard error from the counts: sqrt(c (n - c) / n^3).
        let from_counts = (count * (n - count) / n.powi(3)).sqrt();
        assert!(
            (se - from_counts).abs() <= 1e-12 * from_counts,
            "encoder {i}: SE {se} against {from_counts} from {count} of {n}"
        );
        // A bootstrap over the test images: 4,000 resamples estimate the SE to about 1.1%.
        let boot = bootstrap_se(&correct, 4000, 11 + i as u64);
        assert!(
            (boot - se).abs() < 0.05 * se,
            "encoder {i}: bootstrap SE {boot} against {se}"
        );
        seen.push(acc);
    }
    // The encoders are not all alike, so the check covered several accuracies.
    assert!(seen.iter().any(|&a| a != seen[0]), "{seen:?}");
}

#[test]
fn the_default_grid_runs_from_supervision_to_pca() {
    // One grid, increasing, for the page and the command line, in units of the balanced lambda.
    assert!(GUIDED_GRID.windows(2).all(|w| w[0] < w[1]));
    let data = synthetic(400, (1, 4, 4), 4, false, 32);
    let config = ProbeConfig::default();
    let report = guided(&data, 3, None, &config).unwrap();
    // The balanced lambda, trace(X^T Y Y^T X) / trace(G G), from the training Gram here.
    let split = Split::new(data.n, config.test_fraction, config.seed).unwrap();
    let gram = Gram::from_rows(&data, &split.train, DEFAULT_RELATIVE_RIDGE).unwrap();
    let (d, classes) = (gram.d(), gram.class_sums().nrows());
    let label: f64 = (0..classes)
        .flat_map(|c| (0..d).map(move |i| (c, i)))
        .map(|(c, i)| gram.class_sums()[(c, i)].powi(2))
        .sum();
    let gg: f64 = (0..d)
        .flat_map(|i| (0..d).map(move |j| (i, j)))
        .map(|(i, j)| gram.matrix()[(i, j)].powi(2))
        .sum();
    let balanced = label / gg;
    assert!((report.balanced_lambda - balanced).abs() <= 1e-12 * balanced);
    assert_eq!(report.lambda.len(), GUIDED_GRID.len());
    for (lambda, t) in report.lambda.iter().zip(GUIDED_GRID) {
        assert!(
            (lambda - t * balanced).abs() <= 1e-12 * lambda,
            "{lambda} vs {t} x {balanced}"
        );
    }
    // Its largest weight reconstructs as PCA does, to a part in 1e4 of the error.
    let last = *report.recon_error.last().unwrap();
    assert!(
        (last - report.pca_recon_error).abs() < 1e-4 * report.pca_recon_error,
        "{last} against PCA's {}",
        report.pca_recon_error
    );
    // Its smallest spends the code on the labels: the worst reconstruction of the sweep.
    let first = report.recon_error[0];
    assert!(report.recon_error.iter().all(|&e| e <= first + 1e-12));
}
