//! The non-linear probe of the paper's Figure 1: a one-hidden-layer ReLU MLP trained with
//! softmax cross-entropy on given features (e.g. images projected on the top or bottom
//! principal subspace), on the GPU and its f32 CPU twin.
//!
//! Model: a = relu(x W1 + b1), logits = a W2 + b2, W1 is F x H, W2 is H x C (row-major).
//! Loss of a mini-batch of B samples: L = (1/B) sum_b (logsumexp(logits_b) - logits_b[y_b]).
//! Gradients, with dl = (softmax(logits) - onehot(y)) / B and dz = (dl W2^T) * [a > 0]:
//! dL/dW2 = a^T dl, dL/db2 = sum_b dl_b, dL/dW1 = x^T dz, dL/db1 = sum_b dz_b.
//! Batches are gathered on the host and uploaded, so the features never need to fit in one
//! storage binding (60,000 images x 784 floats do not).

use super::clock::now_seconds;
use super::context::{groups, record_all, Dispatch, GpuContext, GpuError};
use super::dae::{Optimiser, OptimiserParams};
use super::gemm::{gemm_dispatches, Op};
use super::kernels::Kernel;
use super::matrix::GpuMatrix;
use super::noise::{epoch_order, philox4x32, seed_key};

/// Where the probe trains: on a GPU device, or on the CPU twin (the fallback).
#[derive(Clone, Copy, Debug)]
pub enum MlpBackend<'a> {
    /// WebGPU compute on this device.
    Gpu(&'a GpuContext),
    /// The f32 CPU implementation of the same step.
    Cpu,
}

/// The probe's shape: F input features, H hidden ReLU units, C classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MlpDims {
    /// Input features per sample F.
    pub features: usize,
    /// Hidden units H.
    pub hidden: usize,
    /// Classes C (labels are 0..C).
    pub classes: usize,
}

/// How the probe is trained.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MlpConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Mini-batch size B (an incomplete last batch is dropped).
    pub batch_size: usize,
    /// Learning rate.
    pub lr: f32,
    /// Update rule (the DAE's: SGD with momentum or Adam).
    pub optimiser: Optimiser,
    /// Seed of the initial weights and of the visiting order.
    pub seed: u64,
}

impl Default for MlpConfig {
    fn default() -> Self {
        Self {
            epochs: 10,
            batch_size: 128,
            lr: 1e-3,
            optimiser: Optimiser::adam(),
            seed: 0,
        }
    }
}

/// The probe's weights (or their gradients), row-major f32.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MlpParams {
    /// Shape of the probe.
    pub dims: MlpDims,
    /// First layer W1, F x H.
    pub w1: Vec<f32>,
    /// First bias b1, H.
    pub b1: Vec<f32>,
    /// Second layer W2, H x C.
    pub w2: Vec<f32>,
    /// Second bias b2, C.
    pub b2: Vec<f32>,
}

impl MlpParams {
    /// All zeros.
    pub fn zeros(dims: MlpDims) -> Self {
        let MlpDims {
            features: f,
            hidden: h,
            classes: c,
        } = dims;
        Self {
            dims,
            w1: vec![0.0; f * h],
            b1: vec![0.0; h],
            w2: vec![0.0; h * c],
            b2: vec![0.0; c],
        }
    }

