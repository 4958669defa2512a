//! The headers of PNG and JPEG files, read without decoding: the kind and size of an image, once
//! its whole structure is checked (a PNG's chunks with their CRCs up to IEND; a JPEG's markers up
//! to its scan, and an end-of-image marker after it), so that a truncated or corrupt file is
//! refused by name before any pixel is decoded, by the page and the command line alike.

use super::folder::{refuse, ImageKind};
use super::formats::MAX_SIDE;
use super::DataError;

/// The kind and size of an image from its bytes, once its whole structure is checked.
pub(super) fn image_header(
    bytes: &[u8],
    path: &str,
) -> Result<(ImageKind, usize, usize), DataError> {
    let (kind, w, h) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_header(bytes, path)?
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        jpeg_header(bytes, path)?
    } else {
        return Err(refuse(format!(
            "`{path}` is neither a PNG nor a JPEG file (its first bytes are {:02x?})",
            &bytes[..bytes.len().min(8)]
        )));
    };
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(refuse(format!(
            "`{path}` is {w}x{h} pixels (each side must be 1 to {MAX_SIDE})"
        )));
    }
    Ok((kind, w, h))
}

fn be32(b: &[u8], at: usize) -> usize {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
}

fn png_header(bytes: &[u8], path: &str) -> Result<(ImageKind, usize, usize), DataError> {
    let truncated = || refuse(format!("`{path}` is a truncated PNG file"));
    let mut at = 8;
    let mut size = None;
    loop {
        let head = bytes.get(at..at + 8).ok_or_else(truncated)?;
        let len = be32(head, 0);
        let end = at.checked_add(12).and_then(|v| v.checked_add(len));
        let chunk = end
            .and_then(|end| bytes.get(at + 4..end))
            .ok_or_else(truncated)?;
        let (body, crc) = chunk.split_at(chunk.len() - 4);
        let mut sum = flate2::Crc::new();
        sum.update(body);
        if sum.sum() as usize != be32(crc, 0) {
            return Err(refuse(format!(
                "`{path}` is a corrupt PNG file (a chunk's CRC does not match)"
            )));
        }
        match &body[..4] {
            b"IHDR" if len == 13 => size = Some((be32(body, 4), be32(body, 8))),
            b"IEND" => break,
            _ if size.is_none() => {
                return Err(refuse(format!("`{path}` is a corrupt PNG file (no IHDR)")))
            }
            _ => {}
        }
        at += 12 + len;
    }
    let (w, h) = size.ok_or_else(truncated)?;
    Ok((ImageKind::Png, w, h))
}

fn jpeg_header(bytes: &[u8], path: &str) -> Result<(ImageKind, usize, usize), DataError> {
    let truncated = || refuse(format!("`{path}` is a truncated JPEG file"));
    let mut at = 2;
    let mut size = None;
    loop {
        while bytes.get(at) == Some(&0xff) && bytes.get(at + 1) == Some(&0xff) {
            at += 1;
        }
        let marker = match bytes.get(at..at + 2) {
            Some([0xff, m]) => *m,
            Some(_) => return Err(refuse(format!("`{path}` is a corrupt JPEG file"))),
            None => return Err(truncated()),
        };
        if marker == 0x01 || (0xd0..=0xd8).contains(&marker) {
            at += 2;
            continue;
        }
        let len = bytes
            .get(at + 2..at + 4)
            .map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)
            .ok_or_else(truncated)?;
        let body = bytes.get(at + 4..at + 2 + len).ok_or_else(truncated)?;
        let sof = (0xc0..=0xcf).contains(&marker) && ![0xc4, 0xc8, 0xcc].contains(&marker);
        if sof && body.len() >= 5 {
            size = Some((
                u16::from_be_bytes([body[3], body[4]]) as usize,
                u16::from_be_bytes([body[1], body[2]]) as usize,
            ));
        }
        at += 2 + len;
        if marker == 0xda {
            break;
        }
    }
    let (w, h) =
        size.ok_or_else(|| refuse(format!("`{path}` is a JPEG without a frame header")))?;
    if !bytes[at..].windows(2).any(|m| m == [0xff, 0xd9]) {
        return Err(truncated());
    }
    Ok((ImageKind::Jpeg, w, h))
}
