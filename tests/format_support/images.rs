//! PNG and JPEG files written with the `image` crate's encoders (independent of the folder reader
//! under test), image folders laid out on disk or in a zip, and direct f64 computations of resize
//! and grey, for tests/dataset_folder.rs and tests/dataset_reshape.rs.
#![allow(dead_code)]

use std::io::Cursor;
use std::path::Path;

use crate::format_support::{noise, scratch, zip, ZipEntry};
use crate::idx_support::{idx_images, idx_labels};
use recon_align::dataset::{load_path_reshaped, DataError, Dataset, Reshape};

/// A PNG of `w` x `h` pixels with `channels` (1: grey, 3: RGB, 4: RGBA) interleaved bytes.
pub fn png(w: u32, h: u32, channels: usize, pixels: &[u8]) -> Vec<u8> {
    use image::ImageEncoder;
    let color = match channels {
        1 => image::ExtendedColorType::L8,
        3 => image::ExtendedColorType::Rgb8,
        4 => image::ExtendedColorType::Rgba8,
        other => panic!("{other} channels"),
    };
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(Cursor::new(&mut out))
        .write_image(pixels, w, h, color)
        .unwrap();
    out
}

/// A JPEG (quality 100) of `w` x `h` RGB pixels.
pub fn jpeg(w: u32, h: u32, rgb: &[u8]) -> Vec<u8> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut out), 100)
        .write_image(rgb, w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// Writes `files` ((relative path, bytes)) under `dir`, creating folders as needed.
pub fn write_tree(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (path, bytes) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

pub const CLASSES: [&str; 3] = ["bee", "ant", "cat"];
pub const PER_CLASS: usize = 5;

/// Grey 8x8 PNGs in three class folders (written in unsorted class order), and the same images
/// as an IDX dataset in ImageFolder's order (classes sorted, then file names sorted).
pub fn grey_folder() -> (Vec<(String, Vec<u8>)>, Dataset) {
    let mut files = Vec::new();
    let mut sorted: Vec<(String, Vec<u8>, u8)> = Vec::new();
    for (k, class) in CLASSES.iter().enumerate() {
        for i in 0..PER_CLASS {
            let pixels = noise(64, (k * 10 + i) as u32 + 1);
            let name = format!("{class}/img{i}.png");
            files.push((name.clone(), png(8, 8, 1, &pixels)));
            let label = match *class {
                "ant" => 0,
                "bee" => 1,
                _ => 2,
            };
            sorted.push((name, pixels, label));
        }
    }
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let pixels: Vec<u8> = sorted.iter().flat_map(|s| s.1.clone()).collect();
    let labels: Vec<u8> = sorted.iter().map(|s| s.2).collect();
    let n = sorted.len() as u32;
    let data = Dataset::from_idx(&idx_images(n, 8, 8, &pixels), &idx_labels(&labels)).unwrap();
    (files, data)
}

pub fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let entries: Vec<ZipEntry> = files
        .iter()
        .enumerate()
        .map(|(i, (name, bytes))| ZipEntry::new(name, bytes, i % 2 == 0))
        .collect();
    zip(&entries)
}

pub fn load_zip(name: &str, bytes: &[u8], reshape: Reshape) -> Result<Dataset, DataError> {
    Dataset::from_file_reshaped(name, bytes, None, reshape, &|_, _| Ok(()))
}

pub fn load_dir(
    files: &[(String, Vec<u8>)],
    test: &str,
    reshape: Reshape,
) -> Result<Dataset, DataError> {
    let dir = scratch(test);
    write_tree(&dir, files);
    let out = load_path_reshaped(dir.to_str().unwrap(), None, reshape);
    std::fs::remove_dir_all(&dir).unwrap();
    out
}

/// `(w x h)` RGB pixels, interleaved.
pub fn rgb(w: usize, h: usize, seed: u32) -> Vec<u8> {
    noise(w * h * 3, seed)
}

/// Interleaved pixels of `c` channels as `c` planes.
pub fn planes(pixels: &[u8], c: usize) -> Vec<u8> {
    (0..c)
        .flat_map(|ch| pixels.chunks_exact(c).map(move |p| p[ch]))
        .collect()
}

/// The mean of `plane` (h x w) over output pixel (i, j) of an s x s grid, in f64: each input
/// pixel weighted by the area it shares with the output pixel's rectangle.
pub fn box_mean(plane: &[f64], (h, w): (usize, usize), s: usize, (i, j): (usize, usize)) -> f64 {
    let (fy, fx) = (h as f64 / s as f64, w as f64 / s as f64);
    let (y0, y1, x0, x1) = (
        i as f64 * fy,
        (i + 1) as f64 * fy,
        j as f64 * fx,
        (j + 1) as f64 * fx,
    );
    let mut sum = 0.0;
    for r in 0..h {
        let oy = (y1.min(r as f64 + 1.0) - y0.max(r as f64)).max(0.0);
        for c in 0..w {
            let ox = (x1.min(c as f64 + 1.0) - x0.max(c as f64)).max(0.0);
            sum += oy * ox * plane[r * w + c];
        }
    }
    sum / (fy * fx)
}

/// `got` is `exact` rounded to the nearest integer (either neighbour at a tie, within f64 error).
pub fn assert_rounds(got: u8, exact: f64, what: &str) {
    let off = (got as f64 - exact).abs();
    assert!(off <= 0.5 + 1e-9, "{what}: {got} for {exact}");
    if (exact - exact.floor() - 0.5).abs() > 1e-9 {
        assert_eq!(got as f64, exact.round(), "{what}: {got} for {exact}");
    }
}

pub fn luma(p: [f64; 3]) -> f64 {
    0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]
}
