//! WebAssembly entry points for the page's Web Worker: thin wrappers that turn the library's
//! results into the plain objects of the worker protocol (see `www/worker.js`).

use wasm_bindgen::prelude::*;

#[cfg(feature = "bench")]
mod bench;
mod cancel;
mod device;
#[cfg(feature = "bench")]
mod fault;
mod folder;
mod gram_cache;
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

/// Sends Rust panics to the console and keeps the message in the worker's global
/// `reconAlignPanic`, so that the page reports the panic's text rather than "unreachable" once the
/// module has trapped.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = format!("the computation panicked{at}: {what}");
        web_sys::console::error_1(&message.as_str().into());
        let _ = js_sys::Reflect::set(
            &js_sys::global(),
            &"reconAlignPanic".into(),
            &message.as_str().into(),
        );
    }));
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
