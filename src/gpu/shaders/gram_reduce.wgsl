// The exact byte Gram, in 64-bit integers held as two u32 words (lo, hi), and its centring.
//
// `reduce`: adds the u32 split-K partials of gram_partial.wgsl (each an augmented (D+1)^2 byte
// Gram of one slice) into the 64-bit sums, with carries, reading the mirrored tile for entries
// below the block diagonal. The sums accumulate over the dataset's chunks.
// `centre`: G_ij = (N S_ij - s_i s_j) * factor with S = sums[i, j], s_i = sums[i, D] and
// factor = 1 / (N (255 scale)^2). N S_ij - s_i s_j is computed exactly in 64-bit integers
// (N S_ij and s_i s_j are each below 2^64 for N < 2^32 / 255) and rounded to f32 once, up to
// two f32 additions; so G is within a few f32 ulps of the exact value, and exactly symmetric.

struct ReduceParams {
    da: u32,         // D + 1: the augmented dimension
    splits: u32,
    accumulate: u32, // 0: overwrite the sums, 1: add to them
    _pad: u32,
}

struct CentreParams {
    d: u32,
    n: u32,       // images N
    factor: f32,  // 1 / (N (255 scale)^2)
    _pad: u32,
}

@group(0) @binding(0) var<uniform> reduce_params: ReduceParams;
@group(0) @binding(1) var<storage, read> partials: array<u32>;
@group(0) @binding(2) var<storage, read_write> sums: array<vec2<u32>>; // (lo, hi)

@group(0) @binding(3) var<uniform> centre_params: CentreParams;
@group(0) @binding(4) var<storage, read> byte_sums: array<vec2<u32>>;
@group(0) @binding(5) var<storage, read_write> gram: array<f32>;

const TILE: u32 = 64u; // the partial kernel's tile (gram_partial.wgsl)

// a + b in 64 bits (wrapping).
fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let lo = a.x + b.x;
    return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}

// a - b in 64 bits (wrapping).
fn sub64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    return vec2<u32>(a.x - b.x, a.y - b.y - select(0u, 1u, a.x < b.x));
}

// The full 64-bit product a * b, from 16-bit halves.
fn mul32x32(a: u32, b: u32) -> vec2<u32> {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let low = vec2<u32>(a0 * b0, a1 * b1);
    let cross0 = a0 * b1;
    let cross1 = a1 * b0;
    var sum = add64(low, vec2<u32>(cross0 << 16u, cross0 >> 16u));
    return add64(sum, vec2<u32>(cross1 << 16u, cross1 >> 16u));
}

// A 64-bit integer as f32: three exact 24-bit (or smaller) parts, then two rounded additions.
fn to_f32(v: vec2<u32>) -> f32 {
    let low = f32(v.x & 0xffffffu);
    let mid = f32((v.x >> 24u) | ((v.y & 0xffffu) << 8u));
    let high = f32(v.y >> 16u);
    return (high * 281474976710656.0 + mid * 16777216.0) + low; // 2^48, 2^24
}

@compute @workgroup_size(16, 16, 1)
fn reduce(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y;
    let j = gid.x;
    let da = reduce_params.da;
    if (i >= da || j >= da) {
        return;
    }
    var source = i * da + j;
    if (i / TILE > j / TILE) {
        source = j * da + i;
    }
    var sum = vec2<u32>(0u);
    if (reduce_params.accumulate != 0u) {
        sum = sums[i * da + j];
    }
    for (var z = 0u; z < reduce_params.splits; z++) {
        sum = add64(sum, vec2<u32>(partials[z * da * da + source], 0u));
    }
    sums[i * da + j] = sum;
}

@compute @workgroup_size(16, 16, 1)
fn centre(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y;
    let j = gid.x;
    let d = centre_params.d;
    if (i >= d || j >= d) {
        return;
    }
    let da = d + 1u;
    let s = byte_sums[i * da + j];
    let s_i = byte_sums[i * da + d].x; // pixel sums: below 2^32 (N * 255 < 2^32)
    let s_j = byte_sums[j * da + d].x;
    let n = centre_params.n;
    var scaled = mul32x32(n, s.x);
    scaled.y += n * s.y;
    let outer = mul32x32(s_i, s_j);
    let negative = scaled.y < outer.y || (scaled.y == outer.y && scaled.x < outer.x);
    let magnitude = select(sub64(scaled, outer), sub64(outer, scaled), negative);
    let value = to_f32(magnitude) * centre_params.factor;
    gram[i * d + j] = select(value, -value, negative);
}
