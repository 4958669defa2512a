//! A recorded compute dispatch (kernel, bind group, grid) and the helpers that record them.

use super::context::GpuContext;
use super::error::GpuError;
use super::kernels::Kernel;

/// A recorded compute dispatch: pipeline, its bind group and the grid.
#[derive(Clone, Debug)]
pub(crate) struct Dispatch {
    pub pipeline: wgpu::ComputePipeline,
    pub bind_group: wgpu::BindGroup,
    pub workgroups: [u32; 3],
}

impl Dispatch {
    /// Binds every buffer in order (binding i = buffers[i]) against the pipeline's group 0.
    pub fn new(
        ctx: &GpuContext,
        kernel: Kernel,
        buffers: &[&wgpu::Buffer],
        workgroups: [u32; 3],
    ) -> Self {
        let numbered: Vec<(u32, &wgpu::Buffer)> = (0u32..).zip(buffers.iter().copied()).collect();
        Self::with_bindings(ctx, kernel, &numbered, workgroups)
    }

    /// Binds each `(binding, buffer)` pair against the pipeline's group 0 (for WGSL modules
    /// whose entry points use different bindings).
    pub fn with_bindings(
        ctx: &GpuContext,
        kernel: Kernel,
        bindings: &[(u32, &wgpu::Buffer)],
        workgroups: [u32; 3],
    ) -> Self {
        let pipeline = ctx.pipeline(kernel);
        let layout = pipeline.get_bind_group_layout(0);
        let entries: Vec<wgpu::BindGroupEntry<'_>> = bindings
            .iter()
            .map(|&(binding, buffer)| wgpu::BindGroupEntry {
                binding,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        let bind_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &layout,
            entries: &entries,
        });
        Self {
            pipeline,
            bind_group,
            workgroups,
        }
    }

    /// Records the dispatch into a compute pass.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        let [x, y, z] = self.workgroups;
        if x > 0 && y > 0 && z > 0 {
            pass.dispatch_workgroups(x, y, z);
        }
    }
}

/// Records dispatches, in order, into one compute pass of `encoder`.
fn record_all(encoder: &mut wgpu::CommandEncoder, dispatches: &[Dispatch]) {
    let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
        label: None,
        timestamp_writes: None,
    });
    for dispatch in dispatches {
        dispatch.record(&mut pass);
    }
}

/// Most workgroups a dispatch may have in one dimension (WebGPU's default
/// maxComputeWorkgroupsPerDimension, which every adapter offers).
pub(crate) const MAX_WORKGROUPS_PER_DIMENSION: u32 = 65_535;

/// A grid of `count` workgroups (one per item) that stays within
/// [`MAX_WORKGROUPS_PER_DIMENSION`]: `[x, y, 1]` with `x * y >= count`. The kernel numbers its
/// workgroup `wg.x + wg.y * num_workgroups.x` and skips numbers from `count` on.
pub(crate) fn folded_grid(count: usize) -> [u32; 3] {
    let max = MAX_WORKGROUPS_PER_DIMENSION as usize;
    if count <= max {
        return [count as u32, 1, 1];
    }
    [max as u32, count.div_ceil(max) as u32, 1]
}

/// Workgroups needed to cover `n` items with groups of `size`.
pub(crate) fn groups(n: usize, size: usize) -> u32 {
    n.div_ceil(size) as u32
}

/// Records `dispatches` into one submission and queues it, without waiting.
pub(crate) fn submit(ctx: &GpuContext, label: &str, dispatches: &[Dispatch]) {
    let mut encoder = ctx.encoder(label);
    record_all(&mut encoder, dispatches);
    ctx.queue.submit([encoder.finish()]);
}

/// Records `dispatches` into one submission, submits it and waits for the GPU to finish it.
pub(crate) async fn run(
    ctx: &GpuContext,
    label: &str,
    dispatches: &[Dispatch],
) -> Result<(), GpuError> {
    let mut encoder = ctx.encoder(label);
    record_all(&mut encoder, dispatches);
    ctx.submit_and_wait(encoder).await
}

/// Runs `submissions` in order, one submission each, keeping at most two queued: the next is
/// recorded and submitted before waiting for the previous one, so the GPU does not idle during
/// a wait, while each submission stays as small as its caller cut it.
pub(crate) async fn run_pipelined(
    ctx: &GpuContext,
    label: &str,
    submissions: impl IntoIterator<Item = Vec<Dispatch>>,
) -> Result<(), GpuError> {
    let mut in_flight = None;
    for dispatches in submissions {
        ctx.check()?;
        let mut encoder = ctx.encoder(label);
        record_all(&mut encoder, &dispatches);
        if let Some(previous) = in_flight.replace(ctx.submit_tracked(encoder)) {
            ctx.wait_for(previous).await?;
        }
    }
    match in_flight {
        Some(last) => ctx.wait_for(last).await,
        None => Ok(()),
    }
}
