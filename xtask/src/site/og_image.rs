//! The link-preview image, `dist/og-image.png` (1200×630, the size OpenGraph and Twitter cards
//! show): the page's alignment figure on the bundled MNIST digits, without noise and with mask
//! noise (p = 0.5, 1×1 patches). The numbers are those of `recon-align align --data mnist --noise
//! mask:0.5:1` (the library's closed form, run natively by the release command-line tool); the
//! picture is drawn here, with a built-in bitmap font, and encoded as a PNG through flate2's zlib.

use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use flate2::{write::ZlibEncoder, Compression, Crc};

use super::font::{glyph, GLYPH_W};
use crate::{cargo_bin, Result};

pub const WIDTH: usize = 1200;
pub const HEIGHT: usize = 630;
/// The noise of the second curve, as the command line writes it.
pub const NOISE: &str = "mask:0.5:1";

type Rgb = [u8; 3];
const PAPER: Rgb = [0xff, 0xff, 0xff];
const INK: Rgb = [0x1b, 0x1b, 0x1f];
const MUTED: Rgb = [0x5b, 0x5b, 0x66];
const GRID: Rgb = [0xe0, 0xe0, 0xe6];
const FRAME: Rgb = [0x99, 0x99, 0x99];
/// Okabe-Ito black and vermillion, as the page draws the two curves.
pub const CLEAN: Rgb = [0x00, 0x00, 0x00];
pub const MASKED: Rgb = [0xd5, 0x5e, 0x00];

/// The plotting area: left, top, right, bottom (pixels).
pub const PLOT: (usize, usize, usize, usize) = (120, 130, 1160, 520);

/// One curve: alignment (%) at K = 1..D.
pub struct Curve {
    pub label: String,
    pub colour: Rgb,
    pub alignment: Vec<f64>,
}

/// Computes both curves on the bundled MNIST and writes the image to `out`.
pub fn write(root: &Path, out: &Path) -> Result {
    let (n, clean) = align(root, "none")?;
    let (_, masked) = align(root, NOISE)?;
    let curves = [
        Curve {
            label: "no noise".into(),
            colour: CLEAN,
            alignment: clean,
        },
        Curve {
            label: "mask p=0.5, 1×1 patches".into(),
            colour: MASKED,
            alignment: masked,
        },
    ];
    let image = figure(
        &curves,
        &format!("MNIST, {n} images: closed-form linear autoencoder, recon-align"),
    );
    fs::write(out, encode_png(&image, WIDTH, HEIGHT)?)?;
    println!(
        "xtask: wrote {} (alignment of the bundled MNIST, no noise and {NOISE})",
        out.display()
    );
    Ok(())
}

/// N and the alignment curve (%) of `recon-align align --data mnist --noise <noise>` (G on the CPU).
fn align(root: &Path, noise: &str) -> Result<(u64, Vec<f64>)> {
    let args = [
        "run",
        "--release",
        "--quiet",
        "--bin",
        "recon-align",
        "--",
        "align",
        "--data",
        "mnist",
        "--noise",
        noise,
        "--gram",
        "cpu",
        "--json",
    ];
    println!("xtask: running cargo {}", args.join(" "));
    let run = Command::new(cargo_bin())
        .args(args)
        .current_dir(root)
        .output()?;
    if !run.status.success() {
        return Err(format!(
            "recon-align align --noise {noise} failed: {}",
            String::from_utf8_lossy(&run.stderr)
        )
        .into());
    }
    let json: serde_json::Value = serde_json::from_slice(&run.stdout)?;
    let alignment: Option<Vec<f64>> = json["alignment"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_f64()).collect());
    match (json["n"].as_u64(), json["d"].as_u64(), alignment) {
        (Some(n), Some(d), Some(a)) if a.len() as u64 == d && d > 1 => Ok((n, a)),
        _ => Err(format!("recon-align align --noise {noise}: unexpected output").into()),
    }
}

/// An RGB raster, row by row.
pub struct Raster {
    pub pixels: Vec<Rgb>,
}

impl Raster {
    fn new() -> Self {
        Raster {
            pixels: vec![PAPER; WIDTH * HEIGHT],
        }
    }

    #[cfg(test)]
    pub fn at(&self, x: usize, y: usize) -> Rgb {
        self.pixels[y * WIDTH + x]
    }

    fn fill(&mut self, x0: i64, y0: i64, w: i64, h: i64, c: Rgb) {
        for y in y0.max(0)..(y0 + h).min(HEIGHT as i64) {
            for x in x0.max(0)..(x0 + w).min(WIDTH as i64) {
                self.pixels[y as usize * WIDTH + x as usize] = c;
            }
        }
    }

