//! The sanity values of docs/maths.md on the bundled first 10,000 MNIST training digits.

use recon_align::spectral::{alignment_curve, Gram, Noise};

/// docs/maths.md quotes two decimals; 0.05 points allows for its rounding and nothing more.
const TOLERANCE: f64 = 0.05;

#[test]
fn mnist_alignment_matches_paper_sanity_values() {
    let data = match recon_align::dataset::load_source("mnist") {
        Ok(data) => data,
        Err(e)
            if !recon_align::dataset::bundled_candidates()
                .iter()
                .any(|p| p.is_file()) =>
        {
            eprintln!("SKIPPED mnist_alignment_matches_paper_sanity_values: bundled MNIST absent ({e}); `cargo xtask data` builds it");
            return;
        }
        Err(e) => panic!("bundled MNIST present but unreadable: {e}"),
    };
    assert_eq!((data.n, data.d()), (10_000, 784));
    let gram = Gram::from_dataset(&data).unwrap();
    for (noise, expected) in [
        (Noise::None, 90.65),
        (Noise::Mask { p: 0.5, patch: 1 }, 91.34),
    ] {
        let curve = alignment_curve(&gram, &noise).unwrap();
        let got = curve.alignment[31];
        assert!(
            (got - expected).abs() <= TOLERANCE,
            "{noise}: alignment(32) = {got:.4}%, docs/maths.md says about {expected}%"
        );
        assert!((curve.alignment[783] - 100.0).abs() < 1e-9);
    }
}
