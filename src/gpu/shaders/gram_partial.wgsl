// Split-K partial Gram: partials[z] = X_z^T X_z for the rows of split z, where
// X = (pixels/255 - mean) * inv_scale is the centred, scaled data (paper: G = X^T X).
// Pixels arrive as packed bytes, four per u32, row-major N x D.
// One workgroup computes a 64 x 64 tile; tiles below the diagonal are skipped
// (the reduce pass mirrors them), which keeps G exactly symmetric.

struct GramParams {
    row_begin: u32,       // first row (within this chunk) of this submission
    row_end: u32,         // one past its last row
    rows_per_split: u32,  // rows handled by one z-slice of the grid
    d: u32,               // pixels per image
    inv_scale: f32,       // 1 / global standard deviation
    _pad1: f32,
    _pad2: f32,
    _pad3: f32,
}

@group(0) @binding(0) var<uniform> params: GramParams;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;

const TILE: u32 = 64u;
const DEPTH: u32 = 16u;

var<workgroup> tile_i: array<f32, 1024>; // [DEPTH][TILE]
var<workgroup> tile_j: array<f32, 1024>;

fn centred(row: u32, col: u32, inside: bool) -> f32 {
    if (!inside || col >= params.d) {
        return 0.0;
    }
    let b = row * params.d + col;
    let byte = (pixels[b >> 2u] >> ((b & 3u) * 8u)) & 0xffu;
    return (f32(byte) / 255.0 - mean[col]) * params.inv_scale;
}

@compute @workgroup_size(16, 16, 1)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    let bi = wg.y;
    let bj = wg.x;
    if (bj < bi) {
        return;
    }
    let row_start = params.row_begin + wg.z * params.rows_per_split;
    let row_end = min(row_start + params.rows_per_split, params.row_end);

    var acc: array<f32, 16>;
    for (var r0 = row_start; r0 < row_end; r0 += DEPTH) {
        for (var e = 0u; e < 4u; e++) {
            let idx = li + e * 256u;
            let kk = idx / TILE;
            let c = idx % TILE;
            let row = r0 + kk;
            let inside = row < row_end;
            tile_i[idx] = centred(row, bi * TILE + c, inside);
            tile_j[idx] = centred(row, bj * TILE + c, inside);
        }
        workgroupBarrier();
        for (var kk = 0u; kk < DEPTH; kk++) {
            var a: array<f32, 4>;
            var b: array<f32, 4>;
            for (var r = 0u; r < 4u; r++) {
                a[r] = tile_i[kk * TILE + lid.y + 16u * r];
                b[r] = tile_j[kk * TILE + lid.x + 16u * r];
            }
            for (var r = 0u; r < 4u; r++) {
                for (var c = 0u; c < 4u; c++) {
                    acc[r * 4u + c] += a[r] * b[c];
                }
            }
        }
        workgroupBarrier();
    }

    let base = wg.z * params.d * params.d;
    for (var r = 0u; r < 4u; r++) {
        let i = bi * TILE + lid.y + 16u * r;
        for (var c = 0u; c < 4u; c++) {
            let j = bj * TILE + lid.x + 16u * c;
            if (i < params.d && j < params.d) {
                partials[base + i * params.d + j] = acc[r * 4u + c];
            }
        }
    }
}
