//! Hostile data files meet bounds before they meet memory: a gzip bomb behind a valid header, lying
//! headers, and datasets the page could not hold or finish. Files are built byte by byte here
//! from the IDX specification.

mod idx_support;

use std::io::Write;

use idx_support::{idx_images, idx_labels};
use recon_align::dataset::{
    check_for_page, check_page_size, DataError, Dataset, PageEstimate, MIN_IMAGES, PAGE_MAX_BYTES,
};

fn idx_header(n: u32, h: u32, w: u32) -> Vec<u8> {
    idx_images(n, h, w, &[])
}

fn gzip_stream(header: &[u8], zeros: usize) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(header).unwrap();
    let block = vec![0u8; 1 << 20];
    let mut left = zeros;
    while left > 0 {
        let take = left.min(block.len());
        enc.write_all(&block[..take]).unwrap();
        left -= take;
    }
    enc.finish().unwrap()
}

#[test]
fn a_gzip_bomb_behind_a_valid_header_is_refused_as_trailing_data() {
    // The header announces 30 images of 28x28 (23,536 bytes); the stream inflates to 256 MB.
    let bomb = gzip_stream(&idx_header(30, 28, 28), 256 << 20);
    assert!(
        bomb.len() < 1 << 20,
        "a bomb: {} bytes compressed",
        bomb.len()
    );
    let labels = idx_labels(&[0; 30]);
    let err = Dataset::from_idx(&bomb, &labels).unwrap_err();
    assert_eq!(
        err,
        DataError::TrailingBytes {
            what: "IDX image file",
            expected: 16 + 30 * 784,
            found: 16 + 30 * 784 + 1,
        }
    );
}

#[test]
fn the_header_is_checked_before_anything_is_inflated() {
    // A header announcing 64 images of 128x128 pixels; the check sees (N, D) first and refuses.
    let file = gzip_stream(&idx_header(64, 128, 128), 64 * 128 * 128);
    let labels = idx_labels(&[0; 64]);
    let seen = std::cell::Cell::new(None);
    let err = Dataset::from_idx_checked(&file, &labels, &|n, d| {
        seen.set(Some((n, d)));
        Err(DataError::Refused("no".into()))
    })
    .unwrap_err();
    assert_eq!(err, DataError::Refused("no".into()));
    assert_eq!(seen.get(), Some((64, 16_384)));
}

#[test]
fn lying_headers_are_refused() {
    // More images announced than present, raw and gzipped.
    let mut short = idx_header(1000, 28, 28);
    short.extend(vec![7u8; 10 * 784]);
    let labels = idx_labels(&[1; 1000]);
    for file in [short.clone(), gzip_stream(&short, 0)] {
        let err = Dataset::from_idx(&file, &labels).unwrap_err();
        assert!(
            matches!(err, DataError::Truncated { expected, found, .. } if expected == 16 + 1000 * 784 && found == 16 + 10 * 784),
            "{err}"
        );
    }
    // A count beyond u32 arithmetic (65,536 x 65,536 images of 4096x4096 pixels).
    let huge = idx_header(u32::MAX, 4096, 4096);
    assert!(matches!(
        Dataset::from_idx(&huge, &labels).unwrap_err(),
        DataError::BadDimensions { .. }
    ));
}

#[test]
fn the_page_estimate_is_the_stated_formula() {
    // N D bytes of images plus 10 matrices of D x D f64; Gram N D^2 / 2 plus 12 D^3
    // multiply-adds at 1e9 per second. Written out for MNIST's 10,000 images of 784 pixels.
    let e = PageEstimate::new(10_000, 784);
    assert_eq!(e.bytes, 10_000 * 784 + 10 * 8 * 784 * 784);
    let expected = (10_000.0 * 784.0 * 784.0 / 2.0 + 12.0 * 784f64.powi(3)) / 1e9;
    assert!((e.seconds - expected).abs() < 1e-9 * expected);
}

#[test]
fn the_page_takes_mnist_and_refuses_what_it_cannot_hold_or_finish() {
    check_page_size(10_000, 784).unwrap();
    check_page_size(70_000, 784).unwrap();
    // 64 images of 128x128: D = 16,384, D x D f64 matrices alone are 17 GB.
    let err = check_page_size(64, 128 * 128).unwrap_err().to_string();
    assert!(err.contains("D=16,384") && err.contains("limits"), "{err}");
    assert!(PageEstimate::new(64, 128 * 128).bytes > PAGE_MAX_BYTES);
    // D = 65,536: D*D overflows 32 bits.
    let err = check_page_size(20, 256 * 256).unwrap_err().to_string();
    assert!(err.contains("D=65,536"), "{err}");
}

fn dataset(n: usize, label: impl Fn(usize) -> u8) -> Dataset {
    let images = (0..n * 16).map(|i| (i * 37 % 251) as u8).collect();
    Dataset::new((1, 4, 4), images, (0..n).map(label).collect()).unwrap()
}

#[test]
fn the_page_needs_enough_images_and_two_classes() {
    check_for_page(&dataset(MIN_IMAGES, |i| (i % 2) as u8)).unwrap();
    let one = check_for_page(&dataset(1, |_| 0)).unwrap_err().to_string();
    assert!(
        one.contains("1 image;") && one.contains("at least 20"),
        "{one}"
    );
    let single = check_for_page(&dataset(100, |_| 3))
        .unwrap_err()
        .to_string();
    assert!(
        single.contains("same label (3)") && single.contains("2 classes"),
        "{single}"
    );
    // Labels 0 and 5 only: two classes present, six numbered.
    check_for_page(&dataset(100, |i| if i % 2 == 0 { 0 } else { 5 })).unwrap();
}

#[test]
fn each_figure_estimate_is_the_stated_formula_and_large_images_wait() {
    use recon_align::dataset::{
        PanelEstimate, GRAM_MULADDS_PER_SECOND, PANELS, PANEL_AUTO_SECONDS,
    };
    // The never-beneficial test, written out: Gram N D^2 / 2 at the stated rate, 1.3 s at D = 784
    // scaled as D^3 and 1.15 s at N = 10,000, D = 784 scaled as N D; N D bytes of images and 12
    // D x D matrices of f64.
    let (n, d) = (10_000usize, 3_072usize);
    let e = PanelEstimate::new("never", n, d);
    let scale = 3072.0f64 / 784.0;
    let expected =
        1e4 * 3072f64.powi(2) / 2.0 / GRAM_MULADDS_PER_SECOND + 1.3 * scale.powi(3) + 1.15 * scale;
    assert!((e.seconds - expected).abs() < 1e-9 * expected, "{e:?}");
    assert_eq!(e.bytes, (n * d + 12 * 8 * d * d) as u64);
    assert!(!e.auto && e.seconds > PANEL_AUTO_SECONDS);
    // On the bundled digits every figure runs on its own (the page's default behaviour).
    for p in PanelEstimate::all(10_000, 784) {
        assert!(p.auto, "{p:?}");
    }
    // At CIFAR's size the figures of a minute or more wait; the first figure does not.
    let all = PanelEstimate::all(10_000, 3_072);
    assert_eq!(
        all.iter().map(|p| p.panel.as_str()).collect::<Vec<_>>(),
        PANELS.to_vec()
    );
    let waits = |name: &str| !all.iter().find(|p| p.panel == name).unwrap().auto;
    for name in ["alignment", "guided"] {
        assert!(!waits(name), "{name}");
    }
    for name in ["sweep", "never", "subspace", "designer"] {
        assert!(waits(name), "{name}");
    }
}
