//! WebAssembly entry points for the page's Web Worker: thin wrappers that turn the library's
//! results into the plain objects of the worker protocol (see `www/worker.js`).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use wasm_bindgen::prelude::*;

use crate::dataset::Dataset;
use crate::gpu::MlpBackend;
use crate::gpu::{train_dae, DaeBackend, GpuContext};
use crate::live::{Monitor, TrainSettings};
use crate::perception::{mlp_probe_config, StudyError};
use crate::spectral::{
    alignment_curve, guided, min_max_rescale, never_beneficial, project_images, Gram, NoiseModel,
    Pca, ProbeConfig, SubspaceSide, SubspaceStudy, SweepConfig, DEFAULT_SUBSPACE_TOLERANCE,
};

#[cfg(feature = "bench")]
mod bench;

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("bad settings: {e}")))
}

fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// Set by [`cancel`], read between training steps.
static CANCEL: AtomicBool = AtomicBool::new(false);

/// Sends Rust panics to the console so the page can report them instead of dying silently.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("recon-align panicked: {info}").into());
    }));
}

/// Asks the running training loop to stop after the current step.
#[wasm_bindgen]
pub fn cancel() {
    CANCEL.store(true, Ordering::Relaxed);
}

/// A loaded dataset and the closed forms computed from it, owned by the worker.
#[wasm_bindgen]
pub struct Lab {
    data: Rc<Dataset>,
    gram: RefCell<Option<Rc<Gram>>>,
    clean: RefCell<Option<Vec<f64>>>,
    study: RefCell<Option<(u64, Rc<SubspaceStudy>)>>,
}

thread_local! {
    /// The WebGPU device, created once per worker; `None` after a failure (CPU from then on).
    static GPU: RefCell<Option<Option<Rc<GpuContext>>>> = const { RefCell::new(None) };
}

async fn gpu_context() -> Option<Rc<GpuContext>> {
    if let Some(known) = GPU.with(|g| g.borrow().clone()) {
        return known.filter(|ctx| !ctx.is_lost());
    }
    let ctx = GpuContext::new().await.ok().map(Rc::new);
    GPU.with(|g| *g.borrow_mut() = Some(ctx.clone()));
    ctx
}

fn forget_gpu() {
    GPU.with(|g| *g.borrow_mut() = Some(None));
}

impl Lab {
    fn new(data: Dataset) -> Lab {
        Lab {
            data: Rc::new(data),
            gram: RefCell::new(None),
            clean: RefCell::new(None),
            study: RefCell::new(None),
        }
    }

    fn gram(&self) -> Result<Rc<Gram>, JsError> {
        if let Some(g) = self.gram.borrow().as_ref() {
            return Ok(g.clone());
        }
        let g = Rc::new(Gram::from_dataset(&self.data).map_err(js_err)?);
        *self.gram.borrow_mut() = Some(g.clone());
        Ok(g)
    }

    fn clean_alignment(&self) -> Result<Vec<f64>, JsError> {
        if let Some(c) = self.clean.borrow().as_ref() {
            return Ok(c.clone());
        }
        let c = alignment_curve(&*self.gram()?, &NoiseModel::None)
            .map_err(js_err)?
            .alignment;
        *self.clean.borrow_mut() = Some(c.clone());
        Ok(c)
    }

    /// The seeded split with its training-set PCA, shared by the linear and the MLP probes.
    fn study(&self, seed: u64) -> Result<Rc<SubspaceStudy>, JsError> {
        if let Some((s, study)) = self.study.borrow().as_ref() {
            if *s == seed {
                return Ok(study.clone());
            }
        }
        let config = ProbeConfig {
            seed,
            ..ProbeConfig::default()
        };
        let study = Rc::new(SubspaceStudy::new(&self.data, &config).map_err(js_err)?);
        *self.study.borrow_mut() = Some((seed, study.clone()));
        Ok(study)
    }

    fn image_bytes(&self, rows: &[usize]) -> Vec<u8> {
        rows.iter()
            .flat_map(|&i| self.data.image(i).iter().copied())
            .collect()
    }
}

fn parse_noise(noise: &str) -> Result<NoiseModel, JsError> {
    let model: NoiseModel = noise.parse().map_err(js_err)?;
    model.validate().map_err(js_err)?;
    Ok(model)
}

#[derive(serde::Serialize)]
struct AlignmentResult {
    n: usize,
    d: usize,
    noise: String,
    k: Vec<usize>,
    clean: Vec<f64>,
    noisy: Vec<f64>,
}

#[derive(serde::Serialize)]
struct SweepEntry {
    noise: String,
    kind: &'static str,
    p: f64,
    patch: usize,
    std: f64,
}

