//! The device: adapter selection, limits, loss tracking, and the one readback helper.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use wgpu::util::DeviceExt;

use super::error::GpuError;
use super::kernels::{Kernel, Kernels};
use super::oneshot::oneshot;

/// A queued submission, to wait for with [`GpuContext::wait_for`].
pub(crate) struct Submitted {
    index: wgpu::SubmissionIndex,
    receiver: super::oneshot::Receiver<()>,
}

/// A wgpu device and queue with the limits this crate asked for and a device-lost flag.
pub struct GpuContext {
    /// The wgpu device.
    pub device: wgpu::Device,
    /// The device's queue.
    pub queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    limits: wgpu::Limits,
    lost: Arc<AtomicBool>,
    failure: Arc<Mutex<Option<String>>>,
    kernels: Kernels,
}

impl std::fmt::Debug for GpuContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuContext")
            .field("adapter", &self.describe())
            .finish_non_exhaustive()
    }
}

impl GpuContext {
    /// Opens the default adapter, honouring `WGPU_BACKEND` and `WGPU_ADAPTER_NAME` where an environment exists.
    pub async fn new() -> Result<Self, GpuError> {
        let descriptor = wgpu::InstanceDescriptor::new_without_display_handle().with_env();
        let backends = descriptor.backends;
        let instance = wgpu::Instance::new(descriptor);
        let adapter = match std::env::var("WGPU_ADAPTER_NAME") {
            Ok(wanted) => {
                let wanted = wanted.to_lowercase();
                let mut found = None;
                for adapter in instance.enumerate_adapters(backends).await {
                    if adapter.get_info().name.to_lowercase().contains(&wanted) {
                        found = Some(adapter);
                        break;
                    }
                }
                found.ok_or_else(|| {
                    GpuError::NoAdapter(format!("no adapter name contains {wanted:?}"))
                })?
            }
            Err(_) => instance
                .request_adapter(&wgpu::RequestAdapterOptions {
                    power_preference: wgpu::PowerPreference::from_env()
                        .unwrap_or(wgpu::PowerPreference::HighPerformance),
                    force_fallback_adapter: false,
                    compatible_surface: None,
                    ..Default::default()
                })
                .await
                .map_err(|e| GpuError::NoAdapter(e.to_string()))?,
        };
        Self::from_adapter(adapter).await
    }

