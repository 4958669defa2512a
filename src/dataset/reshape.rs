//! The shape choices every format shares: resize to a side S (area-averaged) and grey.
//!
//! Resize: each image becomes S x S (the aspect ratio is not kept). Output pixel (i, j) covers the
//! input rectangle [i H/S, (i+1) H/S) x [j W/S, (j+1) W/S), and its value is the mean of the input
//! over that rectangle, each input pixel weighted by the area it shares with it (exact fractions
//! when H/S or W/S is not an integer; an upscale repeats or blends neighbours the same way). The
//! weights are computed in integers scaled by S, so the sums are exact.
//!
//! Grey: ITU-R BT.601 luma, Y = 0.299 R + 0.587 G + 0.114 B, from the first three channels (C = 3
//! or 4, the fourth, alpha, dropped); C = 2 (grey and alpha) keeps its first channel; C = 1 stays.
//!
//! Rounding: resize and grey together round once, at the end: the exact mean (a ratio of
//! integers) is rounded to the nearest byte, halves upwards.

use super::formats::MAX_SIDE;
use super::{DataError, Dataset};

/// What to do to every image after it is read: resize to `side` x `side` and/or make it grey.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reshape {
    /// The side S of the square output, or `None` to keep H x W.
    pub side: Option<usize>,
    /// Convert to one grey channel (BT.601 luma).
    pub grey: bool,
}

/// BT.601 luma weights, in thousandths, of R, G and B.
const LUMA: [u64; 3] = [299, 587, 114];

impl Reshape {
    /// No change.
    pub fn none() -> Reshape {
        Reshape::default()
    }

    /// Checks the side: 1..=[`MAX_SIDE`].
    pub fn check(&self) -> Result<(), DataError> {
        match self.side {
            Some(s) if s == 0 || s > MAX_SIDE => Err(DataError::BadValue(format!(
                "side {s} is outside 1..={MAX_SIDE}"
            ))),
            _ => Ok(()),
        }
    }

    /// Whether this changes nothing for images of `c` channels of `h` x `w` pixels.
    pub fn keeps(&self, (c, h, w): (usize, usize, usize)) -> bool {
        self.side.is_none_or(|s| s == h && s == w) && (!self.grey || c == 1)
    }

    /// The (C, H, W) of an image of shape `shape` after this.
    pub fn shape_of(&self, (c, h, w): (usize, usize, usize)) -> (usize, usize, usize) {
        let c = if self.grey { 1 } else { c };
        match self.side {
            Some(s) => (c, s, s),
            None => (c, h, w),
        }
    }

    /// Appends one image (`c` channel-major planes of `h` x `w` bytes) after this to `out`.
    pub fn image_into(&self, image: &[u8], (c, h, w): (usize, usize, usize), out: &mut Vec<u8>) {
        let (_, oh, ow) = self.shape_of((c, h, w));
        let plane = h * w;
        // Each output channel is a weighted sum of input planes, with its total weight `scale`.
        let channels: Vec<(Vec<(usize, u64)>, u64)> = match (self.grey, c) {
            (true, 3 | 4) => vec![((0..3).map(|k| (k, LUMA[k])).collect(), 1000)],
            (true, _) => vec![(vec![(0, 1)], 1)],
            (false, _) => (0..c).map(|k| (vec![(k, 1)], 1)).collect(),
        };
        let rows = weights(h, oh);
        let cols = weights(w, ow);
        let area = (h * w) as u64;
        let mut mixed = vec![0u64; plane];
        let mut across = vec![0u64; h * ow];
        for (terms, scale) in channels {
            mixed.iter_mut().for_each(|v| *v = 0);
            for &(k, weight) in &terms {
                let src = &image[k * plane..(k + 1) * plane];
                for (m, &v) in mixed.iter_mut().zip(src) {
                    *m += weight * v as u64;
                }
            }
            // Columns first: across[r][j] = sum_c wx(j, c) mixed[r][c].
            for r in 0..h {
                let row = &mixed[r * w..(r + 1) * w];
                for (j, taps) in cols.iter().enumerate() {
                    across[r * ow + j] = taps.iter().map(|&(c, wt)| wt * row[c]).sum();
                }
            }
            let denominator = area * scale;
            for taps in &rows {
                for j in 0..ow {
                    let sum: u64 = taps.iter().map(|&(r, wt)| wt * across[r * ow + j]).sum();
                    out.push(((2 * sum + denominator) / (2 * denominator)) as u8);
                }
            }
        }
    }
}

/// For each of the `to` output positions, the input positions (of `from`) it covers and their
/// overlaps, in units of 1/`to` of an input pixel: output i covers [i from, (i+1) from) and input
/// r covers [r to, (r+1) to). Each output's overlaps add up to `from`.
fn weights(from: usize, to: usize) -> Vec<Vec<(usize, u64)>> {
    (0..to)
        .map(|i| {
            let (lo, hi) = (i * from, (i + 1) * from);
            (lo / to..hi.div_ceil(to))
                .map(|r| {
                    let overlap = hi.min((r + 1) * to) - lo.max(r * to);
                    (r, overlap as u64)
                })
                .filter(|&(_, o)| o > 0)
                .collect()
        })
        .collect()
}

impl Dataset {
    /// The dataset with every image resized to `reshape.side` x `reshape.side` (when given) and
    /// made grey (when `reshape.grey`), by the rules of this module; unchanged when neither
    /// changes anything.
    pub fn reshaped(self, reshape: Reshape) -> Result<Dataset, DataError> {
        reshape.check()?;
        let shape = (self.c, self.h, self.w);
        if reshape.keeps(shape) {
            return Ok(self);
        }
        let (c, h, w) = reshape.shape_of(shape);
        let mut images = Vec::new();
        images
            .try_reserve_exact(self.n * c * h * w)
            .map_err(|_| DataError::Refused(format!("not enough memory for {} images", self.n)))?;
        for i in 0..self.n {
            reshape.image_into(self.image(i), shape, &mut images);
        }
        let classes = self.classes;
        let data = Dataset::new((c, h, w), images, self.labels)?;
        Ok(Dataset { classes, ..data })
    }
}