#[derive(serde::Serialize)]
struct NeverResult {
    noise: String,
    k: Vec<usize>,
    distance: Vec<f64>,
    threshold: Vec<f64>,
    max_angle_deg: Vec<f64>,
    equal: Vec<bool>,
    undetermined: Vec<bool>,
    tolerance: f64,
    verdict: &'static str,
}

#[derive(serde::Serialize)]
struct SubspaceSideResult {
    variance: Vec<f64>,
    dims: Vec<usize>,
    linear_acc: Vec<f64>,
}

#[derive(serde::Serialize)]
struct SplitInfo {
    train: usize,
    test: usize,
    seed: u64,
}

#[derive(serde::Serialize)]
struct SubspaceResult {
    split: SplitInfo,
    fractions: Vec<f64>,
    full_acc: f64,
    chance: f64,
    top: SubspaceSideResult,
    bottom: SubspaceSideResult,
}

#[derive(serde::Serialize)]
struct GuidedResult {
    k: usize,
    split: SplitInfo,
    lambda: Vec<f64>,
    recon_error: Vec<f64>,
    probe_acc: Vec<f64>,
    pca_recon_error: f64,
    pca_acc: f64,
}

/// Variance fractions of the top/bottom panel.
const FRACTIONS: [f64; 7] = [0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];
/// Reconstruction weights of the guided panel: from supervision only to reconstruction only.
const LAMBDAS: [f64; 9] = [1e-6, 1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0, 1e4];

#[wasm_bindgen]
impl Lab {
    /// Loads the bundled format (`www/data/mnist.bin`).
    #[wasm_bindgen(js_name = fromBundled)]
    pub fn from_bundled(bytes: &[u8]) -> Result<Lab, JsError> {
        Ok(Lab::new(Dataset::from_bundled(bytes).map_err(js_err)?))
    }

    /// Loads a pair of IDX files (raw or gzip).
    #[wasm_bindgen(js_name = fromIdx)]
    pub fn from_idx(images: &[u8], labels: &[u8]) -> Result<Lab, JsError> {
        Ok(Lab::new(Dataset::from_idx(images, labels).map_err(js_err)?))
    }

    /// Sizes and class counts.
    pub fn summary(&self) -> Result<JsValue, JsError> {
        to_js(&self.data.summary())
    }

    /// The bytes of `count` images spread evenly over the dataset, for the sample grid.
    pub fn samples(&self, count: usize) -> Vec<u8> {
        self.image_bytes(&self.spread(count))
    }

    /// Labels of the images returned by [`Lab::samples`].
    #[wasm_bindgen(js_name = sampleLabels)]
    pub fn sample_labels(&self, count: usize) -> Vec<u8> {
        self.spread(count)
            .iter()
            .map(|&i| self.data.labels[i])
            .collect()
    }

    fn spread(&self, count: usize) -> Vec<usize> {
        let count = count.min(self.data.n);
        (0..count).map(|i| i * self.data.n / count).collect()
    }

    /// Builds G (the first call costs one pass over the data; later ones are free).
    pub fn prepare(&self) -> Result<(), JsError> {
        self.gram().map(|_| ())
    }

    /// Alignment (%) against K for no noise and for `noise`.
    pub fn alignment(&self, noise: &str) -> Result<JsValue, JsError> {
        let model = parse_noise(noise)?;
        let clean = self.clean_alignment()?;
        let noisy = if model == NoiseModel::None {
            clean.clone()
        } else {
            alignment_curve(&*self.gram()?, &model)
                .map_err(js_err)?
                .alignment
        };
        to_js(&AlignmentResult {
            n: self.data.n,
            d: self.data.d(),
            noise: model.to_string(),
            k: (1..=clean.len()).collect(),
            clean,
            noisy,
        })
    }

    /// The paper's sweep, one noise model per entry (the worker runs them one by one).
    #[wasm_bindgen(js_name = sweepPlan)]
    pub fn sweep_plan(&self) -> Result<JsValue, JsError> {
        let cfg = SweepConfig::default();
        let mut plan: Vec<SweepEntry> = cfg
            .gaussian_stds
            .iter()
            .take(1)
            .map(|&std| SweepEntry {
                noise: NoiseModel::Gaussian { std }.to_string(),
                kind: "gaussian",
                p: 0.0,
                patch: 0,
                std,
            })
            .collect();
        for &patch in &cfg.patches {
            for &p in &cfg.probabilities {
                plan.push(SweepEntry {
                    noise: NoiseModel::Mask { p, patch }.to_string(),
                    kind: "mask",
                    p,
                    patch,
                    std: 0.0,
                });
            }
        }
        to_js(&plan)
    }

