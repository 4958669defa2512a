//! The raw Gram R = B^T B of byte images (values 0..=255), exactly, in integer arithmetic.
//!
//! A byte fits an i16, so R is a sum of i16 products: two of them (at most 2 * 255^2) fit an i32
//! lane, and one instruction multiplies and pairwise adds 16 of them (AVX2 `vpmaddwd`) or 8
//! (WebAssembly `i32x4.dot_i16x8_s`), several times the multiply-adds of an f32 or f64 product.
//! Every partial sum is an integer far below 2^31, so the result is exact whatever the order, the
//! blocking, the instruction set or the number of threads.
//!
//! The images are taken `BLOCK` at a time and transposed to pixel-major i16 rows (padded with
//! zero images to a whole number of vectors, and with zero pixels to a whole number of tiles).
//! Each tile of 4 x 2 outputs (pixels i, j) then streams its six rows once per vector of images,
//! keeping its eight sums in registers; only tiles that touch the lower triangle are computed.

/// Images per block: a block's pixel-major rows (D * BLOCK i16, 784 KB for D = 784) stay in L2.
/// Each i32 lane sums BLOCK / 8 products and a whole output BLOCK of them, at most
/// 512 * 255^2 < 2^25, so nothing overflows.
const BLOCK: usize = 512;
/// Output tile: `TILE_I` pixels i by `TILE_J` pixels j.
const TILE_I: usize = 4;
const TILE_J: usize = 2;
/// Pixels per band of the transpose: one 64-byte cache line of each image.
const PIXELS: usize = 64;
/// Images per vector step (the widest kernel's i16 lanes); rows are padded to a multiple of it.
const STEP: usize = 16;

/// The lower triangle (i >= j) of R = sum over `rows` of x x^T, where x is image `row` given by
/// `image(row)` (D bytes). Returns D*D values, row-major; entries above the diagonal are zero.
pub(crate) fn byte_gram<'a>(
    d: usize,
    rows: &[usize],
    image: impl Fn(usize) -> &'a [u8] + Sync,
) -> Vec<u64> {
    let dpad = d.div_ceil(TILE_I) * TILE_I;
    let mut acc = vec![0u64; dpad * dpad];
    let mut block = vec![0i16; dpad * BLOCK];
    for chunk in rows.chunks(BLOCK) {
        let kpad = chunk.len().div_ceil(STEP) * STEP;
        let t = &mut block[..dpad * kpad];
        transpose_block(chunk, &image, d, kpad, t);
        accumulate_block(t, kpad, dpad, &mut acc);
    }
    let mut out = vec![0u64; d * d];
    for i in 0..d {
        out[i * d..i * d + i + 1].copy_from_slice(&acc[i * dpad..i * dpad + i + 1]);
    }
    out
}

/// Writes the images `chunk` pixel-major into `t` (dpad rows of kpad i16: row i holds pixel i of
/// each image, zero past the last image and in the padding rows), one band of `PIXELS` rows at a
/// time (in parallel natively: the bands are disjoint). A band reads one cache line of each image
/// and writes runs of `STEP` values per row: one value per row and image, written with a stride of
/// a whole row, would keep evicting the rows (their addresses fall into few cache sets).
fn transpose_block<'a>(
    chunk: &[usize],
    image: &(impl Fn(usize) -> &'a [u8] + Sync),
    d: usize,
    kpad: usize,
    t: &mut [i16],
) {
    let band = |(b, rows): (usize, &mut [i16])| {
        let i0 = b * PIXELS;
        let width = d.saturating_sub(i0).min(PIXELS);
        // STEP images at a time: each pixel row gets one contiguous run of STEP values, read
        // from STEP images side by side.
        for (g, group) in chunk.chunks(STEP).enumerate() {
            let k0 = g * STEP;
            let mut src: [&[u8]; STEP] = [&[]; STEP];
            for (s, &row) in src.iter_mut().zip(group) {
                *s = &image(row)[i0..i0 + width];
            }
            let src = &src[..group.len()];
            for (r, out) in rows.chunks_mut(kpad).take(width).enumerate() {
                for (o, s) in out[k0..k0 + group.len()].iter_mut().zip(src) {
                    *o = i16::from(s[r]);
                }
            }
        }
        for (r, out) in rows.chunks_mut(kpad).enumerate() {
            let from = if r < width { chunk.len() } else { 0 };
            out[from..].fill(0);
        }
    };
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        t.par_chunks_mut(PIXELS * kpad).enumerate().for_each(band);
    }
    #[cfg(target_arch = "wasm32")]
    t.chunks_mut(PIXELS * kpad).enumerate().for_each(band);
}

