//! IDX files built byte by byte from the IDX specification, independently of the reader, for the
//! dataset tests.
#![allow(dead_code)]

/// An IDX image file: magic 0x00000803, N, H, W (big-endian u32), then `pixels`.
pub fn idx_images(n: u32, h: u32, w: u32, pixels: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, 0x03];
    for v in [n, h, w] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(pixels);
    out
}

/// An IDX label file: magic 0x00000801, N (big-endian u32), then the labels.
pub fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, 0x01];
    out.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    out.extend_from_slice(labels);
    out
}
