//! Spectrum energy, top/bottom subspaces, the linear probe and the guided closed form, against
//! explicit computations on small data.

mod spectral_support;

use recon_align::spectral::{
    closed_form_dae, guided, guided_encoder, min_max_rescale, project_images, spectrum_energy,
    spectrum_energy_of_autoencoder, subspace_split, GeneralizedEigen, Gram, LinearProbe, Noise,
    Pca, ProbeConfig, Split, SplitMix64, SubspaceSide,
};
use spectral_support::*;

#[test]
fn spectrum_energy_equals_energy_of_explicit_reconstructions() {
    let data = synthetic(60, (1, 3, 3), 2, false, 21);
    let (n, d) = (data.n, data.d());
    let rows: Vec<usize> = (0..n).collect();
    let gram = Gram::from_rows(&data, &rows, 0.0).unwrap();
    let pca = Pca::new(&gram).unwrap();
    let mut rng = SplitMix64::new(3);
    let map: Vec<f64> = (0..d * d).map(|_| rng.next_normal()).collect();
    let energy = spectrum_energy(&gram, &pca, &map).unwrap();
    // Xhat = X M^T, energy_k = ||Xhat u_k||^2, all explicit.
    let x = explicit_x(&data);
    let xhat = matmul(&x, &transpose(&map, d, d), n, d, d);
    let u = row_major(pca.vectors.as_ref());
    let xu = matmul(&xhat, &u, n, d, d);
    let explicit: Vec<f64> = (0..d)
        .map(|k| (0..n).map(|i| xu[i * d + k].powi(2)).sum())
        .collect();
    let scale = explicit.iter().copied().fold(0.0, f64::max);
    assert!(max_abs_diff(&energy, &explicit) < 1e-9 * scale);
    // The identity map's energy is the spectrum itself.
    let identity: Vec<f64> = (0..d * d)
        .map(|k| if k / d == k % d { 1.0 } else { 0.0 })
        .collect();
    assert!(
        max_abs_diff(
            &spectrum_energy(&gram, &pca, &identity).unwrap(),
            &pca.lambda
        ) < 1e-9 * pca.lambda[0]
    );
}

#[test]
fn autoencoder_spectrum_energy_equals_that_of_its_map() {
    let data = synthetic(80, (1, 4, 4), 2, true, 22);
    let gram = Gram::from_dataset(&data).unwrap();
    let pca = Pca::new(&gram).unwrap();
    let d = gram.d();
    let dae = closed_form_dae(&gram, &Noise::Mask { p: 0.5, patch: 2 }, 5).unwrap();
    let map = matmul(&dae.decoder, &dae.encoder, d, 5, d);
    let a = spectrum_energy(&gram, &pca, &map).unwrap();
    let b = spectrum_energy_of_autoencoder(&gram, &pca, &dae.encoder, &dae.decoder).unwrap();
    assert!(max_abs_diff(&a, &b) < 1e-9 * pca.lambda[0]);
    // A linear AE (PCA) reproduces the top-K energies exactly and nothing below them.
    let ae = closed_form_dae(&gram, &Noise::None, 5).unwrap();
    let e = spectrum_energy_of_autoencoder(&gram, &pca, &ae.encoder, &ae.decoder).unwrap();
    for (k, (energy, lambda)) in e.iter().zip(&pca.lambda).enumerate() {
        let expected = if k < 5 { *lambda } else { 0.0 };
        assert!(
            (energy - expected).abs() < 1e-8 * pca.lambda[0],
            "k={k}: {energy} vs {expected}"
        );
    }
}

