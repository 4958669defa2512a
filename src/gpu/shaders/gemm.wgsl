// Tiled GEMM: C = alpha * op(A) * op(B) + beta * C, row-major, op = identity or transpose.
// op(A) is M x K, op(B) is K x N. A workgroup of 8 x 8 invocations computes a 32 x 32 tile of C
// in depth steps of 32 through workgroup memory; each invocation owns a 4 x 4 block, held as four
// vec4 rows. Workgroup memory holds vec4s (four rows of op(A), four columns of op(B) at one
// depth), so the inner loop is two vec4 reads and four vec4 multiply-adds per depth, with no
// dynamically indexed arrays (a software adapter such as SwiftShader keeps those in memory).

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

const TILE: u32 = 32u;
const DEPTH: u32 = 32u;
const QUADS: u32 = 8u; // TILE / 4

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

@compute @workgroup_size(8, 8, 1)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    let row0 = (wg.y + params.row_tile_offset) * TILE;
    let col0 = wg.x * TILE;

    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var k0 = 0u; k0 < params.k; k0 += DEPTH) {
        for (var e = 0u; e < 4u; e++) {
            let slot = li + e * 64u;
            let k = k0 + slot / QUADS;
            let q = 4u * (slot % QUADS);
            let r = row0 + q;
            tile_a[slot] = vec4<f32>(load_a(r, k), load_a(r + 1u, k), load_a(r + 2u, k), load_a(r + 3u, k));
            let col = col0 + q;
            tile_b[slot] = vec4<f32>(load_b(k, col), load_b(k, col + 1u), load_b(k, col + 2u), load_b(k, col + 3u));
        }
        workgroupBarrier();
        for (var kk = 0u; kk < DEPTH; kk++) {
            let av = tile_a[kk * QUADS + lid.y];
            let bv = tile_b[kk * QUADS + lid.x];
            acc0 += bv * av.x;
            acc1 += bv * av.y;
            acc2 += bv * av.z;
            acc3 += bv * av.w;
        }
        workgroupBarrier();
    }

    let rows = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
    for (var r = 0u; r < 4u; r++) {
        let row = row0 + 4u * lid.y + r;
        let values = rows[r];
        for (var q = 0u; q < 4u; q++) {
            let col = col0 + 4u * lid.x + q;
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
}
