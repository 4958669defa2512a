// Tiled GEMM: C = alpha * op(A) * op(B) + beta * C, row-major, op = identity or transpose.
// op(A) is M x K, op(B) is K x N. A workgroup computes a 64 x 64 tile of C in
// depth steps of 16 through workgroup memory; each invocation owns a 4 x 4 block.

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

var<workgroup> tile_a: array<f32, 1024>; // [DEPTH][TILE] : op(A)[row, k]
var<workgroup> tile_b: array<f32, 1024>; // [DEPTH][TILE] : op(B)[k, col]

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

@compute @workgroup_size(16, 16, 1)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    let row0 = (wg.y + params.row_tile_offset) * TILE;
    let col0 = wg.x * TILE;

    var acc: array<f32, 16>;
    for (var k0 = 0u; k0 < params.k; k0 += DEPTH) {
        for (var e = 0u; e < 4u; e++) {
            let idx = li + e * 256u;
            // Walk along whichever index is contiguous in memory, for coalesced loads.
            if (params.trans_a != 0u) {
                let kk = idx / TILE;
                let r = idx % TILE;
                tile_a[kk * TILE + r] = load_a(row0 + r, k0 + kk);
            } else {
                let r = idx / DEPTH;
                let kk = idx % DEPTH;
                tile_a[kk * TILE + r] = load_a(row0 + r, k0 + kk);
            }
            if (params.trans_b != 0u) {
                let cc = idx / DEPTH;
                let kk = idx % DEPTH;
                tile_b[kk * TILE + cc] = load_b(k0 + kk, col0 + cc);
            } else {
                let kk = idx / TILE;
                let cc = idx % TILE;
                tile_b[kk * TILE + cc] = load_b(k0 + kk, col0 + cc);
            }
        }
        workgroupBarrier();
        for (var kk = 0u; kk < DEPTH; kk++) {
            var ra: array<f32, 4>;
            var rb: array<f32, 4>;
            for (var r = 0u; r < 4u; r++) {
                ra[r] = tile_a[kk * TILE + lid.y + 16u * r];
                rb[r] = tile_b[kk * TILE + lid.x + 16u * r];
            }
            for (var r = 0u; r < 4u; r++) {
                for (var q = 0u; q < 4u; q++) {
                    acc[r * 4u + q] += ra[r] * rb[q];
                }
            }
        }
        workgroupBarrier();
    }

    for (var r = 0u; r < 4u; r++) {
        let row = row0 + lid.y + 16u * r;
        for (var q = 0u; q < 4u; q++) {
            let col = col0 + lid.x + 16u * q;
            if (row < params.m && col < params.n) {
                let at = row * params.n + col;
                var value = params.alpha * acc[r * 4u + q];
                if (params.beta != 0.0) {
                    value += params.beta * c[at];
                }
                c[at] = value;
            }
        }
    }
}
