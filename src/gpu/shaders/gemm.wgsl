// Tiled GEMM: C = alpha * op(A) * op(B) + beta * C, row-major, op = identity or transpose.
// op(A) is M x K, op(B) is K x N.
//
// Tiling: a workgroup of 16 x 16 invocations computes a 64 x 64 tile of C in depth steps of
// DEPTH = 16 through workgroup memory (2 x 4 KiB); each invocation owns a 4 x 4 block (rows
// 4 ty.., columns 4 tx..), held as four vec4 rows in registers. Workgroup memory holds vec4s
// (four rows of op(A), or four columns of op(B), at one depth), so the inner loop is two vec4
// reads and four vec4 multiply-adds per depth (written out, see `mac`), with no branch and no
// dynamically indexed array.
// Staging: each invocation copies one vec4 of each operand per step, choosing which one so that
// neighbouring invocations read neighbouring addresses for either layout of the operand; reads
// past M, N or K give zeros (the padding), so the inner loop needs no guard.

struct GemmParams {
    m: u32,
    n: u32,
    k: u32,
    trans_a: u32,
    trans_b: u32,
    row_tile_offset: u32, // first tile row of this dispatch (large products are banded)
    _pad0: u32,
    _pad1: u32,
    alpha: f32,
    beta: f32,
    _pad2: f32,
    _pad3: f32,
}

@group(0) @binding(0) var<uniform> params: GemmParams;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

const TILE: u32 = 64u;
const DEPTH: u32 = 16u;
const QUADS: u32 = 16u; // TILE / 4

var<workgroup> tile_a: array<vec4<f32>, 256>; // [DEPTH][QUADS]: op(A)[4q..4q+4, k]
var<workgroup> tile_b: array<vec4<f32>, 256>; // [DEPTH][QUADS]: op(B)[k, 4q..4q+4]

fn load_a(row: u32, k: u32) -> f32 {
    if (row >= params.m || k >= params.k) {
        return 0.0;
    }
    if (params.trans_a != 0u) {
        return a[k * params.m + row];
    }
    return a[row * params.k + k];
}

fn load_b(k: u32, col: u32) -> f32 {
    if (k >= params.k || col >= params.n) {
        return 0.0;
    }
    if (params.trans_b != 0u) {
        return b[col * params.k + k];
    }
    return b[k * params.n + col];
}

// Slot (depth, quad) that invocation `li` stages: depth fastest where the operand is contiguous
// along K (A plain, B transposed), quad fastest where it is contiguous along rows or columns.
fn slot_of(li: u32, k_contiguous: bool) -> vec2<u32> {
    if (k_contiguous) {
        return vec2<u32>(li % DEPTH, li / DEPTH);
    }
    return vec2<u32>(li / QUADS, li % QUADS);
}

// The invocation's 4 x 4 block of C, as four vec4 rows.
var<private> acc0: vec4<f32>;
var<private> acc1: vec4<f32>;
var<private> acc2: vec4<f32>;
var<private> acc3: vec4<f32>;

// One depth kk of the staged tiles into the block: rows 4 qa.., columns 4 qb...
fn mac(kk: u32, qa: u32, qb: u32) {
    let av = tile_a[kk * QUADS + qa];
    let bv = tile_b[kk * QUADS + qb];
    acc0 += bv * av.x;
    acc1 += bv * av.y;
    acc2 += bv * av.z;
    acc3 += bv * av.w;
}

fn store(row: u32, col0: u32, values: vec4<f32>) {
    for (var q = 0u; q < 4u; q++) {
        let col = col0 + q;
        if (row < params.m && col < params.n) {
            let at = row * params.n + col;
            var value = params.alpha * values[q];
            if (params.beta != 0.0) {
                value += params.beta * c[at];
            }
            c[at] = value;
        }
    }
}

@compute @workgroup_size(16, 16, 1)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    let row0 = (wg.y + params.row_tile_offset) * TILE;
    let col0 = wg.x * TILE;
    let sa = slot_of(li, params.trans_a == 0u);
    let sb = slot_of(li, params.trans_b != 0u);
    let ra = row0 + 4u * sa.y;
    let cb = col0 + 4u * sb.y;

    for (var k0 = 0u; k0 < params.k; k0 += DEPTH) {
        let ka = k0 + sa.x;
        tile_a[sa.x * QUADS + sa.y] = vec4<f32>(load_a(ra, ka), load_a(ra + 1u, ka), load_a(ra + 2u, ka), load_a(ra + 3u, ka));
        let kb = k0 + sb.x;
        tile_b[sb.x * QUADS + sb.y] = vec4<f32>(load_b(kb, cb), load_b(kb, cb + 1u), load_b(kb, cb + 2u), load_b(kb, cb + 3u));
        workgroupBarrier();
        // The DEPTH steps written out: Mesa's llvmpipe stops a shader's loops after about 2^16
        // iterations in all per invocation, which an inner loop over DEPTH reaches for long K.
        mac(0u, lid.y, lid.x);
        mac(1u, lid.y, lid.x);
        mac(2u, lid.y, lid.x);
        mac(3u, lid.y, lid.x);
        mac(4u, lid.y, lid.x);
        mac(5u, lid.y, lid.x);
        mac(6u, lid.y, lid.x);
        mac(7u, lid.y, lid.x);
        mac(8u, lid.y, lid.x);
        mac(9u, lid.y, lid.x);
        mac(10u, lid.y, lid.x);
        mac(11u, lid.y, lid.x);
        mac(12u, lid.y, lid.x);
        mac(13u, lid.y, lid.x);
        mac(14u, lid.y, lid.x);
        mac(15u, lid.y, lid.x);
        workgroupBarrier();
    }

    let row = row0 + 4u * lid.y;
    let col = col0 + 4u * lid.x;
    store(row, col, acc0);
    store(row + 1u, col, acc1);
    store(row + 2u, col, acc2);
    store(row + 3u, col, acc3);
}
