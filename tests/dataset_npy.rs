//! NumPy `.npz` archives and `.npy` pairs: each generated file loads to the same dataset as the
//! same images written as IDX (or, for colour, built pixel by pixel here), and each hostile file
//! gives a clear error. Files are written by tests/format_support, not by the reader's code.

mod format_support;
mod idx_support;

use format_support::{align_json, noise, npy, scratch, zip, ZipEntry};
use idx_support::{idx_images, idx_labels};
use recon_align::dataset::{load_path, DataError, Dataset, NPZ_KEYS};

const N: usize = 40;
const SIDE: usize = 8;

/// 40 grey 8x8 images and their labels (4 classes), with the same images as IDX.
fn grey() -> (Vec<u8>, Vec<u8>, Dataset) {
    let pixels = noise(N * SIDE * SIDE, 7);
    let labels: Vec<u8> = (0..N).map(|i| (i * 7 % 4) as u8).collect();
    let idx = Dataset::from_idx(
        &idx_images(N as u32, SIDE as u32, SIDE as u32, &pixels),
        &idx_labels(&labels),
    )
    .unwrap();
    (pixels, labels, idx)
}

fn npz_of(x: &[u8], y: &[u8], deflate: bool) -> Vec<u8> {
    zip(&[
        ZipEntry::new("x.npy", x, deflate),
        ZipEntry::new("y.npy", y, deflate),
    ])
}

fn grey_npz(deflate: bool) -> (Vec<u8>, Dataset) {
    let (pixels, labels, idx) = grey();
    let x = npy("|u1", &[N, SIDE, SIDE], &pixels);
    let y = npy("|u1", &[N], &labels);
    (npz_of(&x, &y, deflate), idx)
}

fn load(bytes: &[u8]) -> Result<Dataset, DataError> {
    Dataset::from_file("data.npz", bytes, None)
}

#[test]
fn uint8_npz_stored_or_deflated_equals_the_idx_files() {
    for deflate in [false, true] {
        let (bytes, idx) = grey_npz(deflate);
        assert_eq!(load(&bytes).unwrap(), idx, "deflate {deflate}");
    }
}

#[test]
fn every_documented_key_pair_is_read_and_unknown_keys_are_listed() {
    let (pixels, labels, idx) = grey();
    let x = npy("|u1", &[N, SIDE, SIDE], &pixels);
    let y = npy(
        "<i8",
        &[N],
        &labels
            .iter()
            .flat_map(|&l| (l as i64).to_le_bytes())
            .collect::<Vec<_>>(),
    );
    for (xk, yk, _) in NPZ_KEYS {
        let (xn, yn) = (format!("{xk}.npy"), format!("{yk}.npy"));
        let bytes = zip(&[ZipEntry::new(&xn, &x, true), ZipEntry::new(&yn, &y, false)]);
        assert_eq!(load(&bytes).unwrap(), idx, "keys {xk}/{yk}");
    }
    let bytes = zip(&[
        ZipEntry::new("pixels.npy", &x, false),
        ZipEntry::new("classes.npy", &y, false),
    ]);
    let err = load(&bytes).unwrap_err().to_string();
    assert!(
        err.contains("[classes, pixels]") && err.contains("x/y"),
        "{err}"
    );
}

#[test]
fn float_pixels_follow_the_documented_rule() {
    let (pixels, labels, idx) = grey();
    let y = npy("|u1", &[N], &labels);
    // In [0, 1]: k/255 with an offset below half a step rounds back to k (float32).
    let unit: Vec<u8> = pixels
        .iter()
        .enumerate()
        .flat_map(|(i, &k)| {
            let off = if i % 2 == 0 { 0.3 } else { -0.3 };
            let k = f32::from(k);
            let v = if k == 0.0 {
                0.0
            } else if k == 255.0 {
                1.0
            } else {
                (k + off) / 255.0
            };
            v.to_le_bytes()
        })
        .collect();
    let x = npy("<f4", &[N, SIDE, SIDE], &unit);
    assert_eq!(load(&npz_of(&x, &y, false)).unwrap(), idx);
    // In [0, 255], with a value above 1 so that the first rule does not apply (float64, big-endian).
    // Each byte k is stored as k + 0.2 (k - 0.2 for 255), which rounds back to k.
    let wide: Vec<u8> = pixels
        .iter()
        .flat_map(|&k| {
            let v = if k == 255 { 254.8 } else { f64::from(k) + 0.2 };
            v.to_be_bytes()
        })
        .collect();
    let x = npy(">f8", &[N, SIDE, SIDE], &wide);
    assert_eq!(load(&npz_of(&x, &y, false)).unwrap(), idx);
    // Out of range, and NaN.
    for bad in [-0.5f32, 256.0, f32::NAN] {
        let mut vals = vec![0.5f32; N * SIDE * SIDE];
        vals[17] = bad;
        let x = npy(
            "<f4",
            &[N, SIDE, SIDE],
            &vals
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<_>>(),
        );
        let err = load(&npz_of(&x, &y, false)).unwrap_err().to_string();
        assert!(
            err.contains("[0, 255]") || err.contains("NaN"),
            "{bad}: {err}"
        );
    }
}

