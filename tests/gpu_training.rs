//! Linear DAE training on the GPU: agrees with the CPU twin, is reproducible, and reaches the closed form.

mod gpu_support;

use std::sync::atomic::AtomicBool;

use gpu_support::contracts::{mask_keeps_by_definition, residual_fraction};
use gpu_support::optimum::{expected_loss, low_rank_dataset, moments, optimum_loss};
use gpu_support::training::{max_abs32, max_diff, train};
use gpu_support::{
    centred_f64, context, gram_f64, matmul_f64, patch_of_pixel, synthetic_dataset, transpose,
};
use recon_align::dataset::Dataset;
use recon_align::gpu::GpuImages;
use recon_align::spectral::{Noise, NoiseMap, Preprocessing};
use recon_align::train::{
    epoch_order, train_dae, train_dae_from, Backend, CpuDae, DaeConfig, DaeRun, DaeWeights, GpuDae,
    Optimiser, Resume,
};

/// GPU and CPU steps from the same weights on the same batches; returns both losses and weights.
fn gpu_and_cpu_steps(
    ctx: &recon_align::gpu::GpuContext,
    data: &Dataset,
    config: &DaeConfig,
    steps: usize,
    chunk_rows: Option<usize>,
) -> ((Vec<f32>, DaeWeights), (Vec<f32>, DaeWeights)) {
    let st = Preprocessing::of_dataset(data);
    let start = DaeWeights::initial(data.d(), config.k, config.seed, config.init_scale);
    let order = epoch_order(data.n, config.seed, 0);
    let images = GpuImages::upload(ctx, data, chunk_rows).unwrap();
    let mut gpu = GpuDae::new(ctx, &images, &st, config, &start, steps).unwrap();
    let mut cpu = CpuDae::new((data.c, data.h, data.w), &st, config, &start);
    gpu.begin_epoch(&order);
    cpu.begin_epoch(&order);
    let mut cpu_losses = Vec::new();
    for s in 0..steps {
        let offset = s * config.batch;
        gpu.step(data, offset, s as u32, s).unwrap();
        cpu_losses.push(cpu.step(data, offset, s as u32));
    }
    let gpu_result = pollster::block_on(async {
        Ok::<_, recon_align::gpu::GpuError>((gpu.losses(steps).await?, gpu.weights().await?))
    })
    .unwrap();
    (gpu_result, (cpu_losses, cpu.weights().clone()))
}

#[test]
fn gpu_dae_step_matches_cpu_step_with_identical_noise() {
    let Some(ctx) = context() else { return };
    let data = synthetic_dataset(40, 2, 5, 6, 7);
    for (noise, optimiser) in [
        (
            Noise::Mask { p: 0.5, patch: 2 },
            Optimiser::SgdMomentum { momentum: 0.9 },
        ),
        (Noise::None, Optimiser::adam()),
        (
            Noise::Gaussian { std: 0.5 },
            Optimiser::SgdMomentum { momentum: 0.0 },
        ),
    ] {
        let config = DaeConfig {
            k: 5,
            noise,
            epochs: 1,
            lr: 1e-3,
            optimiser,
            batch: 8,
            seed: 11,
            init_scale: 0.5,
        };
        let ((gpu_loss, gpu_w), (cpu_loss, cpu_w)) =
            gpu_and_cpu_steps(&ctx, &data, &config, 3, None);
        // The masks' decisions are exact, so without Gaussian noise both sides see the same
        // batches (to the rounding of the centring) and differ by f32 sums in different orders:
        // 1e-4 relative. Gaussian draws agree only to NORMAL_TOLERANCE, which moves the residual
        // by a fraction rho of itself and the loss by at most (2 rho + rho^2) of itself.
        let start = DaeWeights::initial(data.d(), config.k, config.seed, config.init_scale);
        let rho = match noise {
            Noise::Gaussian { std } => {
                let loss = cpu_loss.iter().fold(f32::MAX, |m, &l| m.min(l));
                residual_fraction(&[&start, &cpu_w], std as f32, loss)
            }
            _ => 0.0,
        };
        eprintln!("{noise:?}: rho = {rho:e}");
        let noise_share = 2.0 * rho + rho * rho;
        for (g, c) in gpu_loss.iter().zip(&cpu_loss) {
            assert!(
                (g - c).abs() <= (1e-4 + noise_share) * c.abs(),
                "{noise:?}: loss {g} vs {c}"
            );
        }
        // Adam's first steps move each weight by about lr whatever the gradient's size, so its
        // tolerance is a fraction of lr. With plain SGD a weight's change is lr times the summed
        // gradients, each a product of R (off by rho) with X~ or Z = X~ E^T (off by about as
        // much or less): to first order the change is off by about 2 rho of itself; 3 rho allowed.
        let weight_tol = |w: &[f32], start: &[f32]| match optimiser {
            Optimiser::Adam { .. } => 1e-2 * config.lr,
            _ => 1e-4 * max_abs32(w) + 3.0 * rho * max_diff(w, start),
        };
        assert!(
            max_diff(&gpu_w.encoder, &cpu_w.encoder) <= weight_tol(&cpu_w.encoder, &start.encoder),
            "{noise:?}: E differs"
        );
        assert!(
            max_diff(&gpu_w.decoder, &cpu_w.decoder) <= weight_tol(&cpu_w.decoder, &start.decoder),
            "{noise:?}: W differs"
        );
    }
}

