//! From NumPy arrays to a dataset: how an image array's axes are read, how float pixels become
//! bytes, and which label values are accepted.
//!
//! Axes (the dataset stores each image channel-major, C then H then W):
//! - N x H x W: grey images (C = 1);
//! - N x H x W x C: channels last when the last axis is 1, 3 or 4 and the second is not; the
//!   pixels are transposed to channel-major;
//! - N x C x H x W: channels first when the second axis is 1, 3 or 4 (also when both are);
//! - N x D: flat rows, which need an explicit shape C,H,W with C*H*W = D. An explicit shape also
//!   settles a 4-D array: it must match one of the two orders.
//!
//! Pixels: uint8 as they are. Floats (float32 or float64), by one rule over the whole array: when
//! every value lies in [0, 1], the byte is round(255 v); otherwise when every value lies in
//! [0, 255], it is round(v); anything else (a negative value, one above 255, NaN or infinity) is
//! an error that gives the range found.
//!
//! Labels: a 1-D integer array (or N x 1) of any integer type, every value in 0..=255.

use super::formats::check_dims;
use super::npy::{Element, NpyArray};
use super::{DataError, Dataset};

/// An image shape (C, H, W), as `--shape C,H,W` or the page's field gives it.
pub type Shape = (usize, usize, usize);

/// Parses `C,H,W` (e.g. `3,32,32`).
pub fn parse_shape(text: &str) -> Result<Shape, DataError> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let bad = || {
        DataError::BadValue(format!(
            "shape `{text}` is not C,H,W (three positive sizes, e.g. 3,32,32)"
        ))
    };
    let [c, h, w] = parts[..] else {
        return Err(bad());
    };
    let size = |s: &str| s.parse::<usize>().ok().filter(|&v| v > 0).ok_or_else(bad);
    Ok((size(c)?, size(h)?, size(w)?))
}

/// The image shape of a flat row of `d` pixels, for the message asking for one.
fn suggest(d: usize) -> String {
    let side = |v: usize| (1..=v).find(|s| s * s >= v).filter(|s| s * s == v);
    match (side(d), d.is_multiple_of(3).then(|| side(d / 3)).flatten()) {
        (Some(s), _) => format!(" (e.g. 1,{s},{s})"),
        (None, Some(s)) => format!(" (e.g. 3,{s},{s})"),
        _ => String::new(),
    }
}

/// How the image array's axes map to (N, C, H, W), and whether channels come last.
fn layout(dims: &[usize], shape: Option<Shape>) -> Result<(usize, Shape, bool), DataError> {
    let bad = |detail: String| DataError::BadDimensions {
        what: "image array",
        detail,
    };
    let channel = |v: usize| matches!(v, 1 | 3 | 4);
    match (dims, shape) {
        (&[n, d], Some((c, h, w))) if c * h * w == d => Ok((n, (c, h, w), false)),
        (&[_, d], Some((c, h, w))) => Err(bad(format!(
            "rows of {d} pixels do not fit the shape {c},{h},{w} ({} pixels)",
            c * h * w
        ))),
        (&[_, d], None) => Err(bad(format!(
            "flat rows of {d} pixels need an image shape C,H,W (--shape on the command line, \
             the shape field on the page){}",
            suggest(d)
        ))),
        (&[n, h, w], None) => Ok((n, (1, h, w), false)),
        (&[n, h, w], Some(s)) if s == (1, h, w) => Ok((n, s, false)),
        (&[n, a, b, c], Some(s)) if s == (a, b, c) => Ok((n, s, false)),
        (&[n, a, b, c], Some(s)) if s == (c, a, b) => Ok((n, s, true)),
        (&[n, a, b, c], None) if channel(c) && !channel(a) => Ok((n, (c, a, b), true)),
        (&[n, a, b, c], None) if channel(a) => Ok((n, (a, b, c), false)),
        (&[_, a, _, c], None) => Err(bad(format!(
            "neither the second axis ({a}) nor the last ({c}) holds 1, 3 or 4 channels \
             (shape {dims:?}); give the image shape C,H,W"
        ))),
        (_, Some((c, h, w))) => Err(bad(format!(
            "shape {dims:?} does not match the given image shape {c},{h},{w}"
        ))),
        _ => Err(bad(format!(
            "shape {dims:?}: images must be N x H x W, N x H x W x C, N x C x H x W or N x D"
        ))),
    }
}

