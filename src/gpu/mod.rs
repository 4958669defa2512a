//! WebGPU compute (wgpu + WGSL): the paper's Gram matrix, pencils, linear DAE training and the MLP probe on the GPU.
//!
//! Every kernel lives in its own file under `shaders/`. The same code runs natively
//! (Vulkan, Metal, DX12; lavapipe in CI) and in the browser through WebGPU; results come
//! back through [`GpuContext::read_buffer`]. When anything fails, the caller falls back to
//! the CPU (`spectral`, or [`train_dae`] with the CPU backend).

mod backend;
mod clock;
mod context;
mod dae;
mod gemm;
mod gram;
mod images;
mod kernels;
mod matrix;
mod mlp;
mod noise;
mod pencil;
mod train;

pub use backend::{probe_backend, BackendInfo};
pub use context::{GpuContext, GpuError};
pub use dae::{CpuDae, DaeConfig, DaeWeights, GpuDae, Optimiser};
pub use gemm::{gemm, matmul, Op};
pub use gram::{gram, gram_with_plan, GramPlan};
pub use images::{GpuImages, Standardisation};
pub use matrix::GpuMatrix;
pub use mlp::{
    accuracy, train_mlp_probe, CpuMlp, GpuMlp, MlpBackend, MlpConfig, MlpDims, MlpParams,
    MlpReport, ProbeData,
};
pub use noise::{epoch_order, gaussian_draw, mask_keeps, patch_of_pixel, philox4x32, Noise};
pub use pencil::{pencil, GpuPencil};
pub use train::{train_dae, DaeBackend, DaeRun, EpochReport};