#[test]
fn gpu_dae_step_with_a_batch_beyond_65535_rows_matches_cpu_step() {
    // 65,536 rows: one workgroup per row would exceed the 65,535 workgroups a dispatch may have
    // in one dimension, so the kernel's grid is folded; the step must still equal the CPU's.
    let Some(ctx) = context() else { return };
    let data = synthetic_dataset(70_000, 1, 3, 3, 5);
    let config = DaeConfig {
        k: 2,
        noise: Noise::Mask { p: 0.5, patch: 1 },
        epochs: 1,
        lr: 1e-3,
        optimiser: Optimiser::SgdMomentum { momentum: 0.9 },
        batch: 65_536,
        seed: 3,
        init_scale: 0.5,
    };
    let ((gpu_loss, gpu_w), (cpu_loss, cpu_w)) = gpu_and_cpu_steps(&ctx, &data, &config, 1, None);
    // Sums over 65,536 rows in f32, in different orders on each side: 1e-3 relative.
    assert!(
        (gpu_loss[0] - cpu_loss[0]).abs() <= 1e-3 * cpu_loss[0].abs() && cpu_loss[0] > 0.0,
        "loss {} vs {}",
        gpu_loss[0],
        cpu_loss[0]
    );
    assert!(max_diff(&gpu_w.decoder, &cpu_w.decoder) <= 1e-3 * max_abs32(&cpu_w.decoder));
}

