//! What the DAE's `corrupt` step reads besides the images, computed once on the CPU and read alike
//! by `dae.wgsl` and the CPU twin: how a byte is centred and scaled, and the noise of each pixel.
//!
//! Both are laid out so that a GPU computes what the CPU does whatever its float rounding: the
//! keep-or-drop decision is an integer comparison, and the centring is one subtraction and one
//! multiplication of f32 numbers, which WGSL rounds correctly like the CPU.

use crate::spectral::{ImageShape, Noise, Preprocessing};

use super::super::random::drop_threshold;

/// The paper's preprocessing of one byte in f32: x = (byte - 255 mean_j) * (1 / (255 scale)).
///
/// The per-pixel mean is held in byte units (255 mean_j, rounded once to f32), so a pixel equal to
/// its mean gives exactly 0, and no division (which a GPU may round loosely) is left on the device.
pub(crate) struct ByteCentring {
    /// 255 times the per-pixel mean, in f32 (rounded once from f64).
    pub mean255: Vec<f32>,
    /// 1 / (255 scale), in f32 (rounded once from f64).
    pub per_byte: f32,
}

impl ByteCentring {
    /// The f32 constants of `preprocessing`, those of [`Preprocessing::centred_f32`].
    pub fn new(preprocessing: &Preprocessing) -> Self {
        Self {
            mean255: preprocessing
                .mean
                .iter()
                .map(|&m| (255.0 * m) as f32)
                .collect(),
            per_byte: (1.0 / (255.0 * preprocessing.scale)) as f32,
        }
    }

    /// Pixel `j` of byte value `byte`, centred and scaled, as `dae.wgsl` computes it.
    pub fn apply(&self, byte: u8, j: usize) -> f32 {
        (f32::from(byte) - self.mean255[j]) * self.per_byte
    }
}

/// The noise of each pixel of one channel plane (H*W entries, row-major), as `dae.wgsl` reads it.
pub(crate) struct PixelNoise {
    /// The standard deviation of Gaussian noise or a Gaussian map (0 for the other noises).
    pub std: Vec<f32>,
    /// The drop threshold ([`drop_threshold`]) of a mask or a drop map (0, never dropping, for the
    /// other noises).
    pub drop_below: Vec<u32>,
    /// The side of the patches that share one keep-or-drop draw.
    pub patch: usize,
}

impl PixelNoise {
    /// The noise of `noise` on images of `shape`.
    pub fn new(noise: Noise, shape: ImageShape) -> Self {
        let plane = shape.h * shape.w;
        let std = |levels: &[f64]| levels.iter().map(|&s| s as f32).collect();
        let drop = |levels: &[f64]| levels.iter().map(|&p| drop_threshold(p)).collect();
        let (stds, drops, patch) = match noise {
            Noise::None => (vec![0.0; plane], vec![0.0; plane], 1),
            Noise::Gaussian { std } => (vec![std; plane], vec![0.0; plane], 1),
            Noise::GaussMap { map } => (map.plane_values(shape), vec![0.0; plane], 1),
            Noise::Mask { p, patch } => (vec![0.0; plane], vec![p; plane], patch.max(1)),
            Noise::DropMap { map } => (vec![0.0; plane], map.plane_values(shape), 1),
        };
        Self {
            std: std(&stds),
            drop_below: drop(&drops),
            patch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pixel_at_its_mean_is_exactly_zero() {
        // Means that are whole bytes (sums divisible by n) and a scale that is not a power of 2.
        let prep = Preprocessing {
            mean: vec![0.0, 17.0 / 255.0, 128.0 / 255.0, 1.0],
            scale: 0.3,
        };
        let centring = ByteCentring::new(&prep);
        for (j, byte) in [0u8, 17, 128, 255].into_iter().enumerate() {
            assert_eq!(centring.apply(byte, j), 0.0, "pixel {j}");
        }
        // Off the mean: the f64 value to f32 rounding (two roundings of the inputs, two of the
        // operations: a few units in the last place).
        let got = centring.apply(200, 2);
        let want = (200.0 / 255.0 - 128.0 / 255.0) / 0.3;
        assert!((f64::from(got) - want).abs() <= 4.0 * f64::from(f32::EPSILON) * want.abs());
    }

    #[test]
    fn each_noise_fills_its_own_field() {
        let shape = ImageShape { c: 2, h: 3, w: 4 };
        let mask = PixelNoise::new(Noise::Mask { p: 0.25, patch: 2 }, shape);
        assert_eq!(mask.drop_below, vec![1 << 22; 12]);
        assert_eq!((mask.std, mask.patch), (vec![0.0; 12], 2));
        let gaussian = PixelNoise::new(Noise::Gaussian { std: 0.5 }, shape);
        assert_eq!(gaussian.std, vec![0.5; 12]);
        assert_eq!((gaussian.drop_below, gaussian.patch), (vec![0; 12], 1));
    }
}
