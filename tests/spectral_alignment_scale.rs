//! The alignment curve's scale (docs/maths.md, "A scale for the alignment") against explicit
//! computations on the N x D data: the widths at 90/95/99% from label energies of the explicit
//! features X u_k, the label-optimal subspace from the projection of Y on the column space of X,
//! and variance shares from explicit reconstructions of X.

mod spectral_support;

use recon_align::dataset::Dataset;
use recon_align::spectral::{
    alignment_curve, alignment_scale, variance_share, width_reaching, Gram, Noise, Pca, SplitMix64,
    SCALE_LEVELS,
};
use spectral_support::{bundled, explicit_x, synthetic};

/// X with the ridge as D pseudo-images sqrt(ridge) e_i (no label), so that X^T X is exactly the
/// code's G: row-major (N + D) x D, and the label of each row.
struct Augmented {
    x: Vec<f64>,
    labels: Vec<Option<usize>>,
    rows: usize,
    d: usize,
    classes: usize,
}

impl Augmented {
    fn new(data: &Dataset, gram: &Gram) -> Augmented {
        let d = data.d();
        let mut x = explicit_x(data);
        let root = gram.ridge().sqrt();
        for i in 0..d {
            x.extend((0..d).map(|j| if i == j { root } else { 0.0 }));
        }
        let mut labels: Vec<Option<usize>> =
            data.labels.iter().map(|&l| Some(l as usize)).collect();
        labels.extend(std::iter::repeat_n(None, d));
        Augmented {
            x,
            labels,
            rows: data.n + d,
            d,
            classes: data.classes,
        }
    }

    /// X v for a filter v (length D).
    fn features(&self, v: &[f64]) -> Vec<f64> {
        (0..self.rows)
            .map(|i| (0..self.d).map(|j| self.x[i * self.d + j] * v[j]).sum())
            .collect()
    }

    /// X^T f for a column f (length N + D).
    fn back(&self, f: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.d];
        for (i, fi) in f.iter().enumerate() {
            for (j, o) in out.iter_mut().enumerate() {
                *o += self.x[i * self.d + j] * fi;
            }
        }
        out
    }

    /// y_c^T f for every class c.
    fn class_sums(&self, f: &[f64]) -> Vec<f64> {
        let mut sums = vec![0.0; self.classes];
        for (l, fi) in self.labels.iter().zip(f) {
            if let Some(c) = l {
                sums[*c] += fi;
            }
        }
        sums
    }

    fn counts(&self) -> Vec<f64> {
        let mut n = vec![0.0; self.classes];
        for c in self.labels.iter().flatten() {
            n[*c] += 1.0;
        }
        n
    }

    /// ||Y Y^T q||^2 = sum_c n_c (y_c^T q)^2 of a unit column q.
    fn label_energy(&self, q: &[f64]) -> f64 {
        let counts = self.counts();
        self.class_sums(q)
            .iter()
            .zip(&counts)
            .map(|(s, n)| n * s * s)
            .sum()
    }

    fn squared_norm(&self) -> f64 {
        self.x.iter().map(|v| v * v).sum()
    }

    /// The projections of every y_c on the column space of X: X (X^T X)^-1 X^T y_c, by the test's
    /// own Cholesky factor of X^T X built here from X.
    fn projected_classes(&self) -> Vec<Vec<f64>> {
        let d = self.d;
        let mut g = vec![0.0; d * d];
        for i in 0..self.rows {
            let row = &self.x[i * d..(i + 1) * d];
            for a in 0..d {
                for b in 0..=a {
                    g[a * d + b] += row[a] * row[b];
                }
            }
        }
        cholesky(&mut g, d);
        (0..self.classes)
            .map(|c| {
                let y: Vec<f64> = self
                    .labels
                    .iter()
                    .map(|l| if *l == Some(c) { 1.0 } else { 0.0 })
                    .collect();
                self.features(&cholesky_solve(&g, d, &self.back(&y)))
            })
            .collect()
    }
}

/// Overwrites the lower triangle of symmetric positive definite G with its Cholesky factor L.
fn cholesky(g: &mut [f64], d: usize) {
    for j in 0..d {
        let pivot = (g[j * d + j] - (0..j).map(|k| g[j * d + k].powi(2)).sum::<f64>()).sqrt();
        assert!(pivot > 0.0, "G is not positive definite");
        g[j * d + j] = pivot;
        for i in j + 1..d {
            let s: f64 = (0..j).map(|k| g[i * d + k] * g[j * d + k]).sum();
            g[i * d + j] = (g[i * d + j] - s) / pivot;
        }
    }
}

