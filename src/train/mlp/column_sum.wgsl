// Bias gradients: out[j] = sum_b m[b, j] over the rows of a row-major rows x cols matrix,
// one invocation per column summing in row order (same order as the CPU twin).

struct ColumnSumParams {
    rows: u32,
    cols: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: ColumnSumParams;
@group(0) @binding(1) var<storage, read> m: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.x;
    if (j >= params.cols) {
        return;
    }
    var sum = 0.0;
    for (var b = 0u; b < params.rows; b++) {
        sum += m[b * params.cols + j];
    }
    out[j] = sum;
}
