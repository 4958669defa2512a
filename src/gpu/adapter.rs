//! Which compute backend the page and the tool use, found without creating a device.
/// Which compute backend a run uses, and why.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum BackendInfo {
    /// A WebGPU/Vulkan/Metal/DX12 adapter was found.
    Webgpu {
        /// Adapter name as the driver reports it (browsers may leave it empty).
        adapter: String,
        /// wgpu backend (BrowserWebGpu, Vulkan, ...).
        backend: String,
    },
    /// No usable adapter: the CPU path runs instead.
    Cpu {
        /// Why the GPU is not used, in a few words.
        reason: String,
        /// What the driver or browser said.
        detail: String,
    },
}

/// Looks for a GPU adapter without creating a device.
pub async fn detect_backend() -> BackendInfo {
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    match instance
        .request_adapter(&wgpu::RequestAdapterOptions::default())
        .await
    {
        Ok(adapter) => {
            let info = adapter.get_info();
            BackendInfo::Webgpu {
                adapter: info.name,
                backend: format!("{:?}", info.backend),
            }
        }
        Err(e) => BackendInfo::Cpu {
            reason: "WebGPU unavailable".into(),
            detail: e.to_string(),
        },
    }
}
