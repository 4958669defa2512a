//! The Gram matrix G = X^T X of the centred, scaled data, built exactly from the u8 images on the
//! device: the byte Gram S = sum b b^T and the pixel sums s = sum b in integers, then
//! G = (N S - s s^T) / (N (255 scale)^2), the numerator exact in 64-bit integers, rounded to f32
//! once (see `shaders/gram_reduce.wgsl`). G is therefore centred on the images' exact mean s / N;
//! only the preprocessing's scale is read.

use crate::spectral::Preprocessing;

use super::context::GpuContext;
use super::dispatch::{groups, run_pipelined, Dispatch};
use super::error::GpuError;
use super::images::GpuImages;
use super::kernels::Kernel;
use super::matrix::GpuMatrix;

/// How the Gram work is cut. The rows of each image chunk are cut into slices, each summed into
/// its own partial byte Gram by one layer of the grid (split-K); the partials are then added
/// into 64-bit sums (the reduce pass). All sums are exact integers, so G's bits depend on
/// neither the plan nor the chunking.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GramPlan {
    /// Partial G buffers: the slices added together by one reduce pass.
    pub max_splits: usize,
    /// Rows handled by one queue submission (keeps each submission well under a second).
    pub rows_per_submission: usize,
}

/// Rows of a slice at least (fewer would spend more on the partials than on the sums).
const MIN_SLICE_ROWS: usize = 256;

/// Slices one submission carries at least, where that leaves slices of `MIN_SLICE_ROWS` or more:
/// each slice is one layer of about (D/64)^2/2 workgroups, too few alone for a large GPU.
const MIN_SLICES_PER_SUBMISSION: usize = 8;

/// Rows of a slice at most: a partial's u32 sums of byte products are exact up to
/// floor((2^32 - 1) / 255^2) = 66051 images; 66048 is a whole number of 256-image f32 runs.
pub const MAX_SLICE_ROWS: usize = 66_048;

/// Images at most: N * 255 (a pixel sum) and N^2 255^2 (N S_ij) must stay below 2^32 and 2^64.
pub const MAX_IMAGES: usize = (u32::MAX / 255) as usize;

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
        // At least `MIN_SLICES_PER_SUBMISSION` slices (grid layers) per submission where the
        // rows allow, so that one submission fills the GPU.
        let slice_rows = rows
            .div_ceil(partials.max(1))
            .min(per_submission / MIN_SLICES_PER_SUBMISSION)
            .max(MIN_SLICE_ROWS)
            .min(per_submission)
            .min(MAX_SLICE_ROWS);
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
    first_split: u32,
    _pad: [u32; 3],
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ReduceParams {
    da: u32,
    splits: u32,
    accumulate: u32,
    _pad: u32,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct CentreParams {
    d: u32,
    n: u32,
    factor: f32,
    _pad: u32,
}

/// The partial kernel's output tile (`gram_partial.wgsl`).
const TILE: usize = 64;

/// The paper's G = X^T X (D x D) with X centred per pixel on the images' mean and divided by
/// `preprocessing.scale`, in f32 within a few ulps of the exact value (docs/maths.md).
/// `preprocessing.mean` must be the images' mean, as [`Preprocessing::of_dataset`] gives it.
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
    let (n, d) = (images.n(), images.d());
    assert_eq!(preprocessing.mean.len(), d, "mean has the wrong length");
    assert!(
        n <= MAX_IMAGES,
        "the exact Gram takes at most {MAX_IMAGES} images, got {n}"
    );
    let gram = GpuMatrix::zeros(ctx, d, d)?;
    if n == 0 || d == 0 {
        return Ok(gram);
    }
    // The augmented byte Gram of [B 1]: row and column D hold the pixel sums, entry (D, D) N.
    let da = d + 1;
    let partial_bytes = (da * da * 4) as u64;
    ctx.check_binding_size(partial_bytes * 2)?;
    let max_splits = (ctx.max_binding_bytes().min(64 << 20) / partial_bytes) as usize;
    let splits_cap = plan.max_splits.min(max_splits).max(1);
    let used = (images.chunks.iter())
        .map(|chunk| plan.slicing(chunk.rows, splits_cap).1.min(splits_cap))
        .max()
        .unwrap_or(1);
    let partials = ctx.zeroed_buffer("gram partials", partial_bytes * used as u64)?;
    let sums = ctx.zeroed_buffer("gram byte sums", partial_bytes * 2)?;
    let tiles = groups(da, TILE);
    let mut first = true;
    let mut submissions = Vec::new();
    for chunk in &images.chunks {
        let rows = chunk.rows;
        let (slice_rows, slices, per_submission) = plan.slicing(rows, splits_cap);
        // Pass 1 fills the partials of up to `splits_cap` slices, over as many submissions as
        // the plan needs; pass 2 (in the last of them) adds those partials into the sums.
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
                        first_split: (slice - group) as u32,
                        _pad: [0; 3],
                    },
                );
                let mut dispatches = vec![Dispatch::new(
                    ctx,
                    Kernel::GramPartial,
                    &[&params, &chunk.buffer, &partials],
                    [tiles, tiles, count as u32],
                )];
                slice += count;
                if slice == group_end {
                    let reduce_params = ctx.uniform(
                        "gram reduce params",
                        &ReduceParams {
                            da: da as u32,
                            splits: (group_end - group) as u32,
                            accumulate: u32::from(!first),
                            _pad: 0,
                        },
                    );
                    dispatches.push(Dispatch::new(
                        ctx,
                        Kernel::GramReduce,
                        &[&reduce_params, &partials, &sums],
                        [groups(da, 16), groups(da, 16), 1],
                    ));
                    first = false;
                }
                submissions.push(dispatches);
            }
        }
    }
    let byte_scale = 255.0 * preprocessing.scale;
    let centre_params = ctx.uniform(
        "gram centre params",
        &CentreParams {
            d: d as u32,
            n: n as u32,
            factor: (1.0 / (n as f64 * byte_scale * byte_scale)) as f32,
            _pad: 0,
        },
    );
    submissions.push(vec![Dispatch::with_bindings(
        ctx,
        Kernel::GramCentre,
        &[(3, &centre_params), (4, &sums), (5, &gram.buffer)],
        [groups(d, 16), groups(d, 16), 1],
    )]);
    run_pipelined(ctx, "gram", submissions).await?;
    Ok(gram)
}
