//! The DAE step on the GPU: `dae.wgsl` builds the clean and corrupted batch, four GEMMs and two
//! small kernels give the loss and the gradients, and the optimiser updates E and W.

use crate::dataset::Dataset;
use crate::gpu::{
    folded_grid, groups, submit, Dispatch, Gemm, GpuContext, GpuError, GpuImages, GpuMatrix,
    Kernel, Op,
};
use crate::spectral::{ImageShape, Preprocessing};

use super::super::optimiser::{GpuUpdate, Trained};
use super::super::step_losses::StepLosses;
use super::corruption::{ByteCentring, PixelNoise};
use super::{DaeConfig, DaeWeights};

/// Constants of `dae.wgsl` (mirrors its `StepParams`).
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
    per_byte: f32,
    _pad0: u32,
    _pad1: u32,
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
    clean: GpuMatrix,
    noisy: GpuMatrix,
    order: wgpu::Buffer,
    order_host: Vec<u32>,
    gathered: Option<wgpu::Buffer>,
    step_params: wgpu::Buffer,
    step_template: StepParams,
    update: GpuUpdate,
    losses: StepLosses,
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
        preprocessing: &Preprocessing,
        config: &DaeConfig,
        weights: &DaeWeights,
        loss_slots: usize,
    ) -> Result<Self, GpuError> {
        let (d, k, batch) = (images.d(), config.k, config.batch);
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
        let moment = |rows, cols| GpuMatrix::zeros(ctx, rows, cols);
        let (m_e, v_e) = (moment(k, d)?, moment(k, d)?);
        let (m_w, v_w) = (moment(d, k)?, moment(d, k)?);
        let row_loss = ctx.zeroed_buffer("row loss", (batch * 4) as u64)?;
        let losses = StepLosses::new(ctx, "dae step losses", loss_slots)?;
        let order = ctx.zeroed_buffer("epoch order", (images.n() * 4) as u64)?;
        let centring = ByteCentring::new(preprocessing);
        let mean255 = ctx.storage_buffer("mean255", bytemuck::cast_slice(&centring.mean255))?;
        let gathered = if images.chunk_count() == 1 {
            None
        } else {
            Some(ctx.zeroed_buffer("batch pixels", (batch * d) as u64)?)
        };
        let pixels = gathered.as_ref().unwrap_or(images.first_buffer());
        let (c, h, w) = shape;
        let noise = PixelNoise::new(config.noise, ImageShape { c, h, w });
        let pixel_std = ctx.storage_buffer("pixel std", bytemuck::cast_slice(&noise.std))?;
        let drop_below =
            ctx.storage_buffer("drop below", bytemuck::cast_slice(&noise.drop_below))?;
        let step_template = StepParams {
            batch: batch as u32,
            d: d as u32,
            h: shape.1 as u32,
            w: shape.2 as u32,
            patch_side: noise.patch as u32,
            mode: config.noise_mode(),
            step: 0,
            batch_offset: 0,
            gathered: u32::from(gathered.is_some()),
            seed_lo: config.seed as u32,
            seed_hi: (config.seed >> 32) as u32,
            loss_slot: 0,
            per_byte: centring.per_byte,
            _pad0: 0,
            _pad1: 0,
            inv_batch: 1.0 / batch as f32,
        };
        let step_params = ctx.uniform("dae step", &step_template);
        let two_over_b = 2.0 / batch as f32;
        let mut dispatches = vec![Dispatch::with_bindings(
            ctx,
            Kernel::DaeCorrupt,
            &[
                (0, &step_params),
                (1, pixels),
                (2, &order),
                (3, &mean255),
                (4, clean.buffer()),
                (5, noisy.buffer()),
                (9, &pixel_std),
                (10, &drop_below),
            ],
            [groups(d, 64), groups(batch, 4), 1],
        )];
        // Z = X~ E^T; Xhat = Z W^T (written into the residual buffer).
        dispatches
            .extend(Gemm::product(&noisy, Op::Plain, &encoder, Op::Transposed, &code).whole(ctx));
        dispatches.extend(
            Gemm::product(&code, Op::Plain, &decoder, Op::Transposed, &residual).whole(ctx),
        );
        dispatches.push(Dispatch::with_bindings(
            ctx,
            Kernel::DaeResidual,
            &[
                (0, &step_params),
                (4, clean.buffer()),
                (6, residual.buffer()),
                (7, &row_loss),
            ],
            folded_grid(batch),
        ));
        dispatches.push(Dispatch::with_bindings(
            ctx,
            Kernel::DaeBatchLoss,
            &[(0, &step_params), (7, &row_loss), (8, losses.buffer())],
            [1, 1, 1],
        ));
        // dL/dW = (2/B) R^T Z; dL/dE = (2/B) (R W)^T X~.
        let gradients = [
            Gemm::product(&residual, Op::Transposed, &code, Op::Plain, &grad_w).scaled(two_over_b),
            Gemm::product(&residual, Op::Plain, &decoder, Op::Plain, &residual_w),
            Gemm::product(&residual_w, Op::Transposed, &noisy, Op::Plain, &grad_e)
                .scaled(two_over_b),
        ];
        for gemm in &gradients {
            dispatches.extend(gemm.whole(ctx));
        }
        let trained = [
            Trained {
                theta: &encoder,
                grad: &grad_e,
                first: &m_e,
                second: &v_e,
            },
            Trained {
                theta: &decoder,
                grad: &grad_w,
                first: &m_w,
                second: &v_w,
            },
        ];
        let (update, updates) = GpuUpdate::new(ctx, config.optimiser, config.lr, &trained);
        dispatches.extend(updates);
        Ok(Self {
            ctx,
            config: *config,
            n: images.n(),
            d,
            encoder,
            decoder,
            clean,
            noisy,
            order,
            order_host: Vec::new(),
            gathered,
            step_params,
            step_template,
            update,
            losses,
            dispatches,
        })
    }

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
        let batch = self.config.batch;
        assert!(
            batch_offset + batch <= self.order_host.len(),
            "batch runs past the epoch order"
        );
        self.losses.check_slot(loss_slot);
        let params = StepParams {
            step,
            batch_offset: batch_offset as u32,
            loss_slot: loss_slot as u32,
            ..self.step_template
        };
        self.ctx
            .queue
            .write_buffer(&self.step_params, 0, bytemuck::bytes_of(&params));
        self.update.prepare(self.ctx, self.config.lr, step + 1);
        if let Some(gathered) = &self.gathered {
            let mut bytes = Vec::with_capacity((batch * self.d).next_multiple_of(4));
            for &sample in &self.order_host[batch_offset..batch_offset + batch] {
                bytes.extend_from_slice(data.image(sample as usize));
            }
            bytes.resize(bytes.len().next_multiple_of(4), 0);
            self.ctx.queue.write_buffer(gathered, 0, &bytes);
        }
        submit(self.ctx, "dae step", &self.dispatches);
        Ok(())
    }

    /// Waits for the queued steps to finish (bounds the queue; cancellation acts between waits).
    pub async fn wait(&self) -> Result<(), GpuError> {
        self.ctx.wait().await
    }

    /// The first `count` per-step batch losses recorded since the slots were last reused.
    pub async fn losses(&self, count: usize) -> Result<Vec<f32>, GpuError> {
        self.losses.read(self.ctx, count).await
    }

    /// The clean and corrupted batch (B x D each) of the last step, read back to the host: the
    /// GPU's noise sampler, as [`super::CpuDae::corrupt_batch`] builds it on the CPU.
    pub async fn batch(&self) -> Result<(Vec<f32>, Vec<f32>), GpuError> {
        Ok((
            self.clean.to_vec(self.ctx).await?,
            self.noisy.to_vec(self.ctx).await?,
        ))
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
