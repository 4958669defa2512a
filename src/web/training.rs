//! The training entry point of the worker: a DAE run on WebGPU, restarted on the CPU when the
//! device fails, each epoch summarised for the page.

use wasm_bindgen::prelude::*;

use crate::dataset::Dataset;
use crate::gpu::GpuError;
use crate::live::Monitor;
use crate::spectral::Gram;
use crate::train::{train_dae, Backend, DaeConfig, DaeRun, TrainSettings};

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

/// Trains the DAE on `data` (whose Gram is `gram`) with the page's `settings`; see `Lab::train`.
pub(super) async fn train(
    data: &Dataset,
    gram: Gram,
    settings: JsValue,
    id: u32,
    use_gpu: bool,
    on_epoch: &js_sys::Function,
    on_notice: &js_sys::Function,
) -> Result<JsValue, JsError> {
    let token = CancelToken::new(id);
    let cancel = token.flag();
    let settings: TrainSettings = from_js(settings)?;
    let (noise, config) = settings.resolve(data.n, data.d()).map_err(js_err)?;
    let monitor = Monitor::new(data, gram, &noise, settings.k, settings.seed).map_err(js_err)?;
    let ctx = if use_gpu { gpu_context().await } else { None };
    let cpu = || run_epochs(Backend::Cpu, data, &monitor, &config, cancel, on_epoch);
    let (run, backend) = match ctx {
        Some(ctx) => {
            match run_epochs(
                Backend::Gpu(&ctx),
                data,
                &monitor,
                &config,
                cancel,
                on_epoch,
            )
            .await
            {
                Err(RunError::Gpu(e)) => {
                    forget_gpu();
                    let text =
                        format!("WebGPU failed during training ({e}): restarting on the CPU.");
                    let _ = on_notice.call1(&JsValue::NULL, &JsValue::from_str(&text));
                    (cpu().await?, "cpu")
                }
                other => (other?, "gpu"),
            }
        }
        None => (cpu().await?, "cpu"),
    };
    to_js(&Done {
        cancelled: run.cancelled,
        backend,
        epochs: run.reports.len(),
    })
}

/// One training run on `backend`, each epoch summarised and handed to `on_epoch`.
async fn run_epochs(
    backend: Backend<'_>,
    data: &Dataset,
    monitor: &Monitor,
    config: &DaeConfig,
    cancel: &std::sync::atomic::AtomicBool,
    on_epoch: &js_sys::Function,
) -> Result<DaeRun, RunError> {
    let mut failure = None;
    let run = train_dae(
        backend,
        data,
        monitor.preprocessing(),
        config,
        cancel,
        |report| match monitor
            .summarise(data, report, backend.name())
            .map_err(js_err)
            .and_then(|s| to_js(&s))
        {
            Ok(js) => on_epoch.call1(&JsValue::NULL, &js).is_ok(),
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
