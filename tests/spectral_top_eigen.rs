//! The partial top-K eigensolve of diag(a) + b b^T against the full dense solve of the formed
//! matrix (faer's symmetric eigensolver, called here), on synthetic matrices and on the bundled
//! guided pencils; and the guided sweep with either solver.

mod spectral_support;

use faer::{Mat, MatRef, Side};
use recon_align::spectral::{
    guided_with, top_eigen, EigenPath, Gram, GuidedSolver, Pca, ProbeConfig, Split, SplitMix64,
    DEFAULT_RELATIVE_RIDGE, GUIDED_GRID, TOP_EIGEN_TOLERANCE,
};
use spectral_support::*;

/// The slack allowed for the dense reference's own error, relative to ||M||: a backward-stable
/// solve of order D = 784 errs by about D eps ||M|| (8.7e-14 ||M||).
const DENSE_SLACK: f64 = 1e-12;

/// The full eigendecomposition of the formed diag(a) + b b^T, values decreasing.
fn dense_reference(a: &[f64], b: MatRef<'_, f64>) -> (Vec<f64>, Mat<f64>) {
    let d = a.len();
    let m = Mat::from_fn(d, d, |i, j| {
        let low: f64 = (0..b.ncols()).map(|c| b[(i, c)] * b[(j, c)]).sum();
        low + if i == j { a[i] } else { 0.0 }
    });
    let evd = m.self_adjoint_eigen(Side::Lower).unwrap();
    let s = evd.S().column_vector();
    let values = (0..d).map(|k| s[d - 1 - k]).collect();
    let vectors = Mat::from_fn(d, d, |i, k| evd.U()[(i, d - 1 - k)]);
    (values, vectors)
}

/// Sine of the largest principal angle between span(v) and span(w) (orthonormal columns):
/// ||v - w w^T v||_2, from the eigenvalues of its K x K Gram (no cancellation near 0).
fn largest_angle_sine(v: MatRef<'_, f64>, w: MatRef<'_, f64>) -> f64 {
    let off = &v.to_owned() - &(w * (w.transpose() * v));
    let gram = off.transpose() * &off;
    let values = gram.self_adjoint_eigenvalues(Side::Lower).unwrap();
    values.iter().fold(0.0f64, |m, v| m.max(*v)).max(0.0).sqrt()
}

/// Checks top_eigen(a, b, k) against the dense reference under the stated contract and returns
/// its path. Values within tol ||M||_est (plus the reference's slack); the largest principal
/// angle within Davis-Kahan's bound sqrt(K) tol ||M||_est / (gap - tol ||M||_est), gap the
/// reference's lambda_K - lambda_{K+1}, plus the reference's own DENSE_SLACK ||M|| / gap.
fn check(a: &[f64], b: MatRef<'_, f64>, k: usize, what: &str) -> EigenPath {
    let top = top_eigen(a, b, k).unwrap();
    let (values, vectors) = dense_reference(a, b);
    let norm = a.iter().fold(0.0f64, |m, v| m.max(*v))
        + (0..b.ncols())
            .flat_map(|c| (0..b.nrows()).map(move |i| (i, c)))
            .map(|(i, c)| b[(i, c)].powi(2))
            .sum::<f64>();
    for (j, (got, want)) in top.values.iter().zip(&values).enumerate() {
        assert!(
            (got - want).abs() <= (TOP_EIGEN_TOLERANCE + DENSE_SLACK) * norm,
            "{what}: value {j} {got} against {want} ({:?})",
            top.path
        );
    }
    assert_eq!(top.values.len(), k, "{what}");
    let orth = top.vectors.transpose() * &top.vectors;
    for i in 0..k {
        for j in 0..k {
            let want = if i == j { 1.0 } else { 0.0 };
            assert!(
                (orth[(i, j)] - want).abs() < 1e-12,
                "{what}: V^T V at {i},{j}"
            );
        }
    }
    if k < a.len() {
        let gap = values[k - 1] - values[k];
        let sine = largest_angle_sine(top.vectors.as_ref(), vectors.subcols(0, k));
        if matches!(top.path, EigenPath::Krylov { .. }) {
            let bound = ((k as f64).sqrt() * TOP_EIGEN_TOLERANCE + DENSE_SLACK) * norm
                / (gap - TOP_EIGEN_TOLERANCE * norm);
            assert!(
                gap > TOP_EIGEN_TOLERANCE * norm && sine <= bound,
                "{what}: sin {sine} > {bound}"
            );
        } else if gap > 1e-6 * norm {
            // The dense path is the reference's own computation, up to its rounding.
            assert!(
                sine <= DENSE_SLACK * norm / gap,
                "{what}: dense path sin {sine}"
            );
        }
    }
    top.path
}

fn random_b(d: usize, c: usize, seed: u64) -> Mat<f64> {
    let mut rng = SplitMix64::new(seed);
    Mat::from_fn(d, c, |_, _| rng.next_normal())
}

