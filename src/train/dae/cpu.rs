//! The DAE step on the CPU in f32: the same batches, the same Philox noise and the same update
//! as the GPU step, for the fallback backend and as the GPU's reference.

use crate::dataset::Dataset;
use crate::spectral::{patch_of, ImageShape, Preprocessing};

use super::super::random::{gaussian_draw, keeps, mask_word};
use super::corruption::{ByteCentring, PixelNoise};
use super::{DaeConfig, DaeWeights};

/// The same DAE step on the CPU in f32 (same batches, same Philox noise): fallback backend and reference.
pub struct CpuDae {
    config: DaeConfig,
    centring: ByteCentring,
    /// The standard deviation and the drop threshold of each pixel (its plane's values, as the
    /// GPU reads them per channel plane).
    std: Vec<f32>,
    drop_below: Vec<u32>,
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
        let noise = PixelNoise::new(config.noise, shape);
        let d = shape.d();
        let site: Vec<u32> = (0..d)
            .map(|j| patch_of(shape, noise.patch, j) as u32)
            .collect();
        let plane = shape.h * shape.w;
        Self {
            config: *config,
            centring: ByteCentring::new(preprocessing),
            std: (0..d).map(|j| noise.std[j % plane]).collect(),
            drop_below: (0..d).map(|j| noise.drop_below[j % plane]).collect(),
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
        let mut words = vec![0u32; self.sites];
        for ((x_row, noisy_row), &sample) in rows.zip(&self.order[batch_offset..]) {
            let image = data.image(sample as usize);
            for (j, (x, &byte)) in x_row.iter_mut().zip(image).enumerate() {
                *x = self.centring.apply(byte, j);
            }
            match self.config.noise_mode() {
                1 => {
                    let pixels = noisy_row.iter_mut().zip(x_row.iter()).zip(&self.std);
                    for (j, ((out, &x), &std)) in pixels.enumerate() {
                        *out = x + std * gaussian_draw(seed, step, sample, j as u32);
                    }
                }
                2 => {
                    // One word per patch (the channels and pixels of a patch share it); a pixel is
                    // kept when the word's top 24 bits reach its drop threshold (integers only).
                    for (site, word) in words.iter_mut().enumerate() {
                        *word = mask_word(seed, step, sample, site as u32);
                    }
                    let pixels = noisy_row.iter_mut().zip(x_row.iter());
                    for (((out, &x), &site), &threshold) in
                        pixels.zip(&self.site).zip(&self.drop_below)
                    {
                        *out = if keeps(words[site as usize], threshold) {
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