    /// Creates the device on a chosen adapter, asking for the largest buffers it offers.
    pub async fn from_adapter(adapter: wgpu::Adapter) -> Result<Self, GpuError> {
        let offered = adapter.limits();
        let required_limits = wgpu::Limits {
            max_storage_buffer_binding_size: offered.max_storage_buffer_binding_size,
            max_buffer_size: offered.max_buffer_size,
            max_storage_buffers_per_shader_stage: offered
                .max_storage_buffers_per_shader_stage
                .min(8),
            ..wgpu::Limits::downlevel_defaults()
        };
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("recon-align"),
                required_features: wgpu::Features::empty(),
                required_limits,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::DeviceRequestFailed(e.to_string()))?;
        let lost = Arc::new(AtomicBool::new(false));
        let failure = Arc::new(Mutex::new(None));
        {
            let lost = lost.clone();
            let failure = failure.clone();
            device.set_device_lost_callback(move |reason, message| {
                lost.store(true, Ordering::SeqCst);
                if let Ok(mut slot) = failure.lock() {
                    slot.get_or_insert(format!("{reason:?}: {message}"));
                }
            });
        }
        {
            let failure = failure.clone();
            device.on_uncaptured_error(Arc::new(move |error: wgpu::Error| {
                if let Ok(mut slot) = failure.lock() {
                    slot.get_or_insert(error.to_string());
                }
            }));
        }
        let limits = device.limits();
        Ok(Self {
            kernels: Kernels::default(),
            device,
            queue,
            info: adapter.get_info(),
            limits,
            lost,
            failure,
        })
    }

    /// Multiply-adds one queue submission may carry (products are cut into submissions of at
    /// most this much work, so each stays well under a second): 2^28 on a CPU adapter (Mesa
    /// lavapipe, a browser's fallback adapter), where that is about half a second; 2^33 on a
    /// discrete GPU (under 10 ms at 2 TFLOP/s, the slowest such card in use; on an H200 2^30 left
    /// the Gram of 60,000 images in submissions too small to fill the GPU, BENCHMARKS.md); 2^30
    /// on any other (integrated, virtual, unknown), a few milliseconds there.
    pub fn muladds_per_submission(&self) -> usize {
        match self.info.device_type {
            wgpu::DeviceType::Cpu => 1 << 28,
            // (2^32 - 1 where usize has 32 bits, as in wasm32.)
            wgpu::DeviceType::DiscreteGpu => usize::try_from(1u64 << 33).unwrap_or(usize::MAX),
            _ => 1 << 30,
        }
    }

    /// The adapter's name, backend, driver and device type.
    pub fn adapter_info(&self) -> &wgpu::AdapterInfo {
        &self.info
    }

    /// One line naming the adapter and its backend, e.g. `llvmpipe (LLVM 15, 256 bits) (Vulkan)`.
    pub fn describe(&self) -> String {
        format!("{} ({:?})", self.info.name, self.info.backend)
    }

    /// The limits the device was created with.
    pub fn limits(&self) -> &wgpu::Limits {
        &self.limits
    }

    /// Largest byte size this crate binds as one storage buffer.
    pub fn max_binding_bytes(&self) -> u64 {
        self.limits
            .max_storage_buffer_binding_size
            .min(self.limits.max_buffer_size)
    }

    /// True once the device-lost callback has fired.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Err if the device was lost or wgpu reported an error since creation.
    pub fn check(&self) -> Result<(), GpuError> {
        let failure = self.failure.lock().ok().and_then(|slot| slot.clone());
        if self.is_lost() {
            return Err(GpuError::DeviceLost(
                failure.unwrap_or_else(|| "unknown reason".into()),
            ));
        }
        match failure {
            Some(why) => Err(GpuError::Validation(why)),
            None => Ok(()),
        }
    }

    /// A storage buffer holding `bytes`, refused if it exceeds the binding limit.
    pub fn storage_buffer(&self, label: &str, bytes: &[u8]) -> Result<wgpu::Buffer, GpuError> {
        self.check_binding_size(bytes.len() as u64)?;
        Ok(self
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytes,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
            }))
    }

    /// A zero-filled storage buffer of `bytes` bytes (at least 4).
    pub fn zeroed_buffer(&self, label: &str, bytes: u64) -> Result<wgpu::Buffer, GpuError> {
        let bytes = bytes.max(4).next_multiple_of(4);
        self.check_binding_size(bytes)?;
        Ok(self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes,
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        }))
    }

    /// A uniform buffer holding one `T`.
    pub fn uniform<T: bytemuck::Pod>(&self, label: &str, value: &T) -> wgpu::Buffer {
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::bytes_of(value),
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            })
    }

    /// Err(BufferTooLarge) when `bytes` cannot be bound as one storage buffer.
    pub fn check_binding_size(&self, bytes: u64) -> Result<(), GpuError> {
        let limit = self.max_binding_bytes();
        if bytes > limit {
            Err(GpuError::BufferTooLarge { bytes, limit })
        } else {
            Ok(())
        }
    }

    /// Submits the encoder's work and waits for the GPU to finish it (native blocks, wasm awaits).
    pub async fn submit_and_wait(&self, encoder: wgpu::CommandEncoder) -> Result<(), GpuError> {
        self.check()?;
        let submitted = self.submit_tracked(encoder);
        self.wait_for(submitted).await
    }

    /// Submits the encoder's work without waiting for it; [`GpuContext::wait_for`] waits for
    /// this submission (and those before it) only, so the next one can be queued meanwhile.
    pub(crate) fn submit_tracked(&self, encoder: wgpu::CommandEncoder) -> Submitted {
        let index = self.queue.submit([encoder.finish()]);
        let (sender, receiver) = oneshot();
        self.queue.on_submitted_work_done(move || sender.send(()));
        Submitted { index, receiver }
    }

    /// Waits until the GPU has finished `submitted` (native blocks, wasm awaits).
    pub(crate) async fn wait_for(&self, submitted: Submitted) -> Result<(), GpuError> {
        self.device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(submitted.index),
                timeout: None,
            })
            .map_err(|e| {
                self.lost.store(true, Ordering::SeqCst);
                GpuError::DeviceLost(e.to_string())
            })?;
        submitted.receiver.await;
        self.check()
    }

    /// Copies `len` values of `T` from `source` (starting at byte `offset`) back to the host.
    ///
    /// The one readback path for native and wasm: copy into a MAP_READ staging buffer,
    /// `map_async`, poll (a no-op in the browser), await the mapping.
    pub async fn read_buffer<T: bytemuck::Pod>(
        &self,
        source: &wgpu::Buffer,
        offset: u64,
        len: usize,
    ) -> Result<Vec<T>, GpuError> {
        self.check()?;
        let bytes = (len * std::mem::size_of::<T>()) as u64;
        if bytes == 0 {
            return Ok(Vec::new());
        }
        let padded = bytes.next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT);
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback staging"),
            size: padded,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = self.encoder("readback");
        encoder.copy_buffer_to_buffer(source, offset, &staging, 0, padded);
        self.queue.submit([encoder.finish()]);
        let (sender, receiver) = oneshot();
        staging.map_async(wgpu::MapMode::Read, .., move |result| sender.send(result));
        self.poll_until_idle()?;
        receiver
            .await
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        let values = {
            let view = staging
                .get_mapped_range(..)
                .map_err(|e| GpuError::Readback(e.to_string()))?;
            bytemuck::cast_slice::<u8, T>(&view[..bytes as usize]).to_vec()
        };
        staging.unmap();
        self.check()?;
        Ok(values)
    }

    /// Waits until the GPU has finished everything queued so far (bounds the queue; a cancel
    /// acts between waits).
    pub async fn wait(&self) -> Result<(), GpuError> {
        self.submit_and_wait(self.encoder("wait")).await
    }

    /// The pipeline of `kernel`, compiled (with an automatic layout) the first time it is asked for.
    pub(crate) fn pipeline(&self, kernel: Kernel) -> wgpu::ComputePipeline {
        self.kernels.get(&self.device, kernel).clone()
    }

    /// Compiles every kernel of [`Kernel::ALL`] and reports the first error wgpu raised.
    pub async fn compile_kernels(&self) -> Result<(), GpuError> {
        for kernel in Kernel::ALL {
            self.pipeline(kernel);
        }
        self.wait().await
    }

    /// A labelled command encoder.
    pub fn encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    fn poll_until_idle(&self) -> Result<(), GpuError> {
        // Blocks natively; in the browser this returns at once and the callbacks fire from the event loop.
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| {
                self.lost.store(true, Ordering::SeqCst);
                GpuError::DeviceLost(e.to_string())
            })
    }
}
