//! Image folders (torchvision's ImageFolder layout, PNG and JPEG): a PNG folder loads, as a
//! directory and as a zip, to exactly the dataset of the same pixels given as IDX (or built here
//! pixel by pixel for colour); mixed sizes need a side, checked against a direct f64 box filter;
//! hostile folders and archives are refused with a clear message. Images are encoded in the tests
//! with the `image` crate's encoders, never downloaded.

mod format_support;
mod idx_support;
#[path = "format_support/images.rs"]
mod images;

use format_support::{scratch, zip, ZipEntry};
use images::{
    assert_rounds, box_mean, grey_folder, jpeg, load_dir, load_zip, planes, png, rgb, write_tree,
    zip_of,
};
use recon_align::dataset::{load_path_reshaped, Dataset, ImageFolder, Reshape};

#[test]
fn a_png_folder_loads_as_its_pixels_given_as_idx() {
    let (files, expected) = grey_folder();
    assert_eq!(expected.classes, 3);
    let from_dir = load_dir(&files, "folder-dir", Reshape::none()).unwrap();
    assert_eq!(from_dir, expected);
    assert_eq!(
        load_zip("f.zip", &zip_of(&files), Reshape::none()).unwrap(),
        expected
    );
    // Inside a top folder, with files the reader ignores: hidden files, macOS metadata, a
    // README at the root, and folder entries.
    let mut wrapped: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(p, b)| (format!("data/{p}"), b.clone()))
        .collect();
    wrapped.push(("data/README.txt".into(), b"about".to_vec()));
    wrapped.push(("data/ant/.DS_Store".into(), b"junk".to_vec()));
    wrapped.push(("__MACOSX/data/ant/._img0.png".into(), b"junk".to_vec()));
    wrapped.push(("data/ant/".into(), Vec::new()));
    assert_eq!(
        load_zip("w.zip", &zip_of(&wrapped), Reshape::none()).unwrap(),
        expected
    );
    let on_disk: Vec<_> = wrapped
        .into_iter()
        .filter(|(p, _)| !p.ends_with('/'))
        .collect();
    assert_eq!(
        load_dir(&on_disk, "folder-wrapped", Reshape::none()).unwrap(),
        expected
    );
}

#[test]
fn colour_pngs_load_channel_major_and_alpha_is_dropped() {
    let mut files = Vec::new();
    let mut expected = Vec::new();
    for (k, class) in ["a", "b"].iter().enumerate() {
        for i in 0..3 {
            let px = rgb(5, 4, (k * 3 + i) as u32 + 9);
            let bytes = if i == 0 {
                let rgba: Vec<u8> = px
                    .chunks_exact(3)
                    .flat_map(|p| [p[0], p[1], p[2], 255])
                    .collect();
                png(5, 4, 4, &rgba)
            } else {
                png(5, 4, 3, &px)
            };
            files.push((format!("{class}/{i}.png"), bytes));
            expected.extend(planes(&px, 3));
        }
    }
    let data = load_zip("c.zip", &zip_of(&files), Reshape::none()).unwrap();
    let want = Dataset::new((3, 4, 5), expected, vec![0, 0, 0, 1, 1, 1]).unwrap();
    assert_eq!(data, want);
}

#[test]
fn mixed_sizes_need_a_side() {
    let mut files = Vec::new();
    let sizes = [(4usize, 6usize), (6, 6), (9, 5), (6, 6)];
    for (i, &(w, h)) in sizes.iter().enumerate() {
        files.push((
            format!("c{}/x{i}.png", i % 2),
            png(w as u32, h as u32, 3, &rgb(w, h, i as u32)),
        ));
    }
    let err = load_zip("m.zip", &zip_of(&files), Reshape::none())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("different sizes") && err.contains("c0/x0.png") && err.contains("side"),
        "{err}"
    );
    let data = load_dir(
        &files,
        "folder-mixed",
        Reshape {
            side: Some(4),
            grey: false,
        },
    )
    .unwrap();
    assert_eq!((data.n, data.c, data.h, data.w), (4, 3, 4, 4));
    // Order: c0/x0, c0/x2, c1/x1, c1/x3.
    for (row, &i) in [0usize, 2, 1, 3].iter().enumerate() {
        let (w, h) = sizes[i];
        let px = planes(&rgb(w, h, i as u32), 3);
        for ch in 0..3 {
            let plane: Vec<f64> = px[ch * h * w..][..h * w]
                .iter()
                .map(|&v| v as f64)
                .collect();
            for p in 0..16 {
                let exact = box_mean(&plane, (h, w), 4, (p / 4, p % 4));
                assert_rounds(
                    data.image(row)[ch * 16 + p],
                    exact,
                    &format!("x{i} ch {ch} pixel {p}"),
                );
            }
        }
    }
}

