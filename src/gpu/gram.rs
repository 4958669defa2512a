//! The Gram matrix G = X^T X of the centred, scaled data, built from the u8 images on the device.

use crate::spectral::Preprocessing;

use super::context::GpuContext;
use super::dispatch::{groups, run, Dispatch};
use super::error::GpuError;
use super::images::GpuImages;
use super::kernels::Kernel;
use super::matrix::GpuMatrix;

/// How the Gram work is cut: split-K slices per dispatch and rows per submission.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GramPlan {
    /// Upper bound on split-K slices (partial tile sums reduced afterwards).
    pub max_splits: usize,
    /// Rows handled by one queue submission (keeps each submission well under a second).
    pub rows_per_submission: usize,
}

impl GramPlan {
    /// About 2^28 multiply-adds per submission and up to 8 splits.
    pub fn for_dimension(d: usize) -> Self {
        Self {
            max_splits: 8,
            rows_per_submission: ((1usize << 28) / (d * d).max(1)).clamp(4, 1 << 20),
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct GramParams {
    row_begin: u32,
    row_end: u32,
    rows_per_split: u32,
    d: u32,
    inv_scale: f32,
    _pad: [f32; 3],
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ReduceParams {
    d: u32,
    splits: u32,
    accumulate: u32,
    _pad: u32,
}

const TILE: usize = 32;

/// The paper's G = X^T X (D x D) with X centred per pixel and divided by the global std, in f32.
pub async fn gram(
    ctx: &GpuContext,
    images: &GpuImages,
    preprocessing: &Preprocessing,
) -> Result<GpuMatrix, GpuError> {
    gram_with_plan(
        ctx,
        images,
        preprocessing,
        GramPlan::for_dimension(images.d()),
    )
    .await
}

/// [`gram`] with an explicit work split (tests force tiny submissions and chunks).
pub async fn gram_with_plan(
    ctx: &GpuContext,
    images: &GpuImages,
    preprocessing: &Preprocessing,
    plan: GramPlan,
) -> Result<GpuMatrix, GpuError> {
    let d = images.d();
    assert_eq!(preprocessing.mean.len(), d, "mean has the wrong length");
    let gram = GpuMatrix::zeros(ctx, d, d)?;
    let partial_bytes = (d * d * 4) as u64;
    let max_splits = (ctx.max_binding_bytes().min(64 << 20) / partial_bytes.max(1)) as usize;
    let splits_cap = plan.max_splits.min(max_splits).max(1);
    let partials = ctx.zeroed_buffer("gram partials", partial_bytes * splits_cap as u64)?;
    let mean = ctx.storage_buffer("mean", bytemuck::cast_slice(&preprocessing.mean_f32()))?;
    let tiles = groups(d, TILE);
    let mut first = true;
    for chunk in &images.chunks {
        let mut row_begin = 0;
        while row_begin < chunk.rows {
            let row_end = (row_begin + plan.rows_per_submission.max(1)).min(chunk.rows);
            let rows = row_end - row_begin;
            let splits = rows.div_ceil(256).clamp(1, splits_cap);
            let rows_per_split = rows.div_ceil(splits);
            let params = ctx.uniform(
                "gram params",
                &GramParams {
                    row_begin: row_begin as u32,
                    row_end: row_end as u32,
                    rows_per_split: rows_per_split as u32,
                    d: d as u32,
                    inv_scale: preprocessing.inv_scale_f32(),
                    _pad: [0.0; 3],
                },
            );
            let reduce_params = ctx.uniform(
                "gram reduce params",
                &ReduceParams {
                    d: d as u32,
                    splits: splits as u32,
                    accumulate: u32::from(!first),
                    _pad: 0,
                },
            );
            let dispatches = [
                Dispatch::new(
                    ctx,
                    Kernel::GramPartial,
                    &[&params, &chunk.buffer, &mean, &partials],
                    [tiles, tiles, splits as u32],
                ),
                Dispatch::new(
                    ctx,
                    Kernel::GramReduce,
                    &[&reduce_params, &partials, &gram.buffer],
                    [groups(d, 16), groups(d, 16), 1],
                ),
            ];
            run(ctx, "gram", &dispatches).await?;
            first = false;
            row_begin = row_end;
        }
    }
    Ok(gram)
}
