//! Shared fixtures for the spectral tests: small synthetic datasets and an explicit, independent
//! preprocessing of X (N x D) to check the second-moment shortcuts against.
#![allow(dead_code)]

use recon_align::dataset::Dataset;
use recon_align::spectral::SplitMix64;

pub mod moments;

/// The bundled dataset `name` (`mnist` or `fashion`), or None (said on stderr, naming `test`)
/// when it was never built; with RECON_ALIGN_REQUIRE_DATA=1 (as `cargo xtask test` sets it) its
/// absence fails the test. A bundled file that is there but unreadable always fails.
pub fn bundled(name: &str, test: &str) -> Option<Dataset> {
    match recon_align::dataset::load_source(name) {
        Ok(data) => Some(data),
        Err(e) if !e.to_string().contains("not found") => {
            panic!("bundled `{name}` present but unreadable: {e}")
        }
        Err(e) if std::env::var("RECON_ALIGN_REQUIRE_DATA").as_deref() == Ok("1") => {
            panic!("RECON_ALIGN_REQUIRE_DATA=1 but the bundled `{name}` is missing: {e}")
        }
        Err(e) => {
            eprintln!(
                "SKIPPED {test}: bundled `{name}` absent ({e}); `cargo xtask data` builds it"
            );
            None
        }
    }
}

/// A small labelled dataset whose classes differ in a few pixels, noise everywhere else, and
/// optionally one constant pixel (like MNIST's border).
pub fn synthetic(
    n: usize,
    shape: (usize, usize, usize),
    classes: usize,
    constant_pixel: bool,
    seed: u64,
) -> Dataset {
    let (c, h, w) = shape;
    let d = c * h * w;
    let mut rng = SplitMix64::new(seed);
    let mut images = Vec::with_capacity(n * d);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let label = i % classes;
        labels.push(label as u8);
        for j in 0..d {
            let base = 60.0 + 40.0 * ((j * 7 + 3) % 5) as f64; // unequal pixel variances
            let signal = if j % classes == label { 50.0 } else { 0.0 };
            let noise = (0.3 + (j % 4) as f64 * 0.4) * 30.0 * rng.next_normal();
            let v = if constant_pixel && j == 0 {
                17.0
            } else {
                base + signal + noise
            };
            images.push(v.round().clamp(0.0, 255.0) as u8);
        }
    }
    Dataset {
        n,
        c,
        h,
        w,
        images,
        labels,
        classes,
    }
}

/// X preprocessed the paper's way, computed directly: (byte/255 - pixel mean) / global std,
/// row-major N x D.
pub fn explicit_x(data: &Dataset) -> Vec<f64> {
    let (n, d) = (data.n, data.d());
    let raw: Vec<f64> = data.images.iter().map(|&b| b as f64 / 255.0).collect();
    let mean: Vec<f64> = (0..d)
        .map(|j| (0..n).map(|i| raw[i * d + j]).sum::<f64>() / n as f64)
        .collect();
    let centred: Vec<f64> = (0..n * d).map(|k| raw[k] - mean[k % d]).collect();
    let std = (centred.iter().map(|v| v * v).sum::<f64>() / (n * d) as f64).sqrt();
    centred.iter().map(|v| v / std).collect()
}

/// Dense row-major matrix product (m x k) * (k x n).
pub fn matmul(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * n];
    for i in 0..m {
        for l in 0..k {
            let x = a[i * k + l];
            for j in 0..n {
                out[i * n + j] += x * b[l * n + j];
            }
        }
    }
    out
}

/// Transpose of a row-major m x n matrix.
pub fn transpose(a: &[f64], m: usize, n: usize) -> Vec<f64> {
    (0..n * m).map(|k| a[(k % m) * n + k / m]).collect()
}

/// Largest absolute difference between two slices.
pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// A faer matrix as row-major values.
pub fn row_major(m: faer::MatRef<'_, f64>) -> Vec<f64> {
    (0..m.nrows())
        .flat_map(|i| (0..m.ncols()).map(move |j| m[(i, j)]))
        .collect()
}
