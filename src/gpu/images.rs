//! The dataset on the device as packed bytes, and the paper's preprocessing constants.

use crate::dataset::Dataset;

use super::context::{GpuContext, GpuError};

/// The paper's preprocessing: subtract the per-pixel mean, divide by one global standard deviation.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Standardisation {
    /// Per-pixel mean of the training images, in [0,1] units (length D).
    pub mean: Vec<f32>,
    /// Global standard deviation of the centred pixels (all N*D entries).
    pub scale: f32,
}

impl From<&crate::spectral::Preprocessing> for Standardisation {
    /// The closed forms' preprocessing in f32, so GPU training sees exactly the data G describes.
    fn from(prep: &crate::spectral::Preprocessing) -> Self {
        Standardisation {
            mean: prep.mean.iter().map(|&m| m as f32).collect(),
            scale: prep.scale as f32,
        }
    }
}

impl Standardisation {
    /// Mean and global std of `data`, accumulated in f64 (std of the centred pixels over all N*D entries).
    pub fn of_dataset(data: &Dataset) -> Self {
        let d = data.d();
        let mut sum = vec![0f64; d];
        let mut sum_sq = vec![0f64; d];
        for i in 0..data.n {
            for (j, &byte) in data.image(i).iter().enumerate() {
                let x = byte as f64 / 255.0;
                sum[j] += x;
                sum_sq[j] += x * x;
            }
        }
        let n = data.n.max(1) as f64;
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let centred_sq: f64 = sum_sq
            .iter()
            .zip(&mean)
            .map(|(sq, m)| (sq - n * m * m).max(0.0))
            .sum();
        let std = (centred_sq / (n * d.max(1) as f64)).sqrt();
        Self {
            mean: mean.iter().map(|&m| m as f32).collect(),
            scale: if std > 0.0 { std as f32 } else { 1.0 },
        }
    }

    /// Centred, scaled value of pixel `j` with byte value `byte`, exactly as the shaders compute it.
    pub fn centred(&self, byte: u8, j: usize) -> f32 {
        (byte as f32 / 255.0 - self.mean[j]) * (1.0 / self.scale)
    }
}

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

    /// How many device buffers hold the images.
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }
}
