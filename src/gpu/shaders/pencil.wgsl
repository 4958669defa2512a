// The pencil from the Gram matrix G (docs/maths.md's table), for any noise given per pixel of a
// channel plane by its keep probability k and its added variance N s^2:
//   main:  B_ij = G_ij * (same_patch(i, j) ? k_i : k_i k_j) + (i == j ? N s_i^2 : 0)
//   scale: A_ij *= k_i k_j  (A = K G G K from A = G G)
// mask:     k = 1 - p, s = 0, patches of the mask   Gaussian: k = 1, s = S (or a map's s_i)
// drop map: k_i = 1 - d_i, s = 0, 1 x 1 patches     none:     k = 1, s = 0
// Pixels are channel-major (C, H, W); a patch, and a pixel's k and s, span all channels.

struct PencilParams {
    d: u32,
    h: u32,
    w: u32,
    patch_side: u32,
}

@group(0) @binding(0) var<uniform> params: PencilParams;
@group(0) @binding(1) var<storage, read> gram: array<f32>;
@group(0) @binding(2) var<storage, read_write> b: array<f32>;
@group(0) @binding(3) var<storage, read> keep: array<f32>;
@group(0) @binding(4) var<storage, read> shift: array<f32>;
@group(0) @binding(5) var<storage, read_write> a: array<f32>;

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
    let plane = params.h * params.w;
    let ki = keep[i % plane];
    let kj = keep[j % plane];
    var factor = ki * kj;
    if (patch_of(i) == patch_of(j)) {
        factor = ki;
    }
    var value = gram[i * params.d + j] * factor;
    if (i == j) {
        value += shift[i % plane];
    }
    b[i * params.d + j] = value;
}

@compute @workgroup_size(16, 16, 1)
fn scale(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y;
    let j = gid.x;
    if (i >= params.d || j >= params.d) {
        return;
    }
    let plane = params.h * params.w;
    a[i * params.d + j] *= keep[i % plane] * keep[j % plane];
}
