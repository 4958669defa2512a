//! Image folders in torchvision's `ImageFolder` layout: ROOT/CLASS/…/IMAGE, one sub-folder per
//! class, PNG or JPEG images. Shared by the command line (a folder or a `.zip`) and the page (a
//! `.zip` or a chosen folder): everything but the decoding of pixels happens here.
//!
//! - Paths use `/`. Hidden files and folders (a name starting with `.`), `__MACOSX`, `Thumbs.db`
//!   and `desktop.ini` are ignored.
//! - The root is the deepest folder holding every file, or its parent when every file lies
//!   directly in it (a `.zip` of `cat/` and `dog/`, or of `data/cat/` and `data/dog/`, alike).
//! - A class is a folder directly under the root; its label is the position of its name in
//!   sorted order (byte order of the UTF-8 names, as Python sorts them). Images may lie deeper
//!   inside their class folder. Files directly in the root are ignored (as torchvision does).
//! - Images are the files named `*.png`, `*.jpg` or `*.jpeg` (any case); any other file inside a
//!   class folder is refused, with its path in the message (remove it, or zip without it). A file
//!   whose bytes are neither a whole PNG nor a whole JPEG is refused too: a PNG must end with its
//!   IEND chunk and every chunk's CRC must match; a JPEG must hold an end-of-image marker after
//!   its scan.
//! - Images are ordered by class, then by path. A class folder without images is refused (as
//!   torchvision does), and so is a root without class folders.
//! - In a `.zip`, entry names are checked (no absolute path, no `..`), and every entry's declared
//!   size is checked before it is inflated; no entry is inflated beyond its declared size.
//!
//! The pixels: each image decoded to 8-bit RGBA (the page: `createImageBitmap` and a canvas; the
//! command line: the `image` crate). Alpha is dropped (not composited). The dataset is grey (C=1)
//! when every pixel of every image has R = G = B, else colour (C=3). Images of different sizes
//! are refused unless a side is chosen ([`Reshape`]), which resizes each one.

use std::io::Read;

use super::formats::{MAX_BYTES, MAX_IMAGES};
use super::headers::image_header;
use super::npz::check_entry_name;
use super::reshape::Reshape;
use super::{DataError, Dataset};

/// A PNG or a JPEG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    /// PNG (lossless: the page and the command line read the same pixels).
    Png,
    /// JPEG (decoders may differ by rounding).
    Jpeg,
}

impl ImageKind {
    /// Its MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
        }
    }
}

/// One image of a folder: where it is, its class, and its header's size.
#[derive(Clone, Debug, PartialEq)]
pub struct FolderImage {
    /// Path relative to the folder (or archive) given.
    pub path: String,
    /// Class index.
    pub label: u8,
    /// PNG or JPEG, from its bytes.
    pub kind: ImageKind,
    /// Width in pixels, from its header.
    pub width: usize,
    /// Height in pixels, from its header.
    pub height: usize,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

impl FolderImage {
    /// Checks that the image decoded to `width` x `height`, the size its header states.
    pub fn check_decoded(&self, width: usize, height: usize) -> Result<(), DataError> {
        if (width, height) == (self.width, self.height) {
            return Ok(());
        }
        Err(refuse(format!(
            "`{}` decodes to {width}x{height}, its header says {}x{}",
            self.path, self.width, self.height
        )))
    }
}

/// An image folder's structure, checked: its classes in label order and its images.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageFolder {
    /// Class names, sorted: label k is `classes[k]`.
    pub classes: Vec<String>,
    /// The images, by class then path.
    pub images: Vec<FolderImage>,
}

/// Whether a path is ignored: hidden files and folders, and the files systems leave behind.
pub(super) fn ignored(path: &str) -> bool {
    path.split('/').any(|part| {
        part.starts_with('.')
            || part == "__MACOSX"
            || part.eq_ignore_ascii_case("thumbs.db")
            || part.eq_ignore_ascii_case("desktop.ini")
    })
}

/// Whether a file name is an image's by its extension.
pub(super) fn is_image_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg"].iter().any(|e| lower.ends_with(e))
}

pub(super) fn refuse(detail: String) -> DataError {
    DataError::BadValue(format!("image folder: {detail}"))
}

