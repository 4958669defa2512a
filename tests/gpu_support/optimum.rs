//! Closed-form references for the training tests: a low-rank data set with an invertible G,
//! the moments (C, B) of every noise written out from its definition, the optimal loss and the
//! expected loss of trained weights.

use recon_align::dataset::Dataset;
use recon_align::spectral::{Noise, NoiseMap};
use recon_align::train::DaeWeights;

use super::{matmul_f64, patch_of_pixel, transpose, TestRng};

#[allow(clippy::needless_range_loop)] // pixel j indexes every basis image
/// Low-rank images with no constant pixel (so G is invertible): x = sum_r a_r u_r + small noise.
pub fn low_rank_dataset(n: usize, h: usize, w: usize, seed: u64) -> Dataset {
    let mut rng = TestRng::new(seed);
    let d = h * w;
    let basis: Vec<Vec<f32>> = (0..4).map(|_| rng.vec(d)).collect();
    let gains = [0.35f32, 0.2, 0.12, 0.07];
    let mut images = Vec::with_capacity(n * d);
    for _ in 0..n {
        let coeffs: Vec<f32> = gains.iter().map(|g| g * rng.symmetric()).collect();
        for j in 0..d {
            let v =
                0.5 + (0..4).map(|r| coeffs[r] * basis[r][j]).sum::<f32>() + 0.04 * rng.symmetric();
            images.push((v.clamp(0.0, 1.0) * 255.0).round() as u8);
        }
    }
    Dataset {
        n,
        c: 1,
        h,
        w,
        images,
        labels: vec![0; n],
        classes: 1,
    }
}

/// C = sum E[x~] x^T and B = sum E[x~ x~^T] of `noise` for N images with Gram G (docs/maths.md's
/// table), written out in f64 from each noise's definition.
pub fn moments(
    g: &[f64],
    d: usize,
    n: usize,
    noise: Noise,
    shape: (usize, usize, usize),
) -> (Vec<f64>, Vec<f64>) {
    let (_, h, w) = shape;
    // A map's level / 10 at pixel i: cell (7r/H, 7c/W) of pixel (r, c), for every channel.
    let level = |map: &NoiseMap, i: usize| {
        let (r, c) = ((i % (h * w)) / w, i % w);
        f64::from(map.levels()[(7 * r / h) * 7 + 7 * c / w]) / 10.0
    };
    // Keep probability of pixel i and whether pixels i and j share one keep/drop draw.
    let dropping = |keep: &dyn Fn(usize) -> f64, same: &dyn Fn(usize, usize) -> bool| {
        let c = (0..d * d).map(|k| keep(k / d) * g[k]).collect();
        let b = (0..d * d)
            .map(|k| {
                let (i, j) = (k / d, k % d);
                g[k] * if same(i, j) {
                    keep(i)
                } else {
                    keep(i) * keep(j)
                }
            })
            .collect();
        (c, b)
    };
    let adding = |variance: &dyn Fn(usize) -> f64| {
        let b = (0..d * d)
            .map(|k| {
                g[k] + if k / d == k % d {
                    n as f64 * variance(k / d)
                } else {
                    0.0
                }
            })
            .collect();
        (g.to_vec(), b)
    };
    match noise {
        Noise::None => (g.to_vec(), g.to_vec()),
        Noise::Gaussian { std } => adding(&|_| std * std),
        Noise::GaussMap { map } => adding(&|i| level(&map, i).powi(2)),
        Noise::Mask { p, patch } => dropping(&|_| 1.0 - p, &|i, j| {
            patch_of_pixel(i, shape, patch) == patch_of_pixel(j, shape, patch)
        }),
        Noise::DropMap { map } => dropping(&|i| 1.0 - level(&map, i), &|i, j| {
            i % (h * w) == j % (h * w)
        }),
    }
}

/// Closed-form optimum of sum E||x - W E x~||^2: trace(G) - sum of the top-K mu of A v = mu B v.
pub fn optimum_loss(g: &[f64], c: &[f64], b: &[f64], d: usize, k: usize) -> f64 {
    let a = matmul_f64(c, &transpose(c, d, d), d, d, d);
    let b_mat = faer::Mat::from_fn(d, d, |i, j| b[i * d + j]);
    let llt = b_mat
        .llt(faer::Side::Lower)
        .expect("B is positive definite");
    let l = llt.L();
    // Whiten: M = L^{-1} A L^{-T}, by forward substitution column by column.
    let mut l_inv = faer::Mat::<f64>::zeros(d, d);
    for col in 0..d {
        for i in 0..d {
            let mut v = if i == col { 1.0 } else { 0.0 };
            for p in 0..i {
                v -= l[(i, p)] * l_inv[(p, col)];
            }
            l_inv[(i, col)] = v / l[(i, i)];
        }
    }
    let a_mat = faer::Mat::from_fn(d, d, |i, j| a[i * d + j]);
    let m = &l_inv * &a_mat * l_inv.transpose();
    let m = faer::Mat::from_fn(d, d, |i, j| 0.5 * (m[(i, j)] + m[(j, i)]));
    let mut mu = m.self_adjoint_eigenvalues(faer::Side::Lower).unwrap();
    mu.sort_by(|x, y| y.partial_cmp(x).unwrap());
    let trace: f64 = (0..d).map(|i| g[i * d + i]).sum();
    trace - mu[..k].iter().sum::<f64>()
}

/// Expected loss sum E||x - W E x~||^2 of given weights: tr G - 2 tr(W E C) + tr(W E B E^T W^T).
pub fn expected_loss(g: &[f64], c: &[f64], b: &[f64], weights: &DaeWeights) -> f64 {
    let (d, k) = (weights.d, weights.k);
    let e: Vec<f64> = weights.encoder.iter().map(|&v| v as f64).collect();
    let w: Vec<f64> = weights.decoder.iter().map(|&v| v as f64).collect();
    let we = matmul_f64(&w, &e, d, k, d);
    let wec = matmul_f64(&we, c, d, d, d);
    let web = matmul_f64(&matmul_f64(&we, b, d, d, d), &transpose(&we, d, d), d, d, d);
    (0..d)
        .map(|i| g[i * d + i] - 2.0 * wec[i * d + i] + web[i * d + i])
        .sum()
}
