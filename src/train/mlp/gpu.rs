//! The MLP probe's step on the GPU: forward pass, softmax cross-entropy, backward pass and the
//! optimiser, recorded once and replayed for every batch; and batched prediction.

use crate::gpu::{groups, submit, Dispatch, Gemm, GpuContext, GpuError, GpuMatrix, Kernel, Op};

use super::super::optimiser::{GpuUpdate, Trained};
use super::super::step_losses::StepLosses;
use super::super::STEPS_PER_WAIT;
use super::{check_data, MlpConfig, MlpDims, MlpParams, ProbeData, EVAL_ROWS};

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ShapeParams {
    rows: u32,
    cols: u32,
    _pad: [u32; 2],
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct SoftmaxParams {
    rows: u32,
    classes: u32,
    loss_slot: u32,
    _pad: u32,
    inv_batch: f32,
    _pad2: [f32; 3],
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct PredictParams {
    rows: u32,
    classes: u32,
    offset: u32,
    count: u32,
}

/// The forward pass a = relu(x W1 + b1), logits = a W2 on a block of `x.rows()` samples.
fn forward_dispatches(
    ctx: &GpuContext,
    x: &GpuMatrix,
    params: &[GpuMatrix; 4],
    hidden: &GpuMatrix,
    logits: &GpuMatrix,
) -> Vec<Dispatch> {
    let [w1, b1, w2, _] = params;
    let shape = ctx.uniform(
        "mlp hidden shape",
        &ShapeParams {
            rows: hidden.rows() as u32,
            cols: hidden.cols() as u32,
            _pad: [0; 2],
        },
    );
    let mut dispatches = Gemm::product(x, Op::Plain, w1, Op::Plain, hidden).whole(ctx);
    dispatches.push(Dispatch::new(
        ctx,
        Kernel::MlpHidden,
        &[&shape, &b1.buffer, &hidden.buffer],
        [groups(hidden.cols(), 64), groups(hidden.rows(), 4), 1],
    ));
    dispatches.extend(Gemm::product(hidden, Op::Plain, w2, Op::Plain, logits).whole(ctx));
    dispatches
}

/// The MLP probe being trained on the GPU: weights, optimiser state and the recorded step.
pub struct GpuMlp<'a> {
    ctx: &'a GpuContext,
    train: ProbeData<'a>,
    dims: MlpDims,
    config: MlpConfig,
    params: [GpuMatrix; 4],
    grads: [GpuMatrix; 4],
    batch_x: GpuMatrix,
    batch_y: wgpu::Buffer,
    softmax_params: wgpu::Buffer,
    update: GpuUpdate,
    losses: StepLosses,
    order: Vec<u32>,
    dispatches: Vec<Dispatch>,
}

impl<'a> GpuMlp<'a> {
    /// Prepares buffers and the step's dispatches for training on `train`, starting from `start`.
    pub fn new(
        ctx: &'a GpuContext,
        train: ProbeData<'a>,
        config: &MlpConfig,
        start: &MlpParams,
        loss_slots: usize,
    ) -> Result<Self, GpuError> {
        let dims = start.dims;
        check_data(&train, dims);
        let batch = config.batch;
        assert!(
            batch > 0 && dims.hidden > 0 && dims.classes > 0,
            "batch size, H and C must be positive"
        );
        let shapes = MlpParams::shapes(dims);
        let upload = |values: [&[f32]; 4]| -> Result<[GpuMatrix; 4], GpuError> {
            let mut out = Vec::with_capacity(4);
            for (v, &(r, c)) in values.iter().zip(&shapes) {
                out.push(GpuMatrix::from_slice(ctx, r, c, v)?);
            }
            Ok(out.try_into().expect("four tensors"))
        };
        let params = upload(start.tensors())?;
        let zeros = MlpParams::zeros(dims);
        let grads = upload(zeros.tensors())?;
        let first = upload(zeros.tensors())?;
        let second = upload(zeros.tensors())?;
        let batch_x = GpuMatrix::zeros(ctx, batch, dims.features)?;
        let batch_y = ctx.zeroed_buffer("mlp batch labels", (batch * 4) as u64)?;
        let hidden = GpuMatrix::zeros(ctx, batch, dims.hidden)?;
        let logits = GpuMatrix::zeros(ctx, batch, dims.classes)?;
        let grad_hidden = GpuMatrix::zeros(ctx, batch, dims.hidden)?;
        let losses = StepLosses::new(ctx, "mlp step losses", loss_slots)?;
        let softmax_params = ctx.uniform(
            "mlp softmax",
            &SoftmaxParams {
                rows: batch as u32,
                classes: dims.classes as u32,
                loss_slot: 0,
                _pad: 0,
                inv_batch: 1.0 / batch as f32,
                _pad2: [0.0; 3],
            },
        );
        let shape = |rows: usize, cols: usize| {
            ctx.uniform(
                "mlp shape",
                &ShapeParams {
                    rows: rows as u32,
                    cols: cols as u32,
                    _pad: [0; 2],
                },
            )
        };
        let [_, _, w2, _] = &params;
        let [g_w1, g_b1, g_w2, g_b2] = &grads;
        let mut dispatches = forward_dispatches(ctx, &batch_x, &params, &hidden, &logits);
        // logits -> dL/dlogits in place, and the batch loss.
        dispatches.push(Dispatch::new(
            ctx,
            Kernel::MlpSoftmaxXent,
            &[
                &softmax_params,
                &batch_y,
                &params[3].buffer,
                &logits.buffer,
                losses.buffer(),
            ],
            [1, 1, 1],
        ));
        // dL/dW2 = a^T dl; dL/db2 = sum_b dl_b.
        dispatches
            .extend(Gemm::product(&hidden, Op::Transposed, &logits, Op::Plain, g_w2).whole(ctx));
        dispatches.push(Dispatch::new(
            ctx,
            Kernel::MlpColumnSum,
            &[&shape(batch, dims.classes), &logits.buffer, &g_b2.buffer],
            [groups(dims.classes, 64), 1, 1],
        ));
        // dz = (dl W2^T) * [a > 0].
        dispatches
            .extend(Gemm::product(&logits, Op::Plain, w2, Op::Transposed, &grad_hidden).whole(ctx));
        dispatches.push(Dispatch::new(
            ctx,
            Kernel::MlpReluBackward,
            &[
                &shape(batch * dims.hidden, 1),
                &hidden.buffer,
                &grad_hidden.buffer,
            ],
            [groups(batch * dims.hidden, 256), 1, 1],
        ));
        // dL/dW1 = x^T dz; dL/db1 = sum_b dz_b.
        dispatches.extend(
            Gemm::product(&batch_x, Op::Transposed, &grad_hidden, Op::Plain, g_w1).whole(ctx),
        );
        dispatches.push(Dispatch::new(
            ctx,
            Kernel::MlpColumnSum,
            &[
                &shape(batch, dims.hidden),
                &grad_hidden.buffer,
                &g_b1.buffer,
            ],
            [groups(dims.hidden, 64), 1, 1],
        ));
        let trained: Vec<Trained<'_>> = (0..4)
            .map(|i| Trained {
                theta: &params[i],
                grad: &grads[i],
                first: &first[i],
                second: &second[i],
            })
            .collect();
        let (update, updates) = GpuUpdate::new(ctx, config.optimiser, config.lr, &trained);
        dispatches.extend(updates);
        Ok(Self {
            ctx,
            train,
            dims,
            config: *config,
            params,
            grads,
            batch_x,
            batch_y,
            softmax_params,
            update,
            losses,
            order: Vec::new(),
            dispatches,
        })
    }
}

impl GpuMlp<'_> {
    /// Sets the visiting order of the coming epoch (a permutation of the training samples).
    pub fn begin_epoch(&mut self, order: &[u32]) {
        assert_eq!(
            order.len(),
            self.train.len(),
            "order must list every sample"
        );
        self.order = order.to_vec();
    }

    /// Queues one step on the batch `order[batch_offset..batch_offset + B]` as update number
    /// `step` (from 0); its loss lands in slot `loss_slot` (see [`GpuMlp::losses`]).
    pub fn step(
        &mut self,
        batch_offset: usize,
        step: u32,
        loss_slot: usize,
    ) -> Result<(), GpuError> {
        self.ctx.check()?;
        let batch = self.config.batch;
        assert!(
            batch_offset + batch <= self.order.len(),
            "batch runs past the epoch order"
        );
        self.losses.check_slot(loss_slot);
        let rows = &self.order[batch_offset..batch_offset + batch];
        let queue = &self.ctx.queue;
        self.batch_x
            .write(self.ctx, &self.train.gather(self.dims.features, rows));
        let labels: Vec<u32> = rows
            .iter()
            .map(|&i| u32::from(self.train.y[i as usize]))
            .collect();
        queue.write_buffer(&self.batch_y, 0, bytemuck::cast_slice(&labels));
        queue.write_buffer(
            &self.softmax_params,
            0,
            bytemuck::bytes_of(&SoftmaxParams {
                rows: batch as u32,
                classes: self.dims.classes as u32,
                loss_slot: loss_slot as u32,
                _pad: 0,
                inv_batch: 1.0 / batch as f32,
                _pad2: [0.0; 3],
            }),
        );
        self.update.prepare(self.ctx, self.config.lr, step + 1);
        submit(self.ctx, "mlp step", &self.dispatches);
        Ok(())
    }

    /// Waits for the queued steps to finish.
    pub async fn wait(&self) -> Result<(), GpuError> {
        self.ctx.wait().await
    }

    /// The first `count` per-step batch losses recorded since the slots were last reused.
    pub async fn losses(&self, count: usize) -> Result<Vec<f32>, GpuError> {
        self.losses.read(self.ctx, count).await
    }

    /// Current weights, read back to the host.
    pub async fn params(&self) -> Result<MlpParams, GpuError> {
        self.read_all(&self.params).await
    }

    /// Replaces the weights (not the optimiser's state), e.g. by those of an earlier epoch.
    pub fn set_params(&mut self, params: &MlpParams) {
        assert_eq!(params.dims, self.dims, "weights of another shape");
        for (tensor, values) in self.params.iter().zip(params.tensors()) {
            tensor.write(self.ctx, values);
        }
    }

    /// Gradients of the last step's batch loss (before the update), read back to the host.
    pub async fn gradients(&self) -> Result<MlpParams, GpuError> {
        self.read_all(&self.grads).await
    }

    async fn read_all(&self, tensors: &[GpuMatrix; 4]) -> Result<MlpParams, GpuError> {
        let mut out = MlpParams::zeros(self.dims);
        for (slot, tensor) in out.tensors_mut().into_iter().zip(tensors) {
            *slot = tensor.to_vec(self.ctx).await?;
        }
        Ok(out)
    }

    /// Predicted class of every sample of `data` under the current weights.
    pub async fn predict(&self, data: ProbeData<'_>) -> Result<Vec<u32>, GpuError> {
        check_data(&data, self.dims);
        let n = data.len();
        if n == 0 {
            return Ok(Vec::new());
        }
        let ctx = self.ctx;
        let rows = EVAL_ROWS.min(n);
        let x = GpuMatrix::zeros(ctx, rows, self.dims.features)?;
        let hidden = GpuMatrix::zeros(ctx, rows, self.dims.hidden)?;
        let logits = GpuMatrix::zeros(ctx, rows, self.dims.classes)?;
        let predictions = ctx.zeroed_buffer("mlp predictions", (n * 4) as u64)?;
        let chunk = |offset: usize| PredictParams {
            rows: rows as u32,
            classes: self.dims.classes as u32,
            offset: offset as u32,
            count: n as u32,
        };
        let predict_params = ctx.uniform("mlp predict", &chunk(0));
        let mut dispatches = forward_dispatches(ctx, &x, &self.params, &hidden, &logits);
        dispatches.push(Dispatch::new(
            ctx,
            Kernel::MlpPredict,
            &[
                &predict_params,
                &self.params[3].buffer,
                &logits.buffer,
                &predictions,
            ],
            [groups(rows, 64), 1, 1],
        ));
        let f = self.dims.features;
        for (i, offset) in (0..n).step_by(rows).enumerate() {
            let end = (offset + rows).min(n);
            ctx.queue.write_buffer(
                &x.buffer,
                0,
                bytemuck::cast_slice(&data.x[offset * f..end * f]),
            );
            ctx.queue
                .write_buffer(&predict_params, 0, bytemuck::bytes_of(&chunk(offset)));
            submit(ctx, "mlp predict", &dispatches);
            if (i + 1) % STEPS_PER_WAIT == 0 {
                ctx.wait().await?;
            }
        }
        ctx.read_buffer::<u32>(&predictions, 0, n).await
    }
}