    /// Reproducible initial weights: W1 ~ N(0, 2/F) (He, for the ReLU), W2 ~ N(0, 1/H), zero
    /// biases; Gaussian draws from Philox stream 5 keyed by the seed.
    pub fn initial(dims: MlpDims, seed: u64) -> Self {
        let draw = |which: u32, i: usize| {
            let r = philox4x32([i as u32, which, 0, 5], seed_key(seed));
            let u1 = ((r[0] >> 8) + 1) as f32 * (1.0 / 16_777_216.0);
            let u2 = (r[1] >> 8) as f32 * (1.0 / 16_777_216.0);
            (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
        };
        let w1_std = (2.0 / dims.features.max(1) as f32).sqrt();
        let w2_std = (1.0 / dims.hidden.max(1) as f32).sqrt();
        let mut params = Self::zeros(dims);
        for (i, w) in params.w1.iter_mut().enumerate() {
            *w = w1_std * draw(0, i);
        }
        for (i, w) in params.w2.iter_mut().enumerate() {
            *w = w2_std * draw(1, i);
        }
        params
    }

    /// The four tensors in a fixed order: W1, b1, W2, b2.
    pub fn tensors(&self) -> [&[f32]; 4] {
        [&self.w1, &self.b1, &self.w2, &self.b2]
    }

    fn tensors_mut(&mut self) -> [&mut Vec<f32>; 4] {
        [&mut self.w1, &mut self.b1, &mut self.w2, &mut self.b2]
    }

    /// (rows, cols) of each tensor, in the order of [`MlpParams::tensors`].
    fn shapes(dims: MlpDims) -> [(usize, usize); 4] {
        let MlpDims {
            features: f,
            hidden: h,
            classes: c,
        } = dims;
        [(f, h), (1, h), (h, c), (1, c)]
    }
}

/// Labelled samples: `x` holds one row of `features` f32 per label in `y`.
#[derive(Clone, Copy, Debug)]
pub struct ProbeData<'a> {
    /// Features, row-major, `y.len()` rows.
    pub x: &'a [f32],
    /// Class of each row.
    pub y: &'a [u8],
}

impl ProbeData<'_> {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Rows `order[..]` stacked into one row-major block.
    fn gather(&self, features: usize, order: &[u32]) -> Vec<f32> {
        let mut rows = Vec::with_capacity(order.len() * features);
        for &i in order {
            let i = i as usize;
            rows.extend_from_slice(&self.x[i * features..(i + 1) * features]);
        }
        rows
    }
}

/// What [`train_mlp_probe`] reports.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MlpReport {
    /// Fraction of training samples classified correctly after training.
    pub train_acc: f32,
    /// Fraction of test samples classified correctly after training.
    pub test_acc: f32,
    /// Mean batch loss of each epoch.
    pub losses: Vec<f32>,
    /// Training samples processed per second (optimisation only, not evaluation).
    pub samples_per_second: f64,
    /// Final weights.
    pub params: MlpParams,
}

/// Steps queued on the GPU between waits (bounds queue depth; each step is one small submission).
const STEPS_PER_WAIT: usize = 16;

/// Rows per evaluation submission (512 x 784 x 256 multiply-adds: well under a second on lavapipe).
const EVAL_ROWS: usize = 512;

