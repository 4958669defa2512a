//! Shared pieces of the training tests: a whole run, and the largest differences of two vectors.

use std::sync::atomic::AtomicBool;

use recon_align::dataset::Dataset;
use recon_align::spectral::Preprocessing;
use recon_align::train::{train_dae, Backend, DaeConfig, DaeRun};

/// A whole training run of `config` on `data` (preprocessed by its own statistics).
pub fn train(backend: Backend<'_>, data: &Dataset, config: &DaeConfig) -> DaeRun {
    let st = Preprocessing::of_dataset(data);
    pollster::block_on(train_dae(
        backend,
        data,
        &st,
        config,
        &AtomicBool::new(false),
        |_| true,
    ))
    .unwrap()
}

/// The largest absolute difference of two vectors.
pub fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

/// The largest absolute entry.
pub fn max_abs32(a: &[f32]) -> f32 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}
