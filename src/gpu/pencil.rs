//! The denoising pencil (A, B) of the paper, from the GPU-built Gram matrix.

use crate::spectral::{ImageShape, Noise, NoiseMap};

use super::context::GpuContext;
use super::dispatch::{groups, run, Dispatch};
use super::error::GpuError;
use super::gemm::{Gemm, Op};
use super::kernels::Kernel;
use super::matrix::GpuMatrix;

/// The generalized eigenproblem A v = mu B v whose top-K eigenvectors are the optimal DAE encoder.
#[derive(Debug)]
pub struct GpuPencil {
    /// A = C C^T with C = sum E[x~] x^T: K G G K for noises that keep pixel i with probability
    /// k_i (a mask: (1-p)^2 G G), G G otherwise.
    pub a: GpuMatrix,
    /// B = sum E[x~ x~^T]: G .* M for a mask or a drop map, G + N diag(s_i^2) for Gaussian noise
    /// or a Gaussian map, G for none.
    pub b: GpuMatrix,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct PencilParams {
    d: u32,
    h: u32,
    w: u32,
    patch: u32,
}

/// Per pixel of a channel plane, the keep probability k and the added variance N s^2 of `noise`,
/// and the side of the patches that share one keep/drop (docs/maths.md's table, in f32).
fn pixel_moments(
    noise: Noise,
    n_samples: usize,
    shape: (usize, usize, usize),
) -> (Vec<f32>, Vec<f32>, usize) {
    let (c, h, w) = shape;
    let plane = h * w;
    let n = n_samples as f32;
    let map_values = |map: &NoiseMap| map.plane_values(ImageShape { c, h, w });
    match noise {
        Noise::None => (vec![1.0; plane], vec![0.0; plane], 1),
        Noise::Gaussian { std } => {
            let std = std as f32;
            (vec![1.0; plane], vec![n * std * std; plane], 1)
        }
        Noise::Mask { p, patch } => (vec![1.0 - p as f32; plane], vec![0.0; plane], patch.max(1)),
        Noise::DropMap { map } => {
            let keep = map_values(&map).iter().map(|&t| 1.0 - t as f32).collect();
            (keep, vec![0.0; plane], 1)
        }
        Noise::GaussMap { map } => {
            let shift = map_values(&map)
                .iter()
                .map(|&s| n * s as f32 * s as f32)
                .collect();
            (vec![1.0; plane], shift, 1)
        }
    }
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
    let (keep, shift, patch) = pixel_moments(noise, n_samples, shape);
    let keep = ctx.storage_buffer("pencil keep", bytemuck::cast_slice(&keep))?;
    let shift = ctx.storage_buffer("pencil shift", bytemuck::cast_slice(&shift))?;
    let b = GpuMatrix::zeros(ctx, d, d)?;
    let a = GpuMatrix::zeros(ctx, d, d)?;
    let params = ctx.uniform(
        "pencil params",
        &PencilParams {
            d: d as u32,
            h: shape.1 as u32,
            w: shape.2 as u32,
            patch: patch as u32,
        },
    );
    let grid = [groups(d, 16), groups(d, 16), 1];
    let fill_b = Dispatch::with_bindings(
        ctx,
        Kernel::Pencil,
        &[
            (0, &params),
            (1, &gram.buffer),
            (2, &b.buffer),
            (3, &keep),
            (4, &shift),
        ],
        grid,
    );
    run(ctx, "pencil", &[fill_b]).await?;
    Gemm::product(gram, Op::Plain, gram, Op::Plain, &a)
        .run(ctx)
        .await?;
    let scale_a = Dispatch::with_bindings(
        ctx,
        Kernel::PencilScale,
        &[(0, &params), (3, &keep), (5, &a.buffer)],
        grid,
    );
    run(ctx, "pencil scale", &[scale_a]).await?;
    Ok(GpuPencil { a, b })
}
