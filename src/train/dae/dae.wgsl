// One step of the linear denoising autoencoder, three entry points sharing one parameter block:
//   corrupt:    clean x (centred, scaled) and its corruption x~ for each sample of the batch;
//   residual:   r = xhat - x in place, and each row's ||r||^2;
//   batch_loss: the mini-batch loss (1/B) sum_b ||x_b - xhat_b||^2, in a fixed order, into its slot.
// Noise is drawn from Philox4x32-10 keyed by (seed) with counter (step, sample, site, stream),
// so every run with the same seed sees the same noise, on any device and on the CPU twin
// (src/train/random.rs). The noise of each pixel of a channel plane comes from the CPU
// (src/train/dae/corruption.rs): the drop threshold of a mask or drop map (mode 2), the std of
// Gaussian noise or a Gaussian map (mode 1). Every buffer has its own binding number across the
// entry points.
//
// What any conforming GPU computes exactly like the CPU twin: the random words (integer
// arithmetic), every keep-or-drop decision (an integer comparison of a word's top 24 bits with
// the threshold), and the clean pixel (f32(byte) - mean255) * per_byte, one correctly rounded
// subtraction and one correctly rounded multiplication. The Gaussian draws go through log, sqrt
// and cos, which WGSL lets a GPU round loosely: they agree with the CPU to that accuracy only.

struct StepParams {
    batch: u32,
    d: u32,
    h: u32,
    w: u32,
    patch_side: u32,
    mode: u32,          // 0 none, 1 additive Gaussian, 2 dropping (mask, drop map)
    step: u32,          // global training step
    batch_offset: u32,  // first entry of this batch in the epoch order
    gathered: u32,      // 1: pixels hold just this batch, row b; 0: all images, row order[..]
    seed_lo: u32,
    seed_hi: u32,
    loss_slot: u32,
    per_byte: f32,      // 1 / (255 scale): a byte difference to preprocessed units
    _pad0: u32,
    _pad1: u32,
    inv_batch: f32,
}

@group(0) @binding(0) var<uniform> params: StepParams;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read> mean255: array<f32>;     // 255 x the per-pixel mean
@group(0) @binding(4) var<storage, read_write> clean: array<f32>;
@group(0) @binding(5) var<storage, read_write> noisy: array<f32>;
@group(0) @binding(6) var<storage, read_write> residual_rows: array<f32>;
@group(0) @binding(7) var<storage, read_write> row_loss: array<f32>;
@group(0) @binding(8) var<storage, read_write> step_losses: array<f32>;
@group(0) @binding(9) var<storage, read> pixel_std: array<f32>;   // per plane pixel, mode 1
@group(0) @binding(10) var<storage, read> drop_below: array<u32>; // per plane pixel, mode 2

// 32 x 32 -> 64-bit product as (hi, lo) without 64-bit integers.
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
    let a_lo = a & 0xffffu;
    let a_hi = a >> 16u;
    let b_lo = b & 0xffffu;
    let b_hi = b >> 16u;
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let cross = (lo_lo >> 16u) + (hi_lo & 0xffffu) + lo_hi;
    let hi = a_hi * b_hi + (hi_lo >> 16u) + (cross >> 16u);
    return vec2<u32>(hi, a * b);
}

fn philox4x32(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
    var c = counter;
    var k = key;
    for (var round = 0u; round < 10u; round++) {
        let p0 = mulhilo(0xD2511F53u, c.x);
        let p1 = mulhilo(0xCD9E8D57u, c.z);
        c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
        k = k + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
    }
    return c;
}

fn unit_interval(word: u32) -> f32 {
    return f32(word >> 8u) * (1.0 / 16777216.0);
}

fn patch_of(pixel: u32) -> u32 {
    let spatial = pixel % (params.h * params.w);
    let y = spatial / params.w;
    let x = spatial % params.w;
    let across = (params.w + params.patch_side - 1u) / params.patch_side;
    return (y / params.patch_side) * across + x / params.patch_side;
}

@compute @workgroup_size(64, 4, 1)
fn corrupt(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.x;
    let b = gid.y;
    if (j >= params.d || b >= params.batch) {
        return;
    }
    let sample = order[params.batch_offset + b];
    var row = sample;
    if (params.gathered != 0u) {
        row = b;
    }
    let at = row * params.d + j;
    let byte = (pixels[at >> 2u] >> ((at & 3u) * 8u)) & 0xffu;
    let x = (f32(byte) - mean255[j]) * params.per_byte;
    let key = vec2<u32>(params.seed_lo, params.seed_hi);
    let plane_pixel = j % (params.h * params.w);
    var x_noisy = x;
    if (params.mode == 1u) {
        let r = philox4x32(vec4<u32>(params.step, sample, j, 1u), key);
        let u1 = f32((r.x >> 8u) + 1u) * (1.0 / 16777216.0);
        let u2 = unit_interval(r.y);
        // Box-Muller, cos(2 pi u2) written as -cos(pi (2 u2 - 1)): WGSL bounds the error of cos
        // on [-pi, pi] only, and 2 u2 - 1 is exact. The max() keeps a log rounded above 0 (for
        // u1 next to 1) from giving a NaN.
        let radius = sqrt(max(-2.0 * log(u1), 0.0));
        let normal = -radius * cos(3.141592653589793 * (2.0 * u2 - 1.0));
        x_noisy = x + pixel_std[plane_pixel] * normal;
    } else if (params.mode == 2u) {
        let r = philox4x32(vec4<u32>(params.step, sample, patch_of(j), 2u), key);
        if ((r.x >> 8u) < drop_below[plane_pixel]) {
            x_noisy = 0.0;
        }
    }
    clean[b * params.d + j] = x;
    noisy[b * params.d + j] = x_noisy;
}

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256, 1, 1)
// One workgroup per batch row, numbered across a folded grid (a batch may exceed 65,535 rows).
fn residual(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    let b = wg.x + wg.y * nwg.x;
    if (b >= params.batch) {
        return;
    }
    var sum = 0.0;
    for (var j = li; j < params.d; j += 256u) {
        let at = b * params.d + j;
        let r = residual_rows[at] - clean[at];
        residual_rows[at] = r;
        sum += r * r;
    }
    partial[li] = sum;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride /= 2u) {
        if (li < stride) {
            partial[li] += partial[li + stride];
        }
        workgroupBarrier();
    }
    if (li == 0u) {
        row_loss[b] = partial[0];
    }
}

@compute @workgroup_size(1, 1, 1)
fn batch_loss() {
    var sum = 0.0;
    for (var b = 0u; b < params.batch; b++) {
        sum += row_loss[b];
    }
    step_losses[params.loss_slot] = sum * params.inv_batch;
}
