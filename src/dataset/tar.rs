//! A small, strict reader of tar streams (ustar, with GNU long names and pax paths): each
//! entry's name is checked before anything else, and its declared size is checked before its
//! content is read or skipped, so a bomb declaring a huge entry stops at its header.

use std::io::Read;

use super::formats::MAX_BYTES;
use super::npz::check_entry_name;
use super::DataError;

const BLOCK: usize = 512;

fn bad(detail: impl std::fmt::Display) -> DataError {
    DataError::BadValue(format!("tar archive: {detail}"))
}

/// Reads exactly `len` bytes, or says the archive is truncated.
fn read_block(r: &mut dyn Read, len: usize, out: &mut Vec<u8>) -> Result<(), DataError> {
    out.clear();
    out.try_reserve_exact(len)
        .map_err(|_| DataError::Refused(format!("tar archive: no memory for {len} bytes")))?;
    r.take(len as u64)
        .read_to_end(out)
        .map_err(|e| bad(format!("cannot be read: {e}")))?;
    if out.len() < len {
        return Err(DataError::Truncated {
            what: "tar archive",
            expected: len,
            found: out.len(),
        });
    }
    Ok(())
}

fn text(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

fn octal(field: &[u8], what: &str) -> Result<usize, DataError> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(DataError::Refused(format!(
            "tar archive: {what} in binary form (an entry over 8 GB)"
        )));
    }
    let t = text(field);
    let t = t.trim_matches(|c: char| c == ' ' || c == '\0');
    if t.is_empty() {
        return Ok(0);
    }
    usize::from_str_radix(t, 8).map_err(|_| bad(format!("{what} `{t}` is not octal")))
}

/// The pax `path` record of an extended header, if any.
fn pax_path(body: &[u8]) -> Option<String> {
    let body = String::from_utf8_lossy(body);
    body.lines()
        .filter_map(|line| line.split_once(' ').map(|(_, rec)| rec))
        .find_map(|rec| rec.strip_prefix("path=").map(str::to_string))
}

/// What [`for_each_file`] calls for each regular file: its name, its declared size, and a reader
/// of its content.
pub(super) type Visit<'a> = &'a mut dyn FnMut(&str, usize, &mut dyn Read) -> Result<(), DataError>;

/// Calls `visit(name, size, reader)` for each regular file of the tar stream `r`; `visit` reads
/// what it wants of the entry, and the rest is skipped. Declared sizes must add up to at most
/// [`MAX_BYTES`]; every name must stay inside the archive.
pub(super) fn for_each_file(r: &mut dyn Read, visit: Visit) -> Result<(), DataError> {
    let mut header = Vec::with_capacity(BLOCK);
    let mut total = 0usize;
    let mut long_name: Option<String> = None;
    loop {
        read_block(r, BLOCK, &mut header)?;
        if header.iter().all(|&b| b == 0) {
            return Ok(());
        }
        let stored = octal(&header[148..156], "header checksum")?;
        let sum: usize = header
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    b as usize
                }
            })
            .sum();
        if stored != sum {
            return Err(bad(
                "a header's checksum does not match (not a tar file, or corrupt)",
            ));
        }
        let size = octal(&header[124..136], "entry size")?;
        total = total.saturating_add(size);
        if total > MAX_BYTES {
            return Err(DataError::Refused(format!(
                "tar archive: its entries declare more than {MAX_BYTES} bytes (this one {size})"
            )));
        }
        let mut name = text(&header[..100]);
        if &header[257..262] == b"ustar" && header[345] != 0 {
            name = format!("{}/{name}", text(&header[345..500]));
        }
        if let Some(long) = long_name.take() {
            name = long;
        }
        check_entry_name(&name, "the tar archive")?;
        let padded = size.div_ceil(BLOCK) * BLOCK;
        let mut entry = (&mut *r).take(padded as u64);
        match header[156] {
            b'L' | b'x' if size <= 1 << 16 => {
                let mut body = Vec::new();
                read_block(&mut entry, size, &mut body)?;
                let next = if header[156] == b'L' {
                    Some(text(&body))
                } else {
                    pax_path(&body)
                };
                if let Some(next) = next {
                    check_entry_name(&next, "the tar archive")?;
                    long_name = Some(next);
                }
            }
            b'0' | 0 => visit(&name, size, &mut (&mut entry).take(size as u64))?,
            _ => {}
        }
        std::io::copy(&mut entry, &mut std::io::sink())
            .map_err(|e| bad(format!("cannot be read: {e}")))?;
        if entry.limit() > 0 {
            return Err(DataError::Truncated {
                what: "tar archive",
                expected: padded,
                found: padded - entry.limit() as usize,
            });
        }
    }
}
