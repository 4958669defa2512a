//! Training by mini-batch gradient descent, on a GPU device or on the CPU: the linear denoising
//! autoencoder ([`dae`]) and the MLP probe of the paper's Figure 1 ([`mlp`]).
//!
//! Each model has its settings, its loop, its GPU step (WGSL beside the Rust that drives it) and
//! its CPU twin, which takes the same batches, the same random numbers ([`random`]) and the same
//! update ([`Optimiser`]), so the two backends agree to f32 rounding. The device plumbing they
//! run on is [`crate::gpu`].

mod backend;
mod clock;
pub mod dae;
pub mod mlp;
mod optimiser;
mod pacer;
pub mod random;
mod settings;
mod step_losses;

pub use backend::Backend;
pub use dae::{
    checkpoints_in_epoch, train_dae, train_dae_from, Checkpoint, CpuDae, DaeConfig, DaeRun,
    DaeWeights, EpochReport, GpuDae, Resume,
};
pub use mlp::{
    accuracy, mlp_probe_config, mlp_subspace_accuracy, mlp_validation_accuracy, train_mlp_probe,
    CpuMlp, GpuMlp, MlpConfig, MlpDims, MlpParams, MlpReport, ProbeData, StudyError, MLP_HIDDEN,
};
pub use optimiser::Optimiser;
pub use random::{epoch_order, gaussian_draw, mask_keeps, philox4x32, standard_normal};
pub use settings::{TrainSettings, INIT_SCALE};

/// Steps queued on the GPU between waits: bounds the queue's depth and the latency of a cancel.
pub(crate) const STEPS_PER_WAIT: usize = 16;
