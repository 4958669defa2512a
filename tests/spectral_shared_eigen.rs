//! The shortcuts that share one eigendecomposition of G: the clean, the p = 0 mask and the
//! Gaussian alignment curves come from PCA's eigenvectors, the other masks' from their patch
//! side's mask family, the pencils of other noises are solved once per Gram, and a study's
//! coordinates Z = X U are computed once. Each is checked against the direct computation it
//! replaces.

mod spectral_support;

use recon_align::spectral::{
    alignment, alignment_curve, Gram, Noise, Pencil, ProbeConfig, SubspaceSide, SubspaceStudy,
};
use spectral_support::*;

fn gram() -> Gram {
    Gram::from_dataset(&synthetic(500, (1, 4, 6), 4, true, 5)).unwrap()
}

/// The curve through the generalized eigensolve of the pencil, Cholesky of B first.
fn through_the_pencil(gram: &Gram, noise: &Noise) -> Vec<f64> {
    let eig = Pencil::new(gram, noise).unwrap().solve().unwrap();
    alignment(gram, &eig).unwrap()
}

#[test]
fn curves_from_pcas_eigenvectors_equal_the_pencil_solves() {
    let gram = gram();
    for noise in [
        Noise::None,
        Noise::Mask { p: 0.0, patch: 2 },
        Noise::Gaussian { std: 0.1 },
        Noise::Gaussian { std: 10.0 },
        // Masks with p > 0 come from their patch side's mask family.
        Noise::Mask { p: 0.5, patch: 1 },
        Noise::Mask { p: 0.7, patch: 2 },
    ] {
        let shared = alignment_curve(&gram, &noise).unwrap();
        let direct = through_the_pencil(&gram, &noise);
        let diff = max_abs_diff(&shared.alignment, &direct);
        assert!(diff <= 1e-9 * 100.0, "{noise}: {diff:e}");
        assert_eq!(shared.alignment.len(), gram.d());
        // mu decreasing, as the pencil path returns it.
        assert!(shared.mu.windows(2).all(|w| w[0] >= w[1]), "{noise}");
        let eig = Pencil::new(&gram, &noise).unwrap().solve().unwrap();
        for (a, b) in shared.mu.iter().zip(&eig.mu) {
            assert!((a - b).abs() <= 1e-9 * eig.mu[0], "{noise}: mu {a} vs {b}");
        }
    }
}

#[test]
fn a_pencil_solved_once_is_shared_and_equals_a_fresh_solve() {
    let gram = gram();
    let noise = Noise::Mask { p: 0.5, patch: 1 };
    let first = gram.generalized_eigen(&noise).unwrap();
    let again = gram.generalized_eigen(&noise).unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &again));
    let fresh = Pencil::new(&gram, &noise).unwrap().solve().unwrap();
    assert_eq!(first.mu, fresh.mu);
    // A clone of the Gram shares what was computed; other noises get their own solve.
    let other = gram
        .clone()
        .generalized_eigen(&Noise::Mask { p: 0.3, patch: 2 })
        .unwrap();
    assert_ne!(other.mu, first.mu);
    assert!(std::sync::Arc::ptr_eq(
        &gram.pca().unwrap(),
        &gram.clone().pca().unwrap()
    ));
    // A mask family too: built once, shared by clones, one per patch side.
    let family = gram.mask_family(2).unwrap();
    assert!(std::sync::Arc::ptr_eq(
        &family,
        &gram.clone().mask_family(2).unwrap()
    ));
    assert_eq!(gram.mask_family(1).unwrap().patch(), 1);
}

#[test]
fn study_coordinates_equal_each_images_projection() {
    let data = synthetic(300, (1, 3, 5), 3, false, 9);
    let study = SubspaceStudy::new(&data, &ProbeConfig::default()).unwrap();
    let z = study.coordinates(&data);
    let prep = study.gram().preprocessing();
    let dims = study.dims(0.5, SubspaceSide::Bottom).unwrap();
    for row in [0, 17, 299] {
        let x = prep.apply(data.image(row));
        for &j in &dims {
            let direct: f64 = (0..x.len())
                .map(|i| x[i] * study.pca().vectors[(i, j)])
                .sum();
            assert!(
                (z[(row, j)] - direct).abs() <= 1e-12 * (1.0 + direct.abs()),
                "row {row}, dim {j}"
            );
        }
    }
}
