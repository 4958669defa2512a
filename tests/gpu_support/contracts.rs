//! What a GPU and the CPU agree on, as the tests check it (docs/maths.md, "What the GPU and the
//! CPU agree on"): random decisions exactly, float values within bounds derived here from f32
//! rounding and from the accuracy WGSL guarantees for its built-in functions.

use recon_align::spectral::Preprocessing;
use recon_align::train::{philox4x32, DaeWeights};

/// Whether sample `sample`'s mask site `site` is kept at step `step` under drop probability `p`,
/// from the definition: keep when the top 24 bits of the first Philox word of counter
/// (step, sample, site, 2), keyed by the seed's two halves, are at least p * 2^24. Both sides are
/// exact in f64, so this is the decision itself, with no rounding in it.
pub fn mask_keeps_by_definition(seed: u64, step: u32, sample: u32, site: u32, p: f64) -> bool {
    let word = philox4x32([step, sample, site, 2], [seed as u32, (seed >> 32) as u32])[0];
    f64::from(word >> 8) >= p * 16_777_216.0
}

/// Largest distance of a centred f32 pixel x = (byte - 255 mean) * (1 / (255 scale)) from the
/// exact (byte/255 - mean) / scale. Each of the four f32 roundings (255 mean, 1 / (255 scale), the
/// difference, the product) errs by at most half a unit in the last place, 2^-24 relative: 255 mean
/// (at most 255) by 255 * 2^-24 bytes, which is 2^-24 / scale preprocessed units, and the other
/// three by 2^-24 |x| each.
pub fn centring_tolerance(st: &Preprocessing, x: f64) -> f64 {
    let half_ulp = f64::from(f32::EPSILON) / 2.0;
    half_ulp * (1.0 / st.scale + 3.0 * x.abs()) * 1.01
}

/// Largest distance between a GPU's standard normal draw and the CPU's, for the same two words,
/// on any GPU that meets WGSL's accuracy rules (the CPU's libm is far closer than these).
///
/// The draw is r cos(t) with r = sqrt(-2 ln u1), u1 >= 2^-24, so r <= sqrt(48 ln 2) < 5.77.
/// - cos: absolute error 2^-11 on [-pi, pi] (where the shader keeps its argument), plus 4e-7 from
///   the rounding of the argument; times r: at most 2.9e-3.
/// - ln: absolute error 2^-21 on [0.5, 2], so -2 ln u1 is off by 2^-20 at most, and its square
///   root by sqrt(2^-20) = 2^-10 < 9.8e-4 (|sqrt a - sqrt b| <= sqrt|a - b|); below 0.5, a few
///   units in the last place of r, under 1e-5.
///
/// In all 3.9e-3; lavapipe and real GPUs come out near 1e-6.
pub const NORMAL_TOLERANCE: f32 = 4e-3;

/// Frobenius norm.
fn norm(a: &[f32]) -> f32 {
    a.iter().map(|v| v * v).sum::<f32>().sqrt()
}

/// A bound rho on how far Gaussian draws that agree to [`NORMAL_TOLERANCE`] move a DAE's residual
/// R = X~ E^T W^T - X, relative to its size, for weights among `weights` and batch losses of at
/// least `loss` under noise of standard deviation `std`.
///
/// Each corrupted pixel moves by at most std NORMAL_TOLERANCE, so X~ by at most
/// std NORMAL_TOLERANCE sqrt(B D) (Frobenius), and R by ||W E||_2 <= ||W||_F ||E||_F times that;
/// ||R|| = sqrt(B L). The batch size cancels: rho = ||W||_F ||E||_F std NORMAL_TOLERANCE sqrt(D / L),
/// with the largest norms among `weights`. The loss then moves by at most (2 rho + rho^2) L.
pub fn residual_fraction(weights: &[&DaeWeights], std: f32, loss: f32) -> f32 {
    let largest =
        |f: fn(&DaeWeights) -> &[f32]| weights.iter().map(|w| norm(f(w))).fold(0.0, f32::max);
    let (e, w) = (largest(|w| &w.encoder), largest(|w| &w.decoder));
    let d = weights[0].d as f32;
    e * w * std * NORMAL_TOLERANCE * (d / loss).sqrt()
}
