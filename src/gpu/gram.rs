//! The Gram matrix G = X^T X of the centred, scaled data, built from the u8 images on the device.

use crate::spectral::Preprocessing;

use super::context::GpuContext;
use super::dispatch::{groups, run_pipelined, Dispatch};
use super::error::GpuError;
use super::images::GpuImages;
use super::kernels::Kernel;
use super::matrix::GpuMatrix;

/// How the Gram work is cut. The rows of each image chunk are cut into slices, each summed into
/// its own partial G by one layer of the grid (split-K); the partials are then added in slice
/// order (the reduce pass). The slices depend on the plan, the chunk and the device's binding
/// limit, never on how slices are grouped into submissions, so G's bits do not either.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GramPlan {
    /// Partial G buffers: the slices added together by one reduce pass.
    pub max_splits: usize,
    /// Rows handled by one queue submission (keeps each submission well under a second).
    pub rows_per_submission: usize,
}

/// Rows of a slice at least (fewer would spend more on the partials than on the sums).
const MIN_SLICE_ROWS: usize = 256;

impl GramPlan {
    /// Up to 32 partials, and `muladds` multiply-adds per submission (the kernel computes the
    /// upper half of G: about D^2 / 2 per image).
    pub fn for_dimension(d: usize, muladds: usize) -> Self {
        Self {
            max_splits: 32,
            rows_per_submission: (muladds / (d * d / 2).max(1)).clamp(4, 1 << 20),
        }
    }

    /// The plan for `ctx`: its multiply-adds per submission.
    pub fn for_context(ctx: &GpuContext, d: usize) -> Self {
        Self::for_dimension(d, ctx.muladds_per_submission())
    }

    /// How a chunk of `rows` images is cut with `partials` partial buffers: rows per slice,
    /// slices, and slices per submission.
    fn slicing(&self, rows: usize, partials: usize) -> (usize, usize, usize) {
        let per_submission = self.rows_per_submission.max(1);
        let slice_rows = rows
            .div_ceil(partials.max(1))
            .max(MIN_SLICE_ROWS)
            .min(per_submission);
        (
            slice_rows,
            rows.div_ceil(slice_rows),
            (per_submission / slice_rows).max(1),
        )
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
    first_split: u32,
    _pad: [u32; 2],
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
        GramPlan::for_context(ctx, images.d()),
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
    let used = (images.chunks.iter())
        .map(|chunk| plan.slicing(chunk.rows, splits_cap).1.min(splits_cap))
        .max()
        .unwrap_or(1);
    let partials = ctx.zeroed_buffer("gram partials", partial_bytes * used as u64)?;
    let mean = ctx.storage_buffer("mean", bytemuck::cast_slice(&preprocessing.mean_f32()))?;
    let tiles = groups(d, TILE);
    let inv_scale = preprocessing.inv_scale_f32();
    let mut first = true;
    let mut submissions = Vec::new();
    for chunk in &images.chunks {
        let rows = chunk.rows;
        let (slice_rows, slices, per_submission) = plan.slicing(rows, splits_cap);
        // Pass 1 fills the partials of up to `splits_cap` slices, over as many submissions as
        // the plan needs; pass 2 (in the last of them) adds those partials into G, in order.
        // Queue order keeps the next group's writes after this group's reduce.
        for group in (0..slices).step_by(splits_cap) {
            let group_end = (group + splits_cap).min(slices);
            let mut slice = group;
            while slice < group_end {
                let count = per_submission.min(group_end - slice);
                let params = ctx.uniform(
                    "gram params",
                    &GramParams {
                        row_begin: (slice * slice_rows) as u32,
                        row_end: rows as u32,
                        rows_per_split: slice_rows as u32,
                        d: d as u32,
                        inv_scale,
                        first_split: (slice - group) as u32,
                        _pad: [0; 2],
                    },
                );
                let mut dispatches = vec![Dispatch::new(
                    ctx,
                    Kernel::GramPartial,
                    &[&params, &chunk.buffer, &mean, &partials],
                    [tiles, tiles, count as u32],
                )];
                slice += count;
                if slice == group_end {
                    let reduce_params = ctx.uniform(
                        "gram reduce params",
                        &ReduceParams {
                            d: d as u32,
                            splits: (group_end - group) as u32,
                            accumulate: u32::from(!first),
                            _pad: 0,
                        },
                    );
                    dispatches.push(Dispatch::new(
                        ctx,
                        Kernel::GramReduce,
                        &[&reduce_params, &partials, &gram.buffer],
                        [groups(d, 16), groups(d, 16), 1],
                    ));
                    first = false;
                }
                submissions.push(dispatches);
            }
        }
    }
    run_pipelined(ctx, "gram", submissions).await?;
    Ok(gram)
}