    /// A line `width` pixels thick from (x0, y0) to (x1, y1), stamped as squares along it.
    fn line(&mut self, (x0, y0): (f64, f64), (x1, y1): (f64, f64), width: f64, c: Rgb) {
        let steps = ((x1 - x0).abs().max((y1 - y0).abs()) * 2.0).ceil().max(1.0) as usize;
        let half = width / 2.0;
        for s in 0..=steps {
            let t = s as f64 / steps as f64;
            let (x, y) = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
            self.fill(
                (x - half).round() as i64,
                (y - half).round() as i64,
                width.round() as i64,
                width.round() as i64,
                c,
            );
        }
    }

    /// `text` with its top-left corner at (x, y), each font pixel `scale` pixels wide.
    fn text(&mut self, x: i64, y: i64, scale: i64, text: &str, c: Rgb) {
        for (i, ch) in text.chars().enumerate() {
            let Some(g) = glyph(ch) else { continue };
            let gx = x + i as i64 * text_advance(scale);
            for (r, row) in g.iter().enumerate() {
                for (col, &on) in row.iter().enumerate() {
                    if on {
                        self.fill(
                            gx + col as i64 * scale,
                            y + r as i64 * scale,
                            scale,
                            scale,
                            c,
                        );
                    }
                }
            }
        }
    }
}

/// The horizontal step from one character to the next at `scale`.
fn text_advance(scale: i64) -> i64 {
    (GLYPH_W as i64 + 1) * scale
}

fn text_width(text: &str, scale: i64) -> i64 {
    text.chars().count() as i64 * text_advance(scale) - scale
}

/// Pixel column of width K on the log axis from 1 to D.
pub fn x_of(k: f64, d: usize) -> f64 {
    let (l, _, r, _) = PLOT;
    l as f64 + k.log10() / (d as f64).log10() * (r - l) as f64
}

/// Pixel row of alignment `a` (%) on the axis from 0 to 100.
pub fn y_of(a: f64) -> f64 {
    let (_, t, _, b) = PLOT;
    b as f64 - a / 100.0 * (b - t) as f64
}

/// The figure: title, subtitle, axes with their labels, grid, both curves and a legend.
pub fn figure(curves: &[Curve], subtitle: &str) -> Raster {
    let mut img = Raster::new();
    let (l, t, r, b) = PLOT;
    let (l, t, r, b) = (l as i64, t as i64, r as i64, b as i64);
    let d = curves[0].alignment.len();
    img.text(40, 22, 5, "Alignment with the labels vs width K", INK);
    img.text(40, 64, 2, subtitle, MUTED);
    img.text(l - 60, t - 40, 3, "alignment (%)", INK);
    for a in (0..=100).step_by(20) {
        let y = y_of(a as f64).round() as i64;
        img.fill(l, y, r - l, 1, GRID);
        let label = a.to_string();
        img.text(l - 14 - text_width(&label, 3), y - 10, 3, &label, INK);
    }
    let mut ticks: Vec<usize> = [1, 10, 100].into_iter().filter(|&k| k < d).collect();
    ticks.push(d);
    for k in ticks {
        let x = x_of(k as f64, d).round() as i64;
        img.fill(x, t, 1, b - t, GRID);
        img.fill(x, b, 2, 10, FRAME);
        let label = k.to_string();
        img.text(x - text_width(&label, 3) / 2, b + 18, 3, &label, INK);
    }
    let x_label = "width K (number of features, log scale)";
    img.text(
        (l + r) / 2 - text_width(x_label, 2) / 2,
        b + 56,
        2,
        x_label,
        INK,
    );
    for (x, y, w, h) in [
        (l, t, r - l, 2),
        (l, b, r - l + 2, 2),
        (l, t, 2, b - t),
        (r, t, 2, b - t),
    ] {
        img.fill(x, y, w, h, FRAME);
    }
    // Later curves first and wider, so that one lying on another still shows around it.
    for (i, c) in curves.iter().enumerate().rev() {
        let points: Vec<(f64, f64)> = c
            .alignment
            .iter()
            .enumerate()
            .map(|(i, &a)| (x_of((i + 1) as f64, d), y_of(a.clamp(0.0, 100.0))))
            .collect();
        for pair in points.windows(2) {
            img.line(pair[0], pair[1], 3.0 + 3.0 * i as f64, c.colour);
        }
    }
    // The legend, in the empty lower right of the plot (the curves rise from the left).
    let lx = r - 520;
    for (i, c) in curves.iter().enumerate() {
        let y = b - 90 + i as i64 * 36;
        img.fill(lx, y + 8, 44, 5, c.colour);
        img.text(lx + 58, y, 3, &c.label, INK);
    }
    img
}

