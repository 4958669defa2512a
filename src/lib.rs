//! recon-align: the closed forms of Balestriero & LeCun (ICML 2024), "How Learning by
//! Reconstruction Produces Uninformative Features For Perception", on the CPU (f64) and
//! as WebGPU compute shaders, for a native command-line tool and a live web demo.
//!
//! Dependencies point one way: [`dataset`] ← [`spectral`] (closed forms, f64) ← [`gpu`] (device
//! plumbing, WGSL) ← [`train`] (the DAE and the MLP probe, GPU step and CPU twin) ← [`live`]
//! (training with the paper's yardsticks) ← `web` (wasm entry points) and the `recon-align` CLI.
//! The maths every part follows is restated in `docs/maths.md`.

#![warn(missing_docs)]

pub mod dataset;
pub mod gpu;
pub mod live;
pub mod spectral;
pub mod train;

#[cfg(target_arch = "wasm32")]
mod web;
