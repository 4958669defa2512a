//! The masks of one patch side, solved from one shared eigendecomposition ([`MaskFamily`]),
//! against each mask's own pencil (Cholesky of B and a symmetric eigensolve): two different
//! computations of the same alignment curve and eigenvalues.

mod spectral_support;

use recon_align::spectral::{alignment, Gram, MaskFamily, Noise, Pencil};
use spectral_support::{bundled, synthetic};

/// For each patch side and drop probability, the family's curve and mu against the mask's own
/// pencil: at most `curve_tolerance` points apart, and mu within `mu_tolerance` of the largest.
fn assert_families_match(
    gram: &Gram,
    patches: &[usize],
    ps: &[f64],
    curve_tolerance: f64,
    mu_tolerance: f64,
) {
    for &patch in patches {
        let family = MaskFamily::new(gram, patch).unwrap();
        for &p in ps {
            let noise = Noise::Mask { p, patch };
            let eig = Pencil::new(gram, &noise).unwrap().solve().unwrap();
            let direct = alignment(gram, &eig).unwrap();
            let (curve, mu) = family.curve(gram, p).unwrap();
            let curve_gap = curve
                .iter()
                .zip(&direct)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            let top = eig.mu[0];
            let mu_gap = mu
                .iter()
                .zip(&eig.mu)
                .map(|(a, b)| (a - b).abs() / top)
                .fold(0.0, f64::max);
            assert!(
                curve_gap <= curve_tolerance,
                "{noise}: curves differ by {curve_gap:e} points"
            );
            assert!(
                mu_gap <= mu_tolerance,
                "{noise}: mu differ by {mu_gap:e} of the largest"
            );
        }
    }
}

#[test]
fn a_family_gives_each_masks_own_pencil_on_small_images() {
    // One and three channels; patch sides that divide the image and one that does not; a
    // constant pixel (a ridge-only direction, like MNIST's border). Measured: at most 9e-14
    // points and 5e-15 of the largest mu.
    for (shape, constant) in [((1, 4, 6), false), ((3, 4, 5), true)] {
        let data = synthetic(300, shape, 3, constant, 11);
        let gram = Gram::from_dataset(&data).unwrap();
        assert_families_match(&gram, &[1, 2, 3], &[0.11, 0.5, 0.99], 1e-11, 1e-13);
    }
}

#[test]
fn on_the_digits_a_family_gives_each_masks_own_pencil() {
    let Some(data) = bundled(
        "mnist",
        "on_the_digits_a_family_gives_each_masks_own_pencil",
    ) else {
        return;
    };
    let gram = Gram::from_dataset(&data).unwrap();
    // Measured: at most 4e-10 points (p = 0.99, 1x1 patches) and 2e-14 of the largest mu.
    assert_families_match(&gram, &[1, 2, 4], &[0.11, 0.55, 0.99], 1e-8, 1e-12);
}
