//! The closed forms against independent computations: explicit X, gradient descent, Monte-Carlo
//! noise, explicit Gram-Schmidt.

mod spectral_support;

use recon_align::spectral::{
    alignment, alignment_curve, closed_form_dae, Gram, ImageShape, Noise, Pencil, SplitMix64,
};
use spectral_support::moments::{
    assert_gradient_descent_attains_the_closed_form, expected_loss, monte_carlo_moments,
    worst_deviation,
};
use spectral_support::*;

fn full_rank_gram(data: &recon_align::dataset::Dataset) -> Gram {
    let rows: Vec<usize> = (0..data.n).collect();
    Gram::from_rows(data, &rows, 0.0).unwrap()
}

#[test]
fn gram_equals_explicit_preprocessed_x_transpose_x() {
    let data = synthetic(300, (2, 3, 4), 3, false, 1);
    let (n, d) = (data.n, data.d());
    let x = explicit_x(&data);
    let g = matmul(&transpose(&x, n, d), &x, d, n, d);
    let gram = full_rank_gram(&data);
    assert!(max_abs_diff(&gram.to_row_major(), &g) < 1e-9 * n as f64);
    // trace(G) = N * D exactly when the global std is the std of all centred pixels.
    assert!((gram.trace() - (n * d) as f64).abs() < 1e-8 * (n * d) as f64);
    let mut class_sums = vec![0.0; 3 * d];
    for i in 0..n {
        let c = data.labels[i] as usize;
        for j in 0..d {
            class_sums[c * d + j] += x[i * d + j];
        }
    }
    assert!(max_abs_diff(&row_major(gram.class_sums()), &class_sums) < 1e-9 * n as f64);
    assert_eq!(gram.class_counts(), &[100, 100, 100]);
}

#[test]
fn constant_pixels_are_exact_null_directions_plus_the_ridge() {
    let data = synthetic(200, (1, 4, 4), 3, true, 2);
    let gram = Gram::from_dataset(&data).unwrap();
    let d = data.d();
    // Pixel 0 is constant: its row of G is zero but for the documented ridge on the diagonal.
    assert!(gram.ridge() > 0.0 && gram.ridge() <= 1e-6 * gram.trace() / d as f64 * (1.0 + 1e-12));
    assert_eq!(gram.matrix()[(0, 0)], gram.ridge());
    for j in 1..d {
        assert_eq!(gram.matrix()[(0, j)], 0.0);
    }
    for c in 0..3 {
        assert_eq!(gram.class_sums()[(c, 0)], 0.0);
    }
}

#[test]
fn gram_from_preprocessed_moments_matches_gram_from_bytes() {
    let data = synthetic(120, (1, 3, 3), 2, true, 3);
    let from_bytes = Gram::from_dataset(&data).unwrap();
    let d = data.d();
    let ridge_free: Vec<f64> = (0..d * d)
        .map(|k| {
            from_bytes.matrix()[(k / d, k % d)]
                - if k / d == k % d {
                    from_bytes.ridge()
                } else {
                    0.0
                }
        })
        .collect();
    let sums = row_major(from_bytes.class_sums());
    let shape = ImageShape { c: 1, h: 3, w: 3 };
    let rebuilt = Gram::from_preprocessed(
        shape,
        from_bytes.preprocessing().clone(),
        &ridge_free,
        &sums,
        from_bytes.class_counts(),
        1e-6,
    )
    .unwrap();
    assert!(max_abs_diff(&rebuilt.to_row_major(), &from_bytes.to_row_major()) < 1e-9);
    let as_f32: Vec<f32> = ridge_free.iter().map(|&v| v as f32).collect();
    let sums_f32: Vec<f32> = sums.iter().map(|&v| v as f32).collect();
    let rebuilt32 = Gram::from_preprocessed(
        shape,
        from_bytes.preprocessing().clone(),
        &as_f32,
        &sums_f32,
        from_bytes.class_counts(),
        1e-6,
    )
    .unwrap();
    assert!(max_abs_diff(&rebuilt32.to_row_major(), &from_bytes.to_row_major()) < 1e-4);
    let curve_a = alignment_curve(&from_bytes, &Noise::None)
        .unwrap()
        .alignment;
    let curve_b = alignment_curve(&rebuilt, &Noise::None).unwrap().alignment;
    assert!(max_abs_diff(&curve_a, &curve_b) < 1e-8);
    let mut lower_only = ridge_free.clone();
    for i in 0..d {
        for j in i + 1..d {
            lower_only[i * d + j] = 0.0;
        }
    }
    let err = Gram::from_preprocessed(
        shape,
        from_bytes.preprocessing().clone(),
        &lower_only,
        &sums,
        from_bytes.class_counts(),
        1e-6,
    )
    .unwrap_err();
    assert!(err.to_string().contains("not symmetric"), "{err}");
    assert_eq!(rebuilt.to_array()[(2, 3)], rebuilt.matrix()[(2, 3)]);
    assert!(Gram::from_preprocessed(
        shape,
        from_bytes.preprocessing().clone(),
        &ridge_free[1..],
        &sums,
        from_bytes.class_counts(),
        1e-6
    )
    .is_err());
}

