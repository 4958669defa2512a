//! WebAssembly entry points for the page's Web Worker: thin wrappers that turn the library's
//! results into the plain objects of the worker protocol (see `www/worker.js`).

use std::sync::atomic::{AtomicBool, Ordering};

use wasm_bindgen::prelude::*;

#[cfg(feature = "bench")]
mod bench;
mod device;
mod lab;
mod results;
mod training;

pub(crate) fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

pub(crate) fn from_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("bad settings: {e}")))
}

pub(crate) fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// Set by [`cancel`], read between training steps.
pub(crate) static CANCEL: AtomicBool = AtomicBool::new(false);

/// Sends Rust panics to the console so the page can report them instead of dying silently.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("recon-align panicked: {info}").into());
    }));
}

/// Asks the running training loop to stop after the current step.
#[wasm_bindgen]
pub fn cancel() {
    CANCEL.store(true, Ordering::Relaxed);
}

/// Finds a WebGPU adapter: `{ kind: "webgpu", adapter, backend }` or `{ kind: "cpu", reason }`.
#[wasm_bindgen(js_name = detectBackend)]
pub async fn detect_backend() -> Result<JsValue, JsError> {
    to_js(&crate::gpu::detect_backend().await)
}

/// The default training run, `TrainSettings::default()`: the page's state table must match it.
#[wasm_bindgen(js_name = defaultTrainSettings)]
pub fn default_train_settings() -> Result<JsValue, JsError> {
    to_js(&crate::train::TrainSettings::default())
}
