//! The DAE step on the CPU in f32: the same batches, the same Philox noise and the same update
//! as the GPU step, for the fallback backend and as the GPU's reference.

use crate::dataset::Dataset;
use crate::spectral::{patch_of, ImageShape, Preprocessing};

use super::super::random::{gaussian_draw, mask_keeps};
use super::{DaeConfig, DaeWeights};

/// The same DAE step on the CPU in f32 (same batches, same Philox noise): fallback backend and reference.
pub struct CpuDae {
    config: DaeConfig,
    mean: Vec<f32>,
    inv_scale: f32,
    shape: ImageShape,
    /// The noise of each pixel of a channel plane and the patch side, as the GPU reads them.
    pixel_noise: (Vec<f32>, usize),
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
        Self {
            config: *config,
            mean: preprocessing.mean_f32(),
            inv_scale: preprocessing.inv_scale_f32(),
            shape,
            pixel_noise: config.pixel_noise(shape),
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
        let mut clean = Vec::with_capacity(batch * d);
        let mut noisy = Vec::with_capacity(batch * d);
        let (levels, patch) = &self.pixel_noise;
        let plane = levels.len();
        for &sample in &self.order[batch_offset..batch_offset + batch] {
            for (j, &byte) in data.image(sample as usize).iter().enumerate() {
                let x = (byte as f32 / 255.0 - self.mean[j]) * self.inv_scale;
                let level = levels[j % plane];
                let x_noisy = match self.config.noise_mode() {
                    1 => x + level * gaussian_draw(seed, step, sample, j as u32),
                    2 => {
                        let site = patch_of(self.shape, *patch, j) as u32;
                        if mask_keeps(seed, step, sample, site, level) {
                            x
                        } else {
                            0.0
                        }
                    }
                    _ => x,
                };
                clean.push(x);
                noisy.push(x_noisy);
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
