// Parameter updates from a gradient g.
// sgd_momentum: v = momentum v + g;  theta -= lr v
// adam:         m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
//               theta -= lr (m bias1) / (sqrt(v bias2) + eps), bias_i = 1 / (1 - b_i^t)

struct OptimiserParams {
    len: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
    lr: f32,
    beta1: f32,  // momentum for SGD
    beta2: f32,
    eps: f32,
    bias1: f32,
    bias2: f32,
    _pad3: f32,
    _pad4: f32,
}

@group(0) @binding(0) var<uniform> params: OptimiserParams;
@group(0) @binding(1) var<storage, read_write> theta: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> first_moment: array<f32>;
@group(0) @binding(4) var<storage, read_write> second_moment: array<f32>;

@compute @workgroup_size(256, 1, 1)
fn sgd_momentum(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.len) {
        return;
    }
    let v = params.beta1 * first_moment[i] + grad[i];
    first_moment[i] = v;
    theta[i] = theta[i] - params.lr * v;
}

@compute @workgroup_size(256, 1, 1)
fn adam(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.len) {
        return;
    }
    let g = grad[i];
    let m = params.beta1 * first_moment[i] + (1.0 - params.beta1) * g;
    let v = params.beta2 * second_moment[i] + (1.0 - params.beta2) * g * g;
    first_moment[i] = m;
    second_moment[i] = v;
    theta[i] = theta[i] - params.lr * (m * params.bias1) / (sqrt(v * params.bias2) + params.eps);
}