/// sum_i E[x~_i] x_i^T and sum_i E[x~_i x~_i^T] worked out in the test from the noise's
/// definition: patches found from (y / k, x / k) of each channel-major pixel.
fn explicit_moments(
    x: &[f64],
    n: usize,
    shape: (usize, usize, usize),
    noise: Noise,
) -> (Vec<f64>, Vec<f64>) {
    let (_, h, w) = shape;
    let d = shape.0 * h * w;
    let g = matmul(&transpose(x, n, d), x, d, n, d);
    match noise {
        Noise::None => (g.clone(), g),
        Noise::Gaussian { std } => {
            let b = (0..d * d)
                .map(|k| {
                    g[k] + if k / d == k % d {
                        n as f64 * std * std
                    } else {
                        0.0
                    }
                })
                .collect();
            (g, b)
        }
        Noise::Mask { p, patch } => {
            let patch_of = |i: usize| {
                let (y, xx) = ((i % (h * w)) / w, i % w);
                (y / patch, xx / patch)
            };
            let both_kept = |i: usize, j: usize| {
                if patch_of(i) == patch_of(j) {
                    1.0 - p
                } else {
                    (1.0 - p) * (1.0 - p)
                }
            };
            let c = g.iter().map(|v| (1.0 - p) * v).collect();
            let b = (0..d * d).map(|k| g[k] * both_kept(k / d, k % d)).collect();
            (c, b)
        }
        Noise::DropMap { .. } | Noise::GaussMap { .. } => {
            unreachable!("tests/noise_maps.rs works out the maps' moments")
        }
    }
}

#[test]
fn closed_form_matches_gradient_descent() {
    let shape = (1, 2, 4);
    let data = synthetic(80, shape, 2, false, 4);
    let n = data.n;
    let x = explicit_x(&data);
    let gram = full_rank_gram(&data);
    for noise in [
        Noise::None,
        Noise::Gaussian { std: 0.7 },
        Noise::Mask { p: 0.4, patch: 1 },
        Noise::Mask { p: 0.3, patch: 2 },
    ] {
        for k in [1, 3] {
            let (c, b) = explicit_moments(&x, n, shape, noise);
            assert_gradient_descent_attains_the_closed_form(&gram, &noise, k, (&c, &b));
        }
    }
}

