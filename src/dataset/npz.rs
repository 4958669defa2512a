//! NumPy `.npz` archives (a zip of `.npy` files, stored or deflated) and pairs of `.npy` arrays:
//! which arrays are the images and the labels, and the reading order that checks every size
//! before anything is inflated.

use super::arrays::{dataset_from_arrays, image_layout, Shape};
use super::formats::MAX_BYTES;
use super::npy::{NpyHeader, MAX_HEADER};
use super::{DataError, Dataset};

/// The array names read as (images, labels), in the order they are tried; README's "Your own
/// data" lists the same table.
pub const NPZ_KEYS: [(&str, &str, &str); 4] = [
    ("x", "y", "plain"),
    ("images", "labels", "plain"),
    ("x_train", "y_train", "Keras (`keras.datasets.*.load_data`)"),
    (
        "data",
        "targets",
        "torchvision (`dataset.data`, `dataset.targets`)",
    ),
];

/// A check of (N, D) made once an image header is read, before its pixels are (the page passes
/// its size limits).
pub type SizeCheck<'a> = &'a dyn Fn(usize, usize) -> Result<(), DataError>;

/// Refuses an archive entry whose name is absolute or climbs out of the archive (`..`).
pub(super) fn check_entry_name(name: &str, archive: &str) -> Result<(), DataError> {
    let absolute = name.starts_with('/') || name.starts_with('\\') || name.contains(':');
    let climbs = name.split(['/', '\\']).any(|part| part == "..");
    if absolute || climbs {
        return Err(DataError::Refused(format!(
            "{archive} holds the entry `{name}`, a path outside the archive; refused"
        )));
    }
    Ok(())
}

/// The (images, labels) pair of [`NPZ_KEYS`] among `names` (array names, without `.npy`).
pub(super) fn pick_keys(names: &[String], source: &str) -> Result<(String, String), DataError> {
    NPZ_KEYS
        .iter()
        .find(|(x, y, _)| names.iter().any(|n| n == x) && names.iter().any(|n| n == y))
        .map(|(x, y, _)| (x.to_string(), y.to_string()))
        .ok_or_else(|| {
            let pairs: Vec<String> = NPZ_KEYS
                .iter()
                .map(|(x, y, _)| format!("{x}/{y}"))
                .collect();
            DataError::BadValue(format!(
                "{source} holds the arrays [{}]; none of the known image/label pairs ({}) is \
                 there",
                names.join(", "),
                pairs.join(", ")
            ))
        })
}

impl Dataset {
    /// Reads images and labels given as two `.npy` files (e.g. `x.npy` and `y.npy`), calling
    /// `check(N, D)` once the image header is read, before its pixels are copied.
    pub fn from_npy_pair(
        images: &[u8],
        labels: &[u8],
        shape: Option<Shape>,
        check: SizeCheck,
    ) -> Result<Self, DataError> {
        let (mut images, mut labels) = (images, labels);
        let header = NpyHeader::read(&mut images, "image array")?;
        let (n, (c, h, w)) = image_layout(&header.shape, shape)?;
        check(n, c * h * w)?;
        let images = header.read_data(&mut images, "image array")?;
        let labels =
            NpyHeader::read(&mut labels, "label array")?.read_data(&mut labels, "label array")?;
        dataset_from_arrays(images, &labels, shape)
    }
}

fn zip_error(e: zip::result::ZipError) -> DataError {
    DataError::BadValue(format!(".npz archive cannot be read: {e}"))
}

/// Reads a dataset from an `.npz` archive: entry names are checked, the images' and labels'
/// declared sizes are checked, and each entry is inflated no further than its `.npy` header says.
pub(super) fn from_npz(
    bytes: &[u8],
    shape: Option<Shape>,
    check: SizeCheck,
) -> Result<Dataset, DataError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(zip_error)?;
    let mut names = Vec::new();
    for name in zip.file_names() {
        let name = name.map_err(zip_error)?;
        let name = name.as_ref();
        check_entry_name(name, "the .npz archive")?;
        names.push(name.strip_suffix(".npy").unwrap_or(name).to_string());
    }
    names.sort();
    let (x, y) = pick_keys(&names, "the .npz archive")?;
    let limit = (MAX_BYTES + MAX_HEADER + 12) as u64;
    for key in [&x, &y] {
        let entry = zip.by_name(&format!("{key}.npy")).map_err(zip_error)?;
        if entry.size() > limit {
            return Err(DataError::Refused(format!(
                "the .npz entry `{key}` declares {} bytes (at most {limit} accepted)",
                entry.size()
            )));
        }
    }
    let labels = {
        let mut entry = zip.by_name(&format!("{y}.npy")).map_err(zip_error)?;
        let header = NpyHeader::read(&mut entry, "label array")?;
        header.read_data(&mut entry, "label array")?
    };
    let mut entry = zip.by_name(&format!("{x}.npy")).map_err(zip_error)?;
    let images = {
        let header = NpyHeader::read(&mut entry, "image array")?;
        let (n, (c, h, w)) = image_layout(&header.shape, shape)?;
        check(n, c * h * w)?;
        header.read_data(&mut entry, "image array")?
    };
    dataset_from_arrays(images, &labels, shape)
}

/// Reads one `.npy` array from bytes (for a lone `.npy` file: its message says what is missing).
pub(super) fn lone_npy(bytes: &[u8]) -> Result<Dataset, DataError> {
    let mut r = bytes;
    let header = NpyHeader::read(&mut r, "the .npy file")?;
    Err(DataError::BadValue(format!(
        "a .npy file holds one array (here of shape {:?}), and the data needs images and \
         labels: save both in one .npz (numpy.savez(\"data.npz\", x=images, y=labels)), or give \
         a folder holding x.npy and y.npy",
        header.shape
    )))
}
