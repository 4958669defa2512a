//! One training step of the linear denoising autoencoder, on the GPU and its CPU twin.
//!
//! Loss of a mini-batch of B samples: L = (1/B) sum_b ||x_b - W E x~_b||^2 (squared error summed
//! over pixels, averaged over the batch), so its expectation over data and noise is the paper's
//! E||x - W E x~||^2 per sample. Gradients: dL/dW = (2/B) R^T Z and dL/dE = (2/B) (R W)^T X~,
//! with Z = X~ E^T and R = X~ E^T W^T - X.

use crate::dataset::Dataset;

use super::context::{groups, record_all, Dispatch, GpuContext, GpuError};
use super::gemm::{gemm_dispatches, Op};
use super::images::{GpuImages, Standardisation};
use super::kernels::Kernel;
use super::matrix::GpuMatrix;
use super::noise::{gaussian_draw, mask_keeps, patch_of_pixel, philox4x32, seed_key, Noise};

/// The update rule applied to E and W.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Optimiser {
    /// Heavy-ball SGD: v = momentum v + g, theta -= lr v.
    SgdMomentum {
        /// Momentum coefficient (0 gives plain SGD).
        momentum: f32,
    },
    /// Adam (Kingma & Ba) with bias correction.
    Adam {
        /// First-moment decay.
        beta1: f32,
        /// Second-moment decay.
        beta2: f32,
        /// Denominator guard.
        eps: f32,
    },
}

impl Optimiser {
    /// Adam with the usual constants (0.9, 0.999, 1e-8).
    pub fn adam() -> Self {
        Optimiser::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

/// Training settings of the linear DAE (the paper's K, noise, and the optimiser).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DaeConfig {
    /// Code width K.
    pub k: usize,
    /// Corruption applied to the input.
    pub noise: Noise,
    /// Passes over the data.
    pub epochs: usize,
    /// Learning rate.
    pub lr: f32,
    /// Update rule.
    pub optimiser: Optimiser,
    /// Mini-batch size B (incomplete last batches are dropped).
    pub batch_size: usize,
    /// Seed of the initial weights, the visiting order and the noise.
    pub seed: u64,
    /// Initial weights are N(0, init_scale^2 / D) for E and N(0, init_scale^2 / K) for W.
    pub init_scale: f32,
}

impl Default for DaeConfig {
    fn default() -> Self {
        Self {
            k: 64,
            noise: Noise::Mask { p: 0.5, patch: 2 },
            epochs: 5,
            lr: 1e-3,
            optimiser: Optimiser::adam(),
            batch_size: 128,
            seed: 0,
            init_scale: 0.1,
        }
    }
}

/// The DAE's encoder E (K x D) and decoder W (D x K), row-major f32.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DaeWeights {
    /// Input dimension D.
    pub d: usize,
    /// Code width K.
    pub k: usize,
    /// Encoder E, K x D.
    pub encoder: Vec<f32>,
    /// Decoder W, D x K.
    pub decoder: Vec<f32>,
}

impl DaeWeights {
    /// Reproducible Gaussian initial weights (Philox stream 4, keyed by the seed).
    pub fn initial(d: usize, k: usize, seed: u64, init_scale: f32) -> Self {
        let draw = |which: u32, i: usize| {
            let r = philox4x32([i as u32, which, 0, 4], seed_key(seed));
            let u1 = ((r[0] >> 8) + 1) as f32 * (1.0 / 16_777_216.0);
            let u2 = (r[1] >> 8) as f32 * (1.0 / 16_777_216.0);
            (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
        };
        let e_std = init_scale / (d as f32).sqrt();
        let w_std = init_scale / (k as f32).sqrt();
        Self {
            d,
            k,
            encoder: (0..k * d).map(|i| e_std * draw(0, i)).collect(),
            decoder: (0..d * k).map(|i| w_std * draw(1, i)).collect(),
        }
    }
}

/// Constants of the shared optimiser kernel (mirrors `OptimiserParams` in optimiser.wgsl), used by
/// the DAE and the MLP probe alike.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct OptimiserParams {
    len: u32,
    _pad: [u32; 3],
    pub(crate) lr: f32,
    pub(crate) beta1: f32,
    pub(crate) beta2: f32,
    pub(crate) eps: f32,
    pub(crate) bias1: f32,
    pub(crate) bias2: f32,
    _pad2: [f32; 2],
}