#[test]
fn the_loss_from_eigenvalues_alone_equals_the_loss_of_the_closed_form_solution() {
    // The training monitor takes the optimum from the pencil's eigenvalues only. Here it is
    // compared with the full solution's loss and, independently, with the expected loss of the
    // solution's (E, W) evaluated on this test's own moments of the explicit X (the maps' moments
    // are worked out in tests/noise_maps.rs, so the drop map is compared with the solution only).
    let shape = (1, 4, 4);
    let data = synthetic(150, shape, 3, false, 9);
    let (n, d) = (data.n, data.d());
    let x = explicit_x(&data);
    let gram = full_rank_gram(&data);
    let map = "0123456789".repeat(5)[..49].to_string();
    for noise in [
        Noise::None,
        Noise::Gaussian { std: 0.3 },
        Noise::Mask { p: 0.5, patch: 2 },
        format!("dropmap:{map}").parse().unwrap(),
    ] {
        let moments = match noise {
            Noise::DropMap { .. } => None,
            _ => Some(explicit_moments(&x, n, shape, noise)),
        };
        for k in [1, 5, 16] {
            let alone = recon_align::spectral::closed_form_dae_loss(&gram, &noise, k).unwrap();
            let full = closed_form_dae(&gram, &noise, k).unwrap();
            assert!(
                (alone - full.loss).abs() <= 1e-10 * full.trace,
                "{noise} K={k}: {alone} from the eigenvalues, {} from the solution",
                full.loss
            );
            if let Some((c, b)) = &moments {
                let we = matmul(&full.decoder, &full.encoder, d, k, d);
                let direct = expected_loss(c, b, gram.trace(), &we, d);
                assert!(
                    (alone - direct).abs() <= 1e-9 * full.trace,
                    "{noise} K={k}: {alone} from the eigenvalues, {direct} attained by (E, W)"
                );
            }
        }
    }
}

#[test]
fn closed_form_decoder_attains_the_closed_form_loss() {
    let shape = (2, 3, 3);
    let data = synthetic(150, shape, 3, false, 5);
    let (n, d) = (data.n, data.d());
    let x = explicit_x(&data);
    let gram = full_rank_gram(&data);
    let noise = Noise::Mask { p: 0.5, patch: 2 };
    let (c, b) = explicit_moments(&x, n, shape, noise);
    let k = 4;
    let sol = closed_form_dae(&gram, &noise, k).unwrap();
    // Evaluate the expected loss of (E, W) directly from the test's own moments.
    let we = matmul(&sol.decoder, &sol.encoder, d, k, d);
    let direct = expected_loss(&c, &b, gram.trace(), &we, d);
    assert!(
        (direct - sol.loss).abs() < 1e-9 * sol.trace,
        "direct {direct} vs closed form {}",
        sol.loss
    );
}

#[test]
fn pencil_moments_match_monte_carlo_noise() {
    let shape = (2, 3, 3);
    let data = synthetic(20, shape, 2, false, 6);
    let (n, d) = (data.n, data.d());
    let x = explicit_x(&data);
    let gram = full_rank_gram(&data);
    let samples = 4000;
    let mut rng = SplitMix64::new(7);
    for noise in [
        Noise::Gaussian { std: 0.5 },
        Noise::Mask { p: 0.3, patch: 1 },
        Noise::Mask { p: 0.6, patch: 2 },
    ] {
        let pencil = Pencil::new(&gram, &noise).unwrap();
        let (cross, second) = monte_carlo_moments(&x, n, d, samples, |xi, noisy| match noise {
            Noise::Gaussian { std } => {
                for j in 0..d {
                    noisy[j] = xi[j] + std * rng.next_normal();
                }
            }
            Noise::Mask { p, patch } => {
                // One keep/drop per patch of the grid, shared by all channels.
                let across = shape.2.div_ceil(patch);
                let grid: Vec<bool> = (0..across * shape.1.div_ceil(patch))
                    .map(|_| rng.next_f64() >= p)
                    .collect();
                for j in 0..d {
                    let (y, xx) = ((j % 9) / 3, j % 3);
                    noisy[j] = if grid[(y / patch) * across + xx / patch] {
                        xi[j]
                    } else {
                        0.0
                    };
                }
            }
            _ => unreachable!("the uniform noises only"),
        });
        // Six standard errors per entry (Bonferroni over 2 * 18^2 entries keeps a false alarm
        // below 1e-6), plus rounding.
        for (stats, exact, what) in [
            (&cross, row_major(pencil.cross.as_ref()), "C"),
            (&second, row_major(pencil.b()), "B"),
        ] {
            let worst = worst_deviation(stats, &exact);
            eprintln!(
                "{noise}: {what} worst |MC - closed form| / (6 standard errors) = {worst:.3}"
            );
            assert!(worst < 1.0, "{noise}: {what} disagrees with Monte-Carlo");
        }
        // The test can tell: the 2x2-patch B differs from the 1x1 B by far more than the noise.
        if let Noise::Mask { p, patch: 2 } = noise {
            let wrong = row_major(
                Pencil::new(&gram, &Noise::Mask { p, patch: 1 })
                    .unwrap()
                    .b(),
            );
            let worst = worst_deviation(&second, &wrong);
            assert!(
                worst > 3.0,
                "Monte-Carlo cannot tell 2x2 patches from 1x1 ({worst})"
            );
        }
    }
}