/// Colour pixel (image i, channel c, row r, column k), defined here once for both orders.
fn colour(i: usize, c: usize, r: usize, k: usize) -> u8 {
    ((i * 31 + c * 101 + r * 13 + k * 7) % 256) as u8
}

#[test]
fn channels_last_and_first_give_the_same_channel_major_images() {
    let (n, c, h, w) = (N, 3, 6, 5);
    let labels: Vec<u8> = (0..n).map(|i| (i % 4) as u8).collect();
    let mut chw = Vec::new();
    let mut hwc = Vec::new();
    for i in 0..n {
        for ch in 0..c {
            for r in 0..h {
                for k in 0..w {
                    chw.push(colour(i, ch, r, k));
                }
            }
        }
        for r in 0..h {
            for k in 0..w {
                for ch in 0..c {
                    hwc.push(colour(i, ch, r, k));
                }
            }
        }
    }
    let expected = Dataset::new((c, h, w), chw.clone(), labels.clone()).unwrap();
    let y = npy("|u1", &[n], &labels);
    let last = npy("|u1", &[n, h, w, c], &hwc);
    let first = npy("|u1", &[n, c, h, w], &chw);
    assert_eq!(load(&npz_of(&last, &y, true)).unwrap(), expected);
    assert_eq!(load(&npz_of(&first, &y, true)).unwrap(), expected);
    // Flat rows need the shape; with it they read as C,H,W.
    let flat = npy("|u1", &[n, c * h * w], &chw);
    let err = load(&npz_of(&flat, &y, false)).unwrap_err().to_string();
    assert!(err.contains("need an image shape C,H,W"), "{err}");
    let got = Dataset::from_file("d.npz", &npz_of(&flat, &y, false), Some((c, h, w))).unwrap();
    assert_eq!(got, expected);
    // An explicit shape settles an ambiguous 4-D array (3 x 4 x 3 images, channels last).
    let amb = npy("|u1", &[n, 3, 4, 3], &vec![1u8; n * 36]);
    let got = Dataset::from_file("d.npz", &npz_of(&amb, &y, false), Some((3, 3, 4))).unwrap();
    assert_eq!((got.c, got.h, got.w), (3, 3, 4));
}

#[test]
fn label_types_are_widened_and_bad_labels_refused() {
    let (pixels, labels, idx) = grey();
    let x = npy("|u1", &[N, SIDE, SIDE], &pixels);
    let as_type = |descr: &str, width: usize, big: bool| {
        let data: Vec<u8> = labels
            .iter()
            .flat_map(|&l| {
                let mut b = (l as u64).to_le_bytes()[..width].to_vec();
                if big {
                    b.reverse();
                }
                b
            })
            .collect();
        npy(descr, &[N], &data)
    };
    for (descr, width, big) in [
        ("<u2", 2, false),
        (">i4", 4, true),
        ("<u8", 8, false),
        ("|i1", 1, false),
    ] {
        let y = as_type(descr, width, big);
        assert_eq!(load(&npz_of(&x, &y, false)).unwrap(), idx, "{descr}");
    }
    let mut wide = labels.iter().map(|&l| l as i16).collect::<Vec<_>>();
    for (v, want) in [(300i16, "outside 0..=255"), (-1, "outside 0..=255")] {
        wide[3] = v;
        let y = npy(
            "<i2",
            &[N],
            &wide
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<_>>(),
        );
        let err = load(&npz_of(&x, &y, false)).unwrap_err().to_string();
        assert!(err.contains(want), "{v}: {err}");
    }
    let y = npy("<f4", &[N], &[0u8; 4 * N]);
    let err = load(&npz_of(&x, &y, false)).unwrap_err().to_string();
    assert!(err.contains("must be integers"), "{err}");
    let y = npy("|u1", &[N - 1], &labels[..N - 1]);
    assert_eq!(
        load(&npz_of(&x, &y, false)).unwrap_err(),
        DataError::CountMismatch {
            images: N,
            labels: N - 1
        }
    );
}

#[test]
fn object_arrays_are_refused_and_never_unpickled() {
    let (pixels, _, _) = grey();
    let x = npy("|u1", &[N, SIDE, SIDE], &pixels);
    // A pickle stream would follow an object array's header; it must not be read.
    let y = npy("|O", &[N], b"\x80\x04\x95 not a real pickle");
    let err = load(&npz_of(&x, &y, false)).unwrap_err();
    assert!(matches!(err, DataError::Refused(_)), "{err:?}");
    assert!(err.to_string().contains("never loaded"), "{err}");
}

