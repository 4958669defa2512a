// Split-K partial Gram: partials[first_split + z] = X_z^T X_z for the rows of slice z, where
// X = (pixels/255 - mean) * inv_scale is the centred, scaled data (paper: G = X^T X).
// Pixels arrive as packed bytes, four per u32, row-major N x D.
// A workgroup of 8 x 8 invocations computes a 32 x 32 tile, each invocation a 4 x 4 block held
// as four vec4 rows; tiles below the diagonal are skipped (the reduce pass mirrors them), which
// keeps G exactly symmetric. Both operands run along the pixels, so each workgroup-memory entry
// is four consecutive centred pixels of one image (one packed word when D is a multiple of 4).

struct GramParams {
    row_begin: u32,       // first row (within this chunk) of this dispatch's first slice
    row_end: u32,         // one past the chunk's last row
    rows_per_split: u32,  // rows of one slice (one z-layer of the grid)
    d: u32,               // pixels per image
    inv_scale: f32,       // 1 / global standard deviation
    first_split: u32,     // the partial that z-layer 0 writes
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: GramParams;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;

const TILE: u32 = 32u;
const DEPTH: u32 = 32u;
const QUADS: u32 = 8u; // TILE / 4

var<workgroup> tile_i: array<vec4<f32>, 256>; // [DEPTH][QUADS]
var<workgroup> tile_j: array<vec4<f32>, 256>;

// Pixel `col` of image `row` as byte / 255 (zero past the row, so no read leaves the buffer).
fn pixel(row: u32, col: u32) -> f32 {
    if (col >= params.d) {
        return 0.0;
    }
    let at = row * params.d + col;
    return f32((pixels[at >> 2u] >> ((at & 3u) * 8u)) & 0xffu) / 255.0;
}

fn mean_at(col: u32) -> f32 {
    if (col >= params.d) {
        return 0.0;
    }
    return mean[col];
}

// Centred, scaled pixels col..col+3 of one image; zero past the last row or column.
fn centred4(row: u32, col: u32, inside: bool) -> vec4<f32> {
    if (!inside || col >= params.d) {
        return vec4<f32>(0.0);
    }
    var raw: vec4<f32>;
    if ((params.d & 3u) == 0u) {
        raw = unpack4x8unorm(pixels[(row * params.d + col) >> 2u]); // byte / 255, four at once
    } else {
        raw = vec4<f32>(pixel(row, col), pixel(row, col + 1u), pixel(row, col + 2u), pixel(row, col + 3u));
    }
    let m = vec4<f32>(mean_at(col), mean_at(col + 1u), mean_at(col + 2u), mean_at(col + 3u));
    let cols = vec4<u32>(col) + vec4<u32>(0u, 1u, 2u, 3u);
    return select(vec4<f32>(0.0), (raw - m) * params.inv_scale, cols < vec4<u32>(params.d));
}

@compute @workgroup_size(8, 8, 1)
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

    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var r0 = row_start; r0 < row_end; r0 += DEPTH) {
        for (var e = 0u; e < 4u; e++) {
            let slot = li + e * 64u;
            let row = r0 + slot / QUADS;
            let q = 4u * (slot % QUADS);
            let inside = row < row_end;
            tile_i[slot] = centred4(row, bi * TILE + q, inside);
            tile_j[slot] = centred4(row, bj * TILE + q, inside);
        }
        workgroupBarrier();
        for (var kk = 0u; kk < DEPTH; kk++) {
            let xi = tile_i[kk * QUADS + lid.y];
            let xj = tile_j[kk * QUADS + lid.x];
            acc0 += xj * xi.x;
            acc1 += xj * xi.y;
            acc2 += xj * xi.z;
            acc3 += xj * xi.w;
        }
        workgroupBarrier();
    }

    let base = (params.first_split + wg.z) * params.d * params.d;
    let rows = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
    for (var r = 0u; r < 4u; r++) {
        let i = bi * TILE + 4u * lid.y + r;
        let values = rows[r];
        for (var c = 0u; c < 4u; c++) {
            let j = bj * TILE + 4u * lid.x + c;
            if (i < params.d && j < params.d) {
                partials[base + i * params.d + j] = values[c];
            }
        }
    }
}
