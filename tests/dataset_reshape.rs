//! The shape choices every format shares (resize to a side S, grey): resize against a direct f64
//! box filter written here (and a 2x downscale by hand), grey against BT.601 luma computed here,
//! and both through the loader of each format.

mod format_support;
mod idx_support;
#[path = "format_support/images.rs"]
mod images;

use format_support::{noise, scratch};
use idx_support::{idx_images, idx_labels};
use images::{assert_rounds, box_mean, grey_folder, load_zip, luma, planes, rgb, zip_of};
use recon_align::dataset::{load_path_reshaped, Dataset, Reshape};

#[test]
fn resize_is_the_area_mean_of_a_direct_f64_box_filter() {
    for &((h, w), s) in &[
        ((8, 8), 4),
        ((10, 10), 4),
        ((7, 7), 3),
        ((3, 3), 7),
        ((6, 10), 4),
        ((5, 9), 5),
    ] {
        let n = 4;
        let pixels = noise(n * 3 * h * w, (h * 31 + w + s) as u32);
        let labels = vec![0, 1, 0, 1];
        let data = Dataset::new((3, h, w), pixels.clone(), labels.clone()).unwrap();
        let out = data
            .clone()
            .reshaped(Reshape {
                side: Some(s),
                grey: false,
            })
            .unwrap();
        assert_eq!((out.n, out.c, out.h, out.w, out.classes), (n, 3, s, s, 2));
        assert_eq!(out.labels, labels);
        let grey = data
            .reshaped(Reshape {
                side: Some(s),
                grey: true,
            })
            .unwrap();
        assert_eq!((grey.c, grey.h, grey.w), (1, s, s));
        for im in 0..n {
            let plane = |ch: usize| -> Vec<f64> {
                pixels[(im * 3 + ch) * h * w..][..h * w]
                    .iter()
                    .map(|&v| v as f64)
                    .collect()
            };
            let lum: Vec<f64> = (0..h * w)
                .map(|p| luma([plane(0)[p], plane(1)[p], plane(2)[p]]))
                .collect();
            for i in 0..s {
                for j in 0..s {
                    for ch in 0..3 {
                        let exact = box_mean(&plane(ch), (h, w), s, (i, j));
                        let got = out.image(im)[ch * s * s + i * s + j];
                        assert_rounds(
                            got,
                            exact,
                            &format!("{h}x{w}->{s} image {im} ch {ch} ({i},{j})"),
                        );
                    }
                    let exact = box_mean(&lum, (h, w), s, (i, j));
                    assert_rounds(
                        grey.image(im)[i * s + j],
                        exact,
                        &format!("grey {h}x{w}->{s} ({i},{j})"),
                    );
                }
            }
        }
    }
    // A 2x downscale by hand: each output pixel the mean of a 2x2 block, halves rounded up.
    let plane: Vec<u8> = vec![0, 1, 10, 20, 2, 3, 30, 41, 255, 255, 7, 8, 254, 255, 9, 9];
    let data = Dataset::new((1, 4, 4), plane, vec![0])
        .unwrap()
        .reshaped(Reshape {
            side: Some(2),
            grey: false,
        })
        .unwrap();
    assert_eq!(data.images, vec![2, 25, 255, 8]); // 6/4, 101/4, 1019/4, 33/4
}

#[test]
fn grey_is_bt601_luma_rounded() {
    let px = rgb(16, 16, 77);
    let data = Dataset::new((3, 16, 16), planes(&px, 3), vec![0]).unwrap();
    let grey = data
        .reshaped(Reshape {
            side: None,
            grey: true,
        })
        .unwrap();
    assert_eq!((grey.c, grey.h, grey.w), (1, 16, 16));
    for (p, rgb) in px.chunks_exact(3).enumerate() {
        let exact = luma([rgb[0] as f64, rgb[1] as f64, rgb[2] as f64]);
        assert_rounds(grey.images[p], exact, &format!("pixel {p}"));
    }
    // Grey data stays as it is; a side equal to the image's changes nothing.
    let (_, idx) = grey_folder();
    assert_eq!(
        idx.clone()
            .reshaped(Reshape {
                side: Some(8),
                grey: true
            })
            .unwrap(),
        idx
    );
}

#[test]
fn every_format_takes_side_and_grey_through_the_loader() {
    let (files, idx) = grey_folder();
    let dir = scratch("folder-idx");
    let pixels: Vec<u8> = idx.images.clone();
    std::fs::write(
        dir.join("train-images-idx3-ubyte"),
        idx_images(idx.n as u32, 8, 8, &pixels),
    )
    .unwrap();
    std::fs::write(dir.join("train-labels-idx1-ubyte"), idx_labels(&idx.labels)).unwrap();
    let reshape = Reshape {
        side: Some(3),
        grey: true,
    };
    let from_idx = load_path_reshaped(dir.to_str().unwrap(), None, reshape).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let from_zip = load_zip("f.zip", &zip_of(&files), reshape).unwrap();
    assert_eq!(from_idx, from_zip);
    assert_eq!((from_idx.c, from_idx.h, from_idx.w), (1, 3, 3));
    for im in 0..idx.n {
        let plane: Vec<f64> = idx.image(im).iter().map(|&v| v as f64).collect();
        for p in 0..9 {
            let exact = box_mean(&plane, (8, 8), 3, (p / 3, p % 3));
            assert_rounds(
                from_idx.image(im)[p],
                exact,
                &format!("image {im} pixel {p}"),
            );
        }
    }
}
