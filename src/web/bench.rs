//! WebAssembly entry points of the GPU check and benchmark page (`www/bench/`): the crate's
//! WebGPU kernels against the CPU path, in the browser that will run the demo.

use wasm_bindgen::prelude::*;

use crate::dataset::Dataset;
use crate::gpu::{gram, matmul, GpuContext, GpuImages, GpuMatrix, Op};
use crate::spectral::{Noise, Preprocessing};
use crate::train::{
    epoch_order, train_dae, Backend, CpuDae, CpuMlp, DaeConfig, DaeWeights, GpuDae, GpuMlp,
    MlpConfig, MlpDims, MlpParams, Optimiser, ProbeData,
};

use super::to_js;

fn js_error(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// Wall-clock milliseconds (the page's clock; submissions are awaited, so this times GPU work).
fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The first `n` bundled digits (www/data/mnist.bin) and their preprocessing constants.
fn digits(bundled: &[u8], n: usize) -> Result<(Dataset, Preprocessing), JsError> {
    let data = Dataset::from_bundled(bundled)
        .map_err(js_error)?
        .truncate(n);
    let st = Preprocessing::of_dataset(&data);
    Ok((data, st))
}

/// Centred, scaled pixels as an N x D matrix (the paper's X).
fn centred<T: faer::traits::ComplexField>(
    data: &Dataset,
    st: &Preprocessing,
    cast: impl Fn(f32) -> T,
) -> faer::Mat<T> {
    let d = data.d();
    faer::Mat::from_fn(data.n, d, |i, j| {
        cast(st.centred_f32(data.images[i * d + j], j))
    })
}

/// X^T X on the CPU, single-threaded (wasm has no threads here).
fn cpu_gram<T: faer::traits::ComplexField>(x: &faer::Mat<T>) -> faer::Mat<T> {
    let mut g = faer::Mat::<T>::zeros(x.ncols(), x.ncols());
    faer::linalg::matmul::matmul(
        g.as_mut(),
        faer::Accum::Replace,
        x.transpose(),
        x.as_ref(),
        T::one_impl(),
        faer::Par::Seq,
    );
    g
}

/// Largest |a - b| and largest |b|.
fn max_errors(a: impl IntoIterator<Item = f64>, b: impl IntoIterator<Item = f64>) -> (f64, f64) {
    a.into_iter()
        .zip(b)
        .fold((0.0, 0.0), |(err, scale), (x, y)| {
            (err.max((x - y).abs()), scale.max(y.abs()))
        })
}

/// One comparison: largest error relative to the reference's largest entry.
#[derive(serde::Serialize)]
struct Agreement {
    what: &'static str,
    max_abs_error: f64,
    reference_max_abs: f64,
    relative_error: f64,
}

impl Agreement {
    fn new(
        what: &'static str,
        got: impl IntoIterator<Item = f64>,
        want: impl IntoIterator<Item = f64>,
    ) -> Self {
        let (max_abs_error, reference_max_abs) = max_errors(got, want);
        Self {
            what,
            max_abs_error,
            reference_max_abs,
            relative_error: max_abs_error / reference_max_abs.max(f64::MIN_POSITIVE),
        }
    }
}

/// What [`gpu_check`] found.
#[derive(serde::Serialize)]
struct CheckReport {
    adapter: String,
    backend: String,
    n: usize,
    d: usize,
    checks: Vec<Agreement>,
    milliseconds: f64,
}

fn widen(v: &[f32]) -> impl Iterator<Item = f64> + '_ {
    v.iter().map(|&x| x as f64)
}

