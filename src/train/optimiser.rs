//! The update rule of every trained model (the DAE and the MLP probe): its settings, its
//! constants at step t, the CPU update, and the GPU update of `optimiser.wgsl` beside this file.
//!
//! heavy-ball SGD: v = momentum v + g;  theta -= lr v
//! Adam:           m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//!                 theta -= lr (m bias1) / (sqrt(v bias2) + eps),  bias_i = 1 / (1 - b_i^t)

use crate::gpu::{groups, Dispatch, GpuContext, GpuMatrix, Kernel};

/// The update rule applied to every trained tensor.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Optimiser {
    /// Heavy-ball SGD: v = momentum v + g, theta -= lr v.
    SgdMomentum {
        /// Momentum coefficient (0 gives plain SGD).
        momentum: f32,
    },
    /// Adam (Kingma & Ba) with bias correction.
    Adam {
        /// First-moment decay.
        beta1: f32,
        /// Second-moment decay.
        beta2: f32,
        /// Denominator guard.
        eps: f32,
    },
}

impl Optimiser {
    /// Adam with the usual constants (0.9, 0.999, 1e-8).
    pub fn adam() -> Self {
        Optimiser::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }

    /// Update number `t` (1-based) of a tensor of `len` values: Adam's bias corrections at t.
    pub(crate) fn params_at(self, lr: f32, len: usize, t: u32) -> OptimiserParams {
        let (beta1, beta2, eps, bias1, bias2) = match self {
            Optimiser::SgdMomentum { momentum } => (momentum, 0.0, 0.0, 1.0, 1.0),
            Optimiser::Adam { beta1, beta2, eps } => (
                beta1,
                beta2,
                eps,
                1.0 / (1.0 - beta1.powi(t as i32)),
                1.0 / (1.0 - beta2.powi(t as i32)),
            ),
        };
        OptimiserParams {
            len: len as u32,
            _pad: [0; 3],
            lr,
            beta1,
            beta2,
            eps,
            bias1,
            bias2,
            _pad2: [0.0; 2],
        }
    }

    /// The CPU update of `theta` by `grad` as update number `t` (1-based), with the first and
    /// second moments `m` and `v` (v is unused by SGD); the same arithmetic as the shader.
    pub(crate) fn update(
        self,
        lr: f32,
        t: u32,
        theta: &mut [f32],
        grad: &[f32],
        m: &mut [f32],
        v: &mut [f32],
    ) {
        let p = self.params_at(lr, theta.len(), t);
        for i in 0..theta.len() {
            let g = grad[i];
            match self {
                Optimiser::SgdMomentum { .. } => {
                    m[i] = p.beta1 * m[i] + g;
                    theta[i] -= p.lr * m[i];
                }
                Optimiser::Adam { .. } => {
                    m[i] = p.beta1 * m[i] + (1.0 - p.beta1) * g;
                    v[i] = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
                    theta[i] -= p.lr * (m[i] * p.bias1) / ((v[i] * p.bias2).sqrt() + p.eps);
                }
            }
        }
    }
}

/// Constants of `optimiser.wgsl` (mirrors its `OptimiserParams`).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct OptimiserParams {
    len: u32,
    _pad: [u32; 3],
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    bias1: f32,
    bias2: f32,
    _pad2: [f32; 2],
}

/// One trained tensor on the device: its values, its gradient and its two moments.
pub(crate) struct Trained<'m> {
    /// The values theta.
    pub theta: &'m GpuMatrix,
    /// The gradient, written by the step before the update.
    pub grad: &'m GpuMatrix,
    /// First moment (SGD's velocity).
    pub first: &'m GpuMatrix,
    /// Second moment (Adam only).
    pub second: &'m GpuMatrix,
}

/// The GPU update of a model's tensors: one uniform and one dispatch per tensor.
pub(crate) struct GpuUpdate {
    optimiser: Optimiser,
    uniforms: Vec<(wgpu::Buffer, usize)>,
}

impl GpuUpdate {
    /// The update of `tensors` and its dispatches (record them after the gradients).
    pub(crate) fn new(
        ctx: &GpuContext,
        optimiser: Optimiser,
        lr: f32,
        tensors: &[Trained<'_>],
    ) -> (Self, Vec<Dispatch>) {
        let mut uniforms = Vec::with_capacity(tensors.len());
        let mut dispatches = Vec::with_capacity(tensors.len());
        for t in tensors {
            let len = t.theta.rows() * t.theta.cols();
            let uniform = ctx.uniform("optimiser", &optimiser.params_at(lr, len, 1));
            let grid = [groups(len, 256), 1, 1];
            dispatches.push(match optimiser {
                Optimiser::SgdMomentum { .. } => Dispatch::new(
                    ctx,
                    Kernel::SgdMomentum,
                    &[
                        &uniform,
                        t.theta.buffer(),
                        t.grad.buffer(),
                        t.first.buffer(),
                    ],
                    grid,
                ),
                Optimiser::Adam { .. } => Dispatch::new(
                    ctx,
                    Kernel::Adam,
                    &[
                        &uniform,
                        t.theta.buffer(),
                        t.grad.buffer(),
                        t.first.buffer(),
                        t.second.buffer(),
                    ],
                    grid,
                ),
            });
            uniforms.push((uniform, len));
        }
        (
            Self {
                optimiser,
                uniforms,
            },
            dispatches,
        )
    }

    /// Writes the constants of update number `t` (1-based) at learning rate `lr`; takes effect
    /// at the next submission.
    pub(crate) fn prepare(&self, ctx: &GpuContext, lr: f32, t: u32) {
        for (uniform, len) in &self.uniforms {
            let params = self.optimiser.params_at(lr, *len, t);
            ctx.queue
                .write_buffer(uniform, 0, bytemuck::bytes_of(&params));
        }
    }
}
