//! WebAssembly entry points for the page's Web Worker: thin wrappers around the library.

use wasm_bindgen::prelude::*;

use crate::dataset::Dataset;

mod bench;

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// Sends Rust panics to the console so the page can report them instead of dying silently.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("recon-align panicked: {info}").into());
    }));
}

/// A loaded dataset and everything computed from it, owned by the worker.
#[wasm_bindgen]
pub struct Lab {
    data: Dataset,
}

#[wasm_bindgen]
impl Lab {
    /// Loads the bundled format (`www/data/mnist.bin`).
    #[wasm_bindgen(js_name = fromBundled)]
    pub fn from_bundled(bytes: &[u8]) -> Result<Lab, JsError> {
        Ok(Lab {
            data: Dataset::from_bundled(bytes).map_err(|e| JsError::new(&e.to_string()))?,
        })
    }

    /// Loads a pair of IDX files (raw or gzip).
    #[wasm_bindgen(js_name = fromIdx)]
    pub fn from_idx(images: &[u8], labels: &[u8]) -> Result<Lab, JsError> {
        Ok(Lab {
            data: Dataset::from_idx(images, labels).map_err(|e| JsError::new(&e.to_string()))?,
        })
    }

    /// Sizes and class counts.
    pub fn summary(&self) -> Result<JsValue, JsError> {
        to_js(&self.data.summary())
    }

    /// The bytes of `count` images spread evenly over the dataset, for the sample grid.
    pub fn samples(&self, count: usize) -> Vec<u8> {
        let count = count.min(self.data.n);
        (0..count)
            .flat_map(|i| self.data.image(i * self.data.n / count).iter().copied())
            .collect()
    }

    /// Labels of the images returned by [`Lab::samples`].
    #[wasm_bindgen(js_name = sampleLabels)]
    pub fn sample_labels(&self, count: usize) -> Vec<u8> {
        let count = count.min(self.data.n);
        (0..count)
            .map(|i| self.data.labels[i * self.data.n / count])
            .collect()
    }
}

/// Finds a WebGPU adapter: `{ kind: "webgpu", adapter, backend }` or `{ kind: "cpu", reason }`.
#[wasm_bindgen(js_name = detectBackend)]
pub async fn detect_backend() -> Result<JsValue, JsError> {
    to_js(&crate::gpu::probe_backend().await)
}
