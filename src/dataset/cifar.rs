//! CIFAR-10 and CIFAR-100 in their binary distribution.
//!
//! A record is the label (CIFAR-10: one byte; CIFAR-100: two, coarse then fine, of which the fine
//! label is kept) followed by 3072 pixel bytes: the red plane, then green, then blue, each 32 x 32
//! row by row. That is already the dataset's channel-major order.
//!
//! From `cifar-10-binary.tar.gz` the five training batches `data_batch_1.bin` to
//! `data_batch_5.bin` are read (50,000 images), in that order; `test_batch.bin` is not. From
//! `cifar-100-binary.tar.gz`, `train.bin` (50,000 images). A single batch file is read whole.

use std::io::Read;

use super::npz::SizeCheck;
use super::tar::for_each_file;
use super::{DataError, Dataset};

/// Pixels of a CIFAR image: 3 x 32 x 32.
pub const CIFAR_PIXELS: usize = 3 * 32 * 32;

/// Which CIFAR: the number of label bytes before each image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cifar {
    /// CIFAR-10: one label byte.
    Ten,
    /// CIFAR-100: a coarse and a fine label byte (the fine one is kept).
    Hundred,
}

impl Cifar {
    /// Bytes per record.
    pub fn record(self) -> usize {
        match self {
            Cifar::Ten => 1 + CIFAR_PIXELS,
            Cifar::Hundred => 2 + CIFAR_PIXELS,
        }
    }

    /// The CIFAR a batch file's name (without folders) belongs to, if it is one of the training
    /// batches read from an archive.
    fn training_batch(name: &str) -> Option<Cifar> {
        let stem = name.strip_suffix(".bin")?;
        match stem.strip_prefix("data_batch_") {
            Some("1" | "2" | "3" | "4" | "5") => Some(Cifar::Ten),
            _ if stem == "train" => Some(Cifar::Hundred),
            _ => None,
        }
    }

    /// The CIFAR a single `.bin` file holds, from its name, or else from its length when only
    /// one record size divides it.
    pub fn of_file(name: &str, len: usize) -> Option<Cifar> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        if base.starts_with("data_batch") || base.starts_with("test_batch") {
            return Some(Cifar::Ten);
        }
        if base == "train.bin" || base == "test.bin" {
            return Some(Cifar::Hundred);
        }
        let fits = |c: Cifar| len > 0 && len.is_multiple_of(c.record());
        match (fits(Cifar::Ten), fits(Cifar::Hundred)) {
            (true, false) => Some(Cifar::Ten),
            (false, true) => Some(Cifar::Hundred),
            _ => None,
        }
    }

    /// Number of records in `len` bytes, or why not a whole number.
    fn records(self, len: usize, what: &str) -> Result<usize, DataError> {
        if len == 0 || !len.is_multiple_of(self.record()) {
            return Err(DataError::BadDimensions {
                what: "CIFAR batch",
                detail: format!(
                    "{what} holds {len} bytes, not a whole number of {}-byte records",
                    self.record()
                ),
            });
        }
        Ok(len / self.record())
    }

    /// Appends the records of `bytes` to `images` and `labels`.
    fn split(self, bytes: &[u8], images: &mut Vec<u8>, labels: &mut Vec<u8>) {
        let skip = self.record() - CIFAR_PIXELS;
        for record in bytes.chunks_exact(self.record()) {
            labels.push(record[skip - 1]);
            images.extend_from_slice(&record[skip..]);
        }
    }
}

/// Reads a single CIFAR batch file.
pub(super) fn from_batch(
    bytes: &[u8],
    cifar: Cifar,
    name: &str,
    check: SizeCheck,
) -> Result<Dataset, DataError> {
    let n = cifar.records(bytes.len(), name)?;
    check(n, CIFAR_PIXELS)?;
    let (mut images, mut labels) = (Vec::new(), Vec::new());
    cifar.split(bytes, &mut images, &mut labels);
    Dataset::new((3, 32, 32), images, labels)
}

/// Reads the training batches of a CIFAR tar stream (already un-gzipped when it was gzip).
pub(super) fn from_tar(r: &mut dyn Read, check: SizeCheck) -> Result<Dataset, DataError> {
    let mut batches: Vec<(String, Cifar, Vec<u8>)> = Vec::new();
    let mut seen = Vec::new();
    let mut n = 0usize;
    for_each_file(r, &mut |name, size, entry| {
        let base = name.rsplit('/').next().unwrap_or(name);
        seen.push(name.to_string());
        let Some(cifar) = Cifar::training_batch(base) else {
            return Ok(());
        };
        n += cifar.records(size, name)?;
        check(n, CIFAR_PIXELS)?;
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(size).map_err(|_| {
            DataError::Refused(format!("{name}: not enough memory for {size} bytes"))
        })?;
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| DataError::BadValue(format!("{name} cannot be read: {e}")))?;
        if bytes.len() < size {
            return Err(DataError::Truncated {
                what: "CIFAR batch",
                expected: size,
                found: bytes.len(),
            });
        }
        batches.push((base.to_string(), cifar, bytes));
        Ok(())
    })?;
    if batches.is_empty() {
        seen.truncate(12);
        return Err(DataError::BadValue(format!(
            "the archive holds no CIFAR training batch (data_batch_1.bin to data_batch_5.bin, or \
             train.bin); its files: [{}]",
            seen.join(", ")
        )));
    }
    let kind = batches[0].1;
    if batches.iter().any(|b| b.1 != kind) {
        return Err(DataError::BadValue(
            "the archive mixes CIFAR-10 and CIFAR-100 batches".into(),
        ));
    }
    batches.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(w) = batches.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(DataError::BadValue(format!(
            "the archive holds {} twice",
            w[0].0
        )));
    }
    let (mut images, mut labels) = (Vec::new(), Vec::new());
    images
        .try_reserve_exact(n * CIFAR_PIXELS)
        .map_err(|_| DataError::Refused(format!("not enough memory for {n} CIFAR images")))?;
    for (_, cifar, bytes) in batches {
        cifar.split(&bytes, &mut images, &mut labels);
    }
    Dataset::new((3, 32, 32), images, labels)
}
