// The pencil's right-hand matrix B from the Gram matrix G (paper's table):
//   B_ij = G_ij * (same_patch(i, j) ? same : other) + (i == j ? diagonal : 0)
// mask:     same = 1 - p, other = (1 - p)^2, diagonal = 0  (B = G .* M)
// Gaussian: same = other = 1, diagonal = N s^2             (B = G + N s^2 I)
// none:     same = other = 1, diagonal = 0                 (B = G)
// Pixels are channel-major (C, H, W); a patch spans all channels.

struct PencilParams {
    d: u32,
    h: u32,
    w: u32,
    patch_side: u32,
    same: f32,
    other: f32,
    diagonal: f32,
    _pad: f32,
}

@group(0) @binding(0) var<uniform> params: PencilParams;
@group(0) @binding(1) var<storage, read> gram: array<f32>;
@group(0) @binding(2) var<storage, read_write> b: array<f32>;

fn patch_of(pixel: u32) -> u32 {
    let spatial = pixel % (params.h * params.w);
    let y = spatial / params.w;
    let x = spatial % params.w;
    let across = (params.w + params.patch_side - 1u) / params.patch_side;
    return (y / params.patch_side) * across + x / params.patch_side;
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y;
    let j = gid.x;
    if (i >= params.d || j >= params.d) {
        return;
    }
    var factor = params.other;
    if (patch_of(i) == patch_of(j)) {
        factor = params.same;
    }
    var value = gram[i * params.d + j] * factor;
    if (i == j) {
        value += params.diagonal;
    }
    b[i * params.d + j] = value;
}
