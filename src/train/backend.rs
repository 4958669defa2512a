//! Where a model trains: on a GPU device, or on the CPU twin of the same step.

use crate::gpu::GpuContext;

/// Where a model trains (the DAE and the MLP probe alike).
#[derive(Clone, Copy, Debug)]
pub enum Backend<'a> {
    /// WebGPU compute on this device.
    Gpu(&'a GpuContext),
    /// The f32 CPU implementation of the same step (the fallback, and the reference).
    Cpu,
}

impl Backend<'_> {
    /// `gpu` or `cpu`, as the page and the CLI print it.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Gpu(_) => "gpu",
            Backend::Cpu => "cpu",
        }
    }
}