impl ImageFolder {
    /// The structure of `entries`: (path, bytes) of each file, and (`dir/`, nothing) for each
    /// folder (an empty class folder is seen only that way).
    pub fn from_entries(entries: Vec<(String, Vec<u8>)>) -> Result<ImageFolder, DataError> {
        let parts = |p: &str| -> Vec<String> {
            p.split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let mut files: Vec<(Vec<String>, Vec<u8>)> = Vec::new();
        let mut folders: Vec<Vec<String>> = Vec::new();
        for (path, bytes) in entries {
            let path = path.trim_start_matches("./");
            if path.is_empty() || ignored(path.trim_end_matches('/')) {
                continue;
            }
            if path.ends_with('/') {
                folders.push(parts(path));
            } else {
                files.push((parts(path), bytes));
            }
        }
        let Some(first) = files.first() else {
            return Err(refuse(
                "it holds no files (expected ROOT/CLASS/IMAGE.png, one folder per class)".into(),
            ));
        };
        // The deepest folder holding every file.
        let mut root: Vec<String> = first.0[..first.0.len() - 1].to_vec();
        for (p, _) in &files {
            let common = root
                .iter()
                .zip(&p[..p.len() - 1])
                .take_while(|(a, b)| a == b)
                .count();
            root.truncate(common);
        }
        if files.iter().all(|(p, _)| p.len() == root.len() + 1) {
            root.pop();
        }
        let depth = root.len();
        let mut classes: Vec<String> = files
            .iter()
            .filter(|(p, _)| p.len() > depth + 1)
            .map(|(p, _)| p[depth].clone())
            .chain(
                folders
                    .iter()
                    .filter(|f| f.len() == depth + 1 && f[..depth] == root[..])
                    .map(|f| f[depth].clone()),
            )
            .collect();
        classes.sort();
        classes.dedup();
        let where_ = if root.is_empty() {
            "the top level".to_string()
        } else {
            format!("`{}/`", root.join("/"))
        };
        if classes.is_empty() {
            return Err(refuse(format!(
                "{where_} holds no class folder with images: images must lie in one sub-folder \
                 per class (ROOT/CLASS/IMAGE.png)"
            )));
        }
        if classes.len() > 256 {
            return Err(refuse(format!(
                "{} class folders (at most 256 accepted)",
                classes.len()
            )));
        }
        let mut images = Vec::new();
        for (p, bytes) in files {
            if p.len() <= depth + 1 {
                continue; // a file directly in the root, as torchvision ignores it
            }
            let path = p.join("/");
            if !is_image_name(&path) {
                return Err(refuse(format!(
                    "`{path}` in class folder `{}` is not a PNG or JPEG image (.png, .jpg, \
                     .jpeg); remove it (hidden files and __MACOSX are ignored)",
                    p[depth]
                )));
            }
            let label = classes.binary_search(&p[depth]).unwrap_or(0) as u8;
            let (kind, width, height) = image_header(&bytes, &path)?;
            images.push(FolderImage {
                path,
                label,
                kind,
                width,
                height,
                bytes,
            });
        }
        images.sort_by(|a, b| a.label.cmp(&b.label).then_with(|| a.path.cmp(&b.path)));
        for (k, class) in classes.iter().enumerate() {
            if !images.iter().any(|im| im.label as usize == k) {
                return Err(refuse(format!("the class folder `{class}` holds no image")));
            }
        }
        if images.len() > MAX_IMAGES {
            return Err(refuse(format!(
                "{} images (at most {MAX_IMAGES})",
                images.len()
            )));
        }
        Ok(ImageFolder { classes, images })
    }

    /// The structure of a `.zip` of class folders (see [`ImageFolder::from_entries`]); each entry
    /// is inflated no further than its declared size, and declared sizes add up to at most
    /// [`MAX_BYTES`].
    pub fn from_zip(bytes: &[u8]) -> Result<ImageFolder, DataError> {
        let zip_error = |e: zip::result::ZipError| refuse(format!("the .zip cannot be read: {e}"));
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(zip_error)?;
        if zip.len() > MAX_IMAGES {
            return Err(refuse(format!("the .zip holds {} entries", zip.len())));
        }
        let mut entries = Vec::new();
        let mut total = 0u64;
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).map_err(zip_error)?;
            let name = entry.name().map_err(zip_error)?.to_string();
            check_entry_name(&name, "the .zip")?;
            if ignored(name.trim_end_matches('/')) || entry.is_dir() {
                if entry.is_dir() {
                    entries.push((format!("{}/", name.trim_end_matches('/')), Vec::new()));
                }
                continue;
            }
            let size = entry.size();
            total = total.saturating_add(size);
            if size > MAX_BYTES as u64 || total > MAX_BYTES as u64 {
                return Err(DataError::Refused(format!(
                    "the .zip entry `{name}` declares {size} bytes (at most {MAX_BYTES} in all)"
                )));
            }
            let mut out = Vec::new();
            out.try_reserve_exact(size as usize)
                .map_err(|_| DataError::Refused(format!("no memory for `{name}`")))?;
            (&mut entry)
                .take(size + 1)
                .read_to_end(&mut out)
                .map_err(|e| refuse(format!("the .zip entry `{name}` cannot be read: {e}")))?;
            if out.len() as u64 != size {
                return Err(refuse(format!(
                    "the .zip entry `{name}` inflates to more or fewer bytes than the {size} it \
                     declares"
                )));
            }
            entries.push((name, out));
        }
        ImageFolder::from_entries(entries)
    }

    /// Bytes of all images decoded to RGBA at their header sizes.
    pub fn rgba_bytes(&self) -> usize {
        self.images.iter().map(|im| 4 * im.width * im.height).sum()
    }
}