/// The byte of each pixel by the float rule of this module's documentation.
fn float_bytes(array: &NpyArray) -> Result<Vec<u8>, DataError> {
    let count = array.header.count();
    let (mut lo, mut hi, mut finite) = (f64::INFINITY, f64::NEG_INFINITY, true);
    for i in 0..count {
        let v = array.get(i);
        finite &= v.is_finite();
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let scale = match () {
        _ if !finite => {
            return Err(DataError::BadValue(
                "float images hold NaN or infinite values".into(),
            ))
        }
        _ if lo >= 0.0 && hi <= 1.0 => 255.0,
        _ if lo >= 0.0 && hi <= 255.0 => 1.0,
        _ => {
            return Err(DataError::BadValue(format!(
                "float images range over [{lo}, {hi}]; pixels must all lie in [0, 1] (scaled by \
                 255) or all in [0, 255]"
            )))
        }
    };
    Ok((0..count)
        .map(|i| (array.get(i) * scale).round() as u8)
        .collect())
}

/// `pixels` (N images, H x W x C each) rearranged to C x H x W.
fn channels_first(pixels: &[u8], (c, h, w): Shape) -> Vec<u8> {
    let d = c * h * w;
    let mut out = vec![0u8; pixels.len()];
    for (src, dst) in pixels.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
        for (p, px) in src.chunks_exact(c).enumerate() {
            for (ch, &v) in px.iter().enumerate() {
                dst[ch * h * w + p] = v;
            }
        }
    }
    out
}

/// The (N, shape) an image array will give, checked against the dataset limits; nothing is
/// converted yet.
pub(super) fn image_layout(
    dims: &[usize],
    shape: Option<Shape>,
) -> Result<(usize, Shape), DataError> {
    let (n, (c, h, w), _) = layout(dims, shape)?;
    check_dims("image array", n, c, h, w)?;
    Ok((n, (c, h, w)))
}

/// The labels as bytes.
fn label_bytes(labels: &NpyArray, n: usize) -> Result<Vec<u8>, DataError> {
    let dims = &labels.header.shape;
    let count = match dims[..] {
        [k] | [k, 1] => k,
        _ => {
            return Err(DataError::BadDimensions {
                what: "label array",
                detail: format!("shape {dims:?} (labels must be one integer per image)"),
            })
        }
    };
    if let Element::Float(_) = labels.header.element {
        return Err(DataError::BadValue(format!(
            "labels are {}; they must be integers (class numbers 0 to 255)",
            labels.header.element.name()
        )));
    }
    if count != n {
        return Err(DataError::CountMismatch {
            images: n,
            labels: count,
        });
    }
    (0..count)
        .map(|i| {
            let v = labels.get(i);
            if (0.0..=255.0).contains(&v) {
                Ok(v as u8)
            } else {
                Err(DataError::BadValue(format!(
                    "label {v} (image {i}) is outside 0..=255"
                )))
            }
        })
        .collect()
}

/// A dataset from an image array and a label array.
pub(super) fn dataset_from_arrays(
    images: NpyArray,
    labels: &NpyArray,
    shape: Option<Shape>,
) -> Result<Dataset, DataError> {
    let (n, dims, last) = layout(&images.header.shape, shape)?;
    check_dims("image array", n, dims.0, dims.1, dims.2)?;
    let labels = label_bytes(labels, n)?;
    let pixels = match images.header.element {
        Element::Uint(1) => images.data,
        Element::Float(_) => float_bytes(&images)?,
        other => {
            return Err(DataError::BadValue(format!(
                "images are {}; they must be uint8, float32 or float64",
                other.name()
            )))
        }
    };
    let pixels = if last {
        channels_first(&pixels, dims)
    } else {
        pixels
    };
    Dataset::new(dims, pixels, labels)
}
