//! Native file loading: the bundled datasets (`mnist`, `fashion`), a single data file of any
//! format [`Dataset::from_file`] reads, or a directory of IDX files or of `.npy` arrays.

use super::npz::pick_keys;
use super::{DataError, Dataset, Shape, FILE_FORMATS};
use std::path::{Path, PathBuf};

/// The bundled datasets, as `--data` and the page's `data=` name them, and their files in
/// `www/data/` (written by `cargo xtask data`).
pub const BUNDLED: [(&str, &str); 2] = [("mnist", "mnist.bin"), ("fashion", "fashion.bin")];

/// Where the bundled digits are looked for, in order.
pub fn bundled_candidates() -> Vec<PathBuf> {
    bundled_files("mnist.bin")
}

/// Where the bundled file `file` is looked for, in order (`RECON_ALIGN_DATA` overrides the
/// digits' file).
fn bundled_files(file: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if file == "mnist.bin" {
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

/// Loads `mnist` (the bundled first 10,000 training digits), `fashion` (the bundled 10,000
/// Fashion-MNIST test images), a bundled file, or a directory holding
/// `train-images-idx3-ubyte[.gz]` and `train-labels-idx1-ubyte[.gz]`.
pub fn load_source(src: &str) -> Result<Dataset, DataError> {
    load_path(src, None)
}

/// [`load_source`], and also any single file [`Dataset::from_file`] reads (NumPy `.npz`, CIFAR
/// `.tar.gz` or `.bin`), or a directory of `.npy` arrays named as in
/// [`NPZ_KEYS`](super::NPZ_KEYS); `shape` is the image shape flat NumPy rows need.
pub fn load_path(src: &str, shape: Option<Shape>) -> Result<Dataset, DataError> {
    if let Some((name, file)) = BUNDLED.iter().find(|(name, _)| *name == src) {
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
            "data source `{src}` is neither `mnist`, `fashion`, a file ({FILE_FORMATS}), nor a \
             directory"
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
