// Softmax cross-entropy of a mini-batch, forward and backward in one pass, in place.
// logits l = a W2 (+ b2 here) -> dL/dl = (softmax(l) - onehot(y)) / B, and the batch loss
// (1/B) sum_b (logsumexp(l_b) - l_b[y_b]) summed in a fixed order (bit-reproducible) into its slot.
// One workgroup does the whole batch: B x C is small (B ~ 128, C ~ 10).

struct SoftmaxParams {
    rows: u32,
    classes: u32,
    loss_slot: u32,
    _pad0: u32,
    inv_batch: f32,
    _pad1: f32,
    _pad2: f32,
    _pad3: f32,
}

@group(0) @binding(0) var<uniform> params: SoftmaxParams;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> logits: array<f32>;
@group(0) @binding(4) var<storage, read_write> step_losses: array<f32>;

const THREADS: u32 = 256u;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(local_invocation_index) li: u32) {
    var sum = 0.0;
    for (var b = li; b < params.rows; b += THREADS) {
        let row = b * params.classes;
        var top = logits[row] + bias[0];
        for (var c = 1u; c < params.classes; c++) {
            top = max(top, logits[row + c] + bias[c]);
        }
        var total = 0.0;
        for (var c = 0u; c < params.classes; c++) {
            total += exp(logits[row + c] + bias[c] - top);
        }
        let label = labels[b];
        sum += log(total) - (logits[row + label] + bias[label] - top);
        for (var c = 0u; c < params.classes; c++) {
            var p = exp(logits[row + c] + bias[c] - top) / total;
            if (c == label) {
                p -= 1.0;
            }
            logits[row + c] = p * params.inv_batch;
        }
    }
    partial[li] = sum;
    workgroupBarrier();
    for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
        if (li < stride) {
            partial[li] += partial[li + stride];
        }
        workgroupBarrier();
    }
    if (li == 0u) {
        step_losses[params.loss_slot] = partial[0] * params.inv_batch;
    }
}
