//! NumPy `.npy` arrays read within bounds: the header first (magic, version, a length of at most
//! [`MAX_HEADER`] bytes, then the dictionary `{'descr': ..., 'fortran_order': ..., 'shape': ...}`),
//! then exactly the bytes that shape and type announce, so a stream (an `.npz` entry) is inflated
//! no further than its header says.
//!
//! The reader is our own and deliberately small: it accepts the header that NumPy writes for a
//! plain numeric array and refuses everything else by name. Object arrays (`dtype('O')`) are
//! pickled Python objects: they are refused, never unpickled.

use std::io::Read;

use super::formats::MAX_BYTES;
use super::DataError;

/// The magic string every `.npy` file starts with.
pub(super) const NPY_MAGIC: &[u8; 6] = b"\x93NUMPY";
/// Longest header accepted, in bytes (NumPy writes well under 1 KiB for any array).
pub(super) const MAX_HEADER: usize = 1 << 16;

/// The numeric element types read: integers of 1 to 8 bytes, and 4- or 8-byte floats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Element {
    Uint(usize),
    Int(usize),
    Float(usize),
}

impl Element {
    /// Bytes per element.
    pub(super) fn size(self) -> usize {
        match self {
            Element::Uint(s) | Element::Int(s) | Element::Float(s) => s,
        }
    }

    /// NumPy's name of the type, for messages.
    pub(super) fn name(self) -> String {
        match self {
            Element::Uint(s) => format!("uint{}", 8 * s),
            Element::Int(s) => format!("int{}", 8 * s),
            Element::Float(s) => format!("float{}", 8 * s),
        }
    }
}

/// A parsed `.npy` header: element type, byte order and shape (C order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct NpyHeader {
    pub(super) element: Element,
    pub(super) big_endian: bool,
    pub(super) shape: Vec<usize>,
}

/// A whole array: its header and its raw data bytes (C order, the file's byte order).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct NpyArray {
    pub(super) header: NpyHeader,
    pub(super) data: Vec<u8>,
}

fn bad(what: &str, detail: impl std::fmt::Display) -> DataError {
    DataError::BadValue(format!("{what}: {detail}"))
}

fn io_error(what: &str, e: std::io::Error) -> DataError {
    DataError::BadValue(format!("{what} cannot be read: {e}"))
}

/// Reads up to `len` bytes; fewer only at the end of the stream.
fn read_up_to(r: &mut dyn Read, len: usize, what: &str) -> Result<Vec<u8>, DataError> {
    let mut out = Vec::new();
    out.try_reserve_exact(len.min(MAX_BYTES))
        .map_err(|_| DataError::Refused(format!("{what}: not enough memory for {len} bytes")))?;
    r.take(len as u64)
        .read_to_end(&mut out)
        .map_err(|e| io_error(what, e))?;
    Ok(out)
}

/// The value text after `'key':` in the header dictionary.
fn value_after<'a>(text: &'a str, key: &str, what: &str) -> Result<&'a str, DataError> {
    let quoted = format!("'{key}'");
    let at = text
        .find(&quoted)
        .ok_or_else(|| bad(what, format!("header has no '{key}' entry: {text}")))?;
    let rest = text[at + quoted.len()..].trim_start();
    rest.strip_prefix(':')
        .map(str::trim_start)
        .ok_or_else(|| bad(what, format!("header entry '{key}' has no value: {text}")))
}

fn parse_descr(text: &str, what: &str) -> Result<(Element, bool), DataError> {
    let rest = value_after(text, "descr", what)?;
    if rest.starts_with('[') {
        return Err(bad(
            what,
            "a structured array (several fields per element) is not an image or label array",
        ));
    }
    let descr = rest
        .strip_prefix('\'')
        .and_then(|r| r.split('\'').next())
        .ok_or_else(|| bad(what, format!("header 'descr' is not a string: {text}")))?;
    let (order, code) = match descr.chars().next() {
        Some(c @ ('<' | '>' | '|' | '=')) => (c, &descr[1..]),
        _ => ('|', descr),
    };
    if code.starts_with('O') {
        return Err(DataError::Refused(format!(
            "{what} holds Python objects (dtype 'O'): such arrays are pickled, and pickles are \
             never loaded here; save plain numeric arrays (e.g. uint8 images, int64 labels)"
        )));
    }
    let unsupported = || {
        bad(
            what,
            format!(
                "element type '{descr}' is not supported (unsigned or signed integers of 1, 2, \
                 4 or 8 bytes, or float32/float64)"
            ),
        )
    };
    let (kind, size) = code.split_at(code.len().min(1));
    let size: usize = size.parse().map_err(|_| unsupported())?;
    let element = match (kind, size) {
        ("u", 1 | 2 | 4 | 8) => Element::Uint(size),
        ("i", 1 | 2 | 4 | 8) => Element::Int(size),
        ("f", 4 | 8) => Element::Float(size),
        _ => return Err(unsupported()),
    };
    Ok((element, order == '>' && size > 1))
}

fn parse_shape(text: &str, what: &str) -> Result<Vec<usize>, DataError> {
    let rest = value_after(text, "shape", what)?;
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.split(')').next())
        .ok_or_else(|| bad(what, format!("header 'shape' is not a tuple: {text}")))?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| bad(what, format!("shape entry `{s}` is not a size")))
        })
        .collect()
}

