//! The worker's WebGPU device: created once, forgotten after a failure (CPU from then on).

use std::cell::RefCell;
use std::rc::Rc;

use crate::gpu::GpuContext;

thread_local! {
    /// The WebGPU device, created once per worker; `None` after a failure (CPU from then on).
    static GPU: RefCell<Option<Option<Rc<GpuContext>>>> = const { RefCell::new(None) };
}

/// The worker's device, or None when there is none (or it was lost).
pub(super) async fn gpu_context() -> Option<Rc<GpuContext>> {
    if let Some(known) = GPU.with(|g| g.borrow().clone()) {
        return known.filter(|ctx| !ctx.is_lost());
    }
    let ctx = GpuContext::new().await.ok().map(Rc::new);
    GPU.with(|g| *g.borrow_mut() = Some(ctx.clone()));
    ctx
}

/// Gives up on the device: the CPU runs from now on.
pub(super) fn forget_gpu() {
    GPU.with(|g| *g.borrow_mut() = Some(None));
}
