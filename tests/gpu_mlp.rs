//! The MLP probe (paper's Figure 1 classifier): its step is the written-out gradient, the GPU
//! agrees with the CPU twin, runs are reproducible, and a hidden layer separates what a
//! linear probe cannot.

mod gpu_support;

use gpu_support::{context, TestRng};
use recon_align::gpu::{GpuContext, GpuError};
use recon_align::train::{
    accuracy, epoch_order, train_mlp_probe, Backend, CpuMlp, GpuMlp, MlpConfig, MlpDims, MlpParams,
    MlpReport, Optimiser, ProbeData,
};

/// Random features in [-1, 1) and labels in 0..C.
fn random_problem(n: usize, dims: MlpDims, seed: u64) -> (Vec<f32>, Vec<u8>) {
    let mut rng = TestRng::new(seed);
    let x = rng.vec(n * dims.features);
    let y = (0..n)
        .map(|_| (rng.next_u64() % dims.classes as u64) as u8)
        .collect();
    (x, y)
}

/// Loss and gradients of one batch, by the written-out formulas, in f64 and naive loops.
fn reference_step(params: &MlpParams, x: &[f32], y: &[u8]) -> (f64, [Vec<f64>; 4]) {
    let MlpDims {
        features: f,
        hidden: h,
        classes: c,
    } = params.dims;
    let p64 = |v: &[f32]| v.iter().map(|&a| a as f64).collect::<Vec<f64>>();
    let (w1, b1, w2, b2) = (
        p64(&params.w1),
        p64(&params.b1),
        p64(&params.w2),
        p64(&params.b2),
    );
    let batch = y.len();
    let mut loss = 0.0;
    let mut g = [
        vec![0.0; f * h],
        vec![0.0; h],
        vec![0.0; h * c],
        vec![0.0; c],
    ];
    for b in 0..batch {
        let xb: Vec<f64> = x[b * f..(b + 1) * f].iter().map(|&v| v as f64).collect();
        let a: Vec<f64> = (0..h)
            .map(|j| (b1[j] + (0..f).map(|i| xb[i] * w1[i * h + j]).sum::<f64>()).max(0.0))
            .collect();
        let logits: Vec<f64> = (0..c)
            .map(|k| b2[k] + (0..h).map(|j| a[j] * w2[j * c + k]).sum::<f64>())
            .collect();
        let top = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = logits.iter().map(|l| (l - top).exp()).sum();
        let label = y[b] as usize;
        loss += total.ln() + top - logits[label];
        let dl: Vec<f64> = (0..c)
            .map(|k| {
                ((logits[k] - top).exp() / total - f64::from(u8::from(k == label))) / batch as f64
            })
            .collect();
        for j in 0..h {
            for k in 0..c {
                g[2][j * c + k] += a[j] * dl[k];
            }
            let dz = if a[j] > 0.0 {
                (0..c).map(|k| dl[k] * w2[j * c + k]).sum::<f64>()
            } else {
                0.0
            };
            g[1][j] += dz;
            for i in 0..f {
                g[0][i * h + j] += xb[i] * dz;
            }
        }
        for k in 0..c {
            g[3][k] += dl[k];
        }
    }
    (loss / batch as f64, g)
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, a| m.max(a.abs()))
}

/// Largest |got - want| over a tensor, relative to the tensor's largest |want|.
fn relative_error(got: &[f32], want: &[f64]) -> f64 {
    let err = got
        .iter()
        .zip(want)
        .fold(0.0f64, |m, (&g, &w)| m.max((g as f64 - w).abs()));
    err / max_abs(want).max(1e-30)
}

fn small_dims() -> MlpDims {
    MlpDims {
        features: 20,
        hidden: 16,
        classes: 5,
    }
}

fn sgd(lr: f32, momentum: f32, batch: usize) -> MlpConfig {
    MlpConfig {
        epochs: 1,
        batch,
        lr,
        optimiser: Optimiser::SgdMomentum { momentum },
        seed: 3,
    }
}