/// Modified Gram-Schmidt on the N x D matrix X S, then a_k = ||Y Y^T q_k||^2 directly.
fn alignment_by_explicit_qr(data: &recon_align::dataset::Dataset, s: &[f64]) -> Vec<f64> {
    let (n, d) = (data.n, data.d());
    let x = explicit_x(data);
    let xs = matmul(&x, s, n, d, d);
    let mut q: Vec<Vec<f64>> = Vec::new();
    let mut energies = Vec::new();
    for k in 0..d {
        let mut v: Vec<f64> = (0..n).map(|i| xs[i * d + k]).collect();
        for prev in &q {
            let dot: f64 = v.iter().zip(prev).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(prev).for_each(|(a, b)| *a -= dot * b);
        }
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        v.iter_mut().for_each(|a| *a /= norm);
        // Y Y^T q: per-class sums of q, spread back over the class's images.
        let mut class_sum = vec![0.0; data.classes];
        for i in 0..n {
            class_sum[data.labels[i] as usize] += v[i];
        }
        energies.push(
            (0..n)
                .map(|i| class_sum[data.labels[i] as usize].powi(2))
                .sum::<f64>(),
        );
        q.push(v);
    }
    let total: f64 = energies.iter().sum();
    let mut acc = 0.0;
    energies
        .iter()
        .map(|a| {
            acc += a;
            100.0 * (acc / total).sqrt()
        })
        .collect()
}

#[test]
fn alignment_from_second_moments_matches_explicit_gram_schmidt() {
    let data = synthetic(90, (1, 3, 4), 3, false, 8);
    let gram = full_rank_gram(&data);
    for noise in [
        Noise::None,
        Noise::Mask { p: 0.5, patch: 1 },
        Noise::Mask { p: 0.7, patch: 2 },
    ] {
        let eig = Pencil::new(&gram, &noise).unwrap().solve().unwrap();
        let ours = alignment(&gram, &eig).unwrap();
        let explicit = alignment_by_explicit_qr(&data, &row_major(eig.vectors.as_ref()));
        assert!(
            max_abs_diff(&ours, &explicit) < 1e-8,
            "{noise}: {ours:?} vs {explicit:?}"
        );
        assert!((ours[data.d() - 1] - 100.0).abs() < 1e-9);
        assert!(
            ours.windows(2).all(|w| w[1] >= w[0] - 1e-12),
            "alignment must rise with K"
        );
    }
}

#[test]
fn generalized_eigenvectors_are_b_normalised_and_sorted() {
    let data = synthetic(100, (1, 4, 4), 2, true, 9);
    let gram = Gram::from_dataset(&data).unwrap();
    let pencil = Pencil::new(&gram, &Noise::Mask { p: 0.5, patch: 2 }).unwrap();
    let eig = pencil.solve().unwrap();
    let d = data.d();
    let s = row_major(eig.vectors.as_ref());
    let sbs = matmul(
        &matmul(&transpose(&s, d, d), &row_major(pencil.b()), d, d, d),
        &s,
        d,
        d,
        d,
    );
    let identity: Vec<f64> = (0..d * d)
        .map(|k| if k / d == k % d { 1.0 } else { 0.0 })
        .collect();
    assert!(max_abs_diff(&sbs, &identity) < 1e-8);
    assert!(eig.mu.windows(2).all(|w| w[0] >= w[1]));
    // A s = mu B s for every pair.
    let a = row_major(pencil.a().as_ref());
    let as_ = matmul(&a, &s, d, d, d);
    let bs = matmul(&row_major(pencil.b()), &s, d, d, d);
    for k in 0..d {
        for i in 0..d {
            assert!((as_[i * d + k] - eig.mu[k] * bs[i * d + k]).abs() < 1e-7 * eig.mu[0]);
        }
    }
}
