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
