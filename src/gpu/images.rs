//! The dataset on the device as packed bytes.

use crate::dataset::Dataset;

use super::context::GpuContext;
use super::error::GpuError;

/// One device buffer holding consecutive images as packed bytes (four pixels per u32).
#[derive(Debug)]
pub(crate) struct ImageChunk {
    pub buffer: wgpu::Buffer,
    #[allow(dead_code)] // read by the DAE batcher
    pub first_row: usize,
    pub rows: usize,
}

/// The dataset's images on the device, split so no binding exceeds the storage-binding limit.
#[derive(Debug)]
pub struct GpuImages {
    pub(crate) chunks: Vec<ImageChunk>,
    n: usize,
    d: usize,
    shape: (usize, usize, usize),
}

impl GpuImages {
    /// Uploads `data`'s pixels as bytes, at most `max_chunk_rows` (rounded up to a multiple of 4) images per buffer; None: as many as fit.
    pub fn upload(
        ctx: &GpuContext,
        data: &Dataset,
        max_chunk_rows: Option<usize>,
    ) -> Result<Self, GpuError> {
        let d = data.d();
        // Multiples of 4 rows keep every chunk word-aligned in the packed byte stream.
        let fit = (ctx.max_binding_bytes() as usize / d.max(1)) / 4 * 4;
        let wanted = max_chunk_rows.map_or(fit, |rows| rows.max(4).next_multiple_of(4));
        let rows_per_chunk = wanted.min(fit).max(4);
        ctx.check_binding_size((rows_per_chunk * d) as u64)?;
        let mut chunks = Vec::new();
        let mut first_row = 0;
        while first_row < data.n {
            let rows = rows_per_chunk.min(data.n - first_row);
            let mut bytes = data.images[first_row * d..(first_row + rows) * d].to_vec();
            bytes.resize(bytes.len().next_multiple_of(4).max(4), 0);
            chunks.push(ImageChunk {
                buffer: ctx.storage_buffer("images", &bytes)?,
                first_row,
                rows,
            });
            first_row += rows;
        }
        Ok(Self {
            chunks,
            n: data.n,
            d,
            shape: (data.c, data.h, data.w),
        })
    }

    /// Number of images N.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Pixels per image D.
    pub fn d(&self) -> usize {
        self.d
    }

    /// Image shape (C, H, W).
    pub fn shape(&self) -> (usize, usize, usize) {
        self.shape
    }

    /// The device buffer of the first images (all of them when [`GpuImages::chunk_count`] is 1).
    pub(crate) fn first_buffer(&self) -> &wgpu::Buffer {
        &self.chunks[0].buffer
    }

    /// How many device buffers hold the images.
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }
}