#[test]
fn reference_gradient_agrees_with_finite_differences() {
    let dims = small_dims();
    let (x, y) = random_problem(8, dims, 1);
    let params = MlpParams::initial(dims, 11);
    let (_, grads) = reference_step(&params, &x, &y);
    let loss_at = |which: usize, i: usize, delta: f32| {
        let mut moved = params.clone();
        [&mut moved.w1, &mut moved.b1, &mut moved.w2, &mut moved.b2][which][i] += delta;
        reference_step(&moved, &x, &y).0
    };
    // Central differences in f32 weights (step 1e-3): the loss is smooth away from ReLU kinks,
    // which random data does not hit at this step size, so the difference is O(h^2) ~ 1e-6.
    let h = 1e-3f32;
    for (which, grad) in grads.iter().enumerate() {
        for i in (0..grad.len()).step_by(7) {
            let numeric = (loss_at(which, i, h) - loss_at(which, i, -h)) / (2.0 * h as f64);
            assert!(
                (numeric - grad[i]).abs() <= 1e-5 + 1e-3 * grad[i].abs(),
                "tensor {which}[{i}]: finite difference {numeric} vs analytic {}",
                grad[i]
            );
        }
    }
}

#[test]
fn cpu_mlp_step_is_the_written_out_gradient() {
    let dims = small_dims();
    let (x, y) = random_problem(64, dims, 2);
    let start = MlpParams::initial(dims, 5);
    let config = sgd(0.1, 0.0, 32);
    let mut cpu = CpuMlp::new(ProbeData { x: &x, y: &y }, &config, &start);
    let order = epoch_order(64, config.seed, 0);
    cpu.begin_epoch(&order);
    let loss = cpu.step(32, 0);
    let batch: Vec<u32> = order[32..64].to_vec();
    let bx: Vec<f32> = batch
        .iter()
        .flat_map(|&i| x[i as usize * 20..(i as usize + 1) * 20].to_vec())
        .collect();
    let by: Vec<u8> = batch.iter().map(|&i| y[i as usize]).collect();
    let (want_loss, want) = reference_step(&start, &bx, &by);
    // f32 sums of at most max(F, H, B) = 32 terms of size ~1: relative error ~ 32 * 6e-8.
    assert!((loss as f64 - want_loss).abs() <= 1e-5 * want_loss);
    for (got, want) in cpu.gradients().tensors().iter().zip(&want) {
        assert!(relative_error(got, want) <= 1e-5);
    }
    // Plain SGD: theta' = theta - lr g.
    for ((after, before), g) in cpu
        .params()
        .tensors()
        .iter()
        .zip(start.tensors())
        .zip(&want)
    {
        for i in 0..g.len() {
            let expected = before[i] as f64 - 0.1 * g[i];
            assert!((after[i] as f64 - expected).abs() <= 1e-6 * (1.0 + expected.abs()));
        }
    }
}

/// Runs `steps` steps on both GPU and CPU from the same start; returns (gpu, cpu) losses, weights
/// and last gradients.
fn gpu_and_cpu_steps(
    ctx: &GpuContext,
    data: ProbeData<'_>,
    config: &MlpConfig,
    start: &MlpParams,
    steps: usize,
) -> [(Vec<f32>, MlpParams, MlpParams); 2] {
    let order = epoch_order(data.len(), config.seed, 0);
    let mut gpu = GpuMlp::new(ctx, data, config, start, steps).unwrap();
    let mut cpu = CpuMlp::new(data, config, start);
    gpu.begin_epoch(&order);
    cpu.begin_epoch(&order);
    let mut cpu_losses = Vec::new();
    for s in 0..steps {
        gpu.step(s * config.batch, s as u32, s).unwrap();
        cpu_losses.push(cpu.step(s * config.batch, s as u32));
    }
    let gpu_out = pollster::block_on(async {
        Ok::<_, GpuError>((
            gpu.losses(steps).await?,
            gpu.params().await?,
            gpu.gradients().await?,
        ))
    })
    .unwrap();
    [
        gpu_out,
        (cpu_losses, cpu.params().clone(), cpu.gradients().clone()),
    ]
}

