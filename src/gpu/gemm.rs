//! Tiled GEMM on the GPU: C = alpha op(A) op(B) + beta C (for G G and the encoder/decoder products).

use super::context::{groups, record_all, Dispatch, GpuContext, GpuError};
use super::kernels::Kernel;
use super::matrix::GpuMatrix;

/// Whether a GEMM operand is used as stored or transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Use the matrix as stored.
    Plain,
    /// Use its transpose.
    Transposed,
}

impl Op {
    fn shape(self, m: &GpuMatrix) -> (usize, usize) {
        match self {
            Op::Plain => (m.rows(), m.cols()),
            Op::Transposed => (m.cols(), m.rows()),
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct GemmParams {
    m: u32,
    n: u32,
    k: u32,
    trans_a: u32,
    trans_b: u32,
    row_tile_offset: u32,
    _pad: [u32; 2],
    alpha: f32,
    beta: f32,
    _pad2: [f32; 2],
}

const TILE: usize = 64;

/// Multiply-adds per submission at most (keeps each submission well under a second).
const MAX_MULADDS_PER_SUBMISSION: usize = 1 << 27;

/// Dispatches for C = alpha op(A) op(B) + beta C, cut into bands of tile rows of at most `max_muladds` each.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_dispatches(
    ctx: &GpuContext,
    alpha: f32,
    a: &GpuMatrix,
    op_a: Op,
    b: &GpuMatrix,
    op_b: Op,
    beta: f32,
    c: &GpuMatrix,
    max_muladds: usize,
) -> Vec<Dispatch> {
    let (m, k) = op_a.shape(a);
    let (k2, n) = op_b.shape(b);
    assert_eq!(k, k2, "gemm: inner dimensions differ");
    assert_eq!(
        (c.rows(), c.cols()),
        (m, n),
        "gemm: output has the wrong shape"
    );
    let tile_rows = groups(m, TILE) as usize;
    let per_tile_row = (TILE * n * k).max(1);
    let band = (max_muladds / per_tile_row).clamp(1, 65535);
    let mut dispatches = Vec::new();
    let mut start = 0;
    while start < tile_rows {
        let rows = band.min(tile_rows - start);
        let params = ctx.uniform(
            "gemm params",
            &GemmParams {
                m: m as u32,
                n: n as u32,
                k: k as u32,
                trans_a: u32::from(op_a == Op::Transposed),
                trans_b: u32::from(op_b == Op::Transposed),
                row_tile_offset: start as u32,
                _pad: [0; 2],
                alpha,
                beta,
                _pad2: [0.0; 2],
            },
        );
        dispatches.push(Dispatch::new(
            ctx,
            ctx.pipeline(Kernel::Gemm),
            &[&params, &a.buffer, &b.buffer, &c.buffer],
            [groups(n, TILE), rows as u32, 1],
        ));
        start += rows;
    }
    dispatches
}

/// C = alpha op(A) op(B) + beta C on the GPU (beta = 0 ignores C's old contents).
#[allow(clippy::too_many_arguments)]
pub async fn gemm(
    ctx: &GpuContext,
    alpha: f32,
    a: &GpuMatrix,
    op_a: Op,
    b: &GpuMatrix,
    op_b: Op,
    beta: f32,
    c: &GpuMatrix,
) -> Result<(), GpuError> {
    let bands = gemm_dispatches(
        ctx,
        alpha,
        a,
        op_a,
        b,
        op_b,
        beta,
        c,
        MAX_MULADDS_PER_SUBMISSION,
    );
    for band in &bands {
        let mut encoder = ctx.encoder("gemm");
        record_all(&mut encoder, std::slice::from_ref(band));
        ctx.submit_and_wait(encoder).await?;
    }
    Ok(())
}

/// A new matrix op(A) op(B).
pub async fn matmul(
    ctx: &GpuContext,
    a: &GpuMatrix,
    op_a: Op,
    b: &GpuMatrix,
    op_b: Op,
) -> Result<GpuMatrix, GpuError> {
    let c = GpuMatrix::zeros(ctx, op_a.shape(a).0, op_b.shape(b).1)?;
    gemm(ctx, 1.0, a, op_a, b, op_b, 0.0, &c).await?;
    Ok(c)
}
