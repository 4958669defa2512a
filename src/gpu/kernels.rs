//! Compute pipelines, compiled on first use and kept for the life of the device.

use std::sync::OnceLock;

use super::context::GpuContext;

/// Every compute kernel of this crate, one `.wgsl` file each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kernel {
    GramPartial,
    GramReduce,
    Gemm,
    Pencil,
    DaeCorrupt,
    DaeResidual,
    DaeBatchLoss,
    SgdMomentum,
    Adam,
    MlpHidden,
    MlpSoftmaxXent,
    MlpReluBackward,
    MlpColumnSum,
    MlpPredict,
}

const KERNEL_COUNT: usize = 14;

/// Lazily compiled pipelines, one slot per [`Kernel`].
#[derive(Default)]
pub(crate) struct Kernels {
    slots: [OnceLock<wgpu::ComputePipeline>; KERNEL_COUNT],
}

impl GpuContext {
    /// The pipeline for `kernel`, compiled (with an automatic layout) the first time it is asked for.
    pub(crate) fn pipeline(&self, kernel: Kernel) -> &wgpu::ComputePipeline {
        self.kernels.slots[kernel as usize].get_or_init(|| {
            let (module, entry_point) = match kernel {
                Kernel::GramPartial => (wgpu::include_wgsl!("shaders/gram_partial.wgsl"), "main"),
                Kernel::GramReduce => (wgpu::include_wgsl!("shaders/gram_reduce.wgsl"), "main"),
                Kernel::Gemm => (wgpu::include_wgsl!("shaders/gemm.wgsl"), "main"),
                Kernel::Pencil => (wgpu::include_wgsl!("shaders/pencil.wgsl"), "main"),
                Kernel::DaeCorrupt => (wgpu::include_wgsl!("shaders/dae_corrupt.wgsl"), "main"),
                Kernel::DaeResidual => (wgpu::include_wgsl!("shaders/dae_residual.wgsl"), "main"),
                Kernel::DaeBatchLoss => {
                    (wgpu::include_wgsl!("shaders/dae_batch_loss.wgsl"), "main")
                }
                Kernel::SgdMomentum => (
                    wgpu::include_wgsl!("shaders/optimiser.wgsl"),
                    "sgd_momentum",
                ),
                Kernel::Adam => (wgpu::include_wgsl!("shaders/optimiser.wgsl"), "adam"),
                Kernel::MlpHidden => (wgpu::include_wgsl!("shaders/mlp_hidden.wgsl"), "main"),
                Kernel::MlpSoftmaxXent => {
                    (wgpu::include_wgsl!("shaders/mlp_softmax_xent.wgsl"), "main")
                }
                Kernel::MlpReluBackward => (
                    wgpu::include_wgsl!("shaders/mlp_relu_backward.wgsl"),
                    "main",
                ),
                Kernel::MlpColumnSum => {
                    (wgpu::include_wgsl!("shaders/mlp_column_sum.wgsl"), "main")
                }
                Kernel::MlpPredict => (wgpu::include_wgsl!("shaders/mlp_predict.wgsl"), "main"),
            };
            let module = self.device.create_shader_module(module);
            self.device
                .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(entry_point),
                    layout: None,
                    module: &module,
                    entry_point: Some(entry_point),
                    compilation_options: Default::default(),
                    cache: None,
                })
        })
    }
}
