//! G's bytes, for the page's cache of repeat visits (`www/cache.js`): a Lab exports the moments
//! its closed forms start from, and a later visit builds a Lab of the same dataset from them
//! instead of making a pass over the data.
//!
//! The page keys an entry by the SHA-256 of the data's bytes and of this module's bytes, and
//! checks its length and a SHA-256 of its bytes before it hands them here; this side checks that
//! every size in them agrees with the dataset (shape, N, the class counts) and that every value is
//! finite.
//!
//! Layout, little-endian: the magic `RAGRAM01`, then the u64 values C, H, W, N and the number of
//! classes K, then the f64 values scale, mean (D values), G (D*D values, row-major, the ridge
//! included) and Y^T X (K*D values, row-major), then the K class counts as u64.

use wasm_bindgen::prelude::*;

use crate::dataset::{check_for_page, Dataset};
use crate::spectral::{Gram, ImageShape, Preprocessing};

use super::js_err;
use super::lab::Lab;

const MAGIC: &[u8; 8] = b"RAGRAM01";
/// The u64 sizes after the magic: C, H, W, N, K.
const SIZES: usize = 5;

/// The bytes of [`Gram`] `g` in the layout above.
fn encode(g: &Gram) -> Vec<u8> {
    let shape = g.shape();
    let (d, k) = (g.d(), g.classes());
    let mut out = Vec::with_capacity(encoded_len(d, k));
    out.extend_from_slice(MAGIC);
    for v in [shape.c, shape.h, shape.w, g.n(), k] {
        out.extend_from_slice(&(v as u64).to_le_bytes());
    }
    let prep = g.preprocessing();
    out.extend_from_slice(&prep.scale.to_le_bytes());
    let sums = g.class_sums();
    let values = prep
        .mean
        .iter()
        .copied()
        .chain(g.to_row_major())
        .chain((0..k * d).map(|i| sums[(i / d, i % d)]));
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for &c in g.class_counts() {
        out.extend_from_slice(&(c as u64).to_le_bytes());
    }
    out
}

/// Bytes of an entry of D pixels and K classes.
fn encoded_len(d: usize, k: usize) -> usize {
    MAGIC.len() + 8 * (SIZES + 1 + d + d * d + k * d + k)
}

/// Reads `bytes` back into a Gram, refusing anything that does not describe `data`'s moments.
fn decode(bytes: &[u8], data: &Dataset) -> Result<Gram, String> {
    let header = MAGIC.len() + 8 * SIZES;
    if bytes.len() < header || &bytes[..MAGIC.len()] != MAGIC {
        return Err("the cached Gram has no valid header".into());
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    let size = |i: usize| usize::try_from(word(MAGIC.len() + 8 * i)).ok();
    let sizes: Option<Vec<usize>> = (0..SIZES).map(size).collect();
    let sizes = sizes.ok_or("the cached Gram's sizes overflow")?;
    let (shape, n, k) = (
        ImageShape {
            c: sizes[0],
            h: sizes[1],
            w: sizes[2],
        },
        sizes[3],
        sizes[4],
    );
    let expected = (data.c, data.h, data.w, data.n, data.classes.max(1));
    if (shape.c, shape.h, shape.w, n, k) != expected {
        return Err(format!(
            "the cached Gram is of C, H, W, N, K = {:?}; the data's are {expected:?}",
            (shape.c, shape.h, shape.w, n, k)
        ));
    }
    let d = shape.d();
    if bytes.len() != encoded_len(d, k) {
        return Err(format!(
            "the cached Gram holds {} bytes; D={d}, K={k} needs {}",
            bytes.len(),
            encoded_len(d, k)
        ));
    }
    let floats: Vec<f64> = bytes[header..header + 8 * (1 + d + d * d + k * d)]
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    if floats.iter().any(|v| !v.is_finite()) || floats[0] <= 0.0 {
        return Err(
            "the cached Gram holds a value that is not finite, or a scale not above 0".into(),
        );
    }
    let counts_at = header + 8 * floats.len();
    let counts: Vec<usize> = (0..k).map(|i| word(counts_at + 8 * i) as usize).collect();
    if counts != data.class_counts() {
        return Err("the cached Gram's class counts are not the data's".into());
    }
    let (scale, rest) = floats.split_first().unwrap();
    let (mean, rest) = rest.split_at(d);
    let (g, class_sums) = rest.split_at(d * d);
    let preprocessing = Preprocessing {
        mean: mean.to_vec(),
        scale: *scale,
    };
    // G already holds its ridge: adding none keeps every entry as the first visit computed it, so
    // every closed form gives the same bits (only `Gram::ridge` then reads 0; the page never asks).
    Gram::from_preprocessed(shape, preprocessing, g, class_sums, &counts, 0.0)
        .map_err(|e| e.to_string())
}

#[wasm_bindgen]
impl Lab {
    /// Loads the bundled format as [`Lab::from_bundled`], with G taken from `gram` (the bytes
    /// [`Lab::gram_bytes`] gave on an earlier visit to the same data) instead of computed. Errors
    /// when `gram` does not describe this dataset: the caller then loads without it.
    #[wasm_bindgen(js_name = fromBundledWithGram)]
    pub fn from_bundled_with_gram(bytes: &[u8], gram: &[u8]) -> Result<Lab, JsError> {
        let data = Dataset::from_bundled(bytes).map_err(js_err)?;
        check_for_page(&data).map_err(js_err)?;
        let g = decode(gram, &data).map_err(|e| JsError::new(&e))?;
        Ok(Lab::with_gram(data, Some(g)))
    }

    /// Whether G has been built (or given), so that [`Lab::gram_bytes`] costs no pass over the data.
    #[wasm_bindgen(js_name = hasGram)]
    pub fn has_gram(&self) -> bool {
        self.built_gram().is_some()
    }

    /// G, its preprocessing, Y^T X and the class counts as bytes (the layout of this file's
    /// documentation); G is built first if it is not yet.
    #[wasm_bindgen(js_name = gramBytes)]
    pub fn gram_bytes(&self) -> Result<Vec<u8>, JsError> {
        self.prepare()?;
        let g = self
            .built_gram()
            .ok_or_else(|| JsError::new("G was not built"))?;
        Ok(encode(&g))
    }
}
