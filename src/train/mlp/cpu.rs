//! The MLP probe's step on the CPU in f32 (same batches, same order of sums where it matters):
//! the fallback backend and the GPU's reference.

use super::{check_data, MlpConfig, MlpDims, MlpParams, ProbeData, EVAL_ROWS};

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
        let batch = self.config.batch;
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
        let (optimiser, lr, t) = (self.config.optimiser, self.config.lr, step + 1);
        let grads = self.grads.tensors();
        for (((theta, m), v), g) in self
            .params
            .tensors_mut()
            .into_iter()
            .zip(self.first.tensors_mut())
            .zip(self.second.tensors_mut())
            .zip(grads)
        {
            optimiser.update(lr, t, theta, g, m, v);
        }
        loss * inv_batch
    }

    /// Current weights.
    pub fn params(&self) -> &MlpParams {
        &self.params
    }

    /// Replaces the weights (not the optimiser's state), e.g. by those of an earlier epoch.
    pub fn set_params(&mut self, params: &MlpParams) {
        assert_eq!(params.dims, self.params.dims, "weights of another shape");
        self.params = params.clone();
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