    /// Impact on supervised performance (%): 100 (alignment_noise - alignment_clean) / clean.
    pub fn impact(&self, noise: &str) -> Result<Vec<f64>, JsError> {
        let model = parse_noise(noise)?;
        let clean = self.clean_alignment()?;
        let noisy = alignment_curve(&*self.gram()?, &model)
            .map_err(js_err)?
            .alignment;
        Ok(noisy
            .iter()
            .zip(&clean)
            .map(|(n, c)| if *c > 0.0 { 100.0 * (n - c) / c } else { 0.0 })
            .collect())
    }

    /// The label-free test: is `noise`'s top-K subspace PCA's, for every K?
    pub fn never(&self, noise: &str) -> Result<JsValue, JsError> {
        use crate::spectral::SubspaceVerdict;
        let model = parse_noise(noise)?;
        let r =
            never_beneficial(&*self.gram()?, &model, DEFAULT_SUBSPACE_TOLERANCE).map_err(js_err)?;
        to_js(&NeverResult {
            noise: r.noise.clone(),
            k: (1..=r.distance.len()).collect(),
            max_angle_deg: r
                .distance
                .iter()
                .map(|s| s.min(1.0).asin().to_degrees())
                .collect(),
            equal: r
                .verdict
                .iter()
                .map(|v| *v == SubspaceVerdict::Same)
                .collect(),
            undetermined: r
                .verdict
                .iter()
                .map(|v| *v == SubspaceVerdict::Undetermined)
                .collect(),
            distance: r.distance,
            threshold: r.threshold,
            tolerance: r.tolerance,
            verdict: if r.never_beneficial {
                "never beneficial"
            } else {
                "changes the subspace"
            },
        })
    }

    /// Linear-probe accuracy on the top and bottom variance subspaces, for several fractions.
    pub fn subspace(&self, seed: u64) -> Result<JsValue, JsError> {
        let study = self.study(seed)?;
        let mut top = SubspaceSideResult {
            variance: vec![],
            dims: vec![],
            linear_acc: vec![],
        };
        let mut bottom = SubspaceSideResult {
            variance: vec![],
            dims: vec![],
            linear_acc: vec![],
        };
        let mut last = None;
        for &f in &FRACTIONS {
            let s = study.linear(&self.data, f).map_err(js_err)?;
            top.variance.push(s.top_variance);
            top.dims.push(s.top_dims);
            top.linear_acc.push(s.top_accuracy);
            bottom.variance.push(s.bottom_variance);
            bottom.dims.push(s.bottom_dims);
            bottom.linear_acc.push(s.bottom_accuracy);
            last = Some(s);
        }
        let last = last.expect("FRACTIONS is not empty");
        to_js(&SubspaceResult {
            split: SplitInfo {
                train: last.n_train,
                test: last.n_test,
                seed,
            },
            fractions: FRACTIONS.to_vec(),
            full_acc: last.full_accuracy,
            chance: last.chance,
            top,
            bottom,
        })
    }

    /// Eight images as they are, and projected on the top 75% and the bottom 25% of the variance,
    /// min-max rescaled to bytes: `[original | top | bottom]`, each 8*D bytes.
    pub fn projections(&self) -> Result<Vec<u8>, JsError> {
        let gram = self.gram()?;
        let pca = Pca::new(&gram).map_err(js_err)?;
        let rows = self.spread(8);
        let images: Vec<&[u8]> = rows.iter().map(|&i| self.data.image(i)).collect();
        let mut out = self.image_bytes(&rows);
        for (fraction, side) in [(0.75, SubspaceSide::Top), (0.25, SubspaceSide::Bottom)] {
            let basis = pca.basis(&pca.variance_subspace(fraction, side));
            for projected in project_images(gram.preprocessing(), basis.as_ref(), &images) {
                out.extend(
                    min_max_rescale(&projected)
                        .iter()
                        .map(|v| (v * 255.0).round() as u8),
                );
            }
        }
        Ok(out)
    }

    /// Held-out accuracy of the MLP probe on the `side` (`top` or `bottom`) subspace holding
    /// `fraction` of the variance; WebGPU when `use_gpu` and available, else the CPU twin.
    #[wasm_bindgen(js_name = mlpAccuracy)]
    pub async fn mlp_accuracy(
        &self,
        seed: u64,
        fraction: f64,
        side: &str,
        use_gpu: bool,
    ) -> Result<f64, JsError> {
        let side = match side {
            "top" => SubspaceSide::Top,
            "bottom" => SubspaceSide::Bottom,
            other => {
                return Err(JsError::new(&format!(
                    "side `{other}` is not top or bottom"
                )))
            }
        };
        let study = self.study(seed)?;
        let config = mlp_probe_config(seed);
        let ctx = if use_gpu { gpu_context().await } else { None };
        let first = match &ctx {
            Some(ctx) => {
                study
                    .mlp_accuracy(MlpBackend::Gpu(ctx), &self.data, fraction, side, &config)
                    .await
            }
            None => {
                study
                    .mlp_accuracy(MlpBackend::Cpu, &self.data, fraction, side, &config)
                    .await
            }
        };
        let (acc, _) = match first {
            Err(StudyError::Gpu(_)) if ctx.is_some() => {
                forget_gpu();
                study
                    .mlp_accuracy(MlpBackend::Cpu, &self.data, fraction, side, &config)
                    .await
                    .map_err(js_err)?
            }
            other => other.map_err(js_err)?,
        };
        Ok(acc)
    }