#[test]
fn truncated_bombs_and_traversals_are_clear_errors() {
    let (bytes, _) = grey_npz(false);
    // Truncated archive.
    let err = load(&bytes[..bytes.len() / 2]).unwrap_err().to_string();
    assert!(err.contains(".npz archive cannot be read"), "{err}");
    // An array shorter than its header says (in a well-formed archive).
    let (pixels, labels, _) = grey();
    let short = npy("|u1", &[N, SIDE, SIDE], &pixels[..100]);
    let y = npy("|u1", &[N], &labels);
    let err = load(&npz_of(&short, &y, false)).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::Truncated {
                expected: 2560,
                found: 100,
                ..
            }
        ),
        "{err:?}"
    );
    // A declared size beyond the limits is refused before anything is inflated.
    let x = npy("|u1", &[N, SIDE, SIDE], &pixels);
    let bomb = zip(&[
        ZipEntry {
            name: "x.npy",
            bytes: &x,
            deflate: true,
            declared: Some(u32::MAX - 1),
        },
        ZipEntry::new("y.npy", &y, false),
    ]);
    let err = load(&bomb).unwrap_err();
    assert!(
        err.to_string().contains("declares 4294967294 bytes"),
        "{err}"
    );
    // A header announcing more than the limits, refused before its data is read.
    let huge = npy("|u1", &[1 << 20, 4096, 4096], &[]);
    let err = load(&npz_of(&huge, &y, false)).unwrap_err();
    assert!(err.to_string().contains("exceeds"), "{err}");
    // 20 MB of zeros behind a header of 2,560 bytes: inflation stops one byte past the header.
    let mut padded = x.clone();
    padded.resize(x.len() + 20_000_000, 0);
    let err = load(&npz_of(&padded, &y, true)).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::TrailingBytes {
                expected: 2560,
                found: 2561,
                ..
            }
        ),
        "{err:?}"
    );
    // A name outside the archive.
    let evil = zip(&[
        ZipEntry::new("../x.npy", &x, false),
        ZipEntry::new("y.npy", &y, false),
    ]);
    let err = load(&evil).unwrap_err().to_string();
    assert!(err.contains("outside the archive"), "{err}");
}

#[test]
fn lone_npy_and_other_files_say_what_is_expected() {
    let (pixels, _, _) = grey();
    let x = npy("|u1", &[N, SIDE, SIDE], &pixels);
    let err = Dataset::from_file("x.npy", &x, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains(".npz"), "{err}");
    let err = Dataset::from_file("notes.txt", b"hello, world", None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a data file"), "{err}");
    let err = Dataset::from_file("d.npz", b"hello, world", None)
        .unwrap_err()
        .to_string();
    assert!(err.contains(".npz archive cannot be read"), "{err}");
    // The quote opening the element type, replaced.
    let mut bad_header = x.clone();
    bad_header[20] = b'#';
    let y = npy("|u1", &[N], &[0; N]);
    let err = load(&npz_of(&bad_header, &y, false))
        .unwrap_err()
        .to_string();
    assert!(err.contains("'descr' is not a string"), "{err}");
}

#[test]
fn a_folder_of_npy_files_and_the_cli_read_the_same_as_idx() {
    let (pixels, labels, idx) = grey();
    let dir = scratch("npy-pair");
    std::fs::write(
        dir.join("x_train.npy"),
        npy("|u1", &[N, SIDE, SIDE], &pixels),
    )
    .unwrap();
    std::fs::write(dir.join("y_train.npy"), npy("|u1", &[N], &labels)).unwrap();
    assert_eq!(load_path(dir.to_str().unwrap(), None).unwrap(), idx);
    let idx_dir = scratch("npy-idx");
    std::fs::write(
        idx_dir.join("train-images-idx3-ubyte"),
        idx_images(N as u32, SIDE as u32, SIDE as u32, &pixels),
    )
    .unwrap();
    std::fs::write(idx_dir.join("train-labels-idx1-ubyte"), idx_labels(&labels)).unwrap();
    let (npz, _) = grey_npz(true);
    let file = dir.join("data.npz");
    std::fs::write(&file, npz).unwrap();
    let run = align_json;
    assert_eq!(run(&file), run(&idx_dir));
}

#[test]
fn the_readme_lists_the_same_array_names_as_the_reader() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (x, y, _) in NPZ_KEYS {
        let row = format!("| `{x}` | `{y}` |");
        assert!(readme.contains(&row), "README lacks the row {row}");
    }
}
