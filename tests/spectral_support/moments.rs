//! Independent references for the closed forms: gradient descent on the expected loss and
//! Monte-Carlo statistics of sampled moments.

use recon_align::spectral::{closed_form_dae, Gram, Noise, SplitMix64};

use super::{matmul, transpose};

/// The expected DAE loss tr(G) - 2 tr(WE C) + tr(WE B (WE)^T) of the D x D map `we` = W E,
/// from the moments C (D x D, C_ij = sum E[x~_i] x_j) and B and `trace` = tr(G).
pub fn expected_loss(c: &[f64], b: &[f64], trace: f64, we: &[f64], d: usize) -> f64 {
    let wec: f64 = (0..d)
        .map(|i| (0..d).map(|j| we[i * d + j] * c[j * d + i]).sum::<f64>())
        .sum();
    let web = matmul(we, b, d, d, d);
    let webew: f64 = (0..d)
        .map(|i| (0..d).map(|j| web[i * d + j] * we[i * d + j]).sum::<f64>())
        .sum();
    trace - 2.0 * wec + webew
}

/// Gradient descent on the expected loss of the test's own moments (C, B) reaches the closed-form
/// optimum of `noise` at width `k`. GD approaches loss* from above; 1e-9 of trace(G) is far below
/// any suboptimal stationary point (those differ by a whole eigenvalue gap) and above GD's
/// residual (about 1e-15 after 60,000 steps on the tests' small data).
pub fn assert_gradient_descent_attains_the_closed_form(
    gram: &Gram,
    noise: &Noise,
    k: usize,
    (c, b): (&[f64], &[f64]),
) {
    let closed = closed_form_dae(gram, noise, k).unwrap();
    let gd = gradient_descent_loss(c, b, gram.trace(), gram.d(), k, gram.n());
    let rel = (gd - closed.loss) / closed.trace;
    eprintln!(
        "{noise} K={k}: loss* {:.6e}, GD {:.6e}, relative gap {rel:.2e}",
        closed.loss, gd
    );
    assert!(
        rel.abs() < 1e-9,
        "{noise} K={k}: gradient descent {gd}, closed form {}",
        closed.loss
    );
}

/// Plain gradient descent on the expected DAE loss f(E, W) = tr(G) - 2 tr(W E C) +
/// tr(W E B E^T W^T), from a small random init, divided by N so that a fixed step size works.
pub fn gradient_descent_loss(
    c: &[f64],
    b: &[f64],
    trace: f64,
    d: usize,
    k: usize,
    n: usize,
) -> f64 {
    let scale = 1.0 / n as f64;
    let c: Vec<f64> = c.iter().map(|v| v * scale).collect();
    let b: Vec<f64> = b.iter().map(|v| v * scale).collect();
    let mut rng = SplitMix64::new(42);
    let mut e: Vec<f64> = (0..k * d).map(|_| 0.01 * rng.next_normal()).collect(); // K x D
    let mut wt: Vec<f64> = (0..k * d).map(|_| 0.01 * rng.next_normal()).collect(); // W^T, K x D
    let lambda_max = (0..d)
        .map(|i| (0..d).map(|j| b[i * d + j].abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let lr = 0.05 / lambda_max.max(1.0);
    let loss = |e: &[f64], wt: &[f64]| {
        let we = matmul(&transpose(wt, k, d), e, d, k, d);
        expected_loss(&c, &b, trace * scale, &we, d)
    };
    for _ in 0..60_000 {
        // grad_W^T = -2 E C + 2 (E B E^T) W^T;  grad_E = -2 W^T C^T + 2 (W^T W) E B.
        let ec = matmul(&e, &c, k, d, d);
        let eb = matmul(&e, &b, k, d, d);
        let ebe = matmul(&eb, &transpose(&e, k, d), k, d, k);
        let grad_wt: Vec<f64> = {
            let t = matmul(&ebe, &wt, k, k, d);
            (0..k * d).map(|i| -2.0 * ec[i] + 2.0 * t[i]).collect()
        };
        let grad_e: Vec<f64> = {
            let wct = matmul(&wt, &transpose(&c, d, d), k, d, d);
            let wtw = matmul(&wt, &transpose(&wt, k, d), k, d, k);
            let t = matmul(&wtw, &eb, k, k, d);
            (0..k * d).map(|i| -2.0 * wct[i] + 2.0 * t[i]).collect()
        };
        for i in 0..k * d {
            wt[i] -= lr * grad_wt[i];
            e[i] -= lr * grad_e[i];
        }
    }
    loss(&e, &wt) * n as f64
}

/// Mean and standard error, per entry, of `draws` random D x D matrices fed one at a time.
pub struct EntryStats {
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
    draws: usize,
}

impl EntryStats {
    pub fn new(len: usize) -> Self {
        EntryStats {
            sum: vec![0.0; len],
            sum_sq: vec![0.0; len],
            draws: 0,
        }
    }
    pub fn add(&mut self, m: &[f64]) {
        for (i, v) in m.iter().enumerate() {
            self.sum[i] += v;
            self.sum_sq[i] += v * v;
        }
        self.draws += 1;
    }
    pub fn mean(&self) -> Vec<f64> {
        self.sum.iter().map(|s| s / self.draws as f64).collect()
    }
    pub fn standard_error(&self) -> Vec<f64> {
        let n = self.draws as f64;
        self.sum
            .iter()
            .zip(&self.sum_sq)
            .map(|(s, q)| ((q / n - (s / n).powi(2)).max(0.0) / n).sqrt())
            .collect()
    }
}

/// Monte-Carlo moments: `draws` times, corrupt every row x_i of X (N x D, row-major) with
/// `corrupt(x_i, x~_i)` and record sum_i x~_i x_i^T and sum_i x~_i x~_i^T (one draw = fresh noise
/// on every image, whose sums the pencil predicts in expectation). Returns the statistics of
/// (C, B).
pub fn monte_carlo_moments(
    x: &[f64],
    n: usize,
    d: usize,
    draws: usize,
    mut corrupt: impl FnMut(&[f64], &mut [f64]),
) -> (EntryStats, EntryStats) {
    let (mut cross, mut second) = (EntryStats::new(d * d), EntryStats::new(d * d));
    let mut noisy = vec![0.0; d];
    for _ in 0..draws {
        let (mut c_draw, mut b_draw) = (vec![0.0; d * d], vec![0.0; d * d]);
        for i in 0..n {
            let xi = &x[i * d..(i + 1) * d];
            corrupt(xi, &mut noisy);
            for a in 0..d {
                for b in 0..d {
                    c_draw[a * d + b] += noisy[a] * xi[b];
                    b_draw[a * d + b] += noisy[a] * noisy[b];
                }
            }
        }
        cross.add(&c_draw);
        second.add(&b_draw);
    }
    (cross, second)
}

/// The largest |Monte-Carlo mean - exact| over the entries, in units of six standard errors (plus
/// 1e-9 for rounding): below 1 means agreement (Bonferroni over a few hundred entries keeps a
/// false alarm below 1e-6).
pub fn worst_deviation(stats: &EntryStats, exact: &[f64]) -> f64 {
    let (mean, se) = (stats.mean(), stats.standard_error());
    (0..exact.len())
        .map(|k| (mean[k] - exact[k]).abs() / (6.0 * se[k] + 1e-9))
        .fold(0.0, f64::max)
}
