//! Native file loading: the bundled datasets (`mnist`, `fashion`) or a directory of IDX files.

use super::{DataError, Dataset};
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
        return Dataset::from_bundled(&read(dir)?);
    }
    if !dir.is_dir() {
        return Err(DataError::Io(format!(
            "data source `{src}` is neither `mnist`, `fashion`, a bundled file, nor a directory"
        )));
    }
    let images = find(dir, &["train-images-idx3-ubyte", "train-images.idx3-ubyte"])?;
    let labels = find(dir, &["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"])?;
    Dataset::from_idx(&read(&images)?, &read(&labels)?)
}