/// Computes the Gram matrix, two linear DAE steps and one MLP probe step on WebGPU and on the
/// CPU from the first `n` bundled digits, and reports how far apart they are.
#[wasm_bindgen(js_name = gpuCheck)]
pub async fn gpu_check(bundled: Vec<u8>, n: usize) -> Result<JsValue, JsError> {
    let started = now_ms();
    let (data, st) = digits(&bundled, n)?;
    let d = data.d();
    let ctx = GpuContext::new().await.map_err(js_error)?;
    let images = GpuImages::upload(&ctx, &data, None).map_err(js_error)?;
    let mut checks = Vec::new();

    // The paper's G = X^T X: GPU f32 (from bytes) against CPU f64.
    let g_gpu = gram(&ctx, &images, &st)
        .await
        .map_err(js_error)?
        .to_vec(&ctx)
        .await
        .map_err(js_error)?;
    let g_cpu = cpu_gram(&centred(&data, &st, |v| v as f64));
    checks.push(Agreement::new(
        "gram",
        widen(&g_gpu),
        (0..d * d).map(|i| g_cpu[(i / d, i % d)]),
    ));

    // Two DAE steps (K = 16, 2x2 mask at p = 0.5, SGD with momentum) on both paths.
    let config = DaeConfig {
        k: 16,
        noise: Noise::Mask { p: 0.5, patch: 2 },
        epochs: 1,
        lr: 1e-3,
        optimiser: Optimiser::SgdMomentum { momentum: 0.9 },
        batch: 64,
        seed: 5,
        init_scale: 0.5,
    };
    let steps = 2;
    let start = DaeWeights::initial(d, config.k, config.seed, config.init_scale);
    let order = epoch_order(data.n, config.seed, 0);
    let mut gpu = GpuDae::new(&ctx, &images, &st, &config, &start, steps).map_err(js_error)?;
    let mut cpu = CpuDae::new((data.c, data.h, data.w), &st, &config, &start);
    gpu.begin_epoch(&order);
    cpu.begin_epoch(&order);
    let mut cpu_losses = Vec::new();
    for s in 0..steps {
        gpu.step(&data, s * config.batch, s as u32, s)
            .map_err(js_error)?;
        cpu_losses.push(cpu.step(&data, s * config.batch, s as u32));
    }
    let gpu_losses = gpu.losses(steps).await.map_err(js_error)?;
    let gpu_weights = gpu.weights().await.map_err(js_error)?;
    checks.push(Agreement::new(
        "dae loss",
        widen(&gpu_losses),
        widen(&cpu_losses),
    ));
    checks.push(Agreement::new(
        "dae encoder",
        widen(&gpu_weights.encoder),
        widen(&cpu.weights().encoder),
    ));
    checks.push(Agreement::new(
        "dae decoder",
        widen(&gpu_weights.decoder),
        widen(&cpu.weights().decoder),
    ));

    // One MLP probe step on the raw centred pixels (F = 784, H = 64, C = 10).
    let x: Vec<f32> = (0..data.n * d)
        .map(|i| st.centred_f32(data.images[i], i % d))
        .collect();
    let train = ProbeData {
        x: &x,
        y: &data.labels,
    };
    let dims = MlpDims {
        features: d,
        hidden: 64,
        classes: data.classes,
    };
    let mlp_config = MlpConfig {
        batch: 64,
        lr: 0.01,
        optimiser: Optimiser::SgdMomentum { momentum: 0.0 },
        ..MlpConfig::default()
    };
    let start = MlpParams::initial(dims, 1);
    let mut gpu = GpuMlp::new(&ctx, train, &mlp_config, &start, 1).map_err(js_error)?;
    let mut cpu = CpuMlp::new(train, &mlp_config, &start);
    let order = epoch_order(data.n, mlp_config.seed, 0);
    gpu.begin_epoch(&order);
    cpu.begin_epoch(&order);
    gpu.step(0, 0, 0).map_err(js_error)?;
    let cpu_loss = cpu.step(0, 0);
    let gpu_loss = gpu.losses(1).await.map_err(js_error)?;
    checks.push(Agreement::new(
        "mlp loss",
        widen(&gpu_loss),
        widen(&[cpu_loss]),
    ));
    let gpu_grads = gpu.gradients().await.map_err(js_error)?;
    let names = ["mlp dW1", "mlp db1", "mlp dW2", "mlp db2"];
    for ((what, got), want) in names
        .into_iter()
        .zip(gpu_grads.tensors())
        .zip(cpu.gradients().tensors())
    {
        checks.push(Agreement::new(what, widen(got), widen(want)));
    }
    let info = ctx.adapter_info();
    to_js(&CheckReport {
        adapter: info.name.clone(),
        backend: format!("{:?}", info.backend),
        n: data.n,
        d,
        checks,
        milliseconds: now_ms() - started,
    })
}

/// Timings of one kernel: `reps` runs after one warm-up, in milliseconds.
#[derive(serde::Serialize)]
struct KernelTimes {
    kernel: &'static str,
    flops: f64,
    gpu_ms: Vec<f64>,
    cpu_ms: Vec<f64>,
    adapter: String,
    /// wgpu's device type (Cpu for a fallback adapter) and the work cap it sets per submission.
    device_type: String,
    muladds_per_submission: usize,
}

impl KernelTimes {
    /// The timings of `kernel` (`flops` per run) on the adapter of `ctx`.
    fn new(
        ctx: &GpuContext,
        kernel: &'static str,
        flops: f64,
        gpu_ms: Vec<f64>,
        cpu_ms: Vec<f64>,
    ) -> Self {
        KernelTimes {
            kernel,
            flops,
            gpu_ms,
            cpu_ms,
            adapter: ctx.describe(),
            device_type: format!("{:?}", ctx.adapter_info().device_type),
            muladds_per_submission: ctx.muladds_per_submission(),
        }
    }
}

async fn time_gpu<F, Fut>(reps: usize, mut run: F) -> Result<Vec<f64>, JsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), crate::gpu::GpuError>>,
{
    run().await.map_err(js_error)?;
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = now_ms();
        run().await.map_err(js_error)?;
        times.push(now_ms() - t);
    }
    Ok(times)
}

fn time_cpu(reps: usize, mut run: impl FnMut()) -> Vec<f64> {
    run();
    (0..reps)
        .map(|_| {
            let t = now_ms();
            run();
            now_ms() - t
        })
        .collect()
}

