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
//!
//! Files: the loop ([`train_mlp_probe`], and [`train_mlp_probe_early_stopping`] with the rule of
//! `early_stopping`), the GPU step ([`GpuMlp`], the `.wgsl` files beside
//! this one), its CPU twin ([`CpuMlp`]), the weights ([`MlpParams`]), and the probe on the top
//! and bottom variance subspaces of the paper's Figure 1 (`subspace`).

mod cpu;
mod early_stopping;
mod gpu;
mod params;
mod run;
mod subspace;

pub use cpu::CpuMlp;
pub use early_stopping::{BestEpoch, EarlyStopping};
pub use gpu::GpuMlp;
pub use params::MlpParams;
pub use run::{train_mlp_probe, train_mlp_probe_early_stopping};
pub use subspace::{
    mlp_probe_config, mlp_subspace_accuracy, mlp_validation_accuracy, subspace_features, MlpScore,
    StudyError, MLP_HIDDEN, MLP_NORMALISATION, MLP_PATIENCE, MLP_VALIDATION,
};

use super::optimiser::Optimiser;

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
    /// Passes over the training set (the most, with early stopping).
    pub epochs: usize,
    /// Mini-batch size B (an incomplete last batch is dropped).
    pub batch: usize,
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
            batch: 128,
            lr: 1e-3,
            optimiser: Optimiser::adam(),
            seed: 0,
        }
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
    pub(crate) fn gather(&self, features: usize, order: &[u32]) -> Vec<f32> {
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
    /// Mean batch loss of each epoch trained.
    pub losses: Vec<f32>,
    /// Epochs behind the reported weights: the best validation epoch (from 1) with early
    /// stopping, else every epoch trained.
    pub epochs: usize,
    /// Validation accuracy after each epoch trained (empty without early stopping).
    pub validation_acc: Vec<f32>,
    /// Training samples processed per second (optimisation only, not evaluation).
    pub samples_per_second: f64,
    /// The reported weights (the best validation epoch's, with early stopping).
    pub params: MlpParams,
}

/// Rows per evaluation submission (512 x 784 x 256 multiply-adds: well under a second on lavapipe).
pub(crate) const EVAL_ROWS: usize = 512;

/// Fraction of `predictions` equal to `labels` (0 for an empty set).
pub fn accuracy(predictions: &[u32], labels: &[u8]) -> f32 {
    let right = predictions
        .iter()
        .zip(labels)
        .filter(|(p, y)| **p == u32::from(**y))
        .count();
    right as f32 / labels.len().max(1) as f32
}

pub(crate) fn check_data(data: &ProbeData<'_>, dims: MlpDims) {
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