/// Trains the MLP probe on (`train_x`, `train_y`) and reports its accuracy there and on the test set.
#[allow(clippy::too_many_arguments)]
pub async fn train_mlp_probe(
    backend: MlpBackend<'_>,
    train_x: &[f32],
    train_y: &[u8],
    test_x: &[f32],
    test_y: &[u8],
    dims: MlpDims,
    config: &MlpConfig,
) -> Result<MlpReport, GpuError> {
    let train = ProbeData {
        x: train_x,
        y: train_y,
    };
    let test = ProbeData {
        x: test_x,
        y: test_y,
    };
    for set in [&train, &test] {
        check_data(set, dims);
    }
    let start = MlpParams::initial(dims, config.seed);
    let steps_per_epoch = train.len() / config.batch_size.max(1);
    let mut losses = Vec::with_capacity(config.epochs);
    let mut step = 0u32;
    let mut training_seconds = 0.0;
    let mut gpu = None;
    let mut cpu = None;
    match backend {
        MlpBackend::Gpu(ctx) => {
            gpu = Some(GpuMlp::new(ctx, train, config, &start, steps_per_epoch)?);
        }
        MlpBackend::Cpu => cpu = Some(CpuMlp::new(train, config, &start)),
    }
    for epoch in 0..config.epochs {
        let order = epoch_order(train.len(), config.seed, epoch as u32);
        let started = now_seconds();
        let mut epoch_losses = Vec::with_capacity(steps_per_epoch);
        if let Some(gpu) = gpu.as_mut() {
            gpu.begin_epoch(&order);
            for slot in 0..steps_per_epoch {
                gpu.step(slot * config.batch_size, step, slot)?;
                step += 1;
                if (slot + 1) % STEPS_PER_WAIT == 0 {
                    gpu.wait().await?;
                }
            }
            epoch_losses = gpu.losses(steps_per_epoch).await?;
        }
        if let Some(cpu) = cpu.as_mut() {
            cpu.begin_epoch(&order);
            for slot in 0..steps_per_epoch {
                epoch_losses.push(cpu.step(slot * config.batch_size, step));
                step += 1;
            }
        }
        training_seconds += now_seconds() - started;
        losses.push(epoch_losses.iter().sum::<f32>() / epoch_losses.len().max(1) as f32);
    }
    let (train_pred, test_pred, params) = match (&gpu, &cpu) {
        (Some(gpu), _) => (
            gpu.predict(train).await?,
            gpu.predict(test).await?,
            gpu.params().await?,
        ),
        (_, Some(cpu)) => (cpu.predict(train), cpu.predict(test), cpu.params().clone()),
        _ => unreachable!("one backend is always set"),
    };
    Ok(MlpReport {
        train_acc: accuracy(&train_pred, train.y),
        test_acc: accuracy(&test_pred, test.y),
        losses,
        samples_per_second: (step as usize * config.batch_size) as f64 / training_seconds.max(1e-9),
        params,
    })
}

/// Fraction of `predictions` equal to `labels` (0 for an empty set).
pub fn accuracy(predictions: &[u32], labels: &[u8]) -> f32 {
    let right = predictions
        .iter()
        .zip(labels)
        .filter(|(p, y)| **p == u32::from(**y))
        .count();
    right as f32 / labels.len().max(1) as f32
}

