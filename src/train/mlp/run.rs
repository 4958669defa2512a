//! The MLP probe's training loop, on either backend, and its report.

use crate::gpu::GpuError;

use super::super::backend::Backend;
use super::super::clock::now_seconds;
use super::super::pacer::Pacer;
use super::super::random::epoch_order;
use super::super::STEPS_PER_WAIT;
use super::early_stopping::{BestEpoch, EarlyStopping};
use super::ProbeData;
use super::{accuracy, check_data, CpuMlp, GpuMlp, MlpConfig, MlpDims, MlpParams, MlpReport};

/// The probe being trained, on one backend (one per run, so its size does not matter).
#[allow(clippy::large_enum_variant)]
enum Stepper<'a> {
    Gpu(GpuMlp<'a>),
    Cpu(CpuMlp<'a>),
}

impl Stepper<'_> {
    /// One epoch in the visiting `order`, from global step `step`; the batch losses. On the GPU,
    /// waits when `pacer` says so (every few steps, adapted to their measured time), as the DAE.
    async fn epoch(
        &mut self,
        order: &[u32],
        steps: usize,
        batch: usize,
        step: u32,
        pacer: &mut Pacer,
    ) -> Result<Vec<f32>, GpuError> {
        match self {
            Stepper::Gpu(gpu) => {
                gpu.begin_epoch(order);
                for slot in 0..steps {
                    gpu.step(slot * batch, step + slot as u32, slot)?;
                    if pacer.step() {
                        gpu.wait().await?;
                        pacer.waited();
                    }
                }
                gpu.losses(steps).await
            }
            Stepper::Cpu(cpu) => {
                cpu.begin_epoch(order);
                Ok((0..steps)
                    .map(|slot| cpu.step(slot * batch, step + slot as u32))
                    .collect())
            }
        }
    }

    /// Predicted classes of `data` under the current weights.
    async fn predict(&self, data: ProbeData<'_>) -> Result<Vec<u32>, GpuError> {
        match self {
            Stepper::Gpu(gpu) => gpu.predict(data).await,
            Stepper::Cpu(cpu) => Ok(cpu.predict(data)),
        }
    }

    async fn params(&self) -> Result<MlpParams, GpuError> {
        match self {
            Stepper::Gpu(gpu) => gpu.params().await,
            Stepper::Cpu(cpu) => Ok(cpu.params().clone()),
        }
    }

    fn set_params(&mut self, params: &MlpParams) {
        match self {
            Stepper::Gpu(gpu) => gpu.set_params(params),
            Stepper::Cpu(cpu) => cpu.set_params(params),
        }
    }
}

/// Trains the MLP probe on `train` for `config.epochs` epochs and reports its accuracy there and
/// on `test`.
pub async fn train_mlp_probe(
    backend: Backend<'_>,
    train: ProbeData<'_>,
    test: ProbeData<'_>,
    dims: MlpDims,
    config: &MlpConfig,
) -> Result<MlpReport, GpuError> {
    run(backend, train, None, test, dims, config).await
}

/// Trains the MLP probe on `train` until its accuracy on `stopping.validation` has not risen for
/// `stopping.patience` epochs, or for `config.epochs` epochs at most, and reports the weights of
/// the best validation epoch (the first, on ties) with their accuracy on `train` and `test`.
pub async fn train_mlp_probe_early_stopping(
    backend: Backend<'_>,
    train: ProbeData<'_>,
    stopping: EarlyStopping<'_>,
    test: ProbeData<'_>,
    dims: MlpDims,
    config: &MlpConfig,
) -> Result<MlpReport, GpuError> {
    run(backend, train, Some(stopping), test, dims, config).await
}

async fn run(
    backend: Backend<'_>,
    train: ProbeData<'_>,
    stopping: Option<EarlyStopping<'_>>,
    test: ProbeData<'_>,
    dims: MlpDims,
    config: &MlpConfig,
) -> Result<MlpReport, GpuError> {
    for set in [&train, &test] {
        check_data(set, dims);
    }
    if let Some(s) = &stopping {
        check_data(&s.validation, dims);
    }
    let start = MlpParams::initial(dims, config.seed);
    let steps_per_epoch = train.len() / config.batch.max(1);
    let mut stepper = match backend {
        Backend::Gpu(ctx) => {
            Stepper::Gpu(GpuMlp::new(ctx, train, config, &start, steps_per_epoch)?)
        }
        Backend::Cpu => Stepper::Cpu(CpuMlp::new(train, config, &start)),
    };
    let mut losses = Vec::with_capacity(config.epochs);
    let mut pacer = Pacer::new(STEPS_PER_WAIT);
    let mut step = 0u32;
    let mut training_seconds = 0.0;
    let mut validation_acc = Vec::new();
    let mut best = BestEpoch::default();
    let mut best_params = None;
    for epoch in 0..config.epochs {
        let order = epoch_order(train.len(), config.seed, epoch as u32);
        let started = now_seconds();
        let epoch_losses = stepper
            .epoch(&order, steps_per_epoch, config.batch, step, &mut pacer)
            .await?;
        step += steps_per_epoch as u32;
        training_seconds += now_seconds() - started;
        losses.push(epoch_losses.iter().sum::<f32>() / epoch_losses.len().max(1) as f32);
        if let Some(s) = &stopping {
            let acc = accuracy(&stepper.predict(s.validation).await?, s.validation.y);
            validation_acc.push(acc);
            if best.record(epoch + 1, acc) {
                best_params = Some(stepper.params().await?);
            } else if best.exhausted(epoch + 1, s.patience) {
                break;
            }
        }
    }
    let epochs = match (best.best(), &best_params) {
        (Some((epoch, _)), Some(params)) => {
            stepper.set_params(params);
            epoch
        }
        _ => losses.len(),
    };
    let train_pred = stepper.predict(train).await?;
    let test_pred = stepper.predict(test).await?;
    Ok(MlpReport {
        train_acc: accuracy(&train_pred, train.y),
        test_acc: accuracy(&test_pred, test.y),
        losses,
        epochs,
        validation_acc,
        samples_per_second: (step as usize * config.batch) as f64 / training_seconds.max(1e-9),
        params: match best_params {
            Some(params) => params,
            None => stepper.params().await?,
        },
    })
}