#[test]
fn linear_probe_matches_explicit_least_squares() {
    let data = synthetic(240, (1, 3, 4), 3, false, 23);
    let split = Split::new(data.n, 0.25, 5).unwrap();
    let gram = Gram::from_rows(&data, &split.train, 0.0).unwrap();
    let pca = Pca::new(&gram).unwrap();
    let dims = [0usize, 2, 5];
    let basis = pca.basis(&dims);
    let probe = LinearProbe::fit(&gram, basis.as_ref(), 0.0).unwrap();
    // Explicit: features z = V^T x of the train-preprocessed images, least squares with an
    // intercept column onto one-hot labels, argmax on the test images.
    let d = data.d();
    let prep = gram.preprocessing();
    let feats = |i: usize| {
        let x = prep.apply(data.image(i));
        let mut z: Vec<f64> = (0..dims.len())
            .map(|k| (0..d).map(|j| basis[(j, k)] * x[j]).sum())
            .collect();
        z.push(1.0);
        z
    };
    let p = dims.len() + 1;
    let mut ztz = vec![0.0; p * p];
    let mut zty = vec![0.0; p * 3];
    for &i in &split.train {
        let z = feats(i);
        for a in 0..p {
            for b in 0..p {
                ztz[a * p + b] += z[a] * z[b];
            }
            zty[a * 3 + data.labels[i] as usize] += z[a];
        }
    }
    let w = solve(ztz, zty, p, 3);
    let correct = split
        .test
        .iter()
        .filter(|&&i| {
            let z = feats(i);
            let scores: Vec<f64> = (0..3)
                .map(|c| (0..p).map(|a| z[a] * w[a * 3 + c]).sum())
                .collect();
            let best = (0..3)
                .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))
                .unwrap();
            best == data.labels[i] as usize
        })
        .count();
    let explicit = correct as f64 / split.test.len() as f64;
    assert_eq!(probe.accuracy(&data, &split.test), explicit);
    assert!(
        explicit > 0.5,
        "the synthetic classes are separable enough: {explicit}"
    );
}

/// Gaussian elimination with partial pivoting: solves A X = B (A p x p, B p x m, row-major).
fn solve(mut a: Vec<f64>, mut b: Vec<f64>, p: usize, m: usize) -> Vec<f64> {
    for col in 0..p {
        let pivot = (col..p)
            .max_by(|&i, &j| a[i * p + col].abs().total_cmp(&a[j * p + col].abs()))
            .unwrap();
        for k in 0..p {
            a.swap(col * p + k, pivot * p + k);
        }
        for k in 0..m {
            b.swap(col * m + k, pivot * m + k);
        }
        for row in 0..p {
            if row != col {
                let f = a[row * p + col] / a[col * p + col];
                for k in 0..p {
                    a[row * p + k] -= f * a[col * p + k];
                }
                for k in 0..m {
                    b[row * m + k] -= f * b[col * m + k];
                }
            }
        }
    }
    (0..p * m).map(|k| b[k] / a[(k / m) * p + k / m]).collect()
}

#[test]
fn split_is_seeded_disjoint_and_complete() {
    let a = Split::new(100, 0.2, 9).unwrap();
    assert_eq!(a, Split::new(100, 0.2, 9).unwrap());
    assert_ne!(a, Split::new(100, 0.2, 10).unwrap());
    assert_eq!(a.test.len(), 20);
    let mut all: Vec<usize> = a.train.iter().chain(&a.test).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..100).collect::<Vec<_>>());
}

#[test]
fn top_and_bottom_subspaces_hold_the_requested_variance() {
    let data = synthetic(300, (1, 4, 4), 4, true, 24);
    let gram = Gram::from_dataset(&data).unwrap();
    let pca = Pca::new(&gram).unwrap();
    let f = pca.variance_fractions();
    for v in [0.1, 0.25, 0.9] {
        for side in [SubspaceSide::Top, SubspaceSide::Bottom] {
            let dims = pca.variance_subspace(v, side);
            let held: f64 = dims.iter().map(|&i| f[i]).sum();
            assert!(held >= v - 1e-12, "{side:?} {v}: holds {held}");
            // Minimal: dropping the last-added (smallest-variance-for-top) direction falls short.
            let last = if side == SubspaceSide::Top {
                *dims.iter().max().unwrap()
            } else {
                *dims.iter().min().unwrap()
            };
            assert!(held - f[last] < v, "{side:?} {v}: not minimal");
        }
    }
    let result = subspace_split(&data, 0.25, &ProbeConfig::default()).unwrap();
    assert_eq!(result.n_train + result.n_test, data.n);
    assert!(result.full_accuracy > result.chance);
    assert!(result.top_variance >= 0.25 && result.bottom_variance >= 0.25);
}

