//! The paper's preprocessing (docs/maths.md, "Preprocessing and the Gram matrix"): centre each
//! pixel on its training mean, divide every pixel by one global standard deviation.

use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;

/// The paper's preprocessing: subtract the per-pixel training mean, divide by one global std.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preprocessing {
    /// Per-pixel mean over the training set, in pixel units (0..=1).
    pub mean: Vec<f64>,
    /// The global standard deviation of the centred pixels, in pixel units.
    pub scale: f64,
}

impl Preprocessing {
    /// One preprocessed image x = (byte/255 - mean) / scale.
    pub fn apply(&self, image: &[u8]) -> Vec<f64> {
        image
            .iter()
            .zip(&self.mean)
            .map(|(&b, &m)| (f64::from(b) / 255.0 - m) / self.scale)
            .collect()
    }

    /// Mean and global std of every image of `data`, accumulated in f64 in one streaming pass
    /// (for a Gram built elsewhere, e.g. on the GPU; [`super::Gram`] computes the same from
    /// its raw moments).
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
            mean,
            scale: if std > 0.0 { std } else { 1.0 },
        }
    }

    /// Pixel `j` of byte value `byte`, centred and scaled in f32 as the DAE kernel and its CPU twin
    /// compute it: (byte - 255 mean_j) * (1 / (255 scale)), each constant rounded once from f64,
    /// so a pixel at its mean is exactly 0 (`train::dae`'s `ByteCentring` holds the same constants
    /// for a whole image).
    pub fn centred_f32(&self, byte: u8, j: usize) -> f32 {
        (f32::from(byte) - (255.0 * self.mean[j]) as f32) * (1.0 / (255.0 * self.scale)) as f32
    }
}
