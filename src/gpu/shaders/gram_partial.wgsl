// Split-K partial byte Gram, exact: partials[first_split + z] = A_z^T A_z over the images of
// slice z, where a row of A is one image's bytes b (0..=255) followed by a 1, so the partial
// holds the raw Gram S = sum b b^T, the pixel sums s = sum b (column D) and the image count
// (entry D, D). Pixels arrive as packed bytes, four per u32, image-major N x D.
//
// Tiling: a workgroup of 16 x 16 invocations computes a 64 x 64 output tile, each invocation a
// 4 x 4 block (rows 4 ty.., columns 4 tx..) held as four vec4 rows; tiles below the diagonal are
// skipped (the reduce pass mirrors them). Each stage copies DEPTH images of the tile's 64 + 64
// pixels into workgroup memory as vec4 (one packed word per invocation and operand, padded with
// zeros past the slice and past the augmented row), so the inner loop is two vec4 reads and four
// vec4 multiply-adds per image with no branch (the steps are written out, see `mac`).
//
// Exactness: bytes are small integers, so f32 products (<= 255^2) and sums stay exact while a sum
// is below 2^24, i.e. over at most 258 images: the f32 accumulators are moved into u32 totals
// every FLUSH_STAGES * DEPTH = 256 images. The u32 totals are exact while a slice has at most
// floor((2^32 - 1) / 255^2) = 66051 images (the host keeps slices at most 66048 long).

struct GramParams {
    row_begin: u32,       // first row (within this chunk) of this dispatch's first slice
    row_end: u32,         // one past the chunk's last row
    rows_per_split: u32,  // rows of one slice (one z-layer of the grid)
    d: u32,               // pixels per image
    first_split: u32,     // the partial that z-layer 0 writes
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: GramParams;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read_write> partials: array<u32>;

const TILE: u32 = 64u;
const DEPTH: u32 = 16u;
const QUADS: u32 = 16u; // TILE / 4
const FLUSH_STAGES: u32 = 16u; // 256 images per exact f32 run

var<workgroup> tile_i: array<vec4<f32>, 256>; // [DEPTH][QUADS]
var<workgroup> tile_j: array<vec4<f32>, 256>;

// The four bytes of image `row` from pixel `col` on, as they lie in the packed stream.
fn raw_quad(row: u32, col: u32) -> u32 {
    let at = row * params.d + col;
    let word = at >> 2u;
    let shift = (at & 3u) * 8u;
    if (shift == 0u) {
        return pixels[word];
    }
    let next = pixels[min(word + 1u, arrayLength(&pixels) - 1u)];
    return (pixels[word] >> shift) | (next << (32u - shift));
}

// Augmented pixels col..col+3 of image `row` as exact f32: the bytes, 1 at column D, 0 past it
// and 0 for rows outside the slice.
fn quad(row: u32, col: u32, inside: bool) -> vec4<f32> {
    if (!inside || col > params.d) {
        return vec4<f32>(0.0);
    }
    var word = 0u;
    if (col < params.d) {
        word = raw_quad(row, col);
    }
    let bytes = (vec4<u32>(word) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(0xffu);
    let cols = vec4<u32>(col) + vec4<u32>(0u, 1u, 2u, 3u);
    let d = vec4<u32>(params.d);
    let value = select(vec4<u32>(0u), bytes, cols < d) + select(vec4<u32>(0u), vec4<u32>(1u), cols == d);
    return vec4<f32>(value);
}

fn store(base: u32, i: u32, j0: u32, values: vec4<u32>) {
    let da = params.d + 1u;
    for (var c = 0u; c < 4u; c++) {
        if (i < da && j0 + c < da) {
            partials[base + i * da + j0 + c] = values[c];
        }
    }
}

// The invocation's 4 x 4 block of f32 sums (exact integers), as four vec4 rows.
var<private> acc0: vec4<f32>;
var<private> acc1: vec4<f32>;
var<private> acc2: vec4<f32>;
var<private> acc3: vec4<f32>;

// One image (depth kk) of the staged tiles into the block: rows 4 qi.., columns 4 qj...
fn mac(kk: u32, qi: u32, qj: u32) {
    let xi = tile_i[kk * QUADS + qi];
    let xj = tile_j[kk * QUADS + qj];
    acc0 += xj * xi.x;
    acc1 += xj * xi.y;
    acc2 += xj * xi.z;
    acc3 += xj * xi.w;
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

    var tot0 = vec4<u32>(0u);
    var tot1 = vec4<u32>(0u);
    var tot2 = vec4<u32>(0u);
    var tot3 = vec4<u32>(0u);
    let k_load = li / QUADS;
    let q_load = 4u * (li % QUADS);
    var stage = 0u;
    for (var r0 = row_start; r0 < row_end; r0 += DEPTH) {
        let row = r0 + k_load;
        let inside = row < row_end;
        tile_i[li] = quad(row, bi * TILE + q_load, inside);
        tile_j[li] = quad(row, bj * TILE + q_load, inside);
        workgroupBarrier();
        // The DEPTH steps written out: Mesa's llvmpipe stops a shader's loops after about 2^16
        // iterations in all per invocation, which an inner loop over DEPTH reaches on long slices.
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
        stage += 1u;
        if (stage == FLUSH_STAGES) {
            stage = 0u;
            tot0 += vec4<u32>(acc0);
            tot1 += vec4<u32>(acc1);
            tot2 += vec4<u32>(acc2);
            tot3 += vec4<u32>(acc3);
            acc0 = vec4<f32>(0.0);
            acc1 = vec4<f32>(0.0);
            acc2 = vec4<f32>(0.0);
            acc3 = vec4<f32>(0.0);
        }
    }
    tot0 += vec4<u32>(acc0);
    tot1 += vec4<u32>(acc1);
    tot2 += vec4<u32>(acc2);
    tot3 += vec4<u32>(acc3);

    let base = (params.first_split + wg.z) * (params.d + 1u) * (params.d + 1u);
    let i = bi * TILE + 4u * lid.y;
    let j = bj * TILE + 4u * lid.x;
    store(base, i, j, tot0);
    store(base, i + 1u, j, tot1);
    store(base, i + 2u, j, tot2);
    store(base, i + 3u, j, tot3);
}