/// Whether a `.zip` holds an image folder rather than NumPy arrays: no `.npy` entry, and at
/// least one image.
pub fn is_image_zip(bytes: &[u8]) -> bool {
    let Ok(zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return false;
    };
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .collect();
    !names.iter().any(|n| n.ends_with(".npy"))
        && names.iter().any(|n| !ignored(n) && is_image_name(n))
}

impl Dataset {
    /// The dataset of `folder` from its images decoded to RGBA (`rgba`: each image's
    /// width x height x 4 bytes, row by row, in the folder's order), reshaped by `reshape`.
    pub fn from_folder_pixels(
        folder: &ImageFolder,
        rgba: &[u8],
        reshape: Reshape,
    ) -> Result<Dataset, DataError> {
        reshape.check()?;
        if rgba.len() != folder.rgba_bytes() {
            return Err(refuse(format!(
                "{} bytes of decoded pixels, expected {}",
                rgba.len(),
                folder.rgba_bytes()
            )));
        }
        let first = &folder.images[0];
        if reshape.side.is_none() {
            if let Some(other) = folder
                .images
                .iter()
                .find(|im| (im.width, im.height) != (first.width, first.height))
            {
                return Err(refuse(format!(
                    "images of different sizes: `{}` is {}x{}, `{}` is {}x{}; choose a side to \
                     resize every image to (--side on the command line, the side field on the page)",
                    first.path, first.width, first.height, other.path, other.width, other.height
                )));
            }
        }
        let grey = rgba.chunks_exact(4).all(|p| p[0] == p[1] && p[1] == p[2]);
        let c = if grey { 1 } else { 3 };
        let (oc, oh, ow) = reshape.shape_of((c, first.height, first.width));
        let n = folder.images.len();
        let mut images = Vec::new();
        images
            .try_reserve_exact(n * oc * oh * ow)
            .map_err(|_| DataError::Refused(format!("not enough memory for {n} images")))?;
        let mut at = 0;
        let mut planes = Vec::new();
        for im in &folder.images {
            let (h, w) = (im.height, im.width);
            let pixels = &rgba[at..at + 4 * h * w];
            at += 4 * h * w;
            planes.clear();
            for ch in 0..c {
                planes.extend(pixels.chunks_exact(4).map(|p| p[ch]));
            }
            reshape.image_into(&planes, (c, h, w), &mut images);
        }
        let labels = folder.images.iter().map(|im| im.label).collect();
        let data = Dataset::new((oc, oh, ow), images, labels)?;
        Ok(Dataset {
            classes: folder.classes.len(),
            ..data
        })
    }
}