#[test]
fn projections_lie_in_the_subspace_and_rescale_to_unit_range() {
    let data = synthetic(100, (1, 3, 3), 2, false, 25);
    let gram = Gram::from_dataset(&data).unwrap();
    let pca = Pca::new(&gram).unwrap();
    let basis = pca.basis(&pca.variance_subspace(0.5, SubspaceSide::Top));
    let images = [data.image(0), data.image(1)];
    let projected = project_images(gram.preprocessing(), basis.as_ref(), &images);
    // Projecting twice changes nothing.
    for p in &projected {
        let coords: Vec<f64> = (0..basis.ncols())
            .map(|k| (0..9).map(|i| basis[(i, k)] * p[i]).sum())
            .collect();
        let again: Vec<f64> = (0..9)
            .map(|i| (0..basis.ncols()).map(|k| basis[(i, k)] * coords[k]).sum())
            .collect();
        assert!(max_abs_diff(p, &again) < 1e-12);
        let shown = min_max_rescale(p);
        assert!(shown.iter().all(|v| (0.0..=1.0).contains(v)));
        assert!(shown.contains(&0.0) && shown.contains(&1.0));
    }
    assert_eq!(min_max_rescale(&[3.0, 3.0]), vec![0.5, 0.5]);
}

#[test]
fn guidance_trades_reconstruction_for_perception() {
    let data = synthetic(400, (1, 4, 4), 4, false, 26);
    let k = 3;
    let report = guided(&data, k, Some(&[1e-9, 1e-3, 1e6]), &ProbeConfig::default()).unwrap();
    for (lambda, error) in report.lambda.iter().zip(&report.recon_error) {
        // PCA is the best reconstruction any width-K encoder can reach.
        assert!(
            *error >= report.pca_recon_error - 1e-9,
            "lambda {lambda}: {error} below PCA's {}",
            report.pca_recon_error
        );
    }
    // A huge reconstruction weight gives PCA back.
    assert!((report.recon_error[2] - report.pca_recon_error).abs() < 1e-6);
    assert_eq!(report.probe_acc[2], report.pca_acc);
    // A tiny one spends the code on the labels.
    assert!(report.probe_acc[0] >= report.pca_acc);
}

#[test]
fn guided_encoder_equals_the_cholesky_solution_of_its_pencil() {
    // The guided encoder goes through PCA; here the same pencil (X^T Y Y^T X + lam G G, G) is
    // solved through the Cholesky factor of G, with A's factor [X^T Y | sqrt(lam) G] built here.
    let data = synthetic(300, (1, 4, 4), 3, false, 27);
    let rows: Vec<usize> = (0..data.n).collect();
    let gram = Gram::from_rows(&data, &rows, 1e-6).unwrap();
    let (d, k) = (gram.d(), 5);
    for lambda in [1e-6, 1e-2, 10.0] {
        let s = guided_encoder(&gram, lambda, k).unwrap();
        let classes = gram.class_sums().nrows();
        let factor = faer::Mat::from_fn(d, classes + d, |i, j| {
            if j < classes {
                gram.class_sums()[(j, i)]
            } else {
                lambda.sqrt() * gram.matrix()[(i, j - classes)]
            }
        });
        let reference = GeneralizedEigen::solve(factor.as_ref(), gram.matrix()).unwrap();
        for j in 0..k {
            // The same eigenvector up to sign (fixed the same way) and rounding.
            let diff: f64 = (0..d)
                .map(|i| (s[(i, j)] - reference.vectors[(i, j)]).abs())
                .fold(0.0, f64::max);
            let size: f64 = (0..d).map(|i| s[(i, j)].abs()).fold(0.0, f64::max);
            assert!(
                diff < 1e-7 * size,
                "lambda {lambda}, vector {j}: {diff} vs {size}"
            );
        }
    }
}