/// Times the Gram G = X^T X of the first `n` bundled digits: WebGPU (from bytes, with the
/// readback of G) and the wasm CPU path (faer, f32, one thread, from the centred f32 matrix).
#[wasm_bindgen(js_name = benchGram)]
pub async fn bench_gram(bundled: Vec<u8>, n: usize, reps: usize) -> Result<JsValue, JsError> {
    let (data, st) = digits(&bundled, n)?;
    let d = data.d();
    let ctx = GpuContext::new().await.map_err(js_error)?;
    let images = GpuImages::upload(&ctx, &data, None).map_err(js_error)?;
    let gpu_ms = time_gpu(reps, || async {
        gram(&ctx, &images, &st).await?.to_vec(&ctx).await?;
        Ok(())
    })
    .await?;
    let x = centred(&data, &st, |v| v);
    let cpu_ms = time_cpu(reps, || {
        std::hint::black_box(cpu_gram(&x));
    });
    // In f64: N D^2 overflows wasm32's usize for N = 10,000.
    let flops = 2.0 * data.n as f64 * (d * d) as f64;
    to_js(&KernelTimes::new(&ctx, "gram", flops, gpu_ms, cpu_ms))
}

/// Times a `size` x `size` by `size` x `size` product: WebGPU GEMM (with the readback) and faer
/// on the wasm CPU path (f32, one thread).
#[wasm_bindgen(js_name = benchGemm)]
pub async fn bench_gemm(size: usize, reps: usize) -> Result<JsValue, JsError> {
    let ctx = GpuContext::new().await.map_err(js_error)?;
    let values = |salt: usize| -> Vec<f32> {
        (0..size * size)
            .map(|i| (((i * 7919 + salt) % 1000) as f32 - 500.0) / 500.0)
            .collect()
    };
    let (a_host, b_host) = (values(1), values(2));
    let a = GpuMatrix::from_slice(&ctx, size, size, &a_host).map_err(js_error)?;
    let b = GpuMatrix::from_slice(&ctx, size, size, &b_host).map_err(js_error)?;
    let gpu_ms = time_gpu(reps, || async {
        matmul(&ctx, &a, Op::Plain, &b, Op::Plain)
            .await?
            .to_vec(&ctx)
            .await?;
        Ok(())
    })
    .await?;
    let a_cpu = faer::MatRef::from_row_major_slice(&a_host, size, size).to_owned();
    let b_cpu = faer::MatRef::from_row_major_slice(&b_host, size, size).to_owned();
    let cpu_ms = time_cpu(reps, || {
        let mut c = faer::Mat::<f32>::zeros(size, size);
        faer::linalg::matmul::matmul(
            c.as_mut(),
            faer::Accum::Replace,
            a_cpu.as_ref(),
            b_cpu.as_ref(),
            1.0,
            faer::Par::Seq,
        );
        std::hint::black_box(c);
    });
    let flops = 2.0 * (size as f64).powi(3);
    to_js(&KernelTimes::new(&ctx, "gemm", flops, gpu_ms, cpu_ms))
}

/// Training throughput of the two DAE backends.
#[derive(serde::Serialize)]
struct TrainingThroughput {
    n: usize,
    k: usize,
    batch: usize,
    gpu_samples_per_second: f64,
    cpu_samples_per_second: f64,
    gpu_loss: f32,
    cpu_loss: f32,
    adapter: String,
}

/// Linear DAE training on the first `n` bundled digits (K = `k`, 2x2 mask at p = 0.5, Adam,
/// B = 128): samples per second of the second epoch (the first compiles the pipelines) on
/// WebGPU and on the CPU twin.
#[wasm_bindgen(js_name = benchTraining)]
pub async fn bench_training(bundled: Vec<u8>, n: usize, k: usize) -> Result<JsValue, JsError> {
    let (data, st) = digits(&bundled, n)?;
    let ctx = GpuContext::new().await.map_err(js_error)?;
    let config = DaeConfig {
        k,
        noise: Noise::Mask { p: 0.5, patch: 2 },
        epochs: 2,
        ..DaeConfig::default()
    };
    let never = std::sync::atomic::AtomicBool::new(false);
    let mut runs = Vec::new();
    for backend in [Backend::Gpu(&ctx), Backend::Cpu] {
        let run = train_dae(backend, &data, &st, &config, &never, |_| true)
            .await
            .map_err(js_error)?;
        let last = run.reports.last().ok_or_else(|| js_error("no epoch ran"))?;
        runs.push((last.samples_per_second, last.train_loss));
    }
    to_js(&TrainingThroughput {
        n: data.n,
        k,
        batch: config.batch,
        gpu_samples_per_second: runs[0].0,
        cpu_samples_per_second: runs[1].0,
        gpu_loss: runs[0].1,
        cpu_loss: runs[1].1,
        adapter: ctx.describe(),
    })
}