    /// Reconstruction error against probe accuracy as the reconstruction weight lambda varies.
    pub fn guided(&self, k: usize, seed: u64) -> Result<JsValue, JsError> {
        let config = ProbeConfig {
            seed,
            ..ProbeConfig::default()
        };
        let r = guided(&self.data, k, &LAMBDAS, &config).map_err(js_err)?;
        to_js(&GuidedResult {
            k: r.k,
            split: SplitInfo {
                train: r.n_train,
                test: r.n_test,
                seed,
            },
            lambda: r.points.iter().map(|p| p.lambda).collect(),
            recon_error: r.points.iter().map(|p| p.reconstruction_error).collect(),
            probe_acc: r.points.iter().map(|p| p.accuracy).collect(),
            pca_recon_error: r.pca_reconstruction_error,
            pca_acc: r.pca_accuracy,
        })
    }

    /// Trains the DAE (WebGPU when available and `use_gpu`, else CPU), calling `on_epoch(summary)`
    /// after each epoch and `on_notice(text)` when the backend changes; resolves to
    /// `{cancelled, backend, epochs}`.
    pub async fn train(
        &self,
        settings: JsValue,
        use_gpu: bool,
        on_epoch: js_sys::Function,
        on_notice: js_sys::Function,
    ) -> Result<JsValue, JsError> {
        CANCEL.store(false, Ordering::Relaxed);
        let settings: TrainSettings = from_js(settings)?;
        let (noise, config) = settings.resolve(self.data.d()).map_err(js_err)?;
        let gram = (*self.gram()?).clone();
        let monitor =
            Monitor::new(&self.data, gram, &noise, settings.k, settings.seed).map_err(js_err)?;
        let notice = |text: String| {
            let _ = on_notice.call1(&JsValue::NULL, &JsValue::from_str(&text));
        };
        let data = &self.data;
        let ctx = if use_gpu { gpu_context().await } else { None };
        let (run, backend) = match ctx {
            Some(ctx) => {
                match run_epochs(
                    DaeBackend::Gpu(&ctx),
                    "gpu",
                    data,
                    &monitor,
                    &config,
                    &on_epoch,
                )
                .await
                {
                    Err(RunError::Gpu(e)) => {
                        forget_gpu();
                        notice(format!(
                            "WebGPU failed during training ({e}): restarting on the CPU."
                        ));
                        (
                            run_epochs(DaeBackend::Cpu, "cpu", data, &monitor, &config, &on_epoch)
                                .await?,
                            "cpu",
                        )
                    }
                    other => (other?, "gpu"),
                }
            }
            None => (
                run_epochs(DaeBackend::Cpu, "cpu", data, &monitor, &config, &on_epoch).await?,
                "cpu",
            ),
        };
        #[derive(serde::Serialize)]
        struct Done {
            cancelled: bool,
            backend: &'static str,
            epochs: usize,
        }
        to_js(&Done {
            cancelled: run.cancelled,
            backend,
            epochs: run.reports.len(),
        })
    }
}

/// Why a training run stopped early: the GPU (worth a CPU retry) or anything else.
enum RunError {
    Gpu(crate::gpu::GpuError),
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

/// One training run on `backend`, each epoch summarised and handed to `on_epoch`.
async fn run_epochs(
    backend: DaeBackend<'_>,
    name: &'static str,
    data: &Dataset,
    monitor: &Monitor,
    config: &crate::gpu::DaeConfig,
    on_epoch: &js_sys::Function,
) -> Result<crate::gpu::DaeRun, RunError> {
    let mut failure = None;
    let run = train_dae(
        backend,
        data,
        &monitor.standardisation,
        config,
        &CANCEL,
        |report| match monitor
            .summarise(data, report, name)
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

/// Finds a WebGPU adapter: `{ kind: "webgpu", adapter, backend }` or `{ kind: "cpu", reason }`.
#[wasm_bindgen(js_name = detectBackend)]
pub async fn detect_backend() -> Result<JsValue, JsError> {
    to_js(&crate::gpu::probe_backend().await)
}