/// Solves L L^T z = r with the Cholesky factor L from [`cholesky`].
fn cholesky_solve(g: &[f64], d: usize, r: &[f64]) -> Vec<f64> {
    let mut z = r.to_vec();
    for i in 0..d {
        z[i] = (z[i] - (0..i).map(|k| g[i * d + k] * z[k]).sum::<f64>()) / g[i * d + i];
    }
    for i in (0..d).rev() {
        z[i] = (z[i] - (i + 1..d).map(|k| g[k * d + i] * z[k]).sum::<f64>()) / g[i * d + i];
    }
    z
}

/// Orthonormal columns spanning `columns` (Gram-Schmidt, twice for accuracy).
fn orthonormalise(columns: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut q: Vec<Vec<f64>> = Vec::new();
    for c in columns {
        let mut v = c.clone();
        for _ in 0..2 {
            for u in &q {
                let dot: f64 = u.iter().zip(&v).map(|(a, b)| a * b).sum();
                v.iter_mut().zip(u).for_each(|(x, a)| *x -= dot * a);
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        q.push(v.iter().map(|x| x / norm).collect());
    }
    q
}

/// The explicit label-optimal subspace: span{P y_c} for the classes present but the last, and
/// the total label energy sum_c n_c ||P y_c||^2 of the whole column space.
/// Returns (its dimension, its alignment in percent, the share of ||X||^2 it reconstructs).
fn explicit_label_optimal(aug: &Augmented, projected: &[Vec<f64>]) -> (usize, f64, f64) {
    let counts = aug.counts();
    let present: Vec<usize> = (0..aug.classes).filter(|&c| counts[c] > 0.0).collect();
    let total = total_label_energy(aug, projected);
    let kept: Vec<Vec<f64>> = present[..present.len() - 1]
        .iter()
        .map(|&c| projected[c].clone())
        .collect();
    let q = orthonormalise(&kept);
    let reached: f64 = q.iter().map(|qj| aug.label_energy(qj)).sum();
    let reconstructed: f64 = q
        .iter()
        .map(|qj| aug.back(qj).iter().map(|v| v * v).sum::<f64>())
        .sum();
    (
        q.len(),
        100.0 * (reached / total).sqrt(),
        reconstructed / aug.squared_norm(),
    )
}

/// The label energy of the whole column space of X, sum_c n_c ||P y_c||^2.
fn total_label_energy(aug: &Augmented, projected: &[Vec<f64>]) -> f64 {
    aug.counts()
        .iter()
        .zip(projected)
        .map(|(n, p)| n * p.iter().map(|v| v * v).sum::<f64>())
        .sum()
}

/// The widths at SCALE_LEVELS and their variance shares, from the explicit features X u_k:
/// label energies of X u_k / ||X u_k|| against the explicit total, and ||X u_k||^2 / ||X||^2.
fn explicit_widths(aug: &Augmented, projected: &[Vec<f64>], pca: &Pca) -> (Vec<usize>, Vec<f64>) {
    let total = total_label_energy(aug, projected);
    let norm = aug.squared_norm();
    let (mut energy, mut variance) = (0.0, 0.0);
    let mut dims = Vec::new();
    let mut shares = Vec::new();
    for k in 0..aug.d {
        let u: Vec<f64> = (0..aug.d).map(|i| pca.vectors[(i, k)]).collect();
        let f = aug.features(&u);
        let f2: f64 = f.iter().map(|v| v * v).sum();
        let q: Vec<f64> = f.iter().map(|v| v / f2.sqrt()).collect();
        energy += aug.label_energy(&q);
        variance += f2;
        while dims.len() < SCALE_LEVELS.len()
            && 100.0 * (energy / total).sqrt() >= SCALE_LEVELS[dims.len()]
        {
            dims.push(k + 1);
            shares.push(variance / norm);
        }
        if dims.len() == SCALE_LEVELS.len() {
            break;
        }
    }
    (dims, shares)
}

/// The scale of `data` against the explicit computations; returns it for further checks.
fn check_against_explicit(data: &Dataset) -> recon_align::spectral::AlignmentScale {
    let gram = Gram::from_dataset(data).unwrap();
    let clean = alignment_curve(&gram, &Noise::None).unwrap().alignment;
    let scale = alignment_scale(&gram, &clean).unwrap();
    let aug = Augmented::new(data, &gram);
    let projected = aug.projected_classes();
    let (dims, alignment, variance) = explicit_label_optimal(&aug, &projected);
    eprintln!(
        "scale {scale:?}; explicit label-optimal: {dims} directions, {alignment}%, variance {variance}"
    );
    assert_eq!(scale.label_optimal_dims, dims);
    assert!(
        (scale.label_optimal_alignment - 100.0).abs() < 1e-7,
        "label-optimal alignment {}",
        scale.label_optimal_alignment
    );
    assert!((alignment - 100.0).abs() < 1e-7, "explicit: {alignment}");
    assert!(
        (scale.label_optimal_variance - variance).abs() < 1e-9,
        "label-optimal variance share {} vs explicit {variance}",
        scale.label_optimal_variance
    );
    let (widths, shares) = explicit_widths(&aug, &projected, &gram.pca().unwrap());
    assert_eq!(scale.pca_dims, widths);
    for (a, b) in scale.pca_variance.iter().zip(&shares) {
        assert!((a - b).abs() < 1e-9, "variance share {a} vs explicit {b}");
    }
    scale
}

#[test]
fn the_scale_matches_explicit_label_energies_and_reconstructions() {
    let data = synthetic(600, (1, 5, 6), 5, true, 7);
    let scale = check_against_explicit(&data);
    assert_eq!(scale.label_optimal_dims, 4);
    assert_eq!(scale.levels, SCALE_LEVELS.to_vec());
    assert!(scale.pca_dims.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn an_absent_class_does_not_count_in_the_label_optimal_dimension() {
    let mut data = synthetic(500, (1, 4, 5), 4, false, 3);
    data.classes = 6;
    let scale = check_against_explicit(&data);
    assert_eq!(scale.label_optimal_dims, 3);
}

#[test]
fn the_variance_share_of_pca_top_k_is_its_eigenvalue_share() {
    let gram = Gram::from_dataset(&synthetic(400, (1, 4, 6), 3, true, 5)).unwrap();
    let pca = Pca::new(&gram).unwrap();
    let total: f64 = pca.lambda.iter().sum();
    for k in [1, 2, 7, 12, gram.d()] {
        let share = variance_share(&gram, pca.vectors.subcols(0, k)).unwrap();
        let expected = pca.lambda[..k].iter().sum::<f64>() / total;
        assert!(
            (share - expected).abs() < 1e-12,
            "K={k}: {share} vs {expected}"
        );
    }
}

#[test]
fn the_variance_share_of_any_filters_is_their_explicit_reconstruction() {
    let data = synthetic(300, (1, 4, 5), 3, true, 9);
    let gram = Gram::from_dataset(&data).unwrap();
    let aug = Augmented::new(&data, &gram);
    let mut rng = SplitMix64::new(4);
    let filters: Vec<Vec<f64>> = (0..5)
        .map(|_| (0..gram.d()).map(|_| rng.next_normal()).collect())
        .collect();
    let v = faer::Mat::from_fn(gram.d(), filters.len(), |i, j| filters[j][i]);
    let q = orthonormalise(&filters.iter().map(|f| aug.features(f)).collect::<Vec<_>>());
    let explicit: f64 = q
        .iter()
        .map(|qj| aug.back(qj).iter().map(|x| x * x).sum::<f64>())
        .sum::<f64>()
        / aug.squared_norm();
    let share = variance_share(&gram, v.as_ref()).unwrap();
    assert!((share - explicit).abs() < 1e-10, "{share} vs {explicit}");
}

#[test]
fn the_width_reaching_a_level_is_the_first_at_or_above_it() {
    let curve = [10.0, 89.99, 90.0, 95.5, 99.0, 100.0];
    assert_eq!(width_reaching(&curve, 90.0), 3);
    assert_eq!(width_reaching(&curve, 95.0), 4);
    assert_eq!(width_reaching(&curve, 99.0), 5);
    assert_eq!(width_reaching(&curve, 100.5), curve.len());
}

#[test]
fn on_a_subset_of_the_digits_the_scale_matches_the_explicit_computation() {
    let Some(data) = bundled("mnist", "scale_on_a_subset_of_the_digits") else {
        return;
    };
    // The bundled file is sorted by label: every tenth image keeps all ten classes.
    let rows: Vec<usize> = (0..data.n).step_by(10).collect();
    let scale = check_against_explicit(&data.subset(&rows));
    assert_eq!(scale.label_optimal_dims, 9);
}

#[test]
fn on_the_digits_pca_reaches_ninety_percent_within_32_directions() {
    // docs/maths.md's sanity value: alignment(32) = 90.65% on the bundled digits.
    let Some(data) = bundled("mnist", "scale_on_the_digits") else {
        return;
    };
    let gram = Gram::from_dataset(&data).unwrap();
    let clean = alignment_curve(&gram, &Noise::None).unwrap().alignment;
    let scale = alignment_scale(&gram, &clean).unwrap();
    eprintln!("{scale:?}");
    assert!(scale.pca_dims[0] <= 32 && clean[31] >= 90.0);
    assert!(clean[scale.pca_dims[0] - 2] < 90.0);
    assert!((scale.label_optimal_alignment - 100.0).abs() < 1e-7);
}
