//! Wall-clock seconds for throughput reports (the one platform edge in the training driver).

/// Seconds since an arbitrary origin.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn now_seconds() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// Seconds since an arbitrary origin.
#[cfg(target_arch = "wasm32")]
pub(crate) fn now_seconds() -> f64 {
    js_sys::Date::now() / 1000.0
}

/// Lets the host's event loop run (native: nothing to do).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) async fn yield_now() {}

/// Lets the worker's event loop run, so that a cancel message can arrive during a CPU run.
#[cfg(target_arch = "wasm32")]
pub(crate) async fn yield_now() {
    use wasm_bindgen::JsCast;
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        // A failed setTimeout only means no pause; the run goes on either way.
        let _ = scope.set_timeout_with_callback(&resolve);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
