//! The largest principal angle between two nested families of subspaces, at every width K
//! (docs/maths.md, "Why Gaussian noise never helps, and the label-free test").
//!
//! With O = U^T Q orthogonal (U and Q orthonormal bases of R^D, in order), the sines of the
//! principal angles between span(U_K) and span(Q_K) are the singular values of the block
//! B_K = O[K.., ..K] and their cosines those of A_K = O[..K, ..K]. A dense SVD per width would
//! cost O(D^4) in all, so each width is solved from the previous one:
//!
//! - small angles (||sin Theta||_F <= 1/2): the largest sine, by Lanczos on B_K^T B_K started
//!   from the previous width's vector; sines are accurate there, cosines are not;
//! - larger angles: the smallest cosine, by Lanczos on (R_K^T R_K)^-1 with R_K the R factor of
//!   A_K = Q_K R_K, which a Givens sweep updates from A_{K-1} in O(K^2); cosines are accurate
//!   there, and sines near 1 crowd together where no Krylov method can tell them apart.

use faer::{Mat, MatRef, Side};

use super::SpectralError;

/// The largest principal angle (radians) between span(U_K) and span(Q_K) for each K of `widths`
/// (increasing, within 1..=D), given O = U^T Q (D x D, orthogonal). The QR factors grow through
/// every width; the Lanczos runs only at the widths asked for.
pub(crate) fn largest_angles(
    o: MatRef<'_, f64>,
    widths: &[usize],
) -> Result<Vec<f64>, SpectralError> {
    let d = o.nrows();
    let mut wanted = vec![false; d + 1];
    for &k in widths {
        if (1..=d).contains(&k) {
            wanted[k] = true;
        }
    }
    let rows: Vec<f64> = (0..d * d).map(|i| o[(i / d, i % d)]).collect();
    let at = |r: usize, c: usize| rows[r * d + c];
    let mut out = Vec::with_capacity(d);
    let mut qr = GrowingQr::new(d);
    let mut sine_start: Vec<f64> = Vec::new();
    let mut cosine_start: Vec<f64> = Vec::new();
    // ||sin Theta_K||_F^2 = sum over j < K, r >= K of O[r][j]^2, kept up to date.
    let mut frobenius_sq = 0.0;
    let mut scratch = vec![0.0; d];
    for k in 1..=d {
        frobenius_sq -= (0..k - 1).map(|j| at(k - 1, j).powi(2)).sum::<f64>();
        frobenius_sq += (k..d).map(|r| at(r, k - 1).powi(2)).sum::<f64>();
        qr.grow(&rows);
        sine_start.push(0.0);
        cosine_start.push(0.0);
        if !wanted[k] {
            continue;
        }
        if k == d {
            out.push(0.0);
            break;
        }
        let angle = if frobenius_sq <= 0.25 {
            let apply = |v: &[f64], w: &mut [f64]| {
                for (r, slot) in scratch.iter_mut().enumerate().take(d - k) {
                    let row = &rows[(k + r) * d..(k + r) * d + k];
                    *slot = dot(row, v);
                }
                w.iter_mut().for_each(|x| *x = 0.0);
                for (r, &b) in scratch.iter().enumerate().take(d - k) {
                    let row = &rows[(k + r) * d..(k + r) * d + k];
                    for (wj, a) in w.iter_mut().zip(row) {
                        *wj += a * b;
                    }
                }
            };
            sine_start.iter_mut().for_each(|x| *x += 1e-3);
            // Below 1e-6 every sine is rounding noise under any tolerance: one pass will do.
            let passes = if frobenius_sq <= 1e-12 {
                1
            } else {
                LANCZOS_RESTARTS
            };
            let (value, vector) = lanczos_largest(apply, &sine_start, passes)?;
            sine_start = vector;
            value.max(0.0).sqrt().min(1.0).asin()
        } else {
            cosine_start.iter_mut().for_each(|x| *x += 1e-3);
            let (value, vector) = qr.smallest_singular_value(&cosine_start)?;
            cosine_start = vector;
            value.clamp(0.0, 1.0).acos()
        };
        out.push(angle);
    }
    Ok(out)
}

