//! Per-step batch losses on the device: each queued step writes its loss into its own slot, and
//! one readback after many steps collects them.

use crate::gpu::{GpuContext, GpuError};

/// A device buffer of `slots` f32 losses, one per queued step.
pub(crate) struct StepLosses {
    buffer: wgpu::Buffer,
    slots: usize,
}

impl StepLosses {
    /// A zeroed buffer of at least one slot.
    pub(crate) fn new(ctx: &GpuContext, label: &str, slots: usize) -> Result<Self, GpuError> {
        let slots = slots.max(1);
        Ok(Self {
            buffer: ctx.zeroed_buffer(label, (slots * 4) as u64)?,
            slots,
        })
    }

    /// The buffer the loss kernels write into.
    pub(crate) fn buffer(&self) -> &wgpu::Buffer {
        &self.buffer
    }

    /// Panics unless `slot` exists.
    pub(crate) fn check_slot(&self, slot: usize) {
        assert!(slot < self.slots, "loss slot out of range");
    }

    /// The first `count` losses written since the slots were last reused.
    pub(crate) async fn read(&self, ctx: &GpuContext, count: usize) -> Result<Vec<f32>, GpuError> {
        ctx.read_buffer::<f32>(&self.buffer, 0, count.min(self.slots))
            .await
    }
}
