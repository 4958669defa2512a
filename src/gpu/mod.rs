//! Device plumbing (wgpu + WGSL): the device, its buffers and pipelines, and the linear algebra
//! of the closed forms on the GPU (the Gram matrix, GEMM, a noise's pencil).
//!
//! The same code runs natively (Vulkan, Metal, DX12; lavapipe in CI) and in the browser through
//! WebGPU; results come back through [`GpuContext::read_buffer`]. Training (the DAE and the MLP
//! probe, their GPU steps and CPU twins) lives in [`crate::train`], on top of this module. When
//! anything fails, the caller falls back to the CPU (`spectral`, or the CPU backend of `train`).

mod adapter;
mod context;
mod dispatch;
mod error;
mod gemm;
mod gram;
mod images;
mod kernels;
mod matrix;
mod oneshot;
mod pencil;

pub use adapter::{detect_backend, BackendInfo};
pub use context::GpuContext;
pub(crate) use dispatch::{folded_grid, groups, submit, Dispatch};
pub use error::GpuError;
pub use gemm::{matmul, Gemm, Op};
pub use gram::{gram, gram_with_plan, GramPlan};
pub use images::GpuImages;
pub use kernels::Kernel;
pub use matrix::GpuMatrix;
pub use pencil::{pencil, GpuPencil};