#[test]
fn gpu_mlp_step_matches_the_f64_reference() {
    let Some(ctx) = context() else { return };
    let dims = small_dims();
    let (x, y) = random_problem(64, dims, 4);
    let start = MlpParams::initial(dims, 6);
    let config = sgd(0.1, 0.0, 64);
    let [(losses, after, grads), _] =
        gpu_and_cpu_steps(&ctx, ProbeData { x: &x, y: &y }, &config, &start, 1);
    let order = epoch_order(64, config.seed, 0);
    let bx: Vec<f32> = order
        .iter()
        .flat_map(|&i| x[i as usize * 20..(i as usize + 1) * 20].to_vec())
        .collect();
    let by: Vec<u8> = order.iter().map(|&i| y[i as usize]).collect();
    let (want_loss, want) = reference_step(&start, &bx, &by);
    // Same f32 budget as the CPU twin: the GPU sums at most 64 terms per entry (the GEMM's
    // depth-16 tiles sum in a different order, not with more terms).
    assert!(
        (losses[0] as f64 - want_loss).abs() <= 1e-5 * want_loss,
        "loss {} vs {want_loss}",
        losses[0]
    );
    for (which, (got, want)) in grads.tensors().iter().zip(&want).enumerate() {
        let err = relative_error(got, want);
        eprintln!("gradient {which}: GPU vs f64 relative error {err:e}");
        assert!(err <= 1e-5, "gradient {which}: relative error {err:e}");
    }
    for ((a, b), g) in after.tensors().iter().zip(start.tensors()).zip(&want) {
        for i in 0..g.len() {
            let expected = b[i] as f64 - 0.1 * g[i];
            assert!((a[i] as f64 - expected).abs() <= 1e-6 * (1.0 + expected.abs()));
        }
    }
}

#[test]
fn gpu_mlp_matches_cpu_mlp_after_a_few_steps() {
    let Some(ctx) = context() else { return };
    let dims = small_dims();
    let (x, y) = random_problem(256, dims, 8);
    let start = MlpParams::initial(dims, 9);
    for optimiser in [Optimiser::SgdMomentum { momentum: 0.9 }, Optimiser::adam()] {
        let config = MlpConfig {
            optimiser,
            lr: 0.05,
            ..sgd(0.05, 0.9, 32)
        };
        let [(gl, gw, _), (cl, cw, _)] =
            gpu_and_cpu_steps(&ctx, ProbeData { x: &x, y: &y }, &config, &start, 8);
        for (g, c) in gl.iter().zip(&cl) {
            assert!(
                (g - c).abs() <= 1e-5 * c.abs(),
                "{optimiser:?}: loss {g} vs {c}"
            );
        }
        // SGD carries f32 rounding (~1e-7 relative) through 8 steps. Adam divides by sqrt(v):
        // a coordinate whose gradient is near zero can move by up to lr on either device, so its
        // tolerance is a fraction of lr rather than of the weights.
        for (which, (g, c)) in gw.tensors().iter().zip(cw.tensors()).enumerate() {
            let scale = c.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let tol = match optimiser {
                Optimiser::SgdMomentum { .. } => 1e-5 * scale,
                Optimiser::Adam { .. } => 1e-3 * config.lr,
            };
            let err = g
                .iter()
                .zip(c)
                .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
            eprintln!("{optimiser:?} tensor {which}: GPU vs CPU max error {err:e} (tol {tol:e})");
            assert!(
                err <= tol,
                "{optimiser:?} tensor {which}: {err:e} > {tol:e}"
            );
        }
    }
}

/// Four Gaussian blobs at (+-1, +-1) (std 0.35) with the XOR label [x > 0] != [y > 0], padded
/// with uninformative noise features.
fn xor_blobs(n: usize, features: usize, seed: u64) -> (Vec<f32>, Vec<u8>) {
    let mut rng = TestRng::new(seed);
    let mut gauss = move || {
        let (u1, u2) = ((rng.symmetric() + 1.0) / 2.0, (rng.symmetric() + 1.0) / 2.0);
        (-2.0 * (u1.max(1e-7)).ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    };
    let mut x = Vec::with_capacity(n * features);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let (sx, sy) = (
            if i % 2 == 0 { 1.0 } else { -1.0 },
            if i % 4 < 2 { 1.0 } else { -1.0 },
        );
        x.push(sx + 0.35 * gauss());
        x.push(sy + 0.35 * gauss());
        for _ in 2..features {
            x.push(0.5 * gauss());
        }
        y.push(u8::from((sx > 0.0) != (sy > 0.0)));
    }
    (x, y)
}

