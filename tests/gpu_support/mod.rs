//! Shared pieces of the GPU tests: the adapter gate, small synthetic datasets, f64 references.
#![allow(dead_code)]

use recon_align::dataset::Dataset;
use recon_align::gpu::GpuContext;
use recon_align::spectral::{patch_of, ImageShape, Preprocessing};

pub mod contracts;
pub mod optimum;
pub mod training;

/// The GPU context, or None (with the reason printed) when no adapter exists.
/// With RECON_ALIGN_REQUIRE_GPU=1 a missing adapter fails the test instead.
pub fn context() -> Option<GpuContext> {
    match pollster::block_on(GpuContext::new()) {
        Ok(ctx) => {
            eprintln!("GPU tests on {}", ctx.describe());
            Some(ctx)
        }
        Err(why) => {
            if std::env::var("RECON_ALIGN_REQUIRE_GPU").as_deref() == Ok("1") {
                panic!("RECON_ALIGN_REQUIRE_GPU=1 but no GPU: {why}");
            }
            eprintln!("skipping GPU test: {why}");
            None
        }
    }
}

/// Deterministic pseudo-random numbers for test data (SplitMix64).
pub struct TestRng(u64);

impl TestRng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    pub fn symmetric(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    pub fn vec(&mut self, len: usize) -> Vec<f32> {
        (0..len).map(|_| self.symmetric()).collect()
    }
}

/// Images with structure: a per-class blob plus noise, a constant border like MNIST's.
pub fn synthetic_dataset(n: usize, c: usize, h: usize, w: usize, seed: u64) -> Dataset {
    let mut rng = TestRng::new(seed);
    let classes = 3;
    let d = c * h * w;
    let mut images = Vec::with_capacity(n * d);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let label = (i % classes) as u8;
        labels.push(label);
        for ch in 0..c {
            for y in 0..h {
                for x in 0..w {
                    let border = y == 0 || x == 0;
                    let value = if border {
                        0.0
                    } else {
                        let centre = 1.0 + label as f32 * (w as f32 - 2.0) / 3.0;
                        let bump = (-((x as f32 - centre).powi(2)) / 3.0).exp();
                        0.6 * bump + 0.25 * (rng.symmetric() + 1.0) + 0.1 * ch as f32
                    };
                    images.push((value.clamp(0.0, 1.0) * 255.0).round() as u8);
                }
            }
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

/// Centred, scaled data in f64 (N x D, row-major), from the same constants the GPU uses.
pub fn centred_f64(data: &Dataset, st: &Preprocessing) -> Vec<f64> {
    let d = data.d();
    let mut x = vec![0f64; data.n * d];
    for i in 0..data.n {
        for (j, &byte) in data.image(i).iter().enumerate() {
            x[i * d + j] = (byte as f64 / 255.0 - st.mean[j]) / st.scale;
        }
    }
    x
}

/// The mask patch of pixel `pixel` in a (C, H, W) image, by the closed forms' tiling.
pub fn patch_of_pixel(pixel: usize, shape: (usize, usize, usize), patch: usize) -> usize {
    let (c, h, w) = shape;
    patch_of(ImageShape { c, h, w }, patch.max(1), pixel)
}

/// G = X^T X by the triple loop, in f64.
pub fn gram_f64(x: &[f64], n: usize, d: usize) -> Vec<f64> {
    let mut g = vec![0f64; d * d];
    for s in 0..n {
        let row = &x[s * d..(s + 1) * d];
        for i in 0..d {
            for j in 0..d {
                g[i * d + j] += row[i] * row[j];
            }
        }
    }
    g
}

/// C = A B by the triple loop, in f64 (A m x k, B k x n).
pub fn matmul_f64(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut c = vec![0f64; m * n];
    for i in 0..m {
        for p in 0..k {
            for j in 0..n {
                c[i * n + j] += a[i * k + p] * b[p * n + j];
            }
        }
    }
    c
}

/// Transpose of a row-major rows x cols matrix.
pub fn transpose<T: Copy>(a: &[T], rows: usize, cols: usize) -> Vec<T> {
    let mut t = Vec::with_capacity(a.len());
    for j in 0..cols {
        for i in 0..rows {
            t.push(a[i * cols + j]);
        }
    }
    t
}

/// Largest absolute value.
pub fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}
