//! Throughput of the GPU kernels against the CPU path on this machine (not a test).
//!
//! `cargo xtask bench kernels [N]` (default N = 10000 MNIST-shaped images), i.e.
//! `cargo run --release --features bench --example gpu_bench [N]`.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use recon_align::dataset::Dataset;
use recon_align::gpu::{gram, matmul, GpuContext, GpuImages, GpuMatrix, Op};
use recon_align::spectral::{Noise, Preprocessing};
use recon_align::train::{train_dae, Backend, DaeConfig, Optimiser};

/// MNIST-shaped synthetic digits: a random stroke-like blob per image on a black border.
fn mnist_like(n: usize) -> Dataset {
    let (h, w) = (28, 28);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    let mut images = Vec::with_capacity(n * h * w);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let (cy, cx, r) = (8.0 + 12.0 * next(), 8.0 + 12.0 * next(), 3.0 + 4.0 * next());
        for y in 0..h {
            for x in 0..w {
                let dist = ((y as f32 - cy).powi(2) + (x as f32 - cx).powi(2)).sqrt();
                let v = if (dist - r).abs() < 1.5 {
                    0.8 + 0.2 * next()
                } else {
                    0.0
                };
                images.push((v * 255.0) as u8);
            }
        }
        labels.push((i % 10) as u8);
    }
    Dataset {
        n,
        c: 1,
        h,
        w,
        images,
        labels,
        classes: 10,
    }
}

fn seconds<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed().as_secs_f64())
}

fn cpu_gram<T: faer::traits::ComplexField + Copy>(x: &faer::Mat<T>) -> faer::Mat<T> {
    let mut g = faer::Mat::<T>::zeros(x.ncols(), x.ncols());
    faer::linalg::matmul::matmul(
        g.as_mut(),
        faer::Accum::Replace,
        x.transpose(),
        x.as_ref(),
        T::one_impl(),
        faer::get_global_parallelism(),
    );
    g
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let data = mnist_like(n);
    let d = data.d();
    let st = Preprocessing::of_dataset(&data);
    let ctx = pollster::block_on(GpuContext::new()).expect("no GPU adapter");
    println!(
        "adapter: {}; CPU threads: {}",
        ctx.describe(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("N = {n}, D = {d}");

    // Gram G = X^T X: 2 N D^2 flops counted for the full matrix (the GPU computes the upper half).
    let flops = 2.0 * n as f64 * (d * d) as f64;
    let images = GpuImages::upload(&ctx, &data, None).unwrap();
    let warm = pollster::block_on(gram(&ctx, &images, &st)).unwrap();
    let _ = pollster::block_on(warm.to_vec(&ctx)).unwrap();
    let (g, t) = seconds(|| {
        let g = pollster::block_on(gram(&ctx, &images, &st)).unwrap();
        pollster::block_on(g.to_vec(&ctx)).unwrap();
        g
    });
    println!(
        "gram  gpu f32 (from u8): {:8.3} s  {:7.2} GFLOP/s",
        t,
        flops / t / 1e9
    );
    let x64 = faer::Mat::<f64>::from_fn(n, d, |i, j| {
        (data.images[i * d + j] as f64 / 255.0 - st.mean[j] as f64) / st.scale as f64
    });
    let x32 = faer::Mat::<f32>::from_fn(n, d, |i, j| x64[(i, j)] as f32);
    let (_, t) = seconds(|| cpu_gram(&x64));
    println!(
        "gram  cpu f64 faer     : {:8.3} s  {:7.2} GFLOP/s",
        t,
        flops / t / 1e9
    );
    let (_, t) = seconds(|| cpu_gram(&x32));
    println!(
        "gram  cpu f32 faer     : {:8.3} s  {:7.2} GFLOP/s",
        t,
        flops / t / 1e9
    );

    // GEMM G G (D x D x D).
    let flops = 2.0 * (d * d * d) as f64;
    let _ = pollster::block_on(matmul(&ctx, &g, Op::Plain, &g, Op::Plain)).unwrap();
    let (_, t) = seconds(|| {
        let gg = pollster::block_on(matmul(&ctx, &g, Op::Plain, &g, Op::Plain)).unwrap();
        pollster::block_on(gg.to_vec(&ctx)).unwrap();
    });
    println!(
        "gemm  gpu f32 G G      : {:8.3} s  {:7.2} GFLOP/s",
        t,
        flops / t / 1e9
    );
    let g64 = cpu_gram(&x64);
    let g32 = cpu_gram(&x32);
    let (_, t) = seconds(|| &g64 * &g64);
    println!(
        "gemm  cpu f64 faer G G : {:8.3} s  {:7.2} GFLOP/s",
        t,
        flops / t / 1e9
    );
    let (_, t) = seconds(|| &g32 * &g32);
    println!(
        "gemm  cpu f32 faer G G : {:8.3} s  {:7.2} GFLOP/s",
        t,
        flops / t / 1e9
    );
    let _ = GpuMatrix::zeros(&ctx, 1, 1);

    // One epoch of DAE training, K = 64, mask p = 0.5 on 2 x 2 patches, Adam, batch 128.
    let config = DaeConfig {
        k: 64,
        noise: Noise::Mask { p: 0.5, patch: 2 },
        epochs: 1,
        lr: 1e-3,
        optimiser: Optimiser::adam(),
        batch: 128,
        seed: 0,
        init_scale: 0.1,
    };
    for (name, backend) in [("gpu", Backend::Gpu(&ctx)), ("cpu", Backend::Cpu)] {
        let run = pollster::block_on(train_dae(
            backend,
            &data,
            &st,
            &config,
            &AtomicBool::new(false),
            |_| true,
        ))
        .unwrap();
        let report = &run.reports[0];
        println!(
            "dae   {name} K=64 mask    : {:8.0} samples/s  (epoch loss {:.3})",
            report.samples_per_second, report.train_loss
        );
    }
}
