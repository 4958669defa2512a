//! Native file loading: the bundled digits or a directory of IDX files.

use super::{DataError, Dataset};
use std::path::{Path, PathBuf};

/// Where the bundled digits are looked for, in order.
pub fn bundled_candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(dir) = std::env::var("RECON_ALIGN_DATA") {
        out.push(PathBuf::from(dir));
    }
    out.push(PathBuf::from("www/data/mnist.bin"));
    out.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data/mnist.bin"));
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

/// Loads `mnist` (the bundled first 10,000 training digits) or a directory holding
/// `train-images-idx3-ubyte[.gz]` and `train-labels-idx1-ubyte[.gz]`.
pub fn load_source(src: &str) -> Result<Dataset, DataError> {
    if src == "mnist" {
        let candidates = bundled_candidates();
        return match candidates.iter().find(|p| p.is_file()) {
            Some(p) => Dataset::from_bundled(&read(p)?),
            None => Err(DataError::Io(format!(
                "bundled MNIST not found (looked in {}); build it with `cargo xtask data`",
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
            "data source `{src}` is neither `mnist`, a bundled file, nor a directory"
        )));
    }
    let images = find(dir, &["train-images-idx3-ubyte", "train-images.idx3-ubyte"])?;
    let labels = find(dir, &["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"])?;
    Dataset::from_idx(&read(&images)?, &read(&labels)?)
}
