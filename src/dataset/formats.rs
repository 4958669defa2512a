//! The byte formats: IDX headers, the bundled header, gzip, and the checks every size passes
//! before anything is allocated.

use std::io::Read;

use super::DataError;

/// Largest image count accepted (full MNIST is 70,000; this leaves room for bigger sets).
pub const MAX_IMAGES: usize = 10_000_000;
/// Largest side accepted for an image, in pixels.
pub const MAX_SIDE: usize = 4096;
/// Largest decompressed size accepted for one file, in bytes.
pub const MAX_BYTES: usize = 1 << 31;

pub(super) const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
pub(super) const IDX_LABELS_MAGIC: u32 = 0x0000_0801;
pub(super) const BUNDLED_MAGIC: &[u8; 8] = b"RECALIGN";
pub(super) const BUNDLED_VERSION: u32 = 1;
pub(super) const BUNDLED_HEADER: usize = 8 + 4 * 6;

/// The byte k with k/255 equal to `v` up to the npm package's 3-decimal rounding.
pub fn pixel_byte(v: f64) -> Option<u8> {
    let k = (v * 255.0).round();
    ((0.0..=255.0).contains(&k) && (k / 255.0 - v).abs() <= 0.0005 + 1e-12).then_some(k as u8)
}

pub(super) fn check_dims(
    what: &'static str,
    n: usize,
    c: usize,
    h: usize,
    w: usize,
) -> Result<usize, DataError> {
    let bad = |detail: String| Err(DataError::BadDimensions { what, detail });
    if n == 0 || c == 0 || h == 0 || w == 0 {
        return bad(format!("N={n}, C={c}, H={h}, W={w} (all must be positive)"));
    }
    if n > MAX_IMAGES || h > MAX_SIDE || w > MAX_SIDE || c > 4 {
        return bad(format!(
            "N={n}, C={c}, H={h}, W={w} (limits: N<={MAX_IMAGES}, H,W<={MAX_SIDE}, C<=4)"
        ));
    }
    let d = c * h * w;
    match n.checked_mul(d) {
        Some(total) if total <= MAX_BYTES => Ok(d),
        _ => bad(format!("{n} images of {d} pixels exceed {MAX_BYTES} bytes")),
    }
}

pub(super) fn check_len(
    what: &'static str,
    expected: usize,
    found: usize,
) -> Result<(), DataError> {
    match found.cmp(&expected) {
        std::cmp::Ordering::Less => Err(DataError::Truncated {
            what,
            expected,
            found,
        }),
        std::cmp::Ordering::Greater => Err(DataError::TrailingBytes {
            what,
            expected,
            found,
        }),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

pub(super) fn check_header(
    what: &'static str,
    expected: usize,
    found: usize,
) -> Result<(), DataError> {
    if found < expected {
        return Err(DataError::Truncated {
            what,
            expected,
            found,
        });
    }
    Ok(())
}

pub(super) fn be_u32(bytes: &[u8], offset: usize) -> usize {
    u32::from_be_bytes([
        bytes[offset],
        bytes[offset + 1],
        bytes[offset + 2],
        bytes[offset + 3],
    ]) as usize
}

pub(super) fn parse_idx_images(bytes: &[u8]) -> Result<(usize, usize, usize, &[u8]), DataError> {
    let what = "IDX image file";
    if bytes.len() < 4 {
        return Err(DataError::Truncated {
            what,
            expected: 16,
            found: bytes.len(),
        });
    }
    let magic = be_u32(bytes, 0) as u32;
    if magic != IDX_IMAGES_MAGIC {
        return Err(DataError::BadMagic {
            what,
            found: format!("0x{magic:08x}, expected 0x{IDX_IMAGES_MAGIC:08x} (u8, 3 dimensions)"),
        });
    }
    check_header(what, 16, bytes.len())?;
    let (n, h, w) = (be_u32(bytes, 4), be_u32(bytes, 8), be_u32(bytes, 12));
    let d = check_dims(what, n, 1, h, w)?;
    check_len(what, 16 + n * d, bytes.len())?;
    Ok((n, h, w, &bytes[16..]))
}

pub(super) fn parse_idx_labels(bytes: &[u8]) -> Result<(usize, &[u8]), DataError> {
    let what = "IDX label file";
    if bytes.len() < 4 {
        return Err(DataError::Truncated {
            what,
            expected: 8,
            found: bytes.len(),
        });
    }
    let magic = be_u32(bytes, 0) as u32;
    if magic != IDX_LABELS_MAGIC {
        return Err(DataError::BadMagic {
            what,
            found: format!("0x{magic:08x}, expected 0x{IDX_LABELS_MAGIC:08x} (u8, 1 dimension)"),
        });
    }
    check_header(what, 8, bytes.len())?;
    let n = be_u32(bytes, 4);
    check_dims(what, n, 1, 1, 1)?;
    check_len(what, 8 + n, bytes.len())?;
    Ok((n, &bytes[8..]))
}

/// Decompresses gzip input (detected by its magic bytes), refusing output beyond [`MAX_BYTES`].
pub(super) fn maybe_gunzip<'a>(
    bytes: &'a [u8],
    what: &str,
) -> Result<std::borrow::Cow<'a, [u8]>, DataError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    let limit = MAX_BYTES as u64 + 1;
    flate2::read::MultiGzDecoder::new(bytes)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| DataError::Gzip(format!("{what}: {e}")))?;
    if out.len() > MAX_BYTES {
        return Err(DataError::Gzip(format!(
            "{what} decompresses to more than {MAX_BYTES} bytes"
        )));
    }
    Ok(std::borrow::Cow::Owned(out))
}
