//! Register-tiled GEMM on the GPU: C = alpha op(A) op(B) + beta C (for G G and the encoder/decoder
//! products); the tiling is described in `shaders/gemm.wgsl`.

use super::context::GpuContext;
use super::dispatch::{groups, run_pipelined, Dispatch};
use super::error::GpuError;
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

/// The kernel's output tile (`gemm.wgsl`): 64 x 64 per workgroup.
const TILE: usize = 64;

/// The launch arguments of one GEMM: C = alpha op(A) op(B) + beta C.
#[derive(Clone, Copy, Debug)]
pub struct Gemm<'m> {
    /// Scale of the product.
    pub alpha: f32,
    /// Left operand A.
    pub a: &'m GpuMatrix,
    /// How A is used.
    pub op_a: Op,
    /// Right operand B.
    pub b: &'m GpuMatrix,
    /// How B is used.
    pub op_b: Op,
    /// Scale of C's old contents (0 ignores them).
    pub beta: f32,
    /// Output C.
    pub c: &'m GpuMatrix,
}

impl<'m> Gemm<'m> {
    /// C = op(A) op(B).
    pub fn product(
        a: &'m GpuMatrix,
        op_a: Op,
        b: &'m GpuMatrix,
        op_b: Op,
        c: &'m GpuMatrix,
    ) -> Self {
        Self {
            alpha: 1.0,
            a,
            op_a,
            b,
            op_b,
            beta: 0.0,
            c,
        }
    }

    /// The same product scaled by `alpha`.
    pub fn scaled(self, alpha: f32) -> Self {
        Self { alpha, ..self }
    }

    /// Dispatches cut into bands of tile rows of at most `max_muladds` multiply-adds each.
    pub(crate) fn dispatches(&self, ctx: &GpuContext, max_muladds: usize) -> Vec<Dispatch> {
        let Gemm {
            alpha,
            a,
            op_a,
            b,
            op_b,
            beta,
            c,
        } = *self;
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
                Kernel::Gemm,
                &[&params, &a.buffer, &b.buffer, &c.buffer],
                [groups(n, TILE), rows as u32, 1],
            ));
            start += rows;
        }
        dispatches
    }

    /// Dispatches of the whole product, recorded into one submission (for steps that
    /// submit many kernels together; the operands are small).
    pub(crate) fn whole(&self, ctx: &GpuContext) -> Vec<Dispatch> {
        self.dispatches(ctx, usize::MAX)
    }

    /// Runs the product on the GPU, one band of at most [`GpuContext::muladds_per_submission`]
    /// multiply-adds per submission (one submission for a 784^3 product on most adapters, at
    /// most two queued), and waits for it. Each output is summed alike in any band, so the bits do not depend
    /// on the banding.
    pub async fn run(&self, ctx: &GpuContext) -> Result<(), GpuError> {
        let bands = self.dispatches(ctx, ctx.muladds_per_submission());
        run_pipelined(ctx, "gemm", bands.into_iter().map(|band| vec![band])).await
    }
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
    Gemm::product(a, op_a, b, op_b, &c).run(ctx).await?;
    Ok(c)
}
