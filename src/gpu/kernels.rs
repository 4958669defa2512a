//! Every compute kernel of the crate, and the pipelines compiled from them on first use.
//!
//! This is the one list of kernels: [`Kernel::ALL`] sizes the pipeline cache, and a test
//! compiles each of them. The WGSL of the device's own linear algebra (Gram, GEMM, pencil) sits
//! in `src/gpu/shaders/`; the training kernels sit beside the Rust that drives them, in
//! `src/train/` (the DAE step, the optimiser, the MLP probe). This module only names their
//! files; it imports nothing from `train`.

use std::sync::OnceLock;

/// One entry point of one WGSL module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Split-K partial byte Grams of the u8 images, exact in u32 (`gram_partial.wgsl`).
    GramPartial,
    /// Sum of the split-K partials into 64-bit byte sums (`gram_reduce.wgsl`, `reduce`).
    GramReduce,
    /// G from the 64-bit byte sums: exact centring, one rounding (`gram_reduce.wgsl`, `centre`).
    GramCentre,
    /// Tiled C = alpha op(A) op(B) + beta C (`gemm.wgsl`).
    Gemm,
    /// B of a noise's pencil from G (`pencil.wgsl`).
    Pencil,
    /// A = K G G K from G G, for noises that keep pixels (`shaders/pencil.wgsl`, `scale`).
    PencilScale,
    /// The DAE step: clean and corrupted batch (`dae.wgsl`, `corrupt`).
    DaeCorrupt,
    /// The DAE step: residual and row losses (`dae.wgsl`, `residual`).
    DaeResidual,
    /// The DAE step: the batch loss into its slot (`dae.wgsl`, `batch_loss`).
    DaeBatchLoss,
    /// Heavy-ball SGD update (`optimiser.wgsl`, `sgd_momentum`).
    SgdMomentum,
    /// Adam update (`optimiser.wgsl`, `adam`).
    Adam,
    /// MLP probe: bias and ReLU of the hidden layer (`mlp/hidden.wgsl`).
    MlpHidden,
    /// MLP probe: softmax cross-entropy and its gradient (`mlp/softmax_xent.wgsl`).
    MlpSoftmaxXent,
    /// MLP probe: ReLU mask of the hidden gradient (`mlp/relu_backward.wgsl`).
    MlpReluBackward,
    /// MLP probe: column sums, for the bias gradients (`mlp/column_sum.wgsl`).
    MlpColumnSum,
    /// MLP probe: arg-max class of each row (`mlp/predict.wgsl`).
    MlpPredict,
}

impl Kernel {
    /// Every kernel, in the order of the pipeline cache's slots.
    pub const ALL: [Kernel; 16] = [
        Kernel::GramPartial,
        Kernel::GramReduce,
        Kernel::GramCentre,
        Kernel::Gemm,
        Kernel::Pencil,
        Kernel::PencilScale,
        Kernel::DaeCorrupt,
        Kernel::DaeResidual,
        Kernel::DaeBatchLoss,
        Kernel::SgdMomentum,
        Kernel::Adam,
        Kernel::MlpHidden,
        Kernel::MlpSoftmaxXent,
        Kernel::MlpReluBackward,
        Kernel::MlpColumnSum,
        Kernel::MlpPredict,
    ];

    /// The kernel's slot in [`Kernel::ALL`], which lists the variants in declaration order.
    fn slot(self) -> usize {
        self as usize
    }

    /// The WGSL module and the entry point.
    fn source(self) -> (wgpu::ShaderModuleDescriptor<'static>, &'static str) {
        use wgpu::include_wgsl;
        match self {
            Kernel::GramPartial => (include_wgsl!("shaders/gram_partial.wgsl"), "main"),
            Kernel::GramReduce => (include_wgsl!("shaders/gram_reduce.wgsl"), "reduce"),
            Kernel::GramCentre => (include_wgsl!("shaders/gram_reduce.wgsl"), "centre"),
            Kernel::Gemm => (include_wgsl!("shaders/gemm.wgsl"), "main"),
            Kernel::Pencil => (include_wgsl!("shaders/pencil.wgsl"), "main"),
            Kernel::PencilScale => (include_wgsl!("shaders/pencil.wgsl"), "scale"),
            Kernel::DaeCorrupt => (include_wgsl!("../train/dae/dae.wgsl"), "corrupt"),
            Kernel::DaeResidual => (include_wgsl!("../train/dae/dae.wgsl"), "residual"),
            Kernel::DaeBatchLoss => (include_wgsl!("../train/dae/dae.wgsl"), "batch_loss"),
            Kernel::SgdMomentum => (include_wgsl!("../train/optimiser.wgsl"), "sgd_momentum"),
            Kernel::Adam => (include_wgsl!("../train/optimiser.wgsl"), "adam"),
            Kernel::MlpHidden => (include_wgsl!("../train/mlp/hidden.wgsl"), "main"),
            Kernel::MlpSoftmaxXent => (include_wgsl!("../train/mlp/softmax_xent.wgsl"), "main"),
            Kernel::MlpReluBackward => (include_wgsl!("../train/mlp/relu_backward.wgsl"), "main"),
            Kernel::MlpColumnSum => (include_wgsl!("../train/mlp/column_sum.wgsl"), "main"),
            Kernel::MlpPredict => (include_wgsl!("../train/mlp/predict.wgsl"), "main"),
        }
    }
}

/// Lazily compiled pipelines, one slot per [`Kernel`].
#[derive(Default)]
pub(crate) struct Kernels {
    slots: [OnceLock<wgpu::ComputePipeline>; Kernel::ALL.len()],
}

impl Kernels {
    /// The pipeline for `kernel` on `device`, compiled the first time it is asked for.
    pub(crate) fn get(&self, device: &wgpu::Device, kernel: Kernel) -> &wgpu::ComputePipeline {
        self.slots[kernel.slot()].get_or_init(|| {
            let (module, entry_point) = kernel.source();
            let module = device.create_shader_module(module);
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
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

#[cfg(test)]
mod tests {
    use super::Kernel;

    #[test]
    fn the_list_holds_every_kernel_once_in_declaration_order() {
        for (i, kernel) in Kernel::ALL.iter().enumerate() {
            assert_eq!(kernel.slot(), i, "{kernel:?}");
        }
    }
}