impl NpyHeader {
    /// Reads and checks the header from the start of an `.npy` stream; the stream is left at the
    /// first data byte.
    pub(super) fn read(r: &mut dyn Read, what: &'static str) -> Result<Self, DataError> {
        let pre = read_up_to(r, 10, what)?;
        if pre.len() >= 6 && &pre[..6] != NPY_MAGIC {
            return Err(DataError::BadMagic {
                what,
                found: format!("{:02x?}, expected \\x93NUMPY", &pre[..6]),
            });
        }
        if pre.len() < 10 {
            return Err(DataError::Truncated {
                what,
                expected: 10,
                found: pre.len(),
            });
        }
        let (len, pre) = match pre[6] {
            1 => (u16::from_le_bytes([pre[8], pre[9]]) as usize, pre),
            2 | 3 => {
                let more = read_up_to(r, 2, what)?;
                if more.len() < 2 {
                    return Err(DataError::Truncated {
                        what,
                        expected: 12,
                        found: 10 + more.len(),
                    });
                }
                let len = u32::from_le_bytes([pre[8], pre[9], more[0], more[1]]) as usize;
                (len, pre)
            }
            v => return Err(bad(what, format!("format version {v} is not 1, 2 or 3"))),
        };
        if len > MAX_HEADER {
            return Err(bad(
                what,
                format!("header of {len} bytes (at most {MAX_HEADER} accepted)"),
            ));
        }
        let prefix = if pre[6] == 1 { 10 } else { 12 };
        let text = read_up_to(r, len, what)?;
        if text.len() < len {
            return Err(DataError::Truncated {
                what,
                expected: prefix + len,
                found: prefix + text.len(),
            });
        }
        let text = std::str::from_utf8(&text).map_err(|_| bad(what, "header is not text"))?;
        let (element, big_endian) = parse_descr(text, what)?;
        let fortran = value_after(text, "fortran_order", what)?;
        let shape = parse_shape(text, what)?;
        if fortran.starts_with("True") && shape.iter().filter(|&&s| s > 1).count() > 1 {
            return Err(bad(
                what,
                "the array is stored in Fortran order; save it with \
                 numpy.ascontiguousarray first",
            ));
        }
        if !fortran.starts_with("True") && !fortran.starts_with("False") {
            return Err(bad(
                what,
                format!("header 'fortran_order' is not a bool: {text}"),
            ));
        }
        let header = NpyHeader {
            element,
            big_endian,
            shape,
        };
        header.data_len(what)?;
        Ok(header)
    }

    /// Number of elements.
    pub(super) fn count(&self) -> usize {
        self.shape.iter().product()
    }

    /// Bytes of data the header announces, refused beyond [`MAX_BYTES`] (checked without
    /// overflow).
    pub(super) fn data_len(&self, what: &str) -> Result<usize, DataError> {
        let total = self
            .shape
            .iter()
            .try_fold(self.element.size(), |acc, &s| acc.checked_mul(s));
        match total {
            Some(t) if t <= MAX_BYTES => Ok(t),
            _ => Err(DataError::Refused(format!(
                "{what}: shape {:?} of {} exceeds {MAX_BYTES} bytes",
                self.shape,
                self.element.name()
            ))),
        }
    }

    /// Reads the data that follows the header: exactly [`NpyHeader::data_len`] bytes, then one
    /// more to detect trailing data.
    pub(super) fn read_data(
        self,
        r: &mut dyn Read,
        what: &'static str,
    ) -> Result<NpyArray, DataError> {
        let len = self.data_len(what)?;
        let data = read_up_to(r, len + 1, what)?;
        match data.len().cmp(&len) {
            std::cmp::Ordering::Less => Err(DataError::Truncated {
                what,
                expected: len,
                found: data.len(),
            }),
            std::cmp::Ordering::Greater => Err(DataError::TrailingBytes {
                what,
                expected: len,
                found: data.len(),
            }),
            std::cmp::Ordering::Equal => Ok(NpyArray { header: self, data }),
        }
    }
}

impl NpyArray {
    /// Element `i` as an unsigned integer, a signed one, or a float, widened to 64 bits.
    fn raw(&self, i: usize) -> [u8; 8] {
        let s = self.header.element.size();
        let mut b = [0u8; 8];
        let src = &self.data[i * s..(i + 1) * s];
        if self.header.big_endian {
            for (k, &v) in src.iter().rev().enumerate() {
                b[k] = v;
            }
        } else {
            b[..s].copy_from_slice(src);
        }
        b
    }

    /// Element `i` as f64 (integers exactly up to 2^53, which any label or pixel is).
    pub(super) fn get(&self, i: usize) -> f64 {
        let b = self.raw(i);
        match self.header.element {
            Element::Uint(_) => u64::from_le_bytes(b) as f64,
            Element::Int(s) => {
                // Sign-extend from s bytes.
                let shift = 64 - 8 * s as u32;
                ((i64::from_le_bytes(b) << shift) >> shift) as f64
            }
            Element::Float(4) => f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            Element::Float(_) => f64::from_le_bytes(b),
        }
    }
}