/// A = Q R for the leading K x K block of a D x D matrix, grown one row and column at a time.
struct GrowingQr {
    d: usize,
    k: usize,
    /// Q transposed, row-major with stride D (row j of `qt` is column j of Q: the rotations
    /// and products below then read contiguous memory).
    qt: Vec<f64>,
    /// R (upper triangular), row-major with stride D.
    r: Vec<f64>,
}

impl GrowingQr {
    fn new(d: usize) -> Self {
        Self {
            d,
            k: 0,
            qt: vec![0.0; d * d],
            r: vec![0.0; d * d],
        }
    }

    /// From A_K to A_{K+1} of the row-major D x D matrix `m`: the new row is rotated into R by
    /// Givens rotations, then the new column is Q^T times the new column of A.
    fn grow(&mut self, m: &[f64]) {
        let (d, k) = (self.d, self.k);
        let mut row: Vec<f64> = m[k * d..k * d + k].to_vec();
        self.qt[k * d + k] = 1.0;
        for j in 0..k {
            let (a, b) = (self.r[j * d + j], row[j]);
            if b == 0.0 {
                continue;
            }
            let h = a.hypot(b);
            let (c, s) = (a / h, b / h);
            rotate(&mut self.r[j * d + j..j * d + k], &mut row[j..k], c, s);
            // Columns j and K of Q are rows j and K of Q^T.
            let (upper, lower) = self.qt.split_at_mut(k * d);
            rotate(&mut upper[j * d..j * d + k + 1], &mut lower[..k + 1], c, s);
        }
        let column: Vec<f64> = (0..=k).map(|t| m[t * d + k]).collect();
        for i in 0..=k {
            self.r[i * d + k] = dot(&self.qt[i * d..i * d + k + 1], &column);
        }
        self.k = k + 1;
    }

    /// The smallest singular value of R (so of A) and its right singular vector: the largest
    /// eigenvalue of (R^T R)^-1 by restarted Lanczos from `start`, each product two triangular
    /// solves. A Krylov method, unlike plain inverse iteration, is not slowed down by a second
    /// singular value close to the smallest: when a new width brings a new smallest cosine, the
    /// previous width's vector is a poor start, and inverse iteration converged towards it by a
    /// factor (sigma_1 / sigma_2)^2 per step only (0.99 for the features of mask:0.5:1 at K = 32
    /// on the digits, which then came out 0.8 degrees low).
    fn smallest_singular_value(&self, start: &[f64]) -> Result<(f64, Vec<f64>), SpectralError> {
        let (d, k) = (self.d, self.k);
        let diag = |i: usize| {
            let v = self.r[i * d + i];
            if v.abs() < 1e-300 {
                1e-300
            } else {
                v
            }
        };
        let mut singular = false;
        let mut z = vec![0.0; k];
        let apply = |x: &[f64], y: &mut [f64]| {
            // z = R^-T x, row by row of R (a forward substitution that reads rows).
            z.copy_from_slice(x);
            for j in 0..k {
                z[j] /= diag(j);
                let zj = z[j];
                let row = &self.r[j * d + j + 1..j * d + k];
                for (zi, rji) in z[j + 1..].iter_mut().zip(row) {
                    *zi -= rji * zj;
                }
            }
            // y = R^-1 z (back substitution).
            for i in (0..k).rev() {
                let s = dot(&self.r[i * d + i + 1..i * d + k], &y[i + 1..k]);
                y[i] = (z[i] - s) / diag(i);
            }
            if !y.iter().all(|v| v.is_finite()) {
                singular = true;
                y.iter_mut().for_each(|v| *v = 0.0);
            }
        };
        let (value, vector) = lanczos_largest(apply, start, LANCZOS_RESTARTS)?;
        if singular || !value.is_finite() || value <= 0.0 {
            // R is singular to working precision: an angle of 90 degrees.
            return Ok((0.0, start.to_vec()));
        }
        Ok(((1.0 / value).sqrt(), vector))
    }
}

/// Applies the rotation [c s; -s c] to the pair of rows (x, y).
fn rotate(x: &mut [f64], y: &mut [f64], c: f64, s: f64) {
    for (a, b) in x.iter_mut().zip(y.iter_mut()) {
        let (p, q) = (*a, *b);
        *a = c * p + s * q;
        *b = -s * p + c * q;
    }
}

