//! The GPU's noise sampler under a designed map: it drops each pixel with its cell's probability
//! (and adds its cell's standard deviation), and its CPU twin draws exactly the same noise.

mod gpu_support;

use gpu_support::{context, TestRng};
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

/// Per step, the GPU's and the CPU twin's clean and corrupted batches (the whole data set).
fn batches(noise: Noise, data: &Dataset) -> Option<Vec<[Batch; 2]>> {
    let ctx = context()?;
    let config = DaeConfig {
        k: 2,
        noise,
        epochs: 1,
        lr: 1e-6,
        optimiser: Optimiser::SgdMomentum { momentum: 0.0 },
        batch: data.n,
        seed: 31,
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
    Some(
        (0..STEPS)
            .map(|step| {
                gpu.step(data, 0, step, 0).unwrap();
                let on_gpu = pollster::block_on(gpu.batch()).unwrap();
                [on_gpu, cpu.corrupt_batch(data, 0, step)]
            })
            .collect(),
    )
}

#[test]
fn gpu_drop_map_sampler_drops_each_cell_with_its_probability() {
    let (h, w) = (14, 21);
    let data = busy_dataset(48, h, w, 32);
    let map = designed_map();
    let Some(steps) = batches(Noise::DropMap { map }, &data) else {
        return;
    };
    let (mut dropped, mut seen) = ([0usize; MAP_CELLS], [0usize; MAP_CELLS]);
    for [(clean, noisy), (cpu_clean, cpu_noisy)] in &steps {
        for (j, (&x, &y)) in clean.iter().zip(noisy).enumerate() {
            let pixel = j % (h * w);
            let at = cell(pixel / w, pixel % w, h, w);
            if x == 0.0 {
                continue; // a pixel at its mean: dropped or kept, it reads 0
            }
            // The CPU twin drops exactly the same pixels.
            assert_eq!(
                y == 0.0,
                cpu_noisy[j] == 0.0,
                "pixel {j}: GPU and CPU disagree"
            );
            assert!((x - cpu_clean[j]).abs() <= 1e-6 * x.abs().max(1.0));
            assert!(y == 0.0 || y == x, "a kept pixel is not rescaled");
            seen[at] += 1;
            dropped[at] += usize::from(y == 0.0);
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
    let Some(steps) = batches(Noise::GaussMap { map }, &data) else {
        return;
    };
    let (mut squares, mut seen) = ([0f64; MAP_CELLS], [0usize; MAP_CELLS]);
    for [(clean, noisy), (_, cpu_noisy)] in &steps {
        for (j, (&x, &y)) in clean.iter().zip(noisy).enumerate() {
            let pixel = j % (h * w);
            let at = cell(pixel / w, pixel % w, h, w);
            // Same draws on the CPU twin, to f32 rounding of the transcendental functions.
            assert!(
                (y - cpu_noisy[j]).abs() <= 1e-5 * y.abs().max(1.0),
                "pixel {j}"
            );
            squares[at] += f64::from(y - x).powi(2);
            seen[at] += 1;
        }
    }
    for (c, &level) in map.levels().iter().enumerate() {
        let s = f64::from(level) / 10.0;
        let variance = squares[c] / seen[c] as f64;
        if level == 0 {
            assert_eq!(variance, 0.0, "cell {c} has level 0");
            continue;
        }
        // The mean of m squared normals has relative sd sqrt(2/m); five of them, plus f32.
        let tolerance = 5.0 * (2.0 / seen[c] as f64).sqrt() + 1e-4;
        assert!(
            (variance / (s * s) - 1.0).abs() <= tolerance,
            "cell {c}: variance {variance:.5}, map says {:.5}",
            s * s
        );
    }
}