/// Adds the block's lower-triangle tiles to `acc` (dpad x dpad), one band of `TILE_I` rows at a
/// time (in parallel natively: the bands write disjoint rows).
fn accumulate_block(t: &[i16], kpad: usize, dpad: usize, acc: &mut [u64]) {
    let band = |(b, out): (usize, &mut [u64])| tile_band(t, kpad, b * TILE_I, out);
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        // Later bands hold more tiles; reversed, the big ones are taken first.
        let mut bands: Vec<(usize, &mut [u64])> =
            acc.chunks_mut(TILE_I * dpad).enumerate().collect();
        bands.reverse();
        bands.into_par_iter().with_max_len(1).for_each(band);
    }
    #[cfg(target_arch = "wasm32")]
    acc.chunks_mut(TILE_I * dpad).enumerate().for_each(band);
}

/// Tiles (i0..i0+4) x (j0..j0+2) for every j0 <= i0 + 3, added to `out` (rows i0..i0+4 of acc).
fn tile_band(t: &[i16], kpad: usize, i0: usize, out: &mut [u64]) {
    let dpad = out.len() / TILE_I;
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 is present (checked just above); the kernel reads only rows < i0 + 4 of t,
        // which has dpad >= i0 + 4 rows of kpad values, kpad a multiple of 16.
        unsafe { x86::tile_band_avx2(t, kpad, i0, out, dpad) };
        return;
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        wasm::tile_band_simd128(t, kpad, i0, out, dpad);
        return;
    }
    #[allow(unreachable_code)]
    tile_band_scalar(t, kpad, i0, out, dpad);
}

