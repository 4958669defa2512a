//! One entry point for a dataset in a single file, whatever its format: the format is told by the
//! file's first bytes (through gzip when it is gzip), and by its name only where bytes cannot
//! tell (a CIFAR batch has no header).

use std::io::Read;

use super::arrays::Shape;
use super::cifar::{from_batch, from_tar, Cifar};
use super::folder::is_image_zip;
use super::formats::{be_u32, BUNDLED_MAGIC, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC};
use super::npy::NPY_MAGIC;
use super::npz::{from_npz, lone_npy, SizeCheck};
use super::reshape::Reshape;
use super::{DataError, Dataset};

/// The formats a single file may be in, for messages.
pub const FILE_FORMATS: &str = "NumPy .npz (or .npy pairs in a folder), CIFAR-10/100 binary \
     (.tar.gz as distributed, or one .bin batch), a .zip of class folders of PNG/JPEG images, or \
     this tool's bundled .bin";

const GZIP: [u8; 2] = [0x1f, 0x8b];

fn is_tar(head: &[u8]) -> bool {
    head.get(257..262) == Some(b"ustar")
}

fn is_idx(head: &[u8]) -> bool {
    head.len() >= 4 && [IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC].contains(&(be_u32(head, 0) as u32))
}

fn idx_alone() -> DataError {
    DataError::BadValue(
        "an IDX file holds images or labels but not both: give the folder holding \
         train-images-idx3-ubyte and train-labels-idx1-ubyte (on the page, the IDX pair)"
            .into(),
    )
}

fn unknown(name: &str) -> DataError {
    DataError::BadValue(format!(
        "`{name}` is not a data file this tool reads; it reads {FILE_FORMATS}"
    ))
}

impl Dataset {
    /// Reads the dataset in the file `name` (used for its extension only) with contents `bytes`;
    /// `shape` is the image shape C,H,W that flat N x D NumPy images need.
    pub fn from_file(name: &str, bytes: &[u8], shape: Option<Shape>) -> Result<Self, DataError> {
        Dataset::from_file_checked(name, bytes, shape, &|_, _| Ok(()))
    }

    /// [`Dataset::from_file`], then [`Dataset::reshaped`] by `reshape`; a `.zip` of image folders
    /// is decoded here (natively only: the page decodes images with the browser), with
    /// `reshape`'s side applied to each image as it is read, so images may differ in size.
    /// `check(N, D)` sees the sizes as read, before the reshape.
    pub fn from_file_reshaped(
        name: &str,
        bytes: &[u8],
        shape: Option<Shape>,
        reshape: Reshape,
        check: SizeCheck,
    ) -> Result<Self, DataError> {
        reshape.check()?;
        if bytes.starts_with(b"PK") && is_image_zip(bytes) {
            #[cfg(not(target_arch = "wasm32"))]
            {
                let folder = super::ImageFolder::from_zip(bytes)?;
                let im = &folder.images[0];
                check(folder.images.len(), 3 * im.width * im.height)?;
                return Dataset::from_image_folder(&folder, reshape);
            }
            #[cfg(target_arch = "wasm32")]
            return Err(DataError::BadValue(format!(
                "`{name}` is a .zip of images: the page decodes those with its folder loader"
            )));
        }
        let data = Dataset::from_file_checked(name, bytes, shape, check)?;
        data.reshaped(reshape)
    }

    /// [`Dataset::from_file`], calling `check(N, D)` as soon as the image count and size are
    /// known, before the pixels are inflated or copied (for the page's limits).
    pub fn from_file_checked(
        name: &str,
        bytes: &[u8],
        shape: Option<Shape>,
        check: SizeCheck,
    ) -> Result<Self, DataError> {
        let lower = name.to_ascii_lowercase();
        if bytes.starts_with(&GZIP) {
            let mut head = Vec::with_capacity(512);
            flate2::read::MultiGzDecoder::new(bytes)
                .take(512)
                .read_to_end(&mut head)
                .map_err(|e| DataError::Gzip(format!("{name}: {e}")))?;
            if head.starts_with(BUNDLED_MAGIC) {
                return checked(Dataset::from_bundled(bytes)?, check);
            }
            if is_tar(&head) || lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
                return from_tar(&mut flate2::read::MultiGzDecoder::new(bytes), check);
            }
            if is_idx(&head) {
                return Err(idx_alone());
            }
            return Err(unknown(name));
        }
        if bytes.starts_with(BUNDLED_MAGIC) {
            return checked(Dataset::from_bundled(bytes)?, check);
        }
        if bytes.starts_with(NPY_MAGIC) || lower.ends_with(".npy") {
            return lone_npy(bytes);
        }
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            return from_npz(bytes, shape, check);
        }
        if lower.ends_with(".npz") {
            return from_npz(bytes, shape, check);
        }
        if is_tar(bytes) || lower.ends_with(".tar") {
            return from_tar(&mut { bytes }, check);
        }
        if lower.ends_with(".bin") {
            if let Some(cifar) = Cifar::of_file(&lower, bytes.len()) {
                return from_batch(bytes, cifar, name, check);
            }
        }
        if is_idx(bytes) {
            return Err(idx_alone());
        }
        Err(unknown(name))
    }
}

fn checked(data: Dataset, check: SizeCheck) -> Result<Dataset, DataError> {
    check(data.n, data.d())?;
    Ok(data)
}
