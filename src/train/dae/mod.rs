//! The linear denoising autoencoder trained by mini-batch descent: its configuration and
//! weights, the training loop ([`train_dae`]), the GPU step ([`GpuDae`], `dae.wgsl`) and its
//! CPU twin ([`CpuDae`]).
//!
//! Loss of a mini-batch of B samples: L = (1/B) sum_b ||x_b - W E x~_b||^2 (squared error summed
//! over pixels, averaged over the batch), so its expectation over data and noise is the paper's
//! E||x - W E x~||^2 per sample. Gradients: dL/dW = (2/B) R^T Z and dL/dE = (2/B) (R W)^T X~,
//! with Z = X~ E^T and R = X~ E^T W^T - X.

mod checkpoints;
mod corruption;
mod cpu;
mod gpu;
mod run;

pub use checkpoints::{checkpoint_slots, checkpoints_in_epoch};
pub use cpu::CpuDae;
pub use gpu::GpuDae;
pub use run::{train_dae, train_dae_from, Checkpoint, DaeRun, EpochReport, Resume};

use crate::spectral::Noise;

use super::optimiser::Optimiser;
use super::random::initial_weight_draw;
use super::settings::TrainSettings;

/// Training settings of the linear DAE, resolved from [`TrainSettings`].
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
    pub batch: usize,
    /// Seed of the initial weights, the visiting order and the noise.
    pub seed: u64,
    /// Initial weights are N(0, init_scale^2 / D) for E and N(0, init_scale^2 / K) for W.
    pub init_scale: f32,
}

impl Default for DaeConfig {
    /// The configuration of `TrainSettings::default()`: one set of defaults for every caller.
    fn default() -> Self {
        TrainSettings::default()
            .config()
            .expect("the default settings are valid")
            .1
    }
}

impl DaeConfig {
    /// Stream tag of the noise in the RNG counter, as `dae.wgsl` reads it (0 none,
    /// 1 additive Gaussian, 2 dropping), so the two kinds never share random numbers. A drop map
    /// draws like a 1x1 mask and a Gaussian map like isotropic Gaussian noise.
    pub(crate) fn noise_mode(&self) -> u32 {
        match self.noise {
            Noise::None => 0,
            Noise::Gaussian { .. } | Noise::GaussMap { .. } => 1,
            Noise::Mask { .. } | Noise::DropMap { .. } => 2,
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
        let e_std = init_scale / (d as f32).sqrt();
        let w_std = init_scale / (k as f32).sqrt();
        Self {
            d,
            k,
            encoder: (0..k * d)
                .map(|i| e_std * initial_weight_draw(seed, 4, 0, i))
                .collect(),
            decoder: (0..d * k)
                .map(|i| w_std * initial_weight_draw(seed, 4, 1, i))
                .collect(),
        }
    }
}
