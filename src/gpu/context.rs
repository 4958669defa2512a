//! The device: adapter selection, limits, loss tracking, and the one readback helper.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use wgpu::util::DeviceExt;

/// Why a GPU operation could not run; the caller falls back to the CPU.
#[derive(Clone, Debug, PartialEq)]
pub enum GpuError {
    /// No adapter matched the request (or none exists, e.g. no WebGPU in this browser).
    NoAdapter(String),
    /// The adapter refused to create a device with the requested limits.
    DeviceRequestFailed(String),
    /// The device was lost (driver reset, tab backgrounded, out of memory...).
    DeviceLost(String),
    /// A buffer or binding would exceed the device's limits.
    BufferTooLarge {
        /// Bytes requested.
        bytes: u64,
        /// The device's limit for this kind of buffer.
        limit: u64,
    },
    /// wgpu reported a validation or out-of-memory error.
    Validation(String),
    /// Mapping a buffer for readback failed.
    Readback(String),
}

impl std::fmt::Display for GpuError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GpuError::NoAdapter(why) => write!(f, "no GPU adapter: {why}"),
            GpuError::DeviceRequestFailed(why) => write!(f, "GPU device request failed: {why}"),
            GpuError::DeviceLost(why) => write!(f, "GPU device lost: {why}"),
            GpuError::BufferTooLarge { bytes, limit } => {
                write!(
                    f,
                    "GPU buffer of {bytes} bytes exceeds the limit of {limit} bytes"
                )
            }
            GpuError::Validation(why) => write!(f, "GPU error: {why}"),
            GpuError::Readback(why) => write!(f, "GPU readback failed: {why}"),
        }
    }
}

impl std::error::Error for GpuError {}

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
    pub(crate) kernels: super::kernels::Kernels,
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
            kernels: super::kernels::Kernels::default(),
            device,
            queue,
            info: adapter.get_info(),
            limits,
            lost,
            failure,
        })
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
        self.queue.submit([encoder.finish()]);
        let (sender, receiver) = oneshot();
        self.queue.on_submitted_work_done(move || sender.send(()));
        self.poll_until_idle()?;
        receiver.await;
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

/// A recorded compute dispatch: pipeline, its bind group and the grid.
#[derive(Clone, Debug)]
pub(crate) struct Dispatch {
    pub pipeline: wgpu::ComputePipeline,
    pub bind_group: wgpu::BindGroup,
    pub workgroups: [u32; 3],
}

impl Dispatch {
    /// Binds every buffer in order (binding i = buffers[i]) against the pipeline's group 0.
    pub fn new(
        ctx: &GpuContext,
        pipeline: &wgpu::ComputePipeline,
        buffers: &[&wgpu::Buffer],
        workgroups: [u32; 3],
    ) -> Self {
        let layout = pipeline.get_bind_group_layout(0);
        let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
            .iter()
            .enumerate()
            .map(|(i, buffer)| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        let bind_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &layout,
            entries: &entries,
        });
        Self {
            pipeline: pipeline.clone(),
            bind_group,
            workgroups,
        }
    }

    /// Records the dispatch into a compute pass.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        let [x, y, z] = self.workgroups;
        if x > 0 && y > 0 && z > 0 {
            pass.dispatch_workgroups(x, y, z);
        }
    }
}

/// Records dispatches, in order, into one compute pass of `encoder`.
pub(crate) fn record_all(encoder: &mut wgpu::CommandEncoder, dispatches: &[Dispatch]) {
    let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
        label: None,
        timestamp_writes: None,
    });
    for dispatch in dispatches {
        dispatch.record(&mut pass);
    }
}

/// Workgroups needed to cover `n` items with groups of `size`.
pub(crate) fn groups(n: usize, size: usize) -> u32 {
    n.div_ceil(size) as u32
}

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

struct Sender<T>(Arc<Mutex<Slot<T>>>);
struct Receiver<T>(Arc<Mutex<Slot<T>>>);

/// A one-value channel whose receiving end is a future; the wgpu callbacks complete it.
fn oneshot<T>() -> (Sender<T>, Receiver<T>) {
    let slot = Arc::new(Mutex::new(Slot {
        value: None,
        waker: None,
    }));
    (Sender(slot.clone()), Receiver(slot))
}

impl<T> Sender<T> {
    fn send(self, value: T) {
        let waker = {
            let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
            slot.value = Some(value);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match slot.value.take() {
            Some(value) => Poll::Ready(value),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
