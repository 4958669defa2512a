//! Faults on demand, for the recovery tests only (built with the `bench` feature, never shipped):
//! the worker's `fault` task calls this to panic, trap or stall the module as a bug would.

use std::sync::atomic::{AtomicUsize, Ordering};

use wasm_bindgen::prelude::*;

use crate::gpu::GpuContext;

/// Epoch after which the next GPU training run destroys its device (0: never).
static LOSE_DEVICE_AFTER: AtomicUsize = AtomicUsize::new(0);

/// Destroys `ctx`'s device after the epoch `lose-device` asked for (once).
pub(super) fn maybe_lose_device(ctx: &GpuContext, epoch: usize) {
    let after = LOSE_DEVICE_AFTER.load(Ordering::Relaxed);
    if after != 0 && epoch >= after {
        LOSE_DEVICE_AFTER.store(0, Ordering::Relaxed);
        ctx.device.destroy();
    }
}

/// `panic`: a Rust panic (the module traps after the hook records the message); `stall`: spins
/// for `seconds` without yielding, as a runaway computation would; `lose-device`: the next GPU
/// training run destroys its device after epoch `seconds` (a number of epochs here).
#[wasm_bindgen(js_name = faultForTest)]
pub fn fault_for_test(kind: &str, seconds: f64) -> Result<(), JsError> {
    match kind {
        "panic" => panic!("a fault injected by a test (kind `{kind}`)"),
        "stall" => {
            let until = js_sys::Date::now() + 1000.0 * seconds;
            while js_sys::Date::now() < until {
                std::hint::spin_loop();
            }
            Ok(())
        }
        "lose-device" => {
            LOSE_DEVICE_AFTER.store(seconds.max(1.0) as usize, Ordering::Relaxed);
            Ok(())
        }
        other => Err(JsError::new(&format!("no fault called `{other}`"))),
    }
}
