//! The DAE's training loop, shared by the native tool and the web demo: epochs, reports,
//! cancellation, on either backend.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::dataset::Dataset;
use crate::gpu::{GpuError, GpuImages};
use crate::spectral::Preprocessing;

use super::super::backend::Backend;
use super::super::clock::{now_seconds, yield_now};
use super::super::pacer::Pacer;
use super::super::random::epoch_order;
use super::super::STEPS_PER_WAIT;
use super::checkpoints::checkpoint_slots;
use super::{CpuDae, DaeConfig, DaeWeights, GpuDae};

/// What the loop reports after each epoch (serialisable for the page).
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
    /// The weights read inside this epoch, before its end ([`checkpoints_in_epoch`] in all,
    /// the end included), in order.
    ///
    /// [`checkpoints_in_epoch`]: super::checkpoints_in_epoch
    pub checkpoints: Vec<Checkpoint>,
}

/// The weights at one point inside an epoch.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// Training time in epochs (fractional): steps taken so far / steps per epoch.
    pub epoch: f64,
    /// E and W after those steps.
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

/// The step being trained, on one backend (one per run, so its size does not matter).
#[allow(clippy::large_enum_variant)]
enum Stepper<'a> {
    Gpu(GpuDae<'a>),
    Cpu { dae: CpuDae, losses: Vec<f32> },
}

impl Stepper<'_> {
    fn begin_epoch(&mut self, order: &[u32]) {
        match self {
            Stepper::Gpu(gpu) => gpu.begin_epoch(order),
            Stepper::Cpu { dae, losses } => {
                dae.begin_epoch(order);
                losses.clear();
            }
        }
    }

    /// Step number `slot` of the epoch (global step `step`); waits for the GPU, or lets the
    /// event loop run, when `pacer` says so (every few steps, adapted to their measured time).
    async fn step(
        &mut self,
        data: &Dataset,
        offset: usize,
        step: u32,
        slot: usize,
        pacer: &mut Pacer,
    ) -> Result<(), GpuError> {
        let pause = pacer.step();
        match self {
            Stepper::Gpu(gpu) => {
                gpu.step(data, offset, step, slot)?;
                if pause {
                    gpu.wait().await?;
                    pacer.waited();
                }
            }
            Stepper::Cpu { dae, losses } => {
                losses.push(dae.step(data, offset, step));
                if pause {
                    yield_now().await;
                    pacer.waited();
                }
            }
        }
        Ok(())
    }

    /// The batch losses of the epoch's `steps` steps.
    async fn epoch_losses(&self, steps: usize) -> Result<Vec<f32>, GpuError> {
        match self {
            Stepper::Gpu(gpu) => gpu.losses(steps).await,
            Stepper::Cpu { losses, .. } => Ok(losses.clone()),
        }
    }

    async fn weights(&self) -> Result<DaeWeights, GpuError> {
        match self {
            Stepper::Gpu(gpu) => gpu.weights().await,
            Stepper::Cpu { dae, .. } => Ok(dae.weights().clone()),
        }
    }
}

/// Where a run picks up after an interruption (a lost GPU device): the weights at the end of the
/// last completed epoch, kept on the host by its report, and how many epochs were completed.
/// The optimiser's moments start again from zero.
#[derive(Clone, Debug, PartialEq)]
pub struct Resume {
    /// E and W after epoch `epochs_done`.
    pub weights: DaeWeights,
    /// Epochs completed before the interruption.
    pub epochs_done: usize,
}

impl Resume {
    /// Resumes after `report`'s epoch.
    pub fn after(report: &EpochReport) -> Self {
        Resume {
            weights: report.weights.clone(),
            epochs_done: report.epoch,
        }
    }
}

/// Trains the linear DAE by mini-batch gradient descent; `on_epoch` returning false, or `cancel`, stops it.
pub async fn train_dae(
    backend: Backend<'_>,
    data: &Dataset,
    preprocessing: &Preprocessing,
    config: &DaeConfig,
    cancel: &AtomicBool,
    on_epoch: impl FnMut(&EpochReport) -> bool,
) -> Result<DaeRun, GpuError> {
    train_dae_from(backend, data, preprocessing, config, None, cancel, on_epoch).await
}

/// [`train_dae`] from `resume` (epochs `resume.epochs_done + 1 ..= config.epochs`, with the same
/// visiting orders and noise as an uninterrupted run), or from the start when `None`.
pub async fn train_dae_from(
    backend: Backend<'_>,
    data: &Dataset,
    preprocessing: &Preprocessing,
    config: &DaeConfig,
    resume: Option<&Resume>,
    cancel: &AtomicBool,
    mut on_epoch: impl FnMut(&EpochReport) -> bool,
) -> Result<DaeRun, GpuError> {
    let first_epoch = resume.map_or(0, |r| r.epochs_done.min(config.epochs));
    let weights = match resume {
        Some(r) => r.weights.clone(),
        None => DaeWeights::initial(data.d(), config.k, config.seed, config.init_scale),
    };
    let steps_per_epoch = data.n / config.batch.max(1);
    let images;
    let mut stepper = match backend {
        Backend::Gpu(ctx) => {
            images = GpuImages::upload(ctx, data, None)?;
            Stepper::Gpu(GpuDae::new(
                ctx,
                &images,
                preprocessing,
                config,
                &weights,
                steps_per_epoch,
            )?)
        }
        Backend::Cpu => Stepper::Cpu {
            dae: CpuDae::new((data.c, data.h, data.w), preprocessing, config, &weights),
            losses: Vec::with_capacity(steps_per_epoch),
        },
    };
    let mut reports = Vec::new();
    let mut cancelled = false;
    let mut step = (first_epoch * steps_per_epoch) as u32;
    let mut pacer = Pacer::new(STEPS_PER_WAIT);
    'epochs: for epoch in first_epoch..config.epochs {
        let started = now_seconds();
        stepper.begin_epoch(&epoch_order(data.n, config.seed, epoch as u32));
        let slots = checkpoint_slots(epoch, steps_per_epoch);
        let mut checkpoints = Vec::with_capacity(slots.len());
        for slot in 0..steps_per_epoch {
            if cancel.load(Ordering::Relaxed) {
                cancelled = true;
                break 'epochs;
            }
            stepper
                .step(data, slot * config.batch, step, slot, &mut pacer)
                .await?;
            step += 1;
            if slots.contains(&slot) {
                checkpoints.push(Checkpoint {
                    epoch: epoch as f64 + (slot + 1) as f64 / steps_per_epoch as f64,
                    weights: stepper.weights().await?,
                });
            }
        }
        let losses = stepper.epoch_losses(steps_per_epoch).await?;
        let weights = stepper.weights().await?;
        let seconds = (now_seconds() - started).max(1e-9);
        let report = EpochReport {
            epoch: epoch + 1,
            steps: steps_per_epoch,
            train_loss: losses.iter().sum::<f32>() / losses.len().max(1) as f32,
            samples_per_second: (steps_per_epoch * config.batch) as f64 / seconds,
            weights,
            checkpoints,
        };
        let go_on = on_epoch(&report);
        reports.push(report);
        if !go_on {
            cancelled = true;
            break;
        }
    }
    Ok(DaeRun {
        weights: stepper.weights().await?,
        reports,
        cancelled,
    })
}