#[test]
fn a_device_destroyed_mid_run_is_survived_from_the_last_epoch_on_the_cpu() {
    // The device is destroyed right after epoch 3: the GPU run reports an error (not a panic, not
    // a hang), its 3 epochs stay, and the CPU goes on from their weights with epochs 4 to 6.
    let Some(ctx) = context() else { return };
    let data = low_rank_dataset(512, 6, 6, 21);
    let config = DaeConfig {
        k: 3,
        noise: Noise::Mask { p: 0.3, patch: 1 },
        epochs: 6,
        lr: 2e-3,
        optimiser: Optimiser::adam(),
        batch: 32,
        seed: 4,
        init_scale: 0.1,
    };
    let st = Preprocessing::of_dataset(&data);
    let never = AtomicBool::new(false);
    let mut kept = Vec::new();
    let gpu = pollster::block_on(train_dae(
        Backend::Gpu(&ctx),
        &data,
        &st,
        &config,
        &never,
        |report| {
            kept.push(report.clone());
            if report.epoch == 3 {
                ctx.device.destroy();
            }
            true
        },
    ));
    assert!(gpu.is_err(), "the run notices the destroyed device");
    assert_eq!(kept.iter().map(|r| r.epoch).collect::<Vec<_>>(), [1, 2, 3]);
    let resume = Resume::after(&kept[2]);
    let rest = pollster::block_on(train_dae_from(
        Backend::Cpu,
        &data,
        &st,
        &config,
        Some(&resume),
        &never,
        |_| true,
    ))
    .unwrap();
    assert_eq!(
        rest.reports.iter().map(|r| r.epoch).collect::<Vec<_>>(),
        [4, 5, 6]
    );
    // It continues rather than restarts: against an uninterrupted CPU run (same visiting orders
    // and noise; only Adam's moments start again), epoch 4 is within 25% of that run's epoch 4,
    // and well below its epoch 1.
    let whole = train(Backend::Cpu, &data, &config);
    let (resumed, straight, start) = (
        rest.reports[0].train_loss,
        whole.reports[3].train_loss,
        whole.reports[0].train_loss,
    );
    assert!(
        (resumed - straight).abs() <= 0.25 * straight && resumed < 0.8 * start,
        "epoch 4: resumed {resumed}, uninterrupted {straight}, epoch 1 {start}"
    );
}

#[test]
fn cpu_dae_step_matches_the_written_out_gradient() {
    // The CPU twin against the textbook formulas in f64, one plain SGD step, mask noise.
    let data = synthetic_dataset(24, 1, 4, 5, 8);
    let st = Preprocessing::of_dataset(&data);
    let config = DaeConfig {
        k: 3,
        noise: Noise::Mask { p: 0.3, patch: 2 },
        epochs: 1,
        lr: 1e-2,
        optimiser: Optimiser::SgdMomentum { momentum: 0.0 },
        batch: 6,
        seed: 5,
        init_scale: 0.7,
    };
    let (d, k, b) = (data.d(), config.k, config.batch);
    let start = DaeWeights::initial(d, k, config.seed, config.init_scale);
    let mut cpu = CpuDae::new((1, 4, 5), &st, &config, &start);
    let order = epoch_order(data.n, config.seed, 0);
    cpu.begin_epoch(&order);
    let (clean, noisy) = cpu.corrupt_batch(&data, 6, 2);
    // The corruption itself: each patch kept or zeroed whole, as its Philox word decides (from the
    // definition), and kept pixels not rescaled.
    for s in 0..b {
        for j in 0..d {
            let site = patch_of_pixel(j, (1, 4, 5), 2) as u32;
            let kept = mask_keeps_by_definition(config.seed, 2, order[6 + s], site, 0.3);
            let want = if kept { clean[s * d + j] } else { 0.0 };
            assert_eq!(noisy[s * d + j], want, "sample {s}, pixel {j}");
        }
    }
    let loss = cpu.step(&data, 6, 2);
    let f = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    let (x, xt, e, w) = (f(&clean), f(&noisy), f(&start.encoder), f(&start.decoder));
    let z = matmul_f64(&xt, &transpose(&e, k, d), b, d, k);
    let xhat = matmul_f64(&z, &transpose(&w, d, k), b, k, d);
    let r: Vec<f64> = xhat.iter().zip(&x).map(|(p, q)| p - q).collect();
    let want_loss = r.iter().map(|v| v * v).sum::<f64>() / b as f64;
    assert!((loss as f64 - want_loss).abs() <= 1e-5 * want_loss);
    let grad_w = matmul_f64(&transpose(&r, b, d), &z, d, b, k);
    let rw = matmul_f64(&r, &w, b, d, k);
    let grad_e = matmul_f64(&transpose(&rw, b, k), &xt, k, b, d);
    let lr = config.lr as f64;
    for (i, g) in grad_e.iter().enumerate() {
        let want = e[i] - lr * 2.0 / b as f64 * g;
        assert!((cpu.weights().encoder[i] as f64 - want).abs() <= 1e-5 * (1.0 + want.abs()));
    }
    for (i, g) in grad_w.iter().enumerate() {
        let want = w[i] - lr * 2.0 / b as f64 * g;
        assert!((cpu.weights().decoder[i] as f64 - want).abs() <= 1e-5 * (1.0 + want.abs()));
    }
}