#[test]
fn jpeg_folders_decode_close_to_their_source() {
    // A smooth image, so that quality 100 keeps it within a few levels.
    let (w, h) = (16usize, 16usize);
    let px: Vec<u8> = (0..w * h)
        .flat_map(|p| {
            let (y, x) = (p / w, p % w);
            [(x * 12) as u8, (y * 12) as u8, 128]
        })
        .collect();
    let files = vec![
        ("a/1.jpg".to_string(), jpeg(w as u32, h as u32, &px)),
        ("b/2.JPEG".to_string(), jpeg(w as u32, h as u32, &px)),
    ];
    let data = load_zip("j.zip", &zip_of(&files), Reshape::none()).unwrap();
    assert_eq!((data.n, data.c, data.h, data.w), (2, 3, 16, 16));
    let want = planes(&px, 3);
    let worst = data
        .image(1)
        .iter()
        .zip(&want)
        .map(|(&a, &b)| a.abs_diff(b))
        .max()
        .unwrap();
    assert!(worst <= 8, "a JPEG pixel is {worst} levels off");
}

fn refused(files: &[(String, Vec<u8>)]) -> String {
    load_zip("bad.zip", &zip_of(files), Reshape::none())
        .unwrap_err()
        .to_string()
}

#[test]
fn hostile_folders_are_refused_with_clear_messages() {
    let (files, _) = grey_folder();
    let one = |path: &str, bytes: Vec<u8>| {
        let mut f = files.clone();
        f.push((path.to_string(), bytes));
        f
    };
    let good = files[0].1.clone();

    let err = refused(&one("ant/notes.txt", b"hello".to_vec()));
    assert!(
        err.contains("`ant/notes.txt`") && err.contains("not a PNG or JPEG"),
        "{err}"
    );
    let err = refused(&one("ant/fake.png", b"GIF89a....".to_vec()));
    assert!(
        err.contains("`ant/fake.png`") && err.contains("neither a PNG nor a JPEG"),
        "{err}"
    );
    let err = refused(&one("ant/cut.png", good[..good.len() - 20].to_vec()));
    assert!(
        err.contains("`ant/cut.png`") && err.contains("truncated PNG"),
        "{err}"
    );
    let mut flipped = good.clone();
    flipped[40] ^= 0xff;
    let err = refused(&one("ant/flip.png", flipped));
    assert!(
        err.contains("`ant/flip.png`") && err.contains("CRC"),
        "{err}"
    );
    let j = jpeg(4, 4, &[7; 48]);
    let err = refused(&one("ant/cut.jpg", j[..j.len() - 2].to_vec()));
    assert!(
        err.contains("`ant/cut.jpg`") && err.contains("truncated JPEG"),
        "{err}"
    );

    // Images with no class folder, and an empty class folder.
    let flat: Vec<_> = (0..3).map(|i| (format!("{i}.png"), good.clone())).collect();
    let err = refused(&flat);
    assert!(err.contains("no class folder"), "{err}");
    let err = refused(&one("empty/", Vec::new()));
    assert!(
        err.contains("`empty`") && err.contains("holds no image"),
        "{err}"
    );
    let dir = scratch("folder-empty-class");
    write_tree(&dir, &files);
    std::fs::create_dir_all(dir.join("dog")).unwrap();
    let err = load_path_reshaped(dir.to_str().unwrap(), None, Reshape::none())
        .unwrap_err()
        .to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        err.contains("`dog`") && err.contains("holds no image"),
        "{err}"
    );
    let err = ImageFolder::from_entries(vec![]).unwrap_err().to_string();
    assert!(err.contains("holds no files"), "{err}");

    // Zip entries outside the archive.
    for name in ["../evil/x.png", "/abs/x.png", "ant/../../x.png"] {
        let err = refused(&one(name, good.clone()));
        assert!(
            err.contains("outside the archive") && err.contains(name),
            "{name}: {err}"
        );
    }

    // A zip bomb: an entry inflating to more than it declares, and one declaring too much.
    let big = vec![0u8; 1 << 20];
    // (entry, the size its headers declare, a word of the message)
    for (name, declared, says) in [
        ("ant/bomb.png", 100, "declared"),
        ("ant/huge.png", u32::MAX, "declares"),
    ] {
        // The folder's images, then the bomb.
        let mut entries: Vec<ZipEntry> = files
            .iter()
            .map(|(n, b)| ZipEntry::new(n, b, false))
            .collect();
        let mut bomb = ZipEntry::new(name, &big, true);
        bomb.declared = Some(declared);
        entries.push(bomb);
        let err = load_zip("bomb.zip", &zip(&entries), Reshape::none())
            .unwrap_err()
            .to_string();
        assert!(err.contains(name) && err.contains(says), "{err}");
    }

    // A side outside 1..=MAX_SIDE.
    let err = load_zip(
        "f.zip",
        &zip_of(&files),
        Reshape {
            side: Some(0),
            grey: false,
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("side 0"), "{err}");
}
