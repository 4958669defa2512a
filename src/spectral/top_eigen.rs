//! The top-K eigenpairs of a diagonal-plus-low-rank matrix M = diag(a) + b b^T without forming M
//! (docs/maths.md, "Same reconstruction, different perception", "The partial eigensolve").
//!
//! Contract. [`top_eigen`] returns K eigenpairs of M, values decreasing, vectors orthonormal, by
//! one of two paths ([`EigenPath`]):
//! - Krylov: a thick-restarted block Krylov subspace with Rayleigh-Ritz. It is accepted only if
//!   every one of the K Ritz pairs has residual ||M v - theta v|| <= [`TOP_EIGEN_TOLERANCE`] times
//!   ||M||_est = max(a) + ||b||_F^2 (an upper bound on ||M||_2 for a >= 0), and the Ritz gap
//!   theta_K - theta_{K+1} is at least [`TOP_EIGEN_MIN_GAP`] times ||M||_est. Each value is then
//!   within the tolerance (times ||M||_est) of an eigenvalue of M, and by Davis and Kahan's sin
//!   theta theorem the largest principal angle between the returned subspace and M's top-K
//!   subspace has sin <= sqrt(K) tol ||M||_est / delta, delta = theta_K - lambda_{K+1} the
//!   distance from the K-th Ritz value to the rest of M's spectrum. The check estimates delta by
//!   the Ritz gap; where that estimate holds, sin <= sqrt(K) 1e-9 with the constants below.
//! - Dense: the full symmetric eigensolve of the formed M, the top K columns kept. Taken when
//!   K > D/4, or when the Krylov space of 3 (K + 8) + C + 16 columns would exceed D/2 (about
//!   K > D/6: the full solve then costs little more); when the Krylov iteration does not meet the
//!   tolerance within [`TOP_EIGEN_MAX_RESTARTS`] restarts; or when the gap is below the threshold
//!   (the top-K subspace is then ill-conditioned, and no solver, the dense one included, pins it
//!   down better than about eps ||M|| / gap).
//!
//! The gap is read from the Ritz values. An eigenvalue that the Krylov space missed entirely
//! would go unnoticed by the check; the start block holds b and the unit vectors of the largest
//! entries of a, which span the dominant directions of both terms, and the tests compare with the
//! full solve on the bundled data. Every fallback only costs time: the dense path is the solve
//! used before this one existed.

use std::ops::Range;

use faer::{Mat, MatRef};

use super::eigen::{mul, symmetric_eigen_decreasing};
use super::{SpectralError, SplitMix64};

/// Residual bound of an accepted Krylov pair, relative to ||M||_est.
pub const TOP_EIGEN_TOLERANCE: f64 = 1e-12;
/// Smallest gap theta_K - theta_{K+1}, relative to ||M||_est, the Krylov path accepts.
pub const TOP_EIGEN_MIN_GAP: f64 = 1e-3;
/// Restarts of the Krylov iteration before it falls back to the full solve.
pub const TOP_EIGEN_MAX_RESTARTS: usize = 20;

/// How [`top_eigen`] obtained its eigenpairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EigenPath {
    /// The Krylov iteration met the contract.
    Krylov {
        /// Thick restarts it took (0: the first space sufficed).
        restarts: usize,
    },
    /// The full dense solve, because the caller asked for it.
    DenseRequested,
    /// The full dense solve, because K is a large fraction of D (or the space would be).
    DenseLargeK,
    /// The full dense solve, because the Krylov iteration did not converge in time.
    DenseNotConverged,
    /// The full dense solve, because the gap after the K-th eigenvalue is too small.
    DenseSmallGap,
}

/// The top-K eigenpairs of diag(a) + b b^T.
#[derive(Clone, Debug)]
pub struct TopEigen {
    /// Eigenvalues, decreasing (K of them).
    pub values: Vec<f64>,
    /// Orthonormal eigenvectors (D x K), column j for `values[j]`.
    pub vectors: Mat<f64>,
    /// Which path produced them.
    pub path: EigenPath,
}