#[test]
fn gathered_batches_match_resident_batches() {
    let Some(ctx) = context() else { return };
    let data = synthetic_dataset(32, 1, 5, 6, 9);
    let config = DaeConfig {
        k: 4,
        noise: Noise::Mask { p: 0.5, patch: 1 },
        epochs: 1,
        lr: 1e-3,
        optimiser: Optimiser::adam(),
        batch: 8,
        seed: 3,
        init_scale: 0.5,
    };
    let ((loss_a, w_a), _) = gpu_and_cpu_steps(&ctx, &data, &config, 4, None);
    let ((loss_b, w_b), _) = gpu_and_cpu_steps(&ctx, &data, &config, 4, Some(4));
    // One device running the same kernels on the same bytes (only where they are read from
    // differs): the same bits, on any GPU. Bits are never compared across devices.
    assert_eq!(loss_a, loss_b);
    assert_eq!(w_a, w_b);
}

#[test]
fn gpu_training_is_bit_identical_for_the_same_seed() {
    let Some(ctx) = context() else { return };
    let data = synthetic_dataset(48, 1, 6, 6, 10);
    let config = DaeConfig {
        k: 4,
        noise: Noise::Mask { p: 0.5, patch: 2 },
        epochs: 2,
        lr: 1e-3,
        optimiser: Optimiser::adam(),
        batch: 8,
        seed: 21,
        init_scale: 0.5,
    };
    let a = train(Backend::Gpu(&ctx), &data, &config);
    let b = train(Backend::Gpu(&ctx), &data, &config);
    // Determinism on one device: the same kernels on the same inputs give the same bits.
    assert_eq!(a.weights, b.weights);
    let losses = |run: &DaeRun| run.reports.iter().map(|r| r.train_loss).collect::<Vec<_>>();
    assert_eq!(losses(&a), losses(&b));
    let other = train(Backend::Gpu(&ctx), &data, &DaeConfig { seed: 22, ..config });
    assert_ne!(a.weights, other.weights, "the seed must matter");
}

#[test]
fn gpu_training_run_matches_cpu_training_run() {
    let Some(ctx) = context() else { return };
    let data = synthetic_dataset(48, 1, 6, 6, 12);
    let config = DaeConfig {
        k: 4,
        noise: Noise::Mask { p: 0.25, patch: 2 },
        epochs: 3,
        lr: 1e-3,
        optimiser: Optimiser::SgdMomentum { momentum: 0.9 },
        batch: 8,
        seed: 2,
        init_scale: 0.5,
    };
    let gpu = train(Backend::Gpu(&ctx), &data, &config);
    let cpu = train(Backend::Cpu, &data, &config);
    // The masks' decisions are the same on both sides (integer comparisons), so the runs differ
    // only by f32 rounding: of the centring, and of sums taken in different orders.
    assert_eq!(gpu.reports.len(), 3);
    for (g, c) in gpu.reports.iter().zip(&cpu.reports) {
        assert!(
            (g.train_loss - c.train_loss).abs() <= 1e-4 * c.train_loss,
            "{} vs {}",
            g.train_loss,
            c.train_loss
        );
    }
    // 18 steps of f32 rounding drift: 1e-3 of the largest weight.
    assert!(
        max_diff(&gpu.weights.encoder, &cpu.weights.encoder)
            <= 1e-3 * max_abs32(&cpu.weights.encoder)
    );
    assert!(
        max_diff(&gpu.weights.decoder, &cpu.weights.decoder)
            <= 1e-3 * max_abs32(&cpu.weights.decoder)
    );
}

