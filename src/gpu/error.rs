//! Why a GPU operation could not run.

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
