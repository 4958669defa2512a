//! The GPU's noise sampler under a designed map: it drops each pixel with its cell's probability
//! (and adds its cell's standard deviation), and it and its CPU twin take exactly the decisions
//! the Philox words dictate (the Gaussian draws agree to WGSL's accuracy of log and cos).

mod gpu_support;

use gpu_support::contracts::{centring_tolerance, mask_keeps_by_definition, NORMAL_TOLERANCE};
use gpu_support::{centred_f64, context, TestRng};
use recon_align::dataset::Dataset;
use recon_align::gpu::GpuImages;
use recon_align::spectral::{Noise, NoiseMap, Preprocessing, MAP_CELLS};
use recon_align::train::{epoch_order, CpuDae, DaeConfig, DaeWeights, GpuDae, Optimiser};

const STEPS: u32 = 40;

/// Random bytes 1..=255 in every pixel, so that no preprocessed pixel is constant.
fn busy_dataset(n: usize, h: usize, w: usize, seed: u64) -> Dataset {
    let mut rng = TestRng::new(seed);
    Dataset {
        n,
        c: 1,
        h,
        w,
        images: (0..n * h * w)
            .map(|_| 1 + (rng.next_u64() % 255) as u8)
            .collect(),
        labels: vec![0; n],
        classes: 1,
    }
}

/// Every level 0..=9 in several cells.
fn designed_map() -> NoiseMap {
    let mut levels = [0u8; MAP_CELLS];
    for (i, l) in levels.iter_mut().enumerate() {
        *l = ((i * 3) % 10) as u8;
    }
    NoiseMap::new(levels).unwrap()
}

/// The map's cell of pixel (r, c) of an H x W image, from the definition.
fn cell(r: usize, c: usize, h: usize, w: usize) -> usize {
    (7 * r / h) * 7 + 7 * c / w
}

/// A clean and a corrupted batch, B x D each.
type Batch = (Vec<f32>, Vec<f32>);

const SEED: u64 = 31;

/// Per step, the GPU's and the CPU twin's clean and corrupted batches (the whole data set, batch
/// row b being sample `order[b]`), and that order.
fn batches(noise: Noise, data: &Dataset) -> Option<(Vec<[Batch; 2]>, Vec<u32>)> {
    let ctx = context()?;
    let config = DaeConfig {
        k: 2,
        noise,
        epochs: 1,
        lr: 1e-6,
        optimiser: Optimiser::SgdMomentum { momentum: 0.0 },
        batch: data.n,
        seed: SEED,
        init_scale: 0.1,
    };
    let st = Preprocessing::of_dataset(data);
    let start = DaeWeights::initial(data.d(), config.k, config.seed, config.init_scale);
    let images = GpuImages::upload(&ctx, data, None).unwrap();
    let mut gpu = GpuDae::new(&ctx, &images, &st, &config, &start, 1).unwrap();
    let mut cpu = CpuDae::new((data.c, data.h, data.w), &st, &config, &start);
    let order = epoch_order(data.n, config.seed, 0);
    gpu.begin_epoch(&order);
    cpu.begin_epoch(&order);
    let steps = (0..STEPS)
        .map(|step| {
            gpu.step(data, 0, step, 0).unwrap();
            let on_gpu = pollster::block_on(gpu.batch()).unwrap();
            [on_gpu, cpu.corrupt_batch(data, 0, step)]
        })
        .collect();
    Some((steps, order))
}

/// Both clean batches against the exact preprocessing in f64, to the f32 rounding of the centring.
fn assert_clean_batches_are_the_preprocessed_data(
    data: &Dataset,
    order: &[u32],
    gpu: &[f32],
    cpu: &[f32],
) {
    let st = Preprocessing::of_dataset(data);
    let exact = centred_f64(data, &st);
    let d = data.d();
    for (j, (&g, &c)) in gpu.iter().zip(cpu).enumerate() {
        let want = exact[order[j / d] as usize * d + j % d];
        let tol = centring_tolerance(&st, want);
        assert!(
            (f64::from(g) - want).abs() <= tol,
            "pixel {j}: GPU {g}, exact {want}"
        );
        assert!(
            (f64::from(c) - want).abs() <= tol,
            "pixel {j}: CPU {c}, exact {want}"
        );
    }
}

