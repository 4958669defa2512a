//! The counter-based RNG (Philox4x32-10) shared by the GPU kernels and their CPU twins, and the
//! draws the training takes from it: noise, initial weights and the visiting order.
//!
//! Every draw is a pure function of (seed, counter), so a GPU run and its CPU twin see the same
//! random numbers. Every keep-or-drop decision is an integer comparison ([`keeps`]), so any device
//! takes the same decisions as the CPU; Gaussian draws go through float functions (logarithm,
//! cosine) and agree to their rounding only (docs/maths.md, "What the GPU and the CPU agree on").
//! The fourth counter word names the stream: 1 Gaussian noise, 2 mask noise, 3 visiting order,
//! 4 the DAE's initial weights, 5 the MLP probe's initial weights.

const PHILOX_M0: u32 = 0xD251_1F53;
const PHILOX_M1: u32 = 0xCD9E_8D57;
const PHILOX_W0: u32 = 0x9E37_79B9;
const PHILOX_W1: u32 = 0xBB67_AE85;

/// Philox4x32-10 (Salmon et al., 2011): four random words from a 128-bit counter and a 64-bit key.
pub fn philox4x32(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let (mut c, mut k) = (counter, key);
    for _ in 0..10 {
        let p0 = PHILOX_M0 as u64 * c[0] as u64;
        let p1 = PHILOX_M1 as u64 * c[2] as u64;
        c = [
            (p1 >> 32) as u32 ^ c[1] ^ k[0],
            p1 as u32,
            (p0 >> 32) as u32 ^ c[3] ^ k[1],
            p0 as u32,
        ];
        k = [k[0].wrapping_add(PHILOX_W0), k[1].wrapping_add(PHILOX_W1)];
    }
    c
}

/// The 64-bit seed as a Philox key.
pub(crate) fn seed_key(seed: u64) -> [u32; 2] {
    [seed as u32, (seed >> 32) as u32]
}

/// A uniform number in [0, 1) with 24 random bits, exactly as the shaders compute it.
pub(crate) fn unit_interval(word: u32) -> f32 {
    (word >> 8) as f32 * (1.0 / 16_777_216.0)
}

/// The drop threshold of a drop probability `p`: ceil(p * 2^24), exact in f64 (scaling by a power
/// of two and rounding up lose nothing). A draw drops when its top 24 bits are below it, so the
/// drop probability is ceil(p * 2^24) / 2^24, within 2^-24 above `p`; p = 0 never drops and
/// p = 1 always does.
pub fn drop_threshold(p: f64) -> u32 {
    (p.clamp(0.0, 1.0) * 16_777_216.0).ceil() as u32
}

/// Whether a random word keeps its pixels against a drop threshold: an integer comparison of its
/// top 24 bits, so the GPU and the CPU take the same decision whatever their float rounding.
pub fn keeps(word: u32, threshold: u32) -> bool {
    word >> 8 >= threshold
}

/// The random word that decides whether sample `sample`'s patch `patch` is kept at step `step`
/// (mask noise, stream 2): one word per patch, whatever the drop probability of each pixel in it.
pub(crate) fn mask_word(seed: u64, step: u32, sample: u32, patch: u32) -> u32 {
    philox4x32([step, sample, patch, 2], seed_key(seed))[0]
}

/// Whether sample `sample`'s patch `patch` is kept at training step `step` (mask noise) by a
/// pixel whose drop threshold is `threshold` (see [`drop_threshold`]).
pub fn mask_keeps(seed: u64, step: u32, sample: u32, patch: u32, threshold: u32) -> bool {
    keeps(mask_word(seed, step, sample, patch), threshold)
}

/// A standard normal number from two random words (Box-Muller, cosine branch): u1 in (0, 1] so
/// that its logarithm is finite. The shaders compute the same number with their own logarithm and
/// cosine, so a GPU's draw agrees with this one to those functions' accuracy, not bit for bit.
pub fn standard_normal(words: [u32; 4]) -> f32 {
    let u1 = ((words[0] >> 8) + 1) as f32 * (1.0 / 16_777_216.0);
    let u2 = unit_interval(words[1]);
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// The standard normal draw for sample `sample`'s pixel `pixel` at step `step` (Gaussian noise).
pub fn gaussian_draw(seed: u64, step: u32, sample: u32, pixel: u32) -> f32 {
    standard_normal(philox4x32([step, sample, pixel, 1], seed_key(seed)))
}

/// Draw `i` of a Gaussian initial weight tensor `which` in stream `stream` (4 DAE, 5 MLP).
pub(crate) fn initial_weight_draw(seed: u64, stream: u32, which: u32, i: usize) -> f32 {
    standard_normal(philox4x32([i as u32, which, 0, stream], seed_key(seed)))
}

/// The epoch's visiting order of the N samples: a Fisher-Yates shuffle driven by Philox.
pub fn epoch_order(n: usize, seed: u64, epoch: u32) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        let r = philox4x32([epoch, i as u32, 0, 3], seed_key(seed));
        let j = ((r[0] as u64 * (i as u64 + 1)) >> 32) as usize;
        order.swap(i, j);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn philox_matches_the_random123_known_answer() {
        assert_eq!(
            philox4x32([0, 0, 0, 0], [0, 0]),
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]
        );
        assert_eq!(
            philox4x32([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        );
    }

    #[test]
    fn drop_thresholds_are_exact_and_decide_in_integers() {
        assert_eq!(drop_threshold(0.0), 0);
        assert_eq!(drop_threshold(1.0), 1 << 24);
        assert_eq!(drop_threshold(0.5), 1 << 23);
        // 0.7 * 2^24 = 11744051.2 (f64 holds it to 1e-9): rounded up.
        assert_eq!(drop_threshold(0.7), 11_744_052);
        // p = 0 keeps every word, p = 1 drops every word.
        for word in [0, 255, 256, u32::MAX] {
            assert!(keeps(word, drop_threshold(0.0)));
            assert!(!keeps(word, drop_threshold(1.0)));
        }
        // The boundary: top 24 bits equal to the threshold keep, one below drops.
        let t = drop_threshold(0.3);
        assert!(keeps(t << 8, t) && !keeps((t << 8) - 1, t));
    }
}