fn check_data(data: &ProbeData<'_>, dims: MlpDims) {
    assert_eq!(
        data.x.len(),
        data.len() * dims.features,
        "features must hold one row of F values per label"
    );
    assert!(
        data.y.iter().all(|&y| (y as usize) < dims.classes),
        "labels must lie in 0..C"
    );
}

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
    let big = usize::MAX;
    let shape = ctx.uniform(
        "mlp hidden shape",
        &ShapeParams {
            rows: hidden.rows() as u32,
            cols: hidden.cols() as u32,
            _pad: [0; 2],
        },
    );
    let mut dispatches = gemm_dispatches(ctx, 1.0, x, Op::Plain, w1, Op::Plain, 0.0, hidden, big);
    dispatches.push(Dispatch::new(
        ctx,
        ctx.pipeline(Kernel::MlpHidden),
        &[&shape, &b1.buffer, &hidden.buffer],
        [groups(hidden.cols(), 64), groups(hidden.rows(), 4), 1],
    ));
    dispatches.extend(gemm_dispatches(
        ctx,
        1.0,
        hidden,
        Op::Plain,
        w2,
        Op::Plain,
        0.0,
        logits,
        big,
    ));
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
    optimiser_uniforms: Vec<(wgpu::Buffer, usize)>,
    step_losses: wgpu::Buffer,
    loss_slots: usize,
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
        let batch = config.batch_size;
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
        let step_losses = ctx.zeroed_buffer("mlp step losses", (loss_slots.max(1) * 4) as u64)?;
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
        let big = usize::MAX;
        let [_, _, w2, _] = &params;
        let [g_w1, g_b1, g_w2, g_b2] = &grads;
        let mut dispatches = forward_dispatches(ctx, &batch_x, &params, &hidden, &logits);
        // logits -> dL/dlogits in place, and the batch loss.
        dispatches.push(Dispatch::new(
            ctx,
            ctx.pipeline(Kernel::MlpSoftmaxXent),
            &[
                &softmax_params,
                &batch_y,
                &params[3].buffer,
                &logits.buffer,
                &step_losses,
            ],
            [1, 1, 1],
        ));
        // dL/dW2 = a^T dl; dL/db2 = sum_b dl_b.
        dispatches.extend(gemm_dispatches(
            ctx,
            1.0,
            &hidden,
            Op::Transposed,
            &logits,
            Op::Plain,
            0.0,
            g_w2,
            big,
        ));
        dispatches.push(Dispatch::new(
            ctx,
            ctx.pipeline(Kernel::MlpColumnSum),
            &[&shape(batch, dims.classes), &logits.buffer, &g_b2.buffer],
            [groups(dims.classes, 64), 1, 1],
        ));
        // dz = (dl W2^T) * [a > 0].
        dispatches.extend(gemm_dispatches(
            ctx,
            1.0,
            &logits,
            Op::Plain,
            w2,
            Op::Transposed,
            0.0,
            &grad_hidden,
            big,
        ));
        dispatches.push(Dispatch::new(
            ctx,
            ctx.pipeline(Kernel::MlpReluBackward),
            &[
                &shape(batch * dims.hidden, 1),
                &hidden.buffer,
                &grad_hidden.buffer,
            ],
            [groups(batch * dims.hidden, 256), 1, 1],
        ));
        // dL/dW1 = x^T dz; dL/db1 = sum_b dz_b.
        dispatches.extend(gemm_dispatches(
            ctx,
            1.0,
            &batch_x,
            Op::Transposed,
            &grad_hidden,
            Op::Plain,
            0.0,
            g_w1,
            big,
        ));
        dispatches.push(Dispatch::new(
            ctx,
            ctx.pipeline(Kernel::MlpColumnSum),
            &[
                &shape(batch, dims.hidden),
                &grad_hidden.buffer,
                &g_b1.buffer,
            ],
            [groups(dims.hidden, 64), 1, 1],
        ));
        let mut optimiser_uniforms = Vec::with_capacity(4);
        for i in 0..4 {
            let (theta, grad, m, v) = (&params[i], &grads[i], &first[i], &second[i]);
            let len = theta.rows() * theta.cols();
            let uniform = ctx.uniform(
                "mlp optimiser",
                &OptimiserParams::at(config.optimiser, config.lr, len, 1),
            );
            let dispatch = match config.optimiser {
                Optimiser::SgdMomentum { .. } => Dispatch::new(
                    ctx,
                    ctx.pipeline(Kernel::SgdMomentum),
                    &[&uniform, &theta.buffer, &grad.buffer, &m.buffer],
                    [groups(len, 256), 1, 1],
                ),
                Optimiser::Adam { .. } => Dispatch::new(
                    ctx,
                    ctx.pipeline(Kernel::Adam),
                    &[&uniform, &theta.buffer, &grad.buffer, &m.buffer, &v.buffer],
                    [groups(len, 256), 1, 1],
                ),
            };
            dispatches.push(dispatch);
            optimiser_uniforms.push((uniform, len));
        }
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
            optimiser_uniforms,
            step_losses,
            loss_slots: loss_slots.max(1),
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
        let batch = self.config.batch_size;
        assert!(
            batch_offset + batch <= self.order.len(),
            "batch runs past the epoch order"
        );
        assert!(loss_slot < self.loss_slots, "loss slot out of range");
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
        for (uniform, len) in &self.optimiser_uniforms {
            let params = OptimiserParams::at(self.config.optimiser, self.config.lr, *len, step + 1);
            queue.write_buffer(uniform, 0, bytemuck::bytes_of(&params));
        }
        let mut encoder = self.ctx.encoder("mlp step");
        record_all(&mut encoder, &self.dispatches);
        queue.submit([encoder.finish()]);
        Ok(())
    }

    /// Waits for the queued steps to finish.
    pub async fn wait(&self) -> Result<(), GpuError> {
        self.ctx.submit_and_wait(self.ctx.encoder("mlp wait")).await
    }

    /// The first `count` per-step batch losses recorded since the slots were last reused.
    pub async fn losses(&self, count: usize) -> Result<Vec<f32>, GpuError> {
        self.ctx
            .read_buffer::<f32>(&self.step_losses, 0, count.min(self.loss_slots))
            .await
    }

    /// Current weights, read back to the host.
    pub async fn params(&self) -> Result<MlpParams, GpuError> {
        self.read_all(&self.params).await
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
            ctx.pipeline(Kernel::MlpPredict),
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
            let mut encoder = ctx.encoder("mlp predict");
            record_all(&mut encoder, &dispatches);
            ctx.queue.submit([encoder.finish()]);
            if (i + 1) % STEPS_PER_WAIT == 0 {
                ctx.submit_and_wait(ctx.encoder("mlp predict wait")).await?;
            }
        }
        ctx.read_buffer::<u32>(&predictions, 0, n).await
    }
}

