// The probe's predicted class, argmax_c (a W2 + b2)[c] (lowest index on ties, like the CPU twin),
// for the valid rows of one evaluation chunk; written at the chunk's offset.

struct PredictParams {
    rows: u32,      // rows in the chunk buffer
    classes: u32,
    offset: u32,    // index of the chunk's first sample
    count: u32,     // samples in the whole set (the last chunk is partial)
}

@group(0) @binding(0) var<uniform> params: PredictParams;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read_write> predictions: array<u32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let b = gid.x;
    if (b >= params.rows || params.offset + b >= params.count) {
        return;
    }
    let row = b * params.classes;
    var best = 0u;
    var top = logits[row] + bias[0];
    for (var c = 1u; c < params.classes; c++) {
        let value = logits[row + c] + bias[c];
        if (value > top) {
            top = value;
            best = c;
        }
    }
    predictions[params.offset + b] = best;
}
