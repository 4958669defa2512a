//! recon-align: the closed forms of Balestriero & LeCun (ICML 2024), "How Learning by
//! Reconstruction Produces Uninformative Features For Perception", on the CPU (f64) and
//! as WebGPU compute shaders, for a native command-line tool and a live web demo.
//!
//! The numerical core ([`dataset`], [`spectral`]) knows nothing of the browser; the GPU
//! code ([`gpu`]) knows nothing of the page; the wasm entry points live in `web`.

pub mod dataset;
pub mod gpu;
pub mod live;
pub mod perception;
pub mod spectral;

#[cfg(target_arch = "wasm32")]
mod web;
