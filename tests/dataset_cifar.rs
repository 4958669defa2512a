//! CIFAR-10 and CIFAR-100 binary batches, alone or in a `.tar.gz` laid out as distributed: each
//! generated file loads to the dataset built here pixel by pixel, and each hostile archive gives
//! a clear error. Archives are written by tests/format_support, not by the reader's code.

mod format_support;

use format_support::{align_json, gzip, noise, scratch, tar, tar_header};
use recon_align::dataset::{DataError, Dataset};

const PIXELS: usize = 3 * 32 * 32;
const PER_BATCH: usize = 8;

/// The records of one batch (label bytes then the R, G and B planes) and, separately, the
/// fine labels and the pixels they hold.
fn batch(seed: u32, label_bytes: usize) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let (mut records, mut labels, mut pixels) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..PER_BATCH {
        let fine = ((seed as usize + i) % 4) as u8;
        let image = noise(PIXELS, seed * 100 + i as u32);
        if label_bytes == 2 {
            records.push(fine / 2); // the coarse label
        }
        records.push(fine);
        records.extend_from_slice(&image);
        labels.push(fine);
        pixels.extend_from_slice(&image);
    }
    (records, labels, pixels)
}

/// `cifar-10-binary.tar.gz` as distributed (batches stored out of order here), and the dataset
/// its five training batches hold, in order 1 to 5.
fn cifar10() -> (Vec<u8>, Dataset) {
    let batches: Vec<_> = (1..=5).map(|k| batch(k, 1)).collect();
    let (test, _, _) = batch(9, 1);
    let names: Vec<String> = (1..=5)
        .map(|k| format!("cifar-10-batches-bin/data_batch_{k}.bin"))
        .collect();
    let mut entries: Vec<(&str, &[u8])> = vec![
        (
            "cifar-10-batches-bin/batches.meta.txt",
            b"airplane\nautomobile\n",
        ),
        ("cifar-10-batches-bin/test_batch.bin", &test),
    ];
    for k in [4, 2, 0, 1, 3] {
        entries.push((&names[k], &batches[k].0));
    }
    let labels = batches.iter().flat_map(|b| b.1.clone()).collect();
    let pixels = batches.iter().flat_map(|b| b.2.clone()).collect();
    let data = Dataset::new((3, 32, 32), pixels, labels).unwrap();
    (gzip(&tar(&entries)), data)
}

#[test]
fn cifar10_archive_reads_the_five_training_batches_in_order() {
    let (archive, expected) = cifar10();
    let data = Dataset::from_file("cifar-10-binary.tar.gz", &archive, None).unwrap();
    assert_eq!(data.n, 5 * PER_BATCH);
    assert_eq!(data, expected);
}

#[test]
fn a_single_batch_file_reads_whole() {
    let (records, labels, pixels) = batch(3, 1);
    let expected = Dataset::new((3, 32, 32), pixels, labels).unwrap();
    assert_eq!(
        Dataset::from_file("data_batch_3.bin", &records, None).unwrap(),
        expected
    );
    let (records, labels, pixels) = batch(5, 2);
    let expected = Dataset::new((3, 32, 32), pixels, labels).unwrap();
    assert_eq!(
        Dataset::from_file("train.bin", &records, None).unwrap(),
        expected
    );
}

#[test]
fn cifar100_archive_keeps_the_fine_labels_of_train_bin() {
    let (train, labels, pixels) = batch(2, 2);
    let (test, _, _) = batch(7, 2);
    let archive = gzip(&tar(&[
        (
            "cifar-100-binary/coarse_label_names.txt",
            b"aquatic_mammals\n",
        ),
        ("cifar-100-binary/test.bin", &test),
        ("cifar-100-binary/train.bin", &train),
    ]));
    let expected = Dataset::new((3, 32, 32), pixels, labels).unwrap();
    assert_eq!(
        Dataset::from_file("cifar-100-binary.tar.gz", &archive, None).unwrap(),
        expected
    );
}

fn err_of(name: &str, bytes: &[u8]) -> String {
    Dataset::from_file(name, bytes, None)
        .unwrap_err()
        .to_string()
}

#[test]
fn hostile_archives_are_clear_errors() {
    let (records, _, _) = batch(1, 1);
    let name = "cifar-10-batches-bin/data_batch_1.bin";
    // Truncated, inside the batch's data.
    let plain = tar(&[(name, &records)]);
    let err = err_of("c.tar.gz", &gzip(&plain[..plain.len() / 2]));
    assert!(err.contains("truncated"), "{err}");
    // A batch that is not a whole number of records.
    let err = err_of(
        "c.tar.gz",
        &gzip(&tar(&[(name, &records[..records.len() - 1])])),
    );
    assert!(
        err.contains("not a whole number of 3073-byte records"),
        "{err}"
    );
    // A bomb: a header declaring 3 GB, refused at the header (no data follows it at all).
    let mut bomb = tar_header(name, 3_000_000_000).to_vec();
    bomb.extend_from_slice(&[0; 1024]);
    let err = Dataset::from_file("c.tar.gz", &gzip(&bomb), None).unwrap_err();
    assert!(matches!(err, DataError::Refused(_)), "{err:?}");
    assert!(err.to_string().contains("declare more than"), "{err}");
    // Path traversal and absolute names.
    for evil in [
        "../data_batch_1.bin",
        "/data_batch_1.bin",
        "a/../../data_batch_1.bin",
    ] {
        let err = err_of("c.tar.gz", &gzip(&tar(&[(evil, &records)])));
        assert!(err.contains("outside the archive"), "{evil}: {err}");
    }
    // No training batch: the files found are listed.
    let err = err_of("c.tar.gz", &gzip(&tar(&[("readme.html", b"<p>hi</p>")])));
    assert!(
        err.contains("no CIFAR training batch") && err.contains("readme.html"),
        "{err}"
    );
    // A corrupt header.
    let mut corrupt = plain.clone();
    corrupt[10] ^= 1;
    let err = err_of("c.tar.gz", &gzip(&corrupt));
    assert!(err.contains("checksum"), "{err}");
    // Not gzip at all, and a .bin of no record size.
    let err = err_of("c.tar.gz", b"this is not an archive");
    assert!(err.contains("not a data file"), "{err}");
    let err = err_of("weights.bin", &[0; 100]);
    assert!(err.contains("not a data file"), "{err}");
}

#[test]
fn the_cli_computes_the_same_on_the_archive_as_on_the_same_images_bundled() {
    let (archive, expected) = cifar10();
    let dir = scratch("cifar-cli");
    let tgz = dir.join("cifar-10-binary.tar.gz");
    std::fs::write(&tgz, archive).unwrap();
    let bundled = dir.join("same.bin");
    std::fs::write(&bundled, expected.to_bundled()).unwrap();
    let run = align_json;
    let v = run(&tgz);
    assert_eq!(v["n"], 40);
    assert_eq!(v, run(&bundled));
}
