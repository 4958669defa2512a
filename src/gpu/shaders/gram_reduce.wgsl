// Sums the split-K partial Gram tiles into G (accumulating over dataset chunks),
// reading the mirrored tile for entries below the block diagonal.

struct ReduceParams {
    d: u32,
    splits: u32,
    accumulate: u32, // 0: overwrite G, 1: add to G
    _pad: u32,
}

@group(0) @binding(0) var<uniform> params: ReduceParams;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> gram: array<f32>;

const TILE: u32 = 32u; // the partial kernel's tile (gram_partial.wgsl)

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y;
    let j = gid.x;
    let d = params.d;
    if (i >= d || j >= d) {
        return;
    }
    var source = i * d + j;
    if (i / TILE > j / TILE) {
        source = j * d + i;
    }
    var sum = 0.0;
    for (var z = 0u; z < params.splits; z++) {
        sum += partials[z * d * d + source];
    }
    if (params.accumulate != 0u) {
        sum += gram[i * d + j];
    }
    gram[i * d + j] = sum;
}
