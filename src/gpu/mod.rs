//! WebGPU compute (wgpu + WGSL).
