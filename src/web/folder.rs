//! The page's image folders and shape choices. The structure of a folder (a `.zip`, or the files
//! of a chosen folder) is read here, by the same code as the command line's; the worker decodes
//! each image with the browser (`createImageBitmap`, a canvas) and hands back RGBA pixels, from
//! which [`Lab::from_folder`] builds the dataset, again with the command line's code.

use wasm_bindgen::prelude::*;

use crate::dataset::{
    check_page_size, DataError, ImageFolder, Reshape, MAX_IMAGES, PAGE_MAX_BYTES,
};

use super::js_err;
use super::lab::Lab;

/// An image folder's structure, checked, with each image's bytes for the browser to decode.
#[wasm_bindgen]
pub struct FolderEntries {
    folder: ImageFolder,
}

fn checked(folder: ImageFolder) -> Result<FolderEntries, JsError> {
    let bytes = folder.rgba_bytes() as u64;
    if bytes > PAGE_MAX_BYTES {
        return Err(js_err(format!(
            "the {} images would take {:.2} GB once decoded; this page reads at most {:.2} GB",
            folder.images.len(),
            bytes as f64 / 1e9,
            PAGE_MAX_BYTES as f64 / 1e9
        )));
    }
    Ok(FolderEntries { folder })
}

#[wasm_bindgen]
impl FolderEntries {
    /// The structure of a `.zip` of class folders.
    #[wasm_bindgen(js_name = fromZip)]
    pub fn from_zip(bytes: &[u8]) -> Result<FolderEntries, JsError> {
        checked(ImageFolder::from_zip(bytes).map_err(js_err)?)
    }

    /// The structure of a chosen folder: each file's path (`webkitRelativePath`), and all the
    /// files' bytes one after the other, file i ending at `ends[i]`.
    #[wasm_bindgen(js_name = fromFiles)]
    pub fn from_files(
        paths: Vec<String>,
        bytes: &[u8],
        ends: Vec<u32>,
    ) -> Result<FolderEntries, JsError> {
        if paths.len() != ends.len() || paths.len() > MAX_IMAGES {
            return Err(js_err("the folder's paths and byte ranges disagree"));
        }
        let mut start = 0usize;
        let mut entries = Vec::with_capacity(paths.len());
        for (path, &end) in paths.into_iter().zip(&ends) {
            let end = end as usize;
            let file = bytes
                .get(start..end)
                .ok_or_else(|| js_err("the folder's byte ranges are out of order"))?;
            entries.push((path, file.to_vec()));
            start = end;
        }
        checked(ImageFolder::from_entries(entries).map_err(js_err)?)
    }

    /// Number of images.
    pub fn count(&self) -> usize {
        self.folder.images.len()
    }

    /// Class names in label order.
    pub fn classes(&self) -> Vec<String> {
        self.folder.classes.clone()
    }

    /// Path of image `i`.
    pub fn path(&self, i: usize) -> String {
        self.folder.images[i].path.clone()
    }

    /// MIME type of image `i` (`image/png` or `image/jpeg`), for its Blob.
    pub fn mime(&self, i: usize) -> String {
        self.folder.images[i].kind.mime().into()
    }

    /// Width of image `i`, from its header.
    pub fn width(&self, i: usize) -> usize {
        self.folder.images[i].width
    }

    /// Height of image `i`, from its header.
    pub fn height(&self, i: usize) -> usize {
        self.folder.images[i].height
    }

    /// The file bytes of image `i`.
    pub fn bytes(&self, i: usize) -> Vec<u8> {
        self.folder.images[i].bytes.clone()
    }

    /// Bytes of all images decoded to RGBA (the size of [`Lab::from_folder`]'s `rgba`).
    #[wasm_bindgen(js_name = rgbaBytes)]
    pub fn rgba_bytes(&self) -> usize {
        self.folder.rgba_bytes()
    }
}

/// The shape choices the page sends with a load: `side` (none: keep) and `grey`.
pub(super) fn reshape_of(side: Option<u32>, grey: Option<bool>) -> Reshape {
    Reshape {
        side: side.filter(|&s| s > 0).map(|s| s as usize),
        grey: grey.unwrap_or(false),
    }
}

/// The check of (N, D) as read: the page's full limits when nothing is reshaped (the figures'
/// D is this D); otherwise only that the pixels as read fit the page's memory, the figures' limits
/// being checked on the reshaped data.
pub(super) fn size_check(reshape: Reshape) -> impl Fn(usize, usize) -> Result<(), DataError> {
    move |n, d| {
        if reshape == Reshape::none() {
            return check_page_size(n, d);
        }
        match n.checked_mul(d) {
            Some(bytes) if bytes as u64 <= PAGE_MAX_BYTES => Ok(()),
            _ => Err(DataError::Refused(format!(
                "{n} images of D={d} pixels are too large to read in this page, even to resize \
                 them (at most {:.2} GB of pixels)",
                PAGE_MAX_BYTES as f64 / 1e9
            ))),
        }
    }
}

#[wasm_bindgen]
impl Lab {
    /// Loads an image folder from its images decoded to RGBA (each image's width x height x 4
    /// bytes, in `entries`' order; `widths` and `heights` as decoded, which must match the
    /// headers), resized to `side` and made grey as asked, then checked in full for the page.
    #[wasm_bindgen(js_name = fromFolder)]
    pub fn from_folder(
        entries: &FolderEntries,
        rgba: &[u8],
        widths: Vec<u32>,
        heights: Vec<u32>,
        side: Option<u32>,
        grey: Option<bool>,
    ) -> Result<Lab, JsError> {
        let images = &entries.folder.images;
        if widths.len() != images.len() || heights.len() != images.len() {
            return Err(js_err("one decoded size per image is needed"));
        }
        for ((im, &w), &h) in images.iter().zip(&widths).zip(&heights) {
            im.check_decoded(w as usize, h as usize).map_err(js_err)?;
        }
        let reshape = reshape_of(side, grey);
        let data = crate::dataset::Dataset::from_folder_pixels(&entries.folder, rgba, reshape)
            .map_err(js_err)?;
        Lab::checked_for_page(data)
    }
}

/// Whether a `.zip` holds an image folder (no `.npy` entry, at least one PNG or JPEG) rather than
/// NumPy arrays: the worker decodes the first kind itself.
#[wasm_bindgen(js_name = isImageZip)]
pub fn is_image_zip(bytes: &[u8]) -> bool {
    crate::dataset::is_image_zip(bytes)
}