/// Lanczos steps per restart, and restarts at most.
const LANCZOS_STEPS: usize = 12;
const LANCZOS_RESTARTS: usize = 8;

/// The largest eigenvalue of the symmetric positive semi-definite operator `apply` (k x k, with
/// k = `start.len()`) and its unit eigenvector, restarting from the Ritz vector until the
/// residual is below 1e-12 of the value or a restart no longer raises it by 1e-10, `passes`
/// times at most.
fn lanczos_largest(
    mut apply: impl FnMut(&[f64], &mut [f64]),
    start: &[f64],
    passes: usize,
) -> Result<(f64, Vec<f64>), SpectralError> {
    let k = start.len();
    let mut y = start.to_vec();
    if normalise(&mut y) == 0.0 {
        y = vec![1.0 / (k as f64).sqrt(); k];
    }
    let mut best = 0.0f64;
    for _ in 0..passes {
        let steps = LANCZOS_STEPS.min(k);
        let mut basis: Vec<Vec<f64>> = vec![y.clone()];
        let (mut alpha, mut beta) = (Vec::with_capacity(steps), Vec::with_capacity(steps));
        let mut w = vec![0.0; k];
        let mut next_norm = 0.0;
        for j in 0..steps {
            apply(&basis[j], &mut w);
            alpha.push(dot(&basis[j], &w));
            // Full reorthogonalisation (twice is enough) keeps the Ritz values honest.
            for _ in 0..2 {
                for q in &basis {
                    let c = dot(q, &w);
                    w.iter_mut().zip(q).for_each(|(x, qi)| *x -= c * qi);
                }
            }
            next_norm = normalise(&mut w);
            if j + 1 == steps || next_norm <= 1e-14 * alpha[0].abs().max(f64::MIN_POSITIVE) {
                break;
            }
            beta.push(next_norm);
            basis.push(w.clone());
        }
        let m = alpha.len();
        let t = Mat::from_fn(m, m, |i, j| match i.abs_diff(j) {
            0 => alpha[i],
            1 => beta[i.min(j)],
            _ => 0.0,
        });
        let evd = t
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| SpectralError::Eigensolve(format!("Lanczos: {e:?}")))?;
        let top = m - 1; // faer sorts eigenvalues increasingly
        let theta = evd.S().column_vector()[top];
        let s = evd.U().col(top);
        y = vec![0.0; k];
        for (i, q) in basis.iter().enumerate().take(m) {
            y.iter_mut().zip(q).for_each(|(yi, qi)| *yi += s[i] * qi);
        }
        normalise(&mut y);
        let stalled = theta - best <= 1e-10 * theta.abs();
        best = best.max(theta);
        // ||M y - theta y|| = beta_m |s_m|: an eigenvalue lies within it of theta, and the
        // restarts only raise theta towards the largest one.
        let residual = next_norm * s[m - 1].abs();
        if residual <= 1e-12 * theta.abs() || stalled || m < LANCZOS_STEPS.min(k) {
            break;
        }
    }
    Ok((best, y))
}

/// The dot product in eight interleaved partial sums, added pairwise at the end: the compiler
/// turns them into SIMD lanes with independent additions (one running sum is a chain of
/// dependent additions, a few times slower). Plain f64 arithmetic in a fixed order, so native
/// and wasm32 builds give the same bits.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    const LANES: usize = 8;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; LANES];
    let (chunks_a, chunks_b) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in chunks_a.zip(chunks_b) {
        for lane in 0..LANES {
            acc[lane] += x[lane] * y[lane];
        }
    }
    let [a0, a1, a2, a3, a4, a5, a6, a7] = acc;
    (((a0 + a4) + (a1 + a5)) + ((a2 + a6) + (a3 + a7))) + tail
}

/// Scales `v` to unit length; returns its former length.
fn normalise(v: &mut [f64]) -> f64 {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 && norm.is_finite() {
        for x in v.iter_mut() {
            *x /= norm;
        }
    }
    norm
}