/// The top-K eigenpairs of M = diag(a) + b b^T (a >= 0, b D x C), under the module's contract.
pub fn top_eigen(a: &[f64], b: MatRef<'_, f64>, k: usize) -> Result<TopEigen, SpectralError> {
    let d = a.len();
    if b.nrows() != d || k == 0 || k > d {
        return Err(SpectralError::Shape(format!(
            "top-{k} eigenpairs of diag(a) + b b^T with a of {d} and b {}x{}",
            b.nrows(),
            b.ncols()
        )));
    }
    if let Some(bad) = a.iter().find(|v| v.is_nan() || **v < 0.0) {
        return Err(SpectralError::InvalidArgument(format!(
            "diagonal entry {bad} of diag(a) + b b^T must be >= 0"
        )));
    }
    let space = (3 * (k + 8) + b.ncols() + 16).min(d);
    if 4 * k > d || 2 * space > d {
        return top_eigen_dense(a, b, k, EigenPath::DenseLargeK);
    }
    let op = Operator { a, b };
    match krylov(&op, k, space) {
        Krylov::Converged(values, vectors, restarts) => Ok(TopEigen {
            values,
            vectors,
            path: EigenPath::Krylov { restarts },
        }),
        Krylov::SmallGap => top_eigen_dense(a, b, k, EigenPath::DenseSmallGap),
        Krylov::NotConverged => top_eigen_dense(a, b, k, EigenPath::DenseNotConverged),
    }
}

/// The full dense solve of diag(a) + b b^T, top K columns kept, labelled `path`.
pub fn top_eigen_dense(
    a: &[f64],
    b: MatRef<'_, f64>,
    k: usize,
    path: EigenPath,
) -> Result<TopEigen, SpectralError> {
    let mut m = mul(b, b.transpose());
    for (i, ai) in a.iter().enumerate() {
        m[(i, i)] += ai;
    }
    let (values, v) = symmetric_eigen_decreasing(m.as_ref())?;
    Ok(TopEigen {
        values: values[..k].to_vec(),
        vectors: v.subcols(0, k).to_owned(),
        path,
    })
}

/// X -> diag(a) X + b (b^T X), at O(D C) a column.
struct Operator<'a> {
    a: &'a [f64],
    b: MatRef<'a, f64>,
}

impl Operator<'_> {
    fn apply(&self, x: MatRef<'_, f64>) -> Mat<f64> {
        let mut y = mul(self.b, mul(self.b.transpose(), x).as_ref());
        for j in 0..x.ncols() {
            for (i, a) in self.a.iter().enumerate() {
                y[(i, j)] += a * x[(i, j)];
            }
        }
        y
    }

    /// max(a) + ||b||_F^2 >= ||M||_2.
    fn norm_bound(&self) -> f64 {
        let diag = self.a.iter().fold(0.0f64, |m, v| m.max(*v));
        diag + self.b.squared_norm_l2()
    }
}

enum Krylov {
    Converged(Vec<f64>, Mat<f64>, usize),
    SmallGap,
    NotConverged,
}

