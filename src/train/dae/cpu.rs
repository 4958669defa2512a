//! The DAE step on the CPU in f32: the same batches, the same Philox noise and the same update
//! as the GPU step, for the fallback backend and as the GPU's reference.

use crate::dataset::Dataset;
use crate::spectral::{patch_of, ImageShape, Preprocessing};

use super::super::random::{gaussian_draw, mask_uniform};
use super::{DaeConfig, DaeWeights};

/// The same DAE step on the CPU in f32 (same batches, same Philox noise): fallback backend and reference.
pub struct CpuDae {
    config: DaeConfig,
    mean: Vec<f32>,
    inv_scale: f32,
    /// The noise of each pixel (its plane's value, as the GPU reads it per channel plane).
    level: Vec<f32>,
    /// The patch of each pixel (the site of its mask draw), and how many patches there are.
    site: Vec<u32>,
    sites: usize,
    weights: DaeWeights,
    first: [Vec<f32>; 2],
    second: [Vec<f32>; 2],
    order: Vec<u32>,
}

impl CpuDae {
    /// Starts from `weights` for data of shape (C, H, W) preprocessed by `preprocessing`.
    pub fn new(
        shape: (usize, usize, usize),
        preprocessing: &Preprocessing,
        config: &DaeConfig,
        weights: &DaeWeights,
    ) -> Self {
        let len = weights.encoder.len();
        let (c, h, w) = shape;
        let shape = ImageShape { c, h, w };
        let (levels, patch) = config.pixel_noise(shape);
        let d = shape.d();
        let site: Vec<u32> = (0..d).map(|j| patch_of(shape, patch, j) as u32).collect();
        Self {
            config: *config,
            mean: preprocessing.mean_f32(),
            inv_scale: preprocessing.inv_scale_f32(),
            level: (0..d).map(|j| levels[j % levels.len()]).collect(),
            sites: site.iter().map(|&s| s as usize + 1).max().unwrap_or(0),
            site,
            weights: weights.clone(),
            first: [vec![0.0; len], vec![0.0; len]],
            second: [vec![0.0; len], vec![0.0; len]],
            order: Vec::new(),
        }
    }

    /// Changes the learning rate from the next step on (for schedules).
    pub fn set_learning_rate(&mut self, lr: f32) {
        self.config.lr = lr;
    }

    /// Sets the visiting order of the coming epoch.
    pub fn begin_epoch(&mut self, order: &[u32]) {
        self.order = order.to_vec();
    }

    /// The clean and corrupted batch (B x D each), exactly as the GPU builds them.
    pub fn corrupt_batch(
        &self,
        data: &Dataset,
        batch_offset: usize,
        step: u32,
    ) -> (Vec<f32>, Vec<f32>) {
        let d = self.weights.d;
        let batch = self.config.batch;
        let seed = self.config.seed;
        let (mut clean, mut noisy) = (vec![0.0f32; batch * d], vec![0.0f32; batch * d]);
        let rows = clean.chunks_exact_mut(d).zip(noisy.chunks_exact_mut(d));
        let mut uniform = vec![0.0f32; self.sites];
        for ((x_row, noisy_row), &sample) in rows.zip(&self.order[batch_offset..]) {
            let image = data.image(sample as usize);
            for ((x, &byte), &mean) in x_row.iter_mut().zip(image).zip(&self.mean) {
                *x = (byte as f32 / 255.0 - mean) * self.inv_scale;
            }
            match self.config.noise_mode() {
                1 => {
                    let pixels = noisy_row.iter_mut().zip(x_row.iter()).zip(&self.level);
                    for (j, ((out, &x), &level)) in pixels.enumerate() {
                        *out = x + level * gaussian_draw(seed, step, sample, j as u32);
                    }
                }
                2 => {
                    // One draw per patch (the channels and pixels of a patch share it); a pixel is
                    // kept when its patch's draw is at least its drop probability.
                    for (site, u) in uniform.iter_mut().enumerate() {
                        *u = mask_uniform(seed, step, sample, site as u32);
                    }
                    let pixels = noisy_row.iter_mut().zip(x_row.iter());
                    for (((out, &x), &site), &level) in pixels.zip(&self.site).zip(&self.level) {
                        *out = if uniform[site as usize] >= level {
                            x
                        } else {
                            0.0
                        };
                    }
                }
                _ => noisy_row.copy_from_slice(x_row),
            }
        }
        (clean, noisy)
    }

    /// One step on the batch `order[batch_offset..batch_offset + B]`; returns its loss.
    pub fn step(&mut self, data: &Dataset, batch_offset: usize, step: u32) -> f32 {
        let (d, k, batch) = (self.weights.d, self.weights.k, self.config.batch);
        let (clean, noisy) = self.corrupt_batch(data, batch_offset, step);
        let mat =
            |s: &[f32], r: usize, c: usize| faer::MatRef::from_row_major_slice(s, r, c).to_owned();
        let x = mat(&clean, batch, d);
        let x_noisy = mat(&noisy, batch, d);
        let e = mat(&self.weights.encoder, k, d);
        let w = mat(&self.weights.decoder, d, k);
        let z = &x_noisy * e.transpose();
        let residual = &z * w.transpose() - &x;
        let loss = (0..batch)
            .map(|b| {
                (0..d)
                    .map(|j| residual[(b, j)] * residual[(b, j)])
                    .sum::<f32>()
            })
            .sum::<f32>()
            / batch as f32;
        let two_over_b = 2.0 / batch as f32;
        let grad_w = residual.transpose() * &z * faer::Scale(two_over_b);
        let grad_e = (&residual * &w).transpose() * &x_noisy * faer::Scale(two_over_b);
        let grad_e: Vec<f32> = (0..k * d).map(|i| grad_e[(i / d, i % d)]).collect();
        let grad_w: Vec<f32> = (0..d * k).map(|i| grad_w[(i / k, i % k)]).collect();
        let (optimiser, lr, t) = (self.config.optimiser, self.config.lr, step + 1);
        let [m_e, m_w] = &mut self.first;
        let [v_e, v_w] = &mut self.second;
        optimiser.update(lr, t, &mut self.weights.encoder, &grad_e, m_e, v_e);
        optimiser.update(lr, t, &mut self.weights.decoder, &grad_w, m_w, v_w);
        loss
    }

    /// Current E and W.
    pub fn weights(&self) -> &DaeWeights {
        &self.weights
    }
}
