//! Throughput of the GPU kernels against the CPU path on this machine (not a test).
//!
//! `cargo xtask bench kernels [--json] [N ...]` (default N = 10000 MNIST-shaped images), i.e.
//! `cargo run --release --features bench --example gpu_bench [--json] [N ...]`; `--adapter` prints
//! only the adapter wgpu picks; `--gemm S` adds an S^3 product. bench/device/run.sh
//! runs it with `--json 10000 60000` beside the same work in PyTorch (bench/device/torch_bench.py).

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

/// Seconds per call of `work`: one warm-up call, then calls until at least 50 ms have passed, so a
/// kernel of tens of microseconds is timed as finely as one of seconds.
fn per_call(mut work: impl FnMut()) -> f64 {
    work();
    let (start, mut calls) = (Instant::now(), 0u32);
    loop {
        work();
        calls += 1;
        let elapsed = start.elapsed().as_secs_f64();
        if elapsed >= 0.05 {
            return elapsed / calls as f64;
        }
    }
}

/// One result row: printed for people, or as one JSON object per line with `--json`
/// (bench/device/run.sh builds its table from those).
struct Row<'a> {
    part: &'a str,
    work: String,
    seconds: f64,
    rate: f64,
    unit: &'a str,
}

impl<'a> Row<'a> {
    /// A row of `flops` floating-point operations done in `seconds`, in TFLOP/s.
    fn tflops(part: &'a str, work: &str, flops: f64, seconds: f64) -> Self {
        Row {
            part,
            work: work.to_string(),
            seconds,
            rate: flops / seconds / 1e12,
            unit: "TFLOP/s",
        }
    }

    fn print(&self, json: bool) {
        if json {
            println!(
                "{{\"part\": \"{}\", \"work\": \"{}\", \"seconds\": {:e}, \"rate\": {}, \"unit\": \"{}\"}}",
                self.part, self.work, self.seconds, self.rate, self.unit
            );
        } else {
            println!(
                "{:<28} {:<14} {:10.6} s  {:10.2} {}",
                self.work, self.part, self.seconds, self.rate, self.unit
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    // `--gemm S`: also time an S x S x S product, where the kernel rather than the submission's
    // fixed cost sets the time.
    let big_gemm: Option<usize> = args
        .iter()
        .position(|a| a == "--gemm")
        .and_then(|i| args.get(i + 1)?.parse().ok());
    let mut sizes: Vec<usize> = (args.iter().enumerate())
        .filter(|(i, _)| *i == 0 || args[i - 1] != "--gemm")
        .filter_map(|(_, a)| a.parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes.push(10_000);
    }
    let ctx = pollster::block_on(GpuContext::new()).expect("no GPU adapter");
    if args.iter().any(|a| a == "--adapter") {
        // Only which adapter wgpu picks (bench/device/run.sh asks this first).
        println!("adapter: {}", ctx.describe());
        return;
    }
    eprintln!(
        "adapter: {}; CPU threads: {}",
        ctx.describe(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for &n in &sizes {
        bench_size(&ctx, n, json);
    }
    if let Some(side) = big_gemm {
        bench_gemm(&ctx, side, json);
    }
}

/// An S x S x S product of two random matrices on the GPU (no CPU row: it would take seconds).
fn bench_gemm(ctx: &GpuContext, side: usize, json: bool) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let values: Vec<f32> = (0..side * side)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect();
    let a = GpuMatrix::from_slice(ctx, side, side, &values).unwrap();
    let t = per_call(|| {
        let c = pollster::block_on(matmul(ctx, &a, Op::Plain, &a, Op::Plain)).unwrap();
        pollster::block_on(ctx.wait()).unwrap();
        drop(c);
    });
    let flops = 2.0 * (side as f64).powi(3);
    Row::tflops("wgsl", &format!("gemm {side}^3"), flops, t).print(json);
}

fn bench_size(ctx: &GpuContext, n: usize, json: bool) {
    let data = mnist_like(n);
    let d = data.d();
    let st = Preprocessing::of_dataset(&data);

    // Gram G = X^T X: 2 N D^2 flops counted for the full matrix (as PyTorch's X^T X does), though
    // the GPU computes the upper half. Timed to the end of the GPU work, without the read-back.
    let flops = 2.0 * n as f64 * (d * d) as f64;
    let work = format!("gram N={n}");
    let images = GpuImages::upload(ctx, &data, None).unwrap();
    let t = per_call(|| {
        let g = pollster::block_on(gram(ctx, &images, &st)).unwrap();
        pollster::block_on(ctx.wait()).unwrap();
        drop(g);
    });
    Row::tflops("wgsl", &work, flops, t).print(json);
    let g = pollster::block_on(gram(ctx, &images, &st)).unwrap();
    let x64 = faer::Mat::<f64>::from_fn(n, d, |i, j| {
        (data.images[i * d + j] as f64 / 255.0 - st.mean[j]) / st.scale
    });
    let x32 = faer::Mat::<f32>::from_fn(n, d, |i, j| x64[(i, j)] as f32);
    let (_, t) = seconds(|| cpu_gram(&x64));
    Row::tflops("cpu faer f64", &work, flops, t).print(json);
    let (_, t) = seconds(|| cpu_gram(&x32));
    Row::tflops("cpu faer f32", &work, flops, t).print(json);

    // GEMM G G (D x D x D).
    let flops = 2.0 * (d * d * d) as f64;
    let work = format!("gemm {d}^3");
    let t = per_call(|| {
        let gg = pollster::block_on(matmul(ctx, &g, Op::Plain, &g, Op::Plain)).unwrap();
        pollster::block_on(ctx.wait()).unwrap();
        drop(gg);
    });
    Row::tflops("wgsl", &work, flops, t).print(json);
    let g64 = cpu_gram(&x64);
    let g32 = cpu_gram(&x32);
    let t = per_call(|| drop(&g64 * &g64));
    Row::tflops("cpu faer f64", &work, flops, t).print(json);
    let t = per_call(|| drop(&g32 * &g32));
    Row::tflops("cpu faer f32", &work, flops, t).print(json);

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
    let work = format!("dae epoch N={n} K=64 mask");
    for (part, backend) in [("wgsl", Backend::Gpu(ctx)), ("cpu", Backend::Cpu)] {
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
        let rate = report.samples_per_second;
        Row {
            part,
            work: work.clone(),
            seconds: n as f64 / rate,
            rate: rate / 1e3,
            unit: "k samples/s",
        }
        .print(json);
    }
}
