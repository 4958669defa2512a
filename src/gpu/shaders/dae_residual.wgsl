// Residual of the DAE reconstruction, in place: r = xhat - x, and each row's ||r||^2.

struct StepParams {
    batch: u32,
    d: u32,
    h: u32,
    w: u32,
    patch_side: u32,
    mode: u32,
    step: u32,
    batch_offset: u32,
    gathered: u32,
    seed_lo: u32,
    seed_hi: u32,
    loss_slot: u32,
    inv_scale: f32,
    drop_p: f32,
    noise_std: f32,
    inv_batch: f32,
}

@group(0) @binding(0) var<uniform> params: StepParams;
@group(0) @binding(1) var<storage, read> clean: array<f32>;
@group(0) @binding(2) var<storage, read_write> residual: array<f32>;
@group(0) @binding(3) var<storage, read_write> row_loss: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let b = wg.x;
    var sum = 0.0;
    for (var j = li; j < params.d; j += 256u) {
        let at = b * params.d + j;
        let r = residual[at] - clean[at];
        residual[at] = r;
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