impl OptimiserParams {
    /// Update number `t` (1-based) on a tensor of `len` values: Adam's bias corrections at t.
    pub(crate) fn at(optimiser: Optimiser, lr: f32, len: usize, t: u32) -> Self {
        let (beta1, beta2, eps, bias1, bias2) = match optimiser {
            Optimiser::SgdMomentum { momentum } => (momentum, 0.0, 0.0, 1.0, 1.0),
            Optimiser::Adam { beta1, beta2, eps } => (
                beta1,
                beta2,
                eps,
                1.0 / (1.0 - beta1.powi(t as i32)),
                1.0 / (1.0 - beta2.powi(t as i32)),
            ),
        };
        OptimiserParams {
            len: len as u32,
            _pad: [0; 3],
            lr,
            beta1,
            beta2,
            eps,
            bias1,
            bias2,
            _pad2: [0.0; 2],
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct StepParams {
    batch: u32,
    d: u32,
    h: u32,
    w: u32,
    patch_side: u32,
    mode: u32,
    step: u32,
    batch_offset: u32,
    gathered: u32,
    seed_lo: u32,
    seed_hi: u32,
    loss_slot: u32,
    inv_scale: f32,
    drop_p: f32,
    noise_std: f32,
    inv_batch: f32,
}

/// A linear DAE being trained on the GPU: weights, optimiser state and the recorded step.
pub struct GpuDae<'a> {
    ctx: &'a GpuContext,
    config: DaeConfig,
    n: usize,
    d: usize,
    encoder: GpuMatrix,
    decoder: GpuMatrix,
    order: wgpu::Buffer,
    order_host: Vec<u32>,
    gathered: Option<wgpu::Buffer>,
    step_params: wgpu::Buffer,
    step_template: StepParams,
    optimiser_uniforms: Vec<(wgpu::Buffer, usize)>,
    step_losses: wgpu::Buffer,
    loss_slots: usize,
    dispatches: Vec<Dispatch>,
}

impl<'a> GpuDae<'a> {
    /// Prepares buffers and dispatches for `config` on `images`, starting from `weights`.
    ///
    /// Images in one device buffer are read in place; when the dataset needed several
    /// buffers, each batch's bytes are uploaded from `data` instead (same numbers either way).
    pub fn new(
        ctx: &'a GpuContext,
        images: &GpuImages,
        standardisation: &Standardisation,
        config: &DaeConfig,
        weights: &DaeWeights,
        loss_slots: usize,
    ) -> Result<Self, GpuError> {
        let (d, k, batch) = (images.d(), config.k, config.batch_size);
        assert_eq!(
            (weights.d, weights.k),
            (d, k),
            "weights do not match the data and K"
        );
        assert!(batch > 0 && k > 0, "batch size and K must be positive");
        let shape = images.shape();
        let encoder = GpuMatrix::from_slice(ctx, k, d, &weights.encoder)?;
        let decoder = GpuMatrix::from_slice(ctx, d, k, &weights.decoder)?;
        let clean = GpuMatrix::zeros(ctx, batch, d)?;
        let noisy = GpuMatrix::zeros(ctx, batch, d)?;
        let code = GpuMatrix::zeros(ctx, batch, k)?;
        let residual = GpuMatrix::zeros(ctx, batch, d)?;
        let residual_w = GpuMatrix::zeros(ctx, batch, k)?;
        let grad_e = GpuMatrix::zeros(ctx, k, d)?;
        let grad_w = GpuMatrix::zeros(ctx, d, k)?;
        let moments: Vec<GpuMatrix> = [(k, d), (k, d), (d, k), (d, k)]
            .iter()
            .map(|&(r, c)| GpuMatrix::zeros(ctx, r, c))
            .collect::<Result<_, _>>()?;
        let row_loss = ctx.zeroed_buffer("row loss", (batch * 4) as u64)?;
        let step_losses = ctx.zeroed_buffer("step losses", (loss_slots.max(1) * 4) as u64)?;
        let order = ctx.zeroed_buffer("epoch order", (images.n() * 4) as u64)?;
        let mean = ctx.storage_buffer("mean", bytemuck::cast_slice(&standardisation.mean))?;
        let gathered = if images.chunks.len() == 1 {
            None
        } else {
            Some(ctx.zeroed_buffer("batch pixels", (batch * d) as u64)?)
        };
        let pixels = gathered.as_ref().unwrap_or(&images.chunks[0].buffer);
        let (drop_p, noise_std, patch_side) = match config.noise {
            Noise::None => (0.0, 0.0, 1),
            Noise::Gaussian { std } => (0.0, std, 1),
            Noise::Mask { p, patch } => (p, 0.0, patch.max(1)),
        };
        let step_template = StepParams {
            batch: batch as u32,
            d: d as u32,
            h: shape.1 as u32,
            w: shape.2 as u32,
            patch_side: patch_side as u32,
            mode: config.noise.mode(),
            step: 0,
            batch_offset: 0,
            gathered: u32::from(gathered.is_some()),
            seed_lo: config.seed as u32,
            seed_hi: (config.seed >> 32) as u32,
            loss_slot: 0,
            inv_scale: 1.0 / standardisation.scale,
            drop_p,
            noise_std,
            inv_batch: 1.0 / batch as f32,
        };
        let step_params = ctx.uniform("dae step", &step_template);
        let mut optimiser_uniforms = Vec::new();
        let two_over_b = 2.0 / batch as f32;
        let big = usize::MAX;
        let mut dispatches = vec![Dispatch::new(
            ctx,
            ctx.pipeline(Kernel::DaeCorrupt),
            &[
                &step_params,
                pixels,
                &order,
                &mean,
                &clean.buffer,
                &noisy.buffer,
            ],
            [groups(d, 64), groups(batch, 4), 1],
        )];
        // Z = X~ E^T; Xhat = Z W^T (written into the residual buffer).
        dispatches.extend(gemm_dispatches(
            ctx,
            1.0,
            &noisy,
            Op::Plain,
            &encoder,
            Op::Transposed,
            0.0,
            &code,
            big,
        ));
        dispatches.extend(gemm_dispatches(
            ctx,
            1.0,
            &code,
            Op::Plain,
            &decoder,
            Op::Transposed,
            0.0,
            &residual,
            big,
        ));
        dispatches.push(Dispatch::new(
            ctx,
            ctx.pipeline(Kernel::DaeResidual),
            &[&step_params, &clean.buffer, &residual.buffer, &row_loss],
            [batch as u32, 1, 1],
        ));
        dispatches.push(Dispatch::new(
            ctx,
            ctx.pipeline(Kernel::DaeBatchLoss),
            &[&step_params, &row_loss, &step_losses],
            [1, 1, 1],
        ));
        // dL/dW = (2/B) R^T Z; dL/dE = (2/B) (R W)^T X~.
        dispatches.extend(gemm_dispatches(
            ctx,
            two_over_b,
            &residual,
            Op::Transposed,
            &code,
            Op::Plain,
            0.0,
            &grad_w,
            big,
        ));
        dispatches.extend(gemm_dispatches(
            ctx,
            1.0,
            &residual,
            Op::Plain,
            &decoder,
            Op::Plain,
            0.0,
            &residual_w,
            big,
        ));
        dispatches.extend(gemm_dispatches(
            ctx,
            two_over_b,
            &residual_w,
            Op::Transposed,
            &noisy,
            Op::Plain,
            0.0,
            &grad_e,
            big,
        ));
        let [m_e, v_e, m_w, v_w] =
            <[GpuMatrix; 4]>::try_from(moments).expect("four moment buffers");
        for (theta, grad, m, v) in [
            (&encoder, &grad_e, &m_e, &v_e),
            (&decoder, &grad_w, &m_w, &v_w),
        ] {
            let len = theta.rows() * theta.cols();
            let params = ctx.uniform(
                "optimiser",
                &OptimiserParams::at(config.optimiser, config.lr, len, 1),
            );
            optimiser_uniforms.push((params.clone(), len));
            let dispatch = match config.optimiser {
                Optimiser::SgdMomentum { .. } => Dispatch::new(
                    ctx,
                    ctx.pipeline(Kernel::SgdMomentum),
                    &[&params, &theta.buffer, &grad.buffer, &m.buffer],
                    [groups(len, 256), 1, 1],
                ),
                Optimiser::Adam { .. } => Dispatch::new(
                    ctx,
                    ctx.pipeline(Kernel::Adam),
                    &[&params, &theta.buffer, &grad.buffer, &m.buffer, &v.buffer],
                    [groups(len, 256), 1, 1],
                ),
            };
            dispatches.push(dispatch);
        }
        Ok(Self {
            ctx,
            config: *config,
            n: images.n(),
            d,
            encoder,
            decoder,
            order,
            order_host: Vec::new(),
            gathered,
            step_params,
            step_template,
            optimiser_uniforms,
            step_losses,
            loss_slots: loss_slots.max(1),
            dispatches,
        })
    }
}

impl GpuDae<'_> {
    /// Changes the learning rate from the next step on (for schedules).
    pub fn set_learning_rate(&mut self, lr: f32) {
        self.config.lr = lr;
    }

    /// Sets the visiting order of the coming epoch (a permutation of 0..N).
    pub fn begin_epoch(&mut self, order: &[u32]) {
        assert_eq!(order.len(), self.n, "order must list every sample");
        self.ctx
            .queue
            .write_buffer(&self.order, 0, bytemuck::cast_slice(order));
        self.order_host = order.to_vec();
    }

    /// Queues one step on the batch `order[batch_offset..batch_offset + B]` at global step `step`;
    /// its loss lands in slot `loss_slot` (see [`GpuDae::losses`]).
    pub fn step(
        &mut self,
        data: &Dataset,
        batch_offset: usize,
        step: u32,
        loss_slot: usize,
    ) -> Result<(), GpuError> {
        self.ctx.check()?;
        let batch = self.config.batch_size;
        assert!(
            batch_offset + batch <= self.order_host.len(),
            "batch runs past the epoch order"
        );
        assert!(loss_slot < self.loss_slots, "loss slot out of range");
        let params = StepParams {
            step,
            batch_offset: batch_offset as u32,
            loss_slot: loss_slot as u32,
            ..self.step_template
        };
        self.ctx
            .queue
            .write_buffer(&self.step_params, 0, bytemuck::bytes_of(&params));
        for (buffer, len) in &self.optimiser_uniforms {
            let params = OptimiserParams::at(self.config.optimiser, self.config.lr, *len, step + 1);
            self.ctx
                .queue
                .write_buffer(buffer, 0, bytemuck::bytes_of(&params));
        }
        if let Some(gathered) = &self.gathered {
            let d = self.d;
            let mut bytes = Vec::with_capacity((batch * d).next_multiple_of(4));
            for &sample in &self.order_host[batch_offset..batch_offset + batch] {
                bytes.extend_from_slice(data.image(sample as usize));
            }
            bytes.resize(bytes.len().next_multiple_of(4), 0);
            self.ctx.queue.write_buffer(gathered, 0, &bytes);
        }
        let mut encoder = self.ctx.encoder("dae step");
        record_all(&mut encoder, &self.dispatches);
        self.ctx.queue.submit([encoder.finish()]);
        Ok(())
    }

    /// Waits for the queued steps to finish (bounds the queue; cancellation acts between waits).
    pub async fn wait(&self) -> Result<(), GpuError> {
        self.ctx.submit_and_wait(self.ctx.encoder("dae wait")).await
    }

    /// The first `count` per-step batch losses recorded since the slots were last reused.
    pub async fn losses(&self, count: usize) -> Result<Vec<f32>, GpuError> {
        self.ctx
            .read_buffer::<f32>(&self.step_losses, 0, count.min(self.loss_slots))
            .await
    }

    /// Current E and W, read back to the host.
    pub async fn weights(&self) -> Result<DaeWeights, GpuError> {
        Ok(DaeWeights {
            d: self.d,
            k: self.config.k,
            encoder: self.encoder.to_vec(self.ctx).await?,
            decoder: self.decoder.to_vec(self.ctx).await?,
        })
    }
}

/// The same DAE step on the CPU in f32 (same batches, same Philox noise): fallback backend and reference.
pub struct CpuDae {
    config: DaeConfig,
    standardisation: Standardisation,
    shape: (usize, usize, usize),
    weights: DaeWeights,
    first: [Vec<f32>; 2],
    second: [Vec<f32>; 2],
    order: Vec<u32>,
}

impl CpuDae {
    /// Starts from `weights` for data of shape (C, H, W) standardised by `standardisation`.
    pub fn new(
        shape: (usize, usize, usize),
        standardisation: &Standardisation,
        config: &DaeConfig,
        weights: &DaeWeights,
    ) -> Self {
        let len = weights.encoder.len();
        Self {
            config: *config,
            standardisation: standardisation.clone(),
            shape,
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
        let batch = self.config.batch_size;
        let mut clean = Vec::with_capacity(batch * d);
        let mut noisy = Vec::with_capacity(batch * d);
        for &sample in &self.order[batch_offset..batch_offset + batch] {
            for (j, &byte) in data.image(sample as usize).iter().enumerate() {
                let x = self.standardisation.centred(byte, j);
                let x_noisy = match self.config.noise {
                    Noise::None => x,
                    Noise::Gaussian { std } => {
                        x + std * gaussian_draw(self.config.seed, step, sample, j as u32)
                    }
                    Noise::Mask { p, patch } => {
                        let site = patch_of_pixel(j, self.shape, patch) as u32;
                        if mask_keeps(self.config.seed, step, sample, site, p) {
                            x
                        } else {
                            0.0
                        }
                    }
                };
                clean.push(x);
                noisy.push(x_noisy);
            }
        }
        (clean, noisy)
    }

    /// One step on the batch `order[batch_offset..batch_offset + B]`; returns its loss.
    pub fn step(&mut self, data: &Dataset, batch_offset: usize, step: u32) -> f32 {
        let (d, k, batch) = (self.weights.d, self.weights.k, self.config.batch_size);
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
        let t = step + 1;
        let params = OptimiserParams::at(self.config.optimiser, self.config.lr, 0, t);
        let grads = [
            (0..k * d)
                .map(|i| grad_e[(i / d, i % d)])
                .collect::<Vec<f32>>(),
            (0..d * k)
                .map(|i| grad_w[(i / k, i % k)])
                .collect::<Vec<f32>>(),
        ];
        for (which, grad) in grads.iter().enumerate() {
            let theta = if which == 0 {
                &mut self.weights.encoder
            } else {
                &mut self.weights.decoder
            };
            let (m, v) = (&mut self.first[which], &mut self.second[which]);
            for i in 0..theta.len() {
                let g = grad[i];
                match self.config.optimiser {
                    Optimiser::SgdMomentum { .. } => {
                        m[i] = params.beta1 * m[i] + g;
                        theta[i] -= params.lr * m[i];
                    }
                    Optimiser::Adam { .. } => {
                        m[i] = params.beta1 * m[i] + (1.0 - params.beta1) * g;
                        v[i] = params.beta2 * v[i] + (1.0 - params.beta2) * g * g;
                        theta[i] -= params.lr * (m[i] * params.bias1)
                            / ((v[i] * params.bias2).sqrt() + params.eps);
                    }
                }
            }
        }
        loss
    }

    /// Current E and W.
    pub fn weights(&self) -> &DaeWeights {
        &self.weights
    }
}
