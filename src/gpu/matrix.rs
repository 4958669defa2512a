//! Row-major f32 matrices living in GPU storage buffers.

use super::context::GpuContext;
use super::error::GpuError;

/// A row-major `rows x cols` f32 matrix in a GPU storage buffer.
#[derive(Debug)]
pub struct GpuMatrix {
    pub(crate) buffer: wgpu::Buffer,
    rows: usize,
    cols: usize,
}

impl GpuMatrix {
    /// Uploads `values` (row-major, `rows * cols` long).
    pub fn from_slice(
        ctx: &GpuContext,
        rows: usize,
        cols: usize,
        values: &[f32],
    ) -> Result<Self, GpuError> {
        assert_eq!(
            values.len(),
            rows * cols,
            "matrix data has the wrong length"
        );
        let buffer = if values.is_empty() {
            ctx.zeroed_buffer("matrix", 4)?
        } else {
            ctx.storage_buffer("matrix", bytemuck::cast_slice(values))?
        };
        Ok(Self { buffer, rows, cols })
    }

    /// A zero matrix.
    pub fn zeros(ctx: &GpuContext, rows: usize, cols: usize) -> Result<Self, GpuError> {
        let buffer = ctx.zeroed_buffer("matrix", (rows * cols * 4) as u64)?;
        Ok(Self { buffer, rows, cols })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The storage buffer behind the matrix.
    pub fn buffer(&self) -> &wgpu::Buffer {
        &self.buffer
    }

    /// Overwrites the matrix with `values` (takes effect at the next submission).
    pub fn write(&self, ctx: &GpuContext, values: &[f32]) {
        assert_eq!(
            values.len(),
            self.rows * self.cols,
            "matrix data has the wrong length"
        );
        ctx.queue
            .write_buffer(&self.buffer, 0, bytemuck::cast_slice(values));
    }

    /// Reads the matrix back to the host, row-major.
    pub async fn to_vec(&self, ctx: &GpuContext) -> Result<Vec<f32>, GpuError> {
        ctx.read_buffer::<f32>(&self.buffer, 0, self.rows * self.cols)
            .await
    }
}