/// Thick-restarted block Krylov iteration on a space of `space` columns.
fn krylov(op: &Operator<'_>, k: usize, space: usize) -> Krylov {
    let d = op.a.len();
    let norm = op.norm_bound();
    if norm == 0.0 {
        return Krylov::SmallGap; // M = 0: every direction is an eigenvector.
    }
    let mut rng = SplitMix64::new(0x70_9e16);
    // Start: b's columns and the unit vectors of the K largest entries of a.
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&i, &j| op.a[j].total_cmp(&op.a[i]));
    let c = op.b.ncols();
    let start = Mat::from_fn(d, c + k, |i, j| match j < c {
        true => op.b[(i, j)],
        false => f64::from(u8::from(order[j - c] == i)),
    });
    let mut basis = Basis {
        q: Mat::zeros(d, space),
        n: 0,
    };
    let mut frontier = basis.append(start, &mut rng);
    let keep = k + 8;
    for restart in 0..=TOP_EIGEN_MAX_RESTARTS {
        // Expand by blocks: M applied to the newest columns, orthogonalised against all.
        while basis.n < space {
            let w = op.apply(basis.q.subcols(frontier.start, frontier.len()));
            frontier = basis.append(w, &mut rng);
        }
        // Rayleigh-Ritz on the projected matrix H = Q^T M Q.
        let q = basis.q.as_ref();
        let mq = op.apply(q);
        let h = mul(q.transpose(), mq.as_ref());
        let h = Mat::from_fn(space, space, |i, j| 0.5 * (h[(i, j)] + h[(j, i)]));
        let Ok((theta, z)) = symmetric_eigen_decreasing(h.as_ref()) else {
            return Krylov::NotConverged;
        };
        let ritz = mul(q, z.subcols(0, keep));
        let mz = mul(mq.as_ref(), z.subcols(0, k + 1));
        let res: Vec<f64> = (0..=k)
            .map(|j| {
                let r: f64 = (0..d)
                    .map(|i| (mz[(i, j)] - theta[j] * ritz[(i, j)]).powi(2))
                    .sum();
                r.sqrt() / norm
            })
            .collect();
        let small_gap = theta[k - 1] - theta[k] < TOP_EIGEN_MIN_GAP * norm;
        if res[..k].iter().all(|r| *r <= TOP_EIGEN_TOLERANCE) {
            if small_gap {
                return Krylov::SmallGap;
            }
            let vectors = ritz.subcols(0, k).to_owned();
            return Krylov::Converged(theta[..k].to_vec(), vectors, restart);
        }
        // Both pairs around the gap are settled well within it, and it is small: stop early.
        if small_gap && res[k - 1].max(res[k]) <= 0.1 * TOP_EIGEN_MIN_GAP {
            return Krylov::SmallGap;
        }
        // Thick restart: keep the best Ritz vectors, expand from all of them again.
        basis.n = 0;
        frontier = basis.append(ritz, &mut rng);
    }
    Krylov::NotConverged
}

/// The orthonormal columns 0..n of q.
struct Basis {
    q: Mat<f64>,
    n: usize,
}

impl Basis {
    /// Appends the columns of `w` (as many as fit), orthogonalised against the basis by block
    /// classical Gram-Schmidt twice, then among themselves; returns the new columns' range.
    fn append(&mut self, mut w: Mat<f64>, rng: &mut SplitMix64) -> Range<usize> {
        let first = self.n;
        let before: Vec<f64> = (0..w.ncols()).map(|j| w.col(j).norm_l2()).collect();
        for _pass in 0..2 {
            let q = self.q.subcols(0, first);
            let coeffs = mul(q.transpose(), w.as_ref());
            w -= mul(q, coeffs.as_ref());
        }
        for (j, norm) in before.into_iter().enumerate() {
            if self.n == self.q.ncols() {
                break;
            }
            let v: Vec<f64> = w.col(j).iter().copied().collect();
            self.push(v, first, norm, rng);
        }
        first..self.n
    }

    /// Orthogonalises `v` against columns from..n (twice) and appends it normalised; a vector
    /// that vanishes against `scale` (it lay in the span) is replaced by a random one,
    /// orthogonalised against every column.
    fn push(&mut self, mut v: Vec<f64>, mut from: usize, mut scale: f64, rng: &mut SplitMix64) {
        for _attempt in 0..4 {
            for _pass in 0..2 {
                for j in from..self.n {
                    let u = self.q.col(j);
                    let c: f64 = v.iter().zip(u.iter()).map(|(v, u)| v * u).sum();
                    v.iter_mut().zip(u.iter()).for_each(|(v, u)| *v -= c * u);
                }
            }
            let after = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if after > 1e-10 * scale && after > 0.0 {
                let n = self.n;
                v.iter()
                    .enumerate()
                    .for_each(|(i, x)| self.q[(i, n)] = x / after);
                self.n += 1;
                return;
            }
            v = (0..v.len()).map(|_| rng.next_normal()).collect();
            scale = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            from = 0;
        }
        unreachable!("four random vectors in a row lay in a subspace of lower dimension");
    }
}
