//! IDX files read within bounds: the header first, then no more bytes than it announces (plus
//! one, to detect trailing data). A gzip stream is inflated only that far, so a gzip bomb behind a
//! valid header stops after the announced size, and a header announcing too much is refused
//! before anything is inflated.

use std::borrow::Cow;
use std::io::Read;

use super::formats::{be_u32, check_dims, check_len, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC};
use super::DataError;

/// Which IDX file: images (`idx3`, 16-byte header) or labels (`idx1`, 8-byte header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum IdxKind {
    Images,
    Labels,
}

impl IdxKind {
    fn what(self) -> &'static str {
        match self {
            IdxKind::Images => "IDX image file",
            IdxKind::Labels => "IDX label file",
        }
    }

    fn header_len(self) -> usize {
        match self {
            IdxKind::Images => 16,
            IdxKind::Labels => 8,
        }
    }

    /// Checks the magic number, when the first four bytes are there.
    fn magic(self, start: &[u8]) -> Result<(), DataError> {
        let (expected_magic, shape) = match self {
            IdxKind::Images => (IDX_IMAGES_MAGIC, "u8, 3 dimensions"),
            IdxKind::Labels => (IDX_LABELS_MAGIC, "u8, 1 dimension"),
        };
        if start.len() < 4 {
            return Ok(());
        }
        let magic = be_u32(start, 0) as u32;
        if magic != expected_magic {
            return Err(DataError::BadMagic {
                what: self.what(),
                found: format!("0x{magic:08x}, expected 0x{expected_magic:08x} ({shape})"),
            });
        }
        Ok(())
    }

    /// Checks the sizes of a whole `header`; returns (N, D) and the file's length.
    fn announced(self, header: &[u8]) -> Result<(usize, usize, usize), DataError> {
        let what = self.what();
        self.magic(header)?;
        let n = be_u32(header, 4);
        let d = match self {
            IdxKind::Images => check_dims(what, n, 1, be_u32(header, 8), be_u32(header, 12))?,
            IdxKind::Labels => check_dims(what, n, 1, 1, 1)?,
        };
        Ok((n, d, self.header_len() + n * d))
    }
}

/// The whole IDX file `bytes` (raw or gzip), after `check(N, D)` has accepted its header; gzip
/// input is inflated to at most the announced length plus one byte.
pub(super) fn read_idx<'a>(
    bytes: &'a [u8],
    kind: IdxKind,
    check: &dyn Fn(usize, usize) -> Result<(), DataError>,
) -> Result<Cow<'a, [u8]>, DataError> {
    let what = kind.what();
    let header_len = kind.header_len();
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        kind.magic(bytes)?;
        let header = bytes.get(..header_len).ok_or(DataError::Truncated {
            what,
            expected: header_len,
            found: bytes.len(),
        })?;
        let (n, d, total) = kind.announced(header)?;
        check(n, d)?;
        return check_len(what, total, bytes.len()).map(|()| Cow::Borrowed(bytes));
    }
    let gz = |e: std::io::Error| DataError::Gzip(format!("{what}: {e}"));
    let mut stream = flate2::read::MultiGzDecoder::new(bytes);
    let mut out = Vec::with_capacity(header_len);
    (&mut stream)
        .take(header_len as u64)
        .read_to_end(&mut out)
        .map_err(gz)?;
    kind.magic(&out)?;
    if out.len() < header_len {
        return Err(DataError::Truncated {
            what,
            expected: header_len,
            found: out.len(),
        });
    }
    let (n, d, total) = kind.announced(&out)?;
    check(n, d)?;
    out.try_reserve_exact(total + 1 - header_len).map_err(|_| {
        DataError::Refused(format!(
            "{what}: not enough memory for the {total} bytes its header announces"
        ))
    })?;
    stream
        .take((total + 1 - header_len) as u64)
        .read_to_end(&mut out)
        .map_err(gz)?;
    check_len(what, total, out.len())?;
    Ok(Cow::Owned(out))
}
