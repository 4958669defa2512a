//! The training driver shared by the native tool and the web demo: epochs, reports, cancellation.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::dataset::Dataset;

use super::clock::{now_seconds, yield_now};
use super::context::{GpuContext, GpuError};
use super::dae::{CpuDae, DaeConfig, DaeWeights, GpuDae};
use super::images::{GpuImages, Standardisation};
use super::noise::epoch_order;

/// Where the DAE trains: on a GPU device, or on the CPU twin (the fallback).
#[derive(Clone, Copy, Debug)]
pub enum DaeBackend<'a> {
    /// WebGPU compute on this device.
    Gpu(&'a GpuContext),
    /// The f32 CPU implementation of the same step.
    Cpu,
}

/// What the driver reports after each epoch (serialisable for the page).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochReport {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Steps taken in this epoch.
    pub steps: usize,
    /// Mean over the epoch's steps of the batch loss (1/B) sum_b ||x_b - W E x~_b||^2.
    pub train_loss: f32,
    /// Training samples processed per second during this epoch.
    pub samples_per_second: f64,
    /// Current encoder E (K x D) and decoder W (D x K).
    pub weights: DaeWeights,
}

/// The outcome of [`train_dae`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DaeRun {
    /// Final E and W.
    pub weights: DaeWeights,
    /// One report per finished epoch.
    pub reports: Vec<EpochReport>,
    /// True when stopped early by the flag or the callback.
    pub cancelled: bool,
}

/// Steps queued on the GPU between waits (bounds queue depth and cancellation latency).
const STEPS_PER_WAIT: usize = 16;

/// Trains the linear DAE by mini-batch gradient descent; `on_epoch` returning false, or `cancel`, stops it.
pub async fn train_dae(
    backend: DaeBackend<'_>,
    data: &Dataset,
    standardisation: &Standardisation,
    config: &DaeConfig,
    cancel: &AtomicBool,
    mut on_epoch: impl FnMut(&EpochReport) -> bool,
) -> Result<DaeRun, GpuError> {
    let weights = DaeWeights::initial(data.d(), config.k, config.seed, config.init_scale);
    let steps_per_epoch = data.n / config.batch_size.max(1);
    let shape = (data.c, data.h, data.w);
    let mut reports = Vec::new();
    let mut cancelled = false;
    let mut step = 0u32;
    let images;
    let mut gpu = None;
    let mut cpu = None;
    match backend {
        DaeBackend::Gpu(ctx) => {
            images = GpuImages::upload(ctx, data, None)?;
            gpu = Some(GpuDae::new(
                ctx,
                &images,
                standardisation,
                config,
                &weights,
                steps_per_epoch,
            )?);
        }
        DaeBackend::Cpu => cpu = Some(CpuDae::new(shape, standardisation, config, &weights)),
    }
    'epochs: for epoch in 0..config.epochs {
        let order = epoch_order(data.n, config.seed, epoch as u32);
        let started = now_seconds();
        let mut cpu_losses = Vec::with_capacity(steps_per_epoch);
        if let Some(gpu) = gpu.as_mut() {
            gpu.begin_epoch(&order);
        }
        if let Some(cpu) = cpu.as_mut() {
            cpu.begin_epoch(&order);
        }
        for slot in 0..steps_per_epoch {
            if cancel.load(Ordering::Relaxed) {
                cancelled = true;
                break 'epochs;
            }
            let offset = slot * config.batch_size;
            if let Some(gpu) = gpu.as_mut() {
                gpu.step(data, offset, step, slot)?;
                if (slot + 1) % STEPS_PER_WAIT == 0 {
                    gpu.wait().await?;
                }
            }
            if let Some(cpu) = cpu.as_mut() {
                cpu_losses.push(cpu.step(data, offset, step));
                if (slot + 1) % STEPS_PER_WAIT == 0 {
                    yield_now().await;
                }
            }
            step += 1;
        }
        let (losses, weights) = match (&gpu, &cpu) {
            (Some(gpu), _) => (gpu.losses(steps_per_epoch).await?, gpu.weights().await?),
            (_, Some(cpu)) => (cpu_losses, cpu.weights().clone()),
            _ => unreachable!("one backend is always set"),
        };
        let seconds = (now_seconds() - started).max(1e-9);
        let report = EpochReport {
            epoch: epoch + 1,
            steps: steps_per_epoch,
            train_loss: losses.iter().sum::<f32>() / losses.len().max(1) as f32,
            samples_per_second: (steps_per_epoch * config.batch_size) as f64 / seconds,
            weights,
        };
        let go_on = on_epoch(&report);
        reports.push(report);
        if !go_on {
            cancelled = true;
            break;
        }
    }
    let weights = match (&gpu, &cpu) {
        (Some(gpu), _) => gpu.weights().await?,
        (_, Some(cpu)) => cpu.weights().clone(),
        _ => unreachable!("one backend is always set"),
    };
    Ok(DaeRun {
        weights,
        reports,
        cancelled,
    })
}
