//! The label-free test above D = 1024 tests a grid of widths (src/spectral/never_beneficial.rs,
//! `tested_widths`): every K up to 64, then widths spaced evenly in log K up to D. At each width
//! tested its largest pixel-space angle equals a dense SVD's (principal angles from the singular
//! values of U_K^T S_K and of its complement, computed here by `principal_angles`), and the
//! verdict says that only these widths were tested.

mod spectral_support;

use recon_align::spectral::{
    never_beneficial, principal_angles, tested_widths, Gram, Noise, Pca, Pencil, ALL_WIDTHS_UP_TO,
    DEFAULT_SUBSPACE_TOLERANCE,
};
use spectral_support::synthetic;

#[test]
fn the_grid_of_widths_is_every_small_k_then_even_in_log_k() {
    assert_eq!(tested_widths(784), (1..=784).collect::<Vec<_>>());
    assert_eq!(
        tested_widths(ALL_WIDTHS_UP_TO),
        (1..=ALL_WIDTHS_UP_TO).collect::<Vec<_>>()
    );
    for d in [1025, 1089, 3072, 12_288] {
        let k = tested_widths(d);
        assert_eq!(&k[..64], &(1..=64).collect::<Vec<_>>()[..], "D={d}");
        assert_eq!(*k.last().unwrap(), d, "D={d}: the last width is D");
        assert!(k.windows(2).all(|w| w[0] < w[1]), "D={d}: increasing");
        assert!(k.len() <= 64 + 64 + 1, "D={d}: {} widths", k.len());
        // Above 64, each width is at most the even log step (plus rounding) above the previous.
        let step = (d as f64 / 64.0).powf(1.0 / 64.0);
        for w in k[63..].windows(2) {
            assert!(
                w[1] as f64 <= w[0] as f64 * step + 1.0,
                "D={d}: {} after {}, step {step}",
                w[1],
                w[0]
            );
        }
    }
}

#[test]
fn above_1024_pixels_the_tested_widths_equal_a_dense_svd() {
    // 33 x 33 = 1,089 pixels.
    let data = synthetic(1_500, (1, 33, 33), 10, false, 7);
    let d = data.d();
    let gram = Gram::from_dataset(&data).unwrap();
    let noise = Noise::Mask { p: 0.5, patch: 1 };
    let report = never_beneficial(&gram, &noise, DEFAULT_SUBSPACE_TOLERANCE).unwrap();
    assert_eq!(report.k, tested_widths(d));
    for series in [
        &report.max_angle_deg,
        &report.max_feature_angle_deg,
        &report.tolerance_deg,
        &report.pca_relative_gap,
    ] {
        assert_eq!(series.len(), report.k.len());
    }
    assert_eq!(report.status.len(), report.k.len());
    assert!(
        report.verdict.contains("changes") || report.verdict.contains("widths tested"),
        "{}",
        report.verdict
    );
    let pca = Pca::new(&gram).unwrap();
    let eig = Pencil::new(&gram, &noise).unwrap().solve().unwrap();
    for (i, &k) in report.k.iter().enumerate() {
        if !(k == 1 || k == 64 || k > 64 && i % 16 == 0 || k + 1 == d) {
            continue;
        }
        let angles = principal_angles(pca.vectors.subcols(0, k), eig.top(k)).unwrap();
        let dense = angles.iter().fold(0.0f64, |m, a| m.max(*a)).to_degrees();
        let got = report.max_angle_deg[i];
        assert!(
            (got - dense).abs() < 1e-6 * dense.max(1.0),
            "K={k}: Lanczos {got} deg, dense SVD {dense} deg"
        );
    }
    // Gaussian noise keeps PCA's subspaces: the verdict names the widths tested, not all.
    let gaussian = never_beneficial(&gram, &Noise::Gaussian { std: 1.0 }, 1e-6).unwrap();
    assert!(gaussian.never_beneficial, "{:?}", gaussian.status);
    assert_eq!(
        gaussian.verdict,
        format!("never beneficial at the {} widths tested", gaussian.k.len())
    );
}