#[test]
fn training_stops_when_the_callback_says_so() {
    let data = synthetic_dataset(16, 1, 4, 4, 13);
    let st = Preprocessing::of_dataset(&data);
    let config = DaeConfig {
        k: 2,
        epochs: 5,
        batch: 4,
        ..DaeConfig::default()
    };
    let run = pollster::block_on(train_dae(
        Backend::Cpu,
        &data,
        &st,
        &config,
        &AtomicBool::new(false),
        |r| r.epoch < 2,
    ))
    .unwrap();
    assert!(run.cancelled);
    assert_eq!(run.reports.len(), 2);
    let stopped = pollster::block_on(train_dae(
        Backend::Cpu,
        &data,
        &st,
        &config,
        &AtomicBool::new(true),
        |_| true,
    ))
    .unwrap();
    assert!(stopped.cancelled && stopped.reports.is_empty());
}

#[test]
fn gpu_gradient_descent_converges_to_the_closed_form_optimum() {
    let Some(ctx) = context() else { return };
    let data = low_rank_dataset(64, 3, 4, 14);
    let (d, shape) = (data.d(), (1, 3, 4));
    let st = Preprocessing::of_dataset(&data);
    let g = gram_f64(&centred_f64(&data, &st), data.n, d);
    let images = GpuImages::upload(&ctx, &data, None).unwrap();
    // Full-batch SGD with momentum; the mask's gradient noise needs a decaying step size.
    // Tolerances: exact GD reaches the optimum to f32 rounding (1e-4 relative); with mask noise
    // the iterate hovers around the optimum at a distance set by the last step size (1e-3 relative).
    let constant: &[(u32, f32)] = &[(2000, 1e-2)];
    let decaying: &[(u32, f32)] = &[(1500, 1e-2), (1000, 1e-3), (500, 1e-4)];
    // 3 x 4 pixels fall in cells (0/2/4, 0/1/3/5): each pixel has its own level of the maps.
    let map: NoiseMap = "5803020000000004060700000000000902010000000000000"
        .parse()
        .unwrap();
    for (noise, schedule, tolerance) in [
        (Noise::None, constant, 1e-4),
        (Noise::Mask { p: 0.3, patch: 1 }, decaying, 1e-3),
        (Noise::DropMap { map }, decaying, 1e-3),
        (Noise::GaussMap { map }, decaying, 1e-3),
    ] {
        let config = DaeConfig {
            k: 3,
            noise,
            epochs: 1,
            lr: 1e-2,
            optimiser: Optimiser::SgdMomentum { momentum: 0.9 },
            batch: data.n,
            seed: 1,
            init_scale: 1.0,
        };
        let start = DaeWeights::initial(d, config.k, config.seed, config.init_scale);
        let mut gpu = GpuDae::new(&ctx, &images, &st, &config, &start, 1).unwrap();
        gpu.begin_epoch(&epoch_order(data.n, config.seed, 0));
        let mut step = 0;
        for &(steps, lr) in schedule {
            gpu.set_learning_rate(lr);
            for _ in 0..steps {
                gpu.step(&data, 0, step, 0).unwrap();
                step += 1;
                if step % 64 == 0 {
                    pollster::block_on(gpu.wait()).unwrap();
                }
            }
        }
        let weights = pollster::block_on(gpu.weights()).unwrap();
        let (c, b) = moments(&g, d, data.n, noise, shape);
        let best = optimum_loss(&g, &c, &b, d, config.k);
        let reached = expected_loss(&g, &c, &b, &weights);
        let gap = (reached - best) / best;
        eprintln!("{noise:?}: optimum {best:.5}, reached {reached:.5}, relative gap {gap:.2e}");
        assert!(gap >= -1e-6, "no weights beat the closed form");
        assert!(
            gap <= tolerance,
            "{noise:?}: relative gap {gap:.2e} above {tolerance:.0e}"
        );
    }
}
