// The probe's hidden layer, in place: a = relu(z + b1) for a rows x cols block z = X W1.

struct HiddenParams {
    rows: u32,
    cols: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: HiddenParams;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> hidden: array<f32>;

@compute @workgroup_size(64, 4, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.x;
    let b = gid.y;
    if (j >= params.cols || b >= params.rows) {
        return;
    }
    let at = b * params.cols + j;
    hidden[at] = max(hidden[at] + bias[j], 0.0);
}