/// The portable reference for the vector kernels (also their fallback).
fn tile_band_scalar(t: &[i16], kpad: usize, i0: usize, out: &mut [u64], dpad: usize) {
    let row = |i: usize| &t[i * kpad..(i + 1) * kpad];
    for j0 in (0..i0 + TILE_I).step_by(TILE_J) {
        for r in 0..TILE_I {
            for c in 0..TILE_J {
                let sum: i64 = row(i0 + r)
                    .iter()
                    .zip(row(j0 + c))
                    .map(|(&x, &y)| i64::from(x) * i64::from(y))
                    .sum();
                out[r * dpad + j0 + c] += sum as u64;
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{TILE_I, TILE_J};
    use std::arch::x86_64::*;

    /// [`super::tile_band_scalar`] with `vpmaddwd`: 16 i16 products per instruction.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn tile_band_avx2(
        t: &[i16],
        kpad: usize,
        i0: usize,
        out: &mut [u64],
        dpad: usize,
    ) {
        let p = t.as_ptr();
        let a = [0, 1, 2, 3].map(|r| p.add((i0 + r) * kpad));
        for j0 in (0..i0 + TILE_I).step_by(TILE_J) {
            let b = [p.add(j0 * kpad), p.add((j0 + 1) * kpad)];
            let mut acc = [_mm256_setzero_si256(); TILE_I * TILE_J];
            let mut k = 0;
            while k < kpad {
                let x = a.map(|r| _mm256_loadu_si256(r.add(k).cast()));
                for c in 0..TILE_J {
                    let y = _mm256_loadu_si256(b[c].add(k).cast());
                    for r in 0..TILE_I {
                        let s = &mut acc[r * TILE_J + c];
                        *s = _mm256_add_epi32(*s, _mm256_madd_epi16(x[r], y));
                    }
                }
                k += 16;
            }
            for r in 0..TILE_I {
                for c in 0..TILE_J {
                    let v = acc[r * TILE_J + c];
                    let h =
                        _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
                    let h = _mm_add_epi32(h, _mm_shuffle_epi32::<0b01_00_11_10>(h));
                    let h = _mm_add_epi32(h, _mm_shuffle_epi32::<0b10_11_00_01>(h));
                    out[r * dpad + j0 + c] += u64::from(_mm_cvtsi128_si32(h) as u32);
                }
            }
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use super::{TILE_I, TILE_J};
    use std::arch::wasm32::*;

    /// [`super::tile_band_scalar`] with `i32x4.dot_i16x8_s`: 8 i16 products per instruction.
    ///
    /// Never inlined: browsers start a wasm function in baseline code and move it to optimised code
    /// only between calls (V8 has no on-stack replacement for wasm), so the hot loop must live in a
    /// function called once per band, not in its once-called caller. Inlined into
    /// `Gram::from_rows` (as a change of codegen partitioning once did), the first Gram of a page
    /// ran about twice as slow.
    #[inline(never)]
    pub(super) fn tile_band_simd128(
        t: &[i16],
        kpad: usize,
        i0: usize,
        out: &mut [u64],
        dpad: usize,
    ) {
        let row = |i: usize| &t[i * kpad..(i + 1) * kpad];
        let a = [0, 1, 2, 3].map(|r| row(i0 + r));
        let load = |s: &[i16], k: usize| {
            let v = &s[k..k + 8];
            // SAFETY: `v` holds 8 i16 = 16 bytes; v128_load allows unaligned addresses.
            unsafe { v128_load(v.as_ptr().cast()) }
        };
        for j0 in (0..i0 + TILE_I).step_by(TILE_J) {
            let b = [row(j0), row(j0 + 1)];
            let mut acc = [i32x4_splat(0); TILE_I * TILE_J];
            for k in (0..kpad).step_by(8) {
                let x = a.map(|r| load(r, k));
                for c in 0..TILE_J {
                    let y = load(b[c], k);
                    for r in 0..TILE_I {
                        let s = &mut acc[r * TILE_J + c];
                        *s = i32x4_add(*s, i32x4_dot_i16x8(x[r], y));
                    }
                }
            }
            for r in 0..TILE_I {
                for c in 0..TILE_J {
                    let v = acc[r * TILE_J + c];
                    let sum = i32x4_extract_lane::<0>(v)
                        + i32x4_extract_lane::<1>(v)
                        + i32x4_extract_lane::<2>(v)
                        + i32x4_extract_lane::<3>(v);
                    out[r * dpad + j0 + c] += u64::from(sum as u32);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Independent reference: the triple loop in u64.
    fn naive(d: usize, images: &[u8], rows: &[usize]) -> Vec<u64> {
        let mut r = vec![0u64; d * d];
        for &n in rows {
            let x = &images[n * d..(n + 1) * d];
            for i in 0..d {
                for j in 0..=i {
                    r[i * d + j] += u64::from(x[i]) * u64::from(x[j]);
                }
            }
        }
        r
    }

    fn bytes(len: usize, seed: u64) -> Vec<u8> {
        let mut s = seed;
        (0..len)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // Many 255s and 0s: the extremes are where an overflow or a sign error would show.
                match (s >> 60) as u8 {
                    0..=4 => 255,
                    5..=7 => 0,
                    _ => (s >> 33) as u8,
                }
            })
            .collect()
    }

    #[test]
    fn equals_the_u64_triple_loop_exactly() {
        // D not a multiple of the tile, N spanning several blocks and a ragged last one, rows
        // out of order and repeated; D = 101 spans two transpose bands, the second one partly
        // padding, and its shorter last block reuses a buffer the first block filled.
        for (d, n) in [(1, 3), (7, 40), (37, 1300), (64, 513), (101, 530)] {
            let images = bytes(d * n, d as u64);
            let mut rows: Vec<usize> = (0..n).rev().collect();
            rows.extend([0, 0, n - 1]);
            let got = byte_gram(d, &rows, |r| &images[r * d..(r + 1) * d]);
            assert_eq!(got, naive(d, &images, &rows), "D={d}, N={n}");
        }
    }

    #[test]
    fn all_bytes_255_over_many_blocks_does_not_overflow() {
        let (d, n) = (9, 5 * BLOCK + 3);
        let images = vec![255u8; d * n];
        let rows: Vec<usize> = (0..n).collect();
        let got = byte_gram(d, &rows, |r| &images[r * d..(r + 1) * d]);
        for i in 0..d {
            for j in 0..d {
                let want = if j <= i { n as u64 * 255 * 255 } else { 0 };
                assert_eq!(got[i * d + j], want);
            }
        }
    }

    #[test]
    fn the_vector_kernel_equals_the_scalar_one() {
        let (d, n) = (13usize, 77usize);
        let dpad = d.div_ceil(TILE_I) * TILE_I;
        let kpad = n.div_ceil(STEP) * STEP;
        let raw = bytes(dpad * kpad, 7);
        let t: Vec<i16> = raw.iter().map(|&b| i16::from(b)).collect();
        for i0 in (0..dpad).step_by(TILE_I) {
            let mut scalar = vec![0u64; TILE_I * dpad];
            let mut vector = vec![0u64; TILE_I * dpad];
            tile_band_scalar(&t, kpad, i0, &mut scalar, dpad);
            tile_band(&t, kpad, i0, &mut vector);
            assert_eq!(scalar, vector, "band {i0}");
        }
    }
}
