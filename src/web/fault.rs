//! Faults on demand, for the recovery tests only (built with the `bench` feature, never shipped):
//! the worker's `fault` task calls this to panic, trap or stall the module as a bug would.

use wasm_bindgen::prelude::*;

/// `panic`: a Rust panic (the module traps after the hook records the message); `stall`: spins
/// for `seconds` without yielding, as a runaway computation would.
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
        other => Err(JsError::new(&format!("no fault called `{other}`"))),
    }
}
