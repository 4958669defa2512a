//! The training entry point of the worker: a DAE run on WebGPU that continues on the CPU from its
//! last completed epoch when the device is lost or reports an error, each epoch summarised for
//! the page (the epochs already plotted stay).

use wasm_bindgen::prelude::*;

use crate::dataset::Dataset;
use crate::gpu::GpuError;
use crate::live::Monitor;
use crate::train::{train_dae_from, Backend, DaeConfig, DaeRun, Resume, TrainSettings};

use super::cancel::CancelToken;
use super::device::{forget_gpu, gpu_context};
use super::{from_js, js_err, to_js};

/// Why a training run stopped early: the GPU (worth a CPU retry) or anything else.
enum RunError {
    Gpu(GpuError),
    Other(JsError),
}

impl From<RunError> for JsError {
    fn from(e: RunError) -> JsError {
        match e {
            RunError::Gpu(e) => js_err(e),
            RunError::Other(e) => e,
        }
    }
}

/// What a finished run resolves to.
#[derive(serde::Serialize)]
struct Done {
    cancelled: bool,
    backend: &'static str,
    epochs: usize,
}

/// Trains the DAE on the training part of `data` with the page's `settings`; see `Lab::train`.
pub(super) async fn train(
    data: &Dataset,
    settings: JsValue,
    id: u32,
    use_gpu: bool,
    on_epoch: &js_sys::Function,
    on_notice: &js_sys::Function,
) -> Result<JsValue, JsError> {
    let token = CancelToken::new(id);
    let cancel = token.flag();
    let settings: TrainSettings = from_js(settings)?;
    let (_, config) = settings
        .resolve(Monitor::training_size(data.n), data.d())
        .map_err(js_err)?;
    let monitor = Monitor::new(data, &config).map_err(js_err)?;
    let ctx = if use_gpu { gpu_context().await } else { None };
    let mut last = None;
    let (data, monitor, config) = (data, &monitor, &config);
    let (run, backend, epochs_before) = match ctx {
        Some(ctx) => {
            let gpu = Backend::Gpu(&ctx);
            let first = run_epochs(
                gpu, data, monitor, config, None, cancel, on_epoch, &mut last,
            );
            match first.await {
                Err(RunError::Gpu(e)) => {
                    // Lost device or uncaptured error: the epochs done stay, the CPU goes on.
                    forget_gpu();
                    let resume = last.clone();
                    let done = resume.as_ref().map_or(0, |r| r.epochs_done);
                    let text = format!(
                        "WebGPU failed during training ({e}): continuing on the CPU from epoch {}.",
                        done + 1
                    );
                    let _ = on_notice.call1(&JsValue::NULL, &JsValue::from_str(&text));
                    let cpu = Backend::Cpu;
                    let rest = run_epochs(
                        cpu,
                        data,
                        monitor,
                        config,
                        resume.as_ref(),
                        cancel,
                        on_epoch,
                        &mut last,
                    );
                    (rest.await?, "cpu", done)
                }
                other => (other?, "gpu", 0),
            }
        }
        None => {
            let cpu = Backend::Cpu;
            let only = run_epochs(
                cpu, data, monitor, config, None, cancel, on_epoch, &mut last,
            );
            (only.await?, "cpu", 0)
        }
    };
    to_js(&Done {
        cancelled: run.cancelled,
        backend,
        epochs: epochs_before + run.reports.len(),
    })
}

/// One training run on `backend` (from `resume` when given), each epoch summarised and handed to
/// `on_epoch`; `last` keeps the weights of the last completed epoch on the host.
#[allow(clippy::too_many_arguments)]
async fn run_epochs(
    backend: Backend<'_>,
    data: &Dataset,
    monitor: &Monitor,
    config: &DaeConfig,
    resume: Option<&Resume>,
    cancel: &std::sync::atomic::AtomicBool,
    on_epoch: &js_sys::Function,
    last: &mut Option<Resume>,
) -> Result<DaeRun, RunError> {
    let mut failure = None;
    let run = train_dae_from(
        backend,
        monitor.training_set(),
        monitor.preprocessing(),
        config,
        resume,
        cancel,
        |report| match monitor
            .summarise(data, report, backend.name())
            .map_err(js_err)
            .and_then(|s| to_js(&s))
        {
            Ok(js) => {
                *last = Some(Resume::after(report));
                #[cfg(feature = "bench")]
                if let Backend::Gpu(ctx) = backend {
                    super::fault::maybe_lose_device(ctx, report.epoch);
                }
                on_epoch.call1(&JsValue::NULL, &js).is_ok()
            }
            Err(e) => {
                failure = Some(e);
                false
            }
        },
    )
    .await
    .map_err(RunError::Gpu)?;
    match failure {
        Some(e) => Err(RunError::Other(e)),
        None => Ok(run),
    }
}