/// The same probe step on the CPU in f32 (same batches, same order of sums where it matters):
/// fallback backend and reference.
pub struct CpuMlp<'a> {
    train: ProbeData<'a>,
    config: MlpConfig,
    params: MlpParams,
    grads: MlpParams,
    first: MlpParams,
    second: MlpParams,
    order: Vec<u32>,
}

type Mat = faer::Mat<f32>;

fn mat(values: &[f32], rows: usize, cols: usize) -> Mat {
    faer::MatRef::from_row_major_slice(values, rows, cols).to_owned()
}

fn row_major(m: &Mat) -> Vec<f32> {
    let mut out = Vec::with_capacity(m.nrows() * m.ncols());
    for i in 0..m.nrows() {
        for j in 0..m.ncols() {
            out.push(m[(i, j)]);
        }
    }
    out
}

fn column_sums(m: &Mat) -> Vec<f32> {
    (0..m.ncols())
        .map(|j| (0..m.nrows()).fold(0.0, |sum, b| sum + m[(b, j)]))
        .collect()
}

/// Hidden activations a = relu(x W1 + b1) and logits a W2 + b2 of a block of samples.
fn cpu_forward(params: &MlpParams, x: &[f32], rows: usize) -> (Mat, Mat) {
    let MlpDims {
        features: f,
        hidden: h,
        classes: c,
    } = params.dims;
    let mut a = mat(x, rows, f) * mat(&params.w1, f, h);
    for b in 0..rows {
        for j in 0..h {
            a[(b, j)] = (a[(b, j)] + params.b1[j]).max(0.0);
        }
    }
    let mut logits = &a * mat(&params.w2, h, c);
    for b in 0..rows {
        for k in 0..c {
            logits[(b, k)] += params.b2[k];
        }
    }
    (a, logits)
}

impl<'a> CpuMlp<'a> {
    /// Starts from `start` for training on `train`.
    pub fn new(train: ProbeData<'a>, config: &MlpConfig, start: &MlpParams) -> Self {
        check_data(&train, start.dims);
        let zeros = MlpParams::zeros(start.dims);
        Self {
            train,
            config: *config,
            params: start.clone(),
            grads: zeros.clone(),
            first: zeros.clone(),
            second: zeros,
            order: Vec::new(),
        }
    }

    /// Sets the visiting order of the coming epoch.
    pub fn begin_epoch(&mut self, order: &[u32]) {
        assert_eq!(
            order.len(),
            self.train.len(),
            "order must list every sample"
        );
        self.order = order.to_vec();
    }

