// The mini-batch loss (1/B) sum_b ||x_b - xhat_b||^2, summed in a fixed order into its slot.

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
@group(0) @binding(1) var<storage, read> row_loss: array<f32>;
@group(0) @binding(2) var<storage, read_write> step_losses: array<f32>;

@compute @workgroup_size(1, 1, 1)
fn main() {
    var sum = 0.0;
    for (var b = 0u; b < params.batch; b++) {
        sum += row_loss[b];
    }
    step_losses[params.loss_slot] = sum * params.inv_batch;
}
