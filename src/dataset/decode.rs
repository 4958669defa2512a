//! Native decoding of image folders (the page decodes with the browser instead): PNG and JPEG to
//! 8-bit RGBA with the `image` crate, then the shared [`Dataset::from_folder_pixels`]; and the
//! entries of a folder on disk.

use std::path::Path;

use super::folder::{ignored, is_image_name, ImageFolder, ImageKind};
use super::formats::{MAX_BYTES, MAX_IMAGES};
use super::reshape::Reshape;
use super::{DataError, Dataset};

impl ImageFolder {
    /// Every image decoded to 8-bit RGBA, one after the other (16-bit PNGs are rounded to 8
    /// bits by the `image` crate).
    pub fn decode(&self) -> Result<Vec<u8>, DataError> {
        let mut out = Vec::new();
        out.try_reserve_exact(self.rgba_bytes())
            .map_err(|_| DataError::Refused("not enough memory for the decoded images".into()))?;
        for im in &self.images {
            let format = match im.kind {
                ImageKind::Png => image::ImageFormat::Png,
                ImageKind::Jpeg => image::ImageFormat::Jpeg,
            };
            let decoded = image::load_from_memory_with_format(&im.bytes, format).map_err(|e| {
                DataError::BadValue(format!(
                    "image folder: `{}` cannot be decoded: {e}",
                    im.path
                ))
            })?;
            let rgba = decoded.to_rgba8();
            im.check_decoded(rgba.width() as usize, rgba.height() as usize)?;
            out.extend_from_slice(rgba.as_raw());
        }
        Ok(out)
    }

    /// The structure of the folder `dir` on disk (sub-folders followed; hidden ones skipped).
    pub fn from_dir(dir: &Path) -> Result<ImageFolder, DataError> {
        let mut entries = Vec::new();
        let mut total = 0u64;
        let mut stack = vec![(dir.to_path_buf(), String::new())];
        while let Some((path, rel)) = stack.pop() {
            let list = std::fs::read_dir(&path)
                .map_err(|e| DataError::Io(format!("cannot list {}: {e}", path.display())))?;
            for item in list {
                let item = item
                    .map_err(|e| DataError::Io(format!("cannot list {}: {e}", path.display())))?;
                let Some(name) = item.file_name().to_str().map(str::to_string) else {
                    continue;
                };
                let rel = format!("{rel}{name}");
                if ignored(&rel) {
                    continue;
                }
                let meta = std::fs::metadata(item.path())
                    .map_err(|e| DataError::Io(format!("cannot read {rel}: {e}")))?;
                if meta.is_dir() {
                    entries.push((format!("{rel}/"), Vec::new()));
                    stack.push((item.path(), format!("{rel}/")));
                } else {
                    total = total.saturating_add(meta.len());
                    if total > MAX_BYTES as u64 || entries.len() > MAX_IMAGES {
                        return Err(DataError::Refused(format!(
                            "{} holds more than {MAX_BYTES} bytes or {MAX_IMAGES} files",
                            dir.display()
                        )));
                    }
                    let bytes = std::fs::read(item.path())
                        .map_err(|e| DataError::Io(format!("cannot read {rel}: {e}")))?;
                    entries.push((rel, bytes));
                }
            }
        }
        ImageFolder::from_entries(entries)
    }
}

impl Dataset {
    /// The dataset of an image folder, decoded here.
    pub fn from_image_folder(folder: &ImageFolder, reshape: Reshape) -> Result<Dataset, DataError> {
        Dataset::from_folder_pixels(folder, &folder.decode()?, reshape)
    }
}

/// Whether `dir` looks like an image folder: it holds no IDX or `.npy` file itself, and a PNG or
/// JPEG file lies in one of its sub-folders (up to three levels down, hidden ones skipped).
pub(super) fn looks_like_image_folder(dir: &Path) -> bool {
    fn names(dir: &Path) -> Vec<(String, bool)> {
        std::fs::read_dir(dir)
            .map(|list| {
                list.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        let name = e.file_name().to_str()?.to_string();
                        (!ignored(&name)).then(|| (name, e.path().is_dir()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    fn image_below(dir: &Path, depth: usize) -> bool {
        names(dir).iter().any(|(name, is_dir)| {
            if *is_dir {
                depth > 0 && image_below(&dir.join(name), depth - 1)
            } else {
                is_image_name(name)
            }
        })
    }
    let top = names(dir);
    let plain = top.iter().any(|(n, d)| {
        !d && (n.ends_with(".npy") || n.contains("-idx3-ubyte") || n.contains(".idx3-ubyte"))
    });
    !plain && top.iter().any(|(n, d)| *d && image_below(&dir.join(n), 3))
}