#[test]
fn gpu_drop_map_sampler_drops_each_cell_with_its_probability() {
    let (h, w) = (14, 21);
    let data = busy_dataset(48, h, w, 32);
    let map = designed_map();
    let Some((steps, order)) = batches(Noise::DropMap { map }, &data) else {
        return;
    };
    let d = h * w;
    let (mut dropped, mut seen) = ([0usize; MAP_CELLS], [0usize; MAP_CELLS]);
    for (step, [(clean, noisy), (cpu_clean, cpu_noisy)]) in steps.iter().enumerate() {
        assert_clean_batches_are_the_preprocessed_data(&data, &order, clean, cpu_clean);
        for (j, (&x, &y)) in clean.iter().zip(noisy).enumerate() {
            let (sample, pixel) = (order[j / d], j % d);
            let at = cell(pixel / w, pixel % w, h, w);
            // A drop map draws like a 1 x 1 mask: the site of a pixel is its index in the plane.
            let p = f64::from(map.levels()[at]) / 10.0;
            let kept = mask_keeps_by_definition(SEED, step as u32, sample, pixel as u32, p);
            // Each side's decision, read from its own values: a kept pixel is its clean value, a
            // dropped one is 0 (bit comparisons within one device, never across devices).
            assert_eq!(
                cpu_noisy[j],
                if kept { cpu_clean[j] } else { 0.0 },
                "pixel {j}: the CPU twin's decision"
            );
            if x == 0.0 {
                assert_eq!(y, 0.0, "pixel {j}: a pixel at 0 stays at 0");
                continue; // kept or dropped, it reads 0: its decision does not show
            }
            assert!(
                y == x || y == 0.0,
                "pixel {j}: a kept pixel is not rescaled"
            );
            assert_eq!(y == x, kept, "pixel {j}: the GPU's decision");
            seen[at] += 1;
            dropped[at] += usize::from(!kept);
        }
    }
    for (c, &level) in map.levels().iter().enumerate() {
        let p = f64::from(level) / 10.0;
        let rate = dropped[c] as f64 / seen[c] as f64;
        // Five binomial standard deviations (a false alarm over 49 cells below 3e-5).
        let sd = (p * (1.0 - p) / seen[c] as f64).sqrt();
        assert!(
            (rate - p).abs() <= 5.0 * sd + 1e-12,
            "cell {c}: dropped {rate:.4} of {} pixels, map says {p}",
            seen[c]
        );
    }
}

#[test]
fn gpu_gaussian_map_sampler_adds_each_cell_its_standard_deviation() {
    let (h, w) = (14, 14);
    let data = busy_dataset(48, h, w, 33);
    let map = designed_map();
    let Some((steps, order)) = batches(Noise::GaussMap { map }, &data) else {
        return;
    };
    let st = Preprocessing::of_dataset(&data);
    let (mut squares, mut seen) = ([0f64; MAP_CELLS], [0usize; MAP_CELLS]);
    let mut worst = 0f32;
    for [(clean, noisy), (cpu_clean, cpu_noisy)] in &steps {
        assert_clean_batches_are_the_preprocessed_data(&data, &order, clean, cpu_clean);
        for (j, (&x, &y)) in clean.iter().zip(noisy).enumerate() {
            let pixel = j % (h * w);
            let at = cell(pixel / w, pixel % w, h, w);
            let s = f32::from(map.levels()[at]) / 10.0;
            // Same draws as the CPU twin: y = x + s n, with x to its centring tolerance (twice:
            // each side against the exact value), n to the normal's, and the GPU's own rounding
            // of s n and of the sum (fused or not: two units in the last place of |y|).
            let tol = 2.0 * centring_tolerance(&st, f64::from(x)) as f32
                + s * NORMAL_TOLERANCE
                + 2.0 * f32::EPSILON * y.abs().max(x.abs() + s * 6.0);
            let diff = (y - cpu_noisy[j]).abs();
            worst = worst.max(diff);
            assert!(diff <= tol, "pixel {j}: GPU {y}, CPU twin {}", cpu_noisy[j]);
            squares[at] += f64::from(y - x).powi(2);
            seen[at] += 1;
        }
    }
    eprintln!("largest |GPU - CPU| of a noisy pixel: {worst:e}");
    for (c, &level) in map.levels().iter().enumerate() {
        let s = f64::from(level) / 10.0;
        let variance = squares[c] / seen[c] as f64;
        if level == 0 {
            // x + 0 n is x exactly on any device (n is finite, fused or not).
            assert_eq!(variance, 0.0, "cell {c} has level 0");
            continue;
        }
        // The mean of m squared normals has relative sd sqrt(2/m); five of them, plus the draws'
        // own tolerance: n^2 moves by 2 |n| NORMAL_TOLERANCE, which over the cell is at most
        // 2 NORMAL_TOLERANCE E|n| / E n^2 = 6.4e-3 of the variance.
        let tolerance = 5.0 * (2.0 / seen[c] as f64).sqrt() + 1e-2;
        assert!(
            (variance / (s * s) - 1.0).abs() <= tolerance,
            "cell {c}: variance {variance:.5}, map says {:.5}",
            s * s
        );
    }
}
