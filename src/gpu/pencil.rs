//! The denoising pencil (A, B) of the paper, from the GPU-built Gram matrix.

use crate::spectral::Noise;

use super::context::GpuContext;
use super::dispatch::{groups, run, Dispatch};
use super::error::GpuError;
use super::gemm::{Gemm, Op};
use super::kernels::Kernel;
use super::matrix::GpuMatrix;

/// The generalized eigenproblem A v = mu B v whose top-K eigenvectors are the optimal DAE encoder.
#[derive(Debug)]
pub struct GpuPencil {
    /// A = C C^T with C = sum E[x~] x^T: (1-p)^2 G G for a mask, G G otherwise.
    pub a: GpuMatrix,
    /// B = sum E[x~ x~^T]: G .* M for a mask, G + N s^2 I for Gaussian noise, G for none.
    pub b: GpuMatrix,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct PencilParams {
    d: u32,
    h: u32,
    w: u32,
    patch: u32,
    same: f32,
    other: f32,
    diagonal: f32,
    _pad: f32,
}

/// Builds the pencil for `noise` from G of `n_samples` images of shape (C, H, W).
pub async fn pencil(
    ctx: &GpuContext,
    gram: &GpuMatrix,
    noise: Noise,
    n_samples: usize,
    shape: (usize, usize, usize),
) -> Result<GpuPencil, GpuError> {
    let d = gram.rows();
    assert_eq!(
        shape.0 * shape.1 * shape.2,
        d,
        "image shape does not match G"
    );
    let (same, other, diagonal, patch, a_scale) = match noise {
        Noise::None => (1.0, 1.0, 0.0, 1, 1.0),
        Noise::Gaussian { std } => {
            let std = std as f32;
            (1.0, 1.0, n_samples as f32 * std * std, 1, 1.0)
        }
        Noise::Mask { p, patch } => {
            let keep = 1.0 - p as f32;
            (keep, keep * keep, 0.0, patch.max(1), keep * keep)
        }
        Noise::DropMap { .. } | Noise::GaussMap { .. } => {
            return Err(GpuError::Unsupported(format!(
                "the GPU pencil takes uniform noises; build the pencil of {noise} with \
                 spectral::Pencil"
            )))
        }
    };
    let b = GpuMatrix::zeros(ctx, d, d)?;
    let params = ctx.uniform(
        "pencil params",
        &PencilParams {
            d: d as u32,
            h: shape.1 as u32,
            w: shape.2 as u32,
            patch: patch as u32,
            same,
            other,
            diagonal,
            _pad: 0.0,
        },
    );
    let dispatch = Dispatch::new(
        ctx,
        Kernel::Pencil,
        &[&params, &gram.buffer, &b.buffer],
        [groups(d, 16), groups(d, 16), 1],
    );
    run(ctx, "pencil", &[dispatch]).await?;
    let a = GpuMatrix::zeros(ctx, d, d)?;
    Gemm::product(gram, Op::Plain, gram, Op::Plain, &a)
        .scaled(a_scale)
        .run(ctx)
        .await?;
    Ok(GpuPencil { a, b })
}