/// Best effort of a linear probe: softmax regression by full-batch gradient descent (f64).
fn linear_probe_test_accuracy(
    train: (&[f32], &[u8]),
    test: (&[f32], &[u8]),
    f: usize,
    c: usize,
) -> f32 {
    let mut w = vec![0.0f64; (f + 1) * c];
    let logits = |w: &[f64], x: &[f32]| -> Vec<f64> {
        (0..c)
            .map(|k| w[f * c + k] + (0..f).map(|i| x[i] as f64 * w[i * c + k]).sum::<f64>())
            .collect()
    };
    let n = train.1.len();
    for _ in 0..500 {
        let mut g = vec![0.0; w.len()];
        for s in 0..n {
            let l = logits(&w, &train.0[s * f..(s + 1) * f]);
            let top = l.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let total: f64 = l.iter().map(|v| (v - top).exp()).sum();
            for k in 0..c {
                let d = ((l[k] - top).exp() / total
                    - f64::from(u8::from(k == train.1[s] as usize)))
                    / n as f64;
                for i in 0..f {
                    g[i * c + k] += train.0[s * f + i] as f64 * d;
                }
                g[f * c + k] += d;
            }
        }
        for (wi, gi) in w.iter_mut().zip(&g) {
            *wi -= 1.0 * gi;
        }
    }
    let predictions: Vec<u32> = (0..test.1.len())
        .map(|s| {
            let l = logits(&w, &test.0[s * f..(s + 1) * f]);
            (0..c).fold(0, |best, k| if l[k] > l[best] { k } else { best }) as u32
        })
        .collect();
    accuracy(&predictions, test.1)
}

fn train_xor(backend: Backend<'_>, seed: u64) -> MlpReport {
    let dims = MlpDims {
        features: 4,
        hidden: 16,
        classes: 2,
    };
    let (train_x, train_y) = xor_blobs(512, 4, 21);
    let (test_x, test_y) = xor_blobs(512, 4, 22);
    let config = MlpConfig {
        epochs: 15,
        batch: 32,
        lr: 0.02,
        optimiser: Optimiser::adam(),
        seed,
    };
    pollster::block_on(train_mlp_probe(
        backend,
        ProbeData {
            x: &train_x,
            y: &train_y,
        },
        ProbeData {
            x: &test_x,
            y: &test_y,
        },
        dims,
        &config,
    ))
    .unwrap()
}

#[test]
fn mlp_probe_separates_xor_blobs_where_a_linear_probe_cannot() {
    let (train_x, train_y) = xor_blobs(512, 4, 21);
    let (test_x, test_y) = xor_blobs(512, 4, 22);
    let linear = linear_probe_test_accuracy((&train_x, &train_y), (&test_x, &test_y), 4, 2);
    // A half-plane can get at most three of the four blobs right.
    assert!(linear < 0.8, "linear probe reached {linear}");
    let cpu = train_xor(Backend::Cpu, 1);
    eprintln!(
        "XOR blobs: linear probe {linear:.3}, MLP (CPU) {:.3} / {:.3}, losses {:?}",
        cpu.train_acc, cpu.test_acc, cpu.losses
    );
    assert!(cpu.test_acc > 0.95 && cpu.train_acc > 0.95);
    assert!(
        cpu.losses.last() < cpu.losses.first(),
        "training lowers the loss"
    );
    let Some(ctx) = context() else { return };
    let gpu = train_xor(Backend::Gpu(&ctx), 1);
    eprintln!(
        "XOR blobs: MLP (GPU) {:.3} / {:.3}",
        gpu.train_acc, gpu.test_acc
    );
    assert!(gpu.test_acc > 0.95 && gpu.train_acc > 0.95);
    // Same batches, same init: the two backends end within a couple of borderline samples.
    assert!((gpu.test_acc - cpu.test_acc).abs() <= 0.01);
}

#[test]
fn gpu_mlp_training_is_bit_identical_for_the_same_seed() {
    let Some(ctx) = context() else { return };
    let a = train_xor(Backend::Gpu(&ctx), 7);
    let b = train_xor(Backend::Gpu(&ctx), 7);
    assert_eq!(a.params, b.params);
    assert_eq!(
        a.losses.iter().map(|l| l.to_bits()).collect::<Vec<_>>(),
        b.losses.iter().map(|l| l.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!((a.train_acc, a.test_acc), (b.train_acc, b.test_acc));
    let other = train_xor(Backend::Gpu(&ctx), 8);
    assert_ne!(a.params, other.params, "the seed must matter");
}