    /// One step on the batch `order[batch_offset..batch_offset + B]` as update number `step`
    /// (from 0); returns its loss.
    pub fn step(&mut self, batch_offset: usize, step: u32) -> f32 {
        let batch = self.config.batch_size;
        let MlpDims {
            features: f,
            hidden: h,
            classes: c,
        } = self.params.dims;
        let rows = &self.order[batch_offset..batch_offset + batch];
        let x = self.train.gather(f, rows);
        let (a, mut dl) = cpu_forward(&self.params, &x, batch);
        let inv_batch = 1.0 / batch as f32;
        let mut loss = 0.0;
        for (b, &i) in rows.iter().enumerate() {
            let label = self.train.y[i as usize] as usize;
            let top = (0..c).fold(f32::NEG_INFINITY, |m, k| m.max(dl[(b, k)]));
            let total: f32 = (0..c).map(|k| (dl[(b, k)] - top).exp()).sum();
            loss += total.ln() - (dl[(b, label)] - top);
            for k in 0..c {
                let p = (dl[(b, k)] - top).exp() / total - f32::from(u8::from(k == label));
                dl[(b, k)] = p * inv_batch;
            }
        }
        let mut dz = &dl * mat(&self.params.w2, h, c).transpose();
        for b in 0..batch {
            for j in 0..h {
                if a[(b, j)] <= 0.0 {
                    dz[(b, j)] = 0.0;
                }
            }
        }
        self.grads.w2 = row_major(&(a.transpose() * &dl));
        self.grads.b2 = column_sums(&dl);
        self.grads.w1 = row_major(&(mat(&x, batch, f).transpose() * &dz));
        self.grads.b1 = column_sums(&dz);
        let t = step + 1;
        let [w1, b1, w2, b2] = self.params.tensors_mut();
        let [m1, n1, m2, n2] = self.first.tensors_mut();
        let [v1, u1, v2, u2] = self.second.tensors_mut();
        let grads = self.grads.tensors();
        for (((theta, m), v), g) in [w1, b1, w2, b2]
            .into_iter()
            .zip([m1, n1, m2, n2])
            .zip([v1, u1, v2, u2])
            .zip(grads)
        {
            let p = OptimiserParams::at(self.config.optimiser, self.config.lr, theta.len(), t);
            for i in 0..theta.len() {
                match self.config.optimiser {
                    Optimiser::SgdMomentum { .. } => {
                        m[i] = p.beta1 * m[i] + g[i];
                        theta[i] -= p.lr * m[i];
                    }
                    Optimiser::Adam { .. } => {
                        m[i] = p.beta1 * m[i] + (1.0 - p.beta1) * g[i];
                        v[i] = p.beta2 * v[i] + (1.0 - p.beta2) * g[i] * g[i];
                        theta[i] -= p.lr * (m[i] * p.bias1) / ((v[i] * p.bias2).sqrt() + p.eps);
                    }
                }
            }
        }
        loss * inv_batch
    }

    /// Current weights.
    pub fn params(&self) -> &MlpParams {
        &self.params
    }

    /// Gradients of the last step's batch loss (before the update).
    pub fn gradients(&self) -> &MlpParams {
        &self.grads
    }

    /// Predicted class of every sample of `data` (lowest class on ties, like the GPU).
    pub fn predict(&self, data: ProbeData<'_>) -> Vec<u32> {
        check_data(&data, self.params.dims);
        let f = self.params.dims.features;
        let mut out = Vec::with_capacity(data.len());
        for offset in (0..data.len()).step_by(EVAL_ROWS) {
            let end = (offset + EVAL_ROWS).min(data.len());
            let (_, logits) = cpu_forward(&self.params, &data.x[offset * f..end * f], end - offset);
            for b in 0..end - offset {
                let mut best = 0;
                for k in 1..logits.ncols() {
                    if logits[(b, k)] > logits[(b, best)] {
                        best = k;
                    }
                }
                out.push(best as u32);
            }
        }
        out
    }
}