#[test]
fn synthetic_diagonal_plus_low_rank_matches_the_full_solve() {
    let (d, c) = (240, 6);
    let b = random_b(d, c, 3);
    // Decreasing diagonal, like PCA eigenvalues, at the scale of b b^T.
    let decaying: Vec<f64> = (0..d).map(|i| 400.0 * (-(i as f64) / 5.0).exp()).collect();
    // Clustered diagonal: four plateaux with tiny spreads inside each.
    let clustered: Vec<f64> = (0..d)
        .map(|i| [300.0, 100.0, 30.0, 1.0][(i * 4 / d).min(3)] * (1.0 + 1e-9 * i as f64))
        .collect();
    for (name, a) in [("decaying", &decaying), ("clustered", &clustered)] {
        for k in [1, 3, c, 8, 20] {
            let path = check(a, b.as_ref(), k, &format!("{name} K={k}"));
            eprintln!("{name} K={k}: {path:?}");
        }
    }
    // The clustered diagonal's plateaux dwarf b b^T: its top 60 are one plateau, and K = 8 inside
    // it has no gap, so the Krylov path must refuse it.
    let path = check(&clustered, b.as_ref(), 8, "clustered K=8");
    assert!(
        matches!(
            path,
            EigenPath::DenseSmallGap | EigenPath::DenseNotConverged
        ),
        "{path:?}"
    );
    // With a well-separated K the Krylov path is taken.
    let path = check(&decaying, b.as_ref(), 8, "decaying K=8");
    assert!(matches!(path, EigenPath::Krylov { .. }), "{path:?}");
}

#[test]
fn pure_low_rank_uses_krylov_up_to_the_rank_and_the_full_solve_beyond() {
    let (d, c) = (240, 6);
    let b = random_b(d, c, 4);
    let zero = vec![0.0; d];
    for k in [1, 3, c] {
        let path = check(&zero, b.as_ref(), k, &format!("a = 0, K={k}"));
        assert!(matches!(path, EigenPath::Krylov { .. }), "K={k}: {path:?}");
    }
    // Beyond the rank every further eigenvalue is 0: no gap, so the full solve.
    let path = check(&zero, b.as_ref(), c + 2, "a = 0, K > C");
    assert_eq!(path, EigenPath::DenseSmallGap);
}

#[test]
fn widths_at_the_fallback_boundary_match_the_full_solve() {
    let (d, c) = (240, 6);
    let b = random_b(d, c, 5);
    let a: Vec<f64> = (0..d).map(|i| 40.0 * (-(i as f64) / 60.0).exp()).collect();
    // The Krylov space holds 3 (K + 8) + C + 16 columns and must stay within half of R^D.
    let last = (d / 2 - c - 16) / 3 - 8;
    let path = check(&a, b.as_ref(), last, "last Krylov width");
    assert!(!matches!(path, EigenPath::DenseLargeK), "{path:?}");
    let path = check(&a, b.as_ref(), last + 1, "first dense width");
    assert_eq!(path, EigenPath::DenseLargeK);
    let path = check(&a, b.as_ref(), d, "K = D");
    assert_eq!(path, EigenPath::DenseLargeK);
}

/// The bundled pencils at several lambdas of the grid and widths 1, 8 and 32, and the guided
/// sweep at those widths with either solver.
#[test]
fn bundled_guided_pencils_match_the_full_solve() {
    for name in ["mnist", "fashion"] {
        let Some(data) = bundled(name, "bundled_guided_pencils_match_the_full_solve") else {
            continue;
        };
        let config = ProbeConfig::default();
        let split = Split::new(data.n, config.test_fraction, config.seed).unwrap();
        let gram = Gram::from_rows(&data, &split.train, DEFAULT_RELATIVE_RIDGE).unwrap();
        let pca = Pca::new(&gram).unwrap();
        // b = Lam^{-1/2} U^T (Y^T X)^T, from the public PCA and class sums.
        let sums = gram.class_sums();
        let b = Mat::from_fn(gram.d(), sums.nrows(), |k, c| {
            let u = pca.vectors.col(k);
            (0..gram.d()).map(|i| u[i] * sums[(c, i)]).sum::<f64>() / pca.lambda[k].sqrt()
        });
        let report = guided_with(&data, 8, None, &config, GuidedSolver::TopK).unwrap();
        for &lambda in &[
            report.lambda[0],
            report.lambda[5],
            report.lambda[13],
            report.lambda[21],
        ] {
            let a: Vec<f64> = pca.lambda.iter().map(|l| lambda * l).collect();
            for k in [1, 8, 32] {
                let path = check(
                    &a,
                    b.as_ref(),
                    k,
                    &format!("{name} lambda={lambda:e} K={k}"),
                );
                eprintln!("{name} lambda={lambda:e} K={k}: {path:?}");
            }
        }
        for k in [1, 8, 32] {
            let fast = guided_with(&data, k, None, &config, GuidedSolver::TopK).unwrap();
            let full = guided_with(&data, k, None, &config, GuidedSolver::Dense).unwrap();
            assert_eq!(fast.probe_acc, full.probe_acc, "{name} K={k}");
            assert_eq!(fast.lambda.len(), GUIDED_GRID.len());
            for (i, (x, y)) in fast.recon_error.iter().zip(&full.recon_error).enumerate() {
                assert!(
                    (x - y).abs() <= 1e-9 * y,
                    "{name} K={k} lambda {i}: {x} vs {y}"
                );
            }
        }
    }
}
