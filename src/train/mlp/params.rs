//! The probe's weights (or their gradients) and their reproducible initial values.

use super::super::random::initial_weight_draw;
use super::MlpDims;

/// The probe's weights (or their gradients), row-major f32.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MlpParams {
    /// Shape of the probe.
    pub dims: MlpDims,
    /// First layer W1, F x H.
    pub w1: Vec<f32>,
    /// First bias b1, H.
    pub b1: Vec<f32>,
    /// Second layer W2, H x C.
    pub w2: Vec<f32>,
    /// Second bias b2, C.
    pub b2: Vec<f32>,
}

impl MlpParams {
    /// All zeros.
    pub fn zeros(dims: MlpDims) -> Self {
        let MlpDims {
            features: f,
            hidden: h,
            classes: c,
        } = dims;
        Self {
            dims,
            w1: vec![0.0; f * h],
            b1: vec![0.0; h],
            w2: vec![0.0; h * c],
            b2: vec![0.0; c],
        }
    }

    /// Reproducible initial weights: W1 ~ N(0, 2/F) (He, for the ReLU), W2 ~ N(0, 1/H), zero
    /// biases; Gaussian draws from Philox stream 5 keyed by the seed.
    pub fn initial(dims: MlpDims, seed: u64) -> Self {
        let draw = |which: u32, i: usize| initial_weight_draw(seed, 5, which, i);
        let w1_std = (2.0 / dims.features.max(1) as f32).sqrt();
        let w2_std = (1.0 / dims.hidden.max(1) as f32).sqrt();
        let mut params = Self::zeros(dims);
        for (i, w) in params.w1.iter_mut().enumerate() {
            *w = w1_std * draw(0, i);
        }
        for (i, w) in params.w2.iter_mut().enumerate() {
            *w = w2_std * draw(1, i);
        }
        params
    }

    /// The four tensors in a fixed order: W1, b1, W2, b2.
    pub fn tensors(&self) -> [&[f32]; 4] {
        [&self.w1, &self.b1, &self.w2, &self.b2]
    }

    pub(crate) fn tensors_mut(&mut self) -> [&mut Vec<f32>; 4] {
        [&mut self.w1, &mut self.b1, &mut self.w2, &mut self.b2]
    }

    /// (rows, cols) of each tensor, in the order of [`MlpParams::tensors`].
    pub(crate) fn shapes(dims: MlpDims) -> [(usize, usize); 4] {
        let MlpDims {
            features: f,
            hidden: h,
            classes: c,
        } = dims;
        [(f, h), (1, h), (h, c), (1, c)]
    }
}
