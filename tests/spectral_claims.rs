//! The paper's claims as tests: Gaussian noise never changes the subspace or the alignment;
//! masking does; the label-free test tells them apart.

mod spectral_support;

use recon_align::spectral::{
    alignment_curve, impact_sweep, never_beneficial, principal_angles, Gram, Noise, Pca, Pencil,
    SubspaceVerdict, SweepConfig,
};
use spectral_support::*;

fn gram() -> Gram {
    Gram::from_dataset(&synthetic(400, (1, 4, 5), 4, true, 11)).unwrap()
}

#[test]
fn gaussian_noise_never_changes_the_subspace() {
    let gram = gram();
    let pca = Pca::new(&gram).unwrap();
    let d = gram.d();
    for std in [0.01, 0.3, 1.0, 5.0] {
        let eig = Pencil::new(&gram, &Noise::Gaussian { std })
            .unwrap()
            .solve()
            .unwrap();
        // The eigenvalues are l^2 / (l + N s^2) of PCA's l, in PCA's order.
        let shift = gram.n() as f64 * std * std;
        for (mu, l) in eig.mu.iter().zip(&pca.lambda) {
            assert!(
                (mu - l * l / (l + shift)).abs() <= 1e-9 * eig.mu[0],
                "std {std}: mu {mu} vs {}",
                l * l / (l + shift)
            );
        }
        for k in 1..d {
            let angles = principal_angles(pca.vectors.subcols(0, k), eig.top(k)).unwrap();
            let largest = angles.iter().copied().fold(0.0, f64::max);
            assert!(
                largest < 1e-7,
                "std {std}, K={k}: largest principal angle {largest}"
            );
        }
    }
}

#[test]
fn gaussian_noise_never_changes_the_alignment() {
    let gram = gram();
    let clean = alignment_curve(&gram, &Noise::None).unwrap().alignment;
    for std in [0.01, 0.3, 1.0, 5.0] {
        let noisy = alignment_curve(&gram, &Noise::Gaussian { std })
            .unwrap()
            .alignment;
        assert!(max_abs_diff(&clean, &noisy) < 1e-7, "std {std}");
    }
    let sweep = impact_sweep(
        &gram,
        &SweepConfig {
            probabilities: vec![0.5],
            patches: vec![1],
            gaussian_stds: vec![0.5, 2.0],
        },
    )
    .unwrap();
    for row in sweep
        .rows
        .iter()
        .filter(|r| r.noise.starts_with("gaussian"))
    {
        assert!(
            row.impact.iter().all(|i| i.abs() < 1e-7),
            "{}: impact must be zero",
            row.noise
        );
    }
}

#[test]
fn masking_changes_the_subspace_and_the_alignment() {
    let gram = gram();
    let pca = Pca::new(&gram).unwrap();
    let clean = alignment_curve(&gram, &Noise::None).unwrap().alignment;
    for noise in [
        Noise::Mask { p: 0.5, patch: 1 },
        Noise::Mask { p: 0.75, patch: 2 },
    ] {
        let eig = Pencil::new(&gram, &noise).unwrap().solve().unwrap();
        let angles = principal_angles(pca.vectors.subcols(0, 3), eig.top(3)).unwrap();
        assert!(
            angles.iter().copied().fold(0.0, f64::max) > 1e-3,
            "{noise} should rotate the top-3 subspace"
        );
        let masked = alignment_curve(&gram, &noise).unwrap().alignment;
        assert!(
            max_abs_diff(&clean[..gram.d() - 1], &masked[..gram.d() - 1]) > 1e-3,
            "{noise} should move the alignment"
        );
    }
}

#[test]
fn mask_with_zero_drop_probability_is_plain_reconstruction() {
    let gram = gram();
    let clean = alignment_curve(&gram, &Noise::None).unwrap().alignment;
    let masked = alignment_curve(&gram, &Noise::Mask { p: 0.0, patch: 2 })
        .unwrap()
        .alignment;
    assert!(max_abs_diff(&clean, &masked) < 1e-12);
}

#[test]
fn label_free_test_says_gaussian_never_helps_and_masking_may() {
    let gram = gram();
    for std in [0.1, 1.0] {
        let report = never_beneficial(&gram, &Noise::Gaussian { std }, 1e-6).unwrap();
        assert!(
            report.never_beneficial,
            "gaussian:{std}: {:?}",
            report.status
        );
        assert!(!report.status.contains(&SubspaceVerdict::Different));
    }
    let report = never_beneficial(&gram, &Noise::Mask { p: 0.5, patch: 1 }, 1e-6).unwrap();
    assert!(!report.never_beneficial);
    assert_eq!(report.status[0], SubspaceVerdict::Different);
    assert_eq!(
        report.status[gram.d() - 1],
        SubspaceVerdict::Same,
        "at full width every subspace is the whole space"
    );
}

#[test]
fn principal_angles_recover_a_known_rotation() {
    // span{e0, e1} against span{e0, cos t e1 + sin t e2}: angles 0 and t.
    let t = 0.3f64;
    let a = faer::Mat::from_fn(4, 2, |i, j| if i == j { 1.0 } else { 0.0 });
    let b = faer::Mat::from_fn(4, 2, |i, j| match (i, j) {
        (0, 0) => 2.0, // scaling a column must not matter
        (1, 1) => t.cos(),
        (2, 1) => t.sin(),
        _ => 0.0,
    });
    let angles = principal_angles(a.as_ref(), b.as_ref()).unwrap();
    assert!(
        angles[0].abs() < 1e-15 && (angles[1] - t).abs() < 1e-14,
        "{angles:?}"
    );
    // Tiny angles are resolved (acos alone would round them to 0 or 1e-8).
    let tiny = 1e-12f64;
    let c = faer::Mat::from_fn(4, 1, |i, _| [1.0, tiny, 0.0, 0.0][i]);
    let angles = principal_angles(a.subcols(0, 1), c.as_ref()).unwrap();
    assert!((angles[0] - tiny).abs() < 1e-20, "{angles:?}");
}

#[test]
fn the_largest_angle_at_every_width_equals_a_dense_svd() {
    let gram = gram();
    for noise in [
        Noise::Mask { p: 0.5, patch: 1 },
        Noise::Mask { p: 0.3, patch: 2 },
        Noise::Gaussian { std: 1.0 },
    ] {
        let report = never_beneficial(&gram, &noise, 1e-6).unwrap();
        let pca = Pca::new(&gram).unwrap();
        let eig = Pencil::new(&gram, &noise).unwrap().solve().unwrap();
        for k in 1..=gram.d() {
            let angles = principal_angles(pca.vectors.subcols(0, k), eig.top(k)).unwrap();
            let dense = angles.iter().fold(0.0f64, |m, a| m.max(*a)).to_degrees();
            let got = report.max_angle_deg[k - 1];
            assert!(
                (got - dense).abs() < 1e-6 * dense.max(1e-3),
                "{noise} K={k}: {got} deg against {dense} deg"
            );
        }
    }
}