/// A PNG (8-bit RGB, no interlace) of `img`, `w`×`h`.
pub fn encode_png(img: &Raster, w: usize, h: usize) -> Result<Vec<u8>> {
    let mut raw = Vec::with_capacity(h * (1 + 3 * w));
    for row in img.pixels.chunks(w) {
        raw.push(0); // filter: none
        raw.extend(row.iter().flatten());
    }
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(&raw)?;
    let mut ihdr = Vec::new();
    ihdr.extend((w as u32).to_be_bytes());
    ihdr.extend((h as u32).to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // bit depth, colour type RGB, deflate, no filter variants, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", ihdr),
        (b"IDAT", z.finish()?),
        (b"IEND", Vec::new()),
    ] {
        png.extend((data.len() as u32).to_be_bytes());
        let mut crc = Crc::new();
        crc.update(kind);
        crc.update(&data);
        png.extend(kind);
        png.extend(&data);
        png.extend(crc.sum().to_be_bytes());
    }
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::ZlibDecoder;
    use std::io::Read as _;

    /// Splits a PNG into its chunks, checking each CRC (computed here bit by bit, not by flate2).
    fn chunks(png: &[u8]) -> Vec<(String, Vec<u8>)> {
        fn crc32(bytes: &[u8]) -> u32 {
            let mut c = 0xffff_ffffu32;
            for &b in bytes {
                c ^= b as u32;
                for _ in 0..8 {
                    c = if c & 1 == 1 {
                        (c >> 1) ^ 0xedb8_8320
                    } else {
                        c >> 1
                    };
                }
            }
            !c
        }
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let mut out = Vec::new();
        let mut at = 8;
        while at < png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let body = &png[at + 4..at + 8 + len];
            let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(
                crc,
                crc32(body),
                "CRC of {:?}",
                String::from_utf8_lossy(&body[..4])
            );
            out.push((
                String::from_utf8_lossy(&body[..4]).into_owned(),
                body[4..].to_vec(),
            ));
            at += 12 + len;
        }
        out
    }

    #[test]
    fn the_png_is_1200_by_630_and_holds_the_curves_where_the_axes_put_them() {
        // A made-up curve: alignment 100·log10(K)/log10(784), a straight line on this log axis.
        let d = 784;
        let line: Vec<f64> = (1..=d)
            .map(|k| 100.0 * (k as f64).log10() / (d as f64).log10())
            .collect();
        let flat = vec![30.0; d];
        let curves = [
            Curve {
                label: "rising".into(),
                colour: CLEAN,
                alignment: line,
            },
            Curve {
                label: "flat".into(),
                colour: MASKED,
                alignment: flat,
            },
        ];
        let img = figure(&curves, "test");
        let png = encode_png(&img, WIDTH, HEIGHT).unwrap();
        let parts = chunks(&png);
        let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["IHDR", "IDAT", "IEND"]);
        let ihdr = &parts[0].1;
        assert_eq!(u32::from_be_bytes(ihdr[0..4].try_into().unwrap()), 1200);
        assert_eq!(u32::from_be_bytes(ihdr[4..8].try_into().unwrap()), 630);
        assert_eq!(&ihdr[8..], &[8, 2, 0, 0, 0]);
        let mut raw = Vec::new();
        ZlibDecoder::new(&parts[1].1[..])
            .read_to_end(&mut raw)
            .unwrap();
        assert_eq!(raw.len(), 630 * (1 + 3 * 1200));
        let pixel = |x: usize, y: usize| {
            let at = y * (1 + 3 * 1200) + 1 + 3 * x;
            [raw[at], raw[at + 1], raw[at + 2]]
        };
        // The plotting box runs from x = 120 (K = 1) to 1160 (K = D) and from y = 520 (0%) to 130 (100%).
        for k in [2usize, 28, 300] {
            let t = (k as f64).log10() / (d as f64).log10();
            let x = (120.0 + t * 1040.0).round() as usize;
            assert_eq!(
                pixel(x, (520.0 - t * 390.0).round() as usize),
                CLEAN,
                "rising curve at K={k}"
            );
            assert_eq!(
                pixel(x, (520.0_f64 - 0.3 * 390.0).round() as usize),
                MASKED,
                "flat curve at K={k}"
            );
        }
        // The decoded pixels are the raster's.
        assert_eq!(pixel(5, 5), PAPER);
        assert_eq!(pixel(700, 300), img.at(700, 300));
    }
}
