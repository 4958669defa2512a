//! The worker's dataset and the closed forms computed from it, with one export per panel.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::dataset::{check_for_page, parse_shape, Dataset};
use crate::spectral::{
    alignment_curve, alignment_scale, guided, min_max_rescale, never_beneficial, project_images,
    Gram, Noise, ProbeConfig, SubspaceSide, SubspaceStudy, DEFAULT_SUBSPACE_TOLERANCE,
};
use crate::train::{mlp_probe_config, mlp_subspace_accuracy, Backend, StudyError};

use super::device::{forget_gpu, gpu_context};
use super::folder::{reshape_of, size_check};
use super::results::{sweep_plan, AlignmentCurve, AlignmentResult, SubspaceResult};
use super::{js_err, to_js, training};

/// The fractions of the variance of the subspace panel's pictures: the top and the bottom.
const PICTURE_FRACTIONS: [f64; 2] = [0.75, 0.25];

/// A loaded dataset and the closed forms computed from it, owned by the worker.
#[wasm_bindgen]
pub struct Lab {
    data: Rc<Dataset>,
    gram: RefCell<Option<Rc<Gram>>>,
    clean: RefCell<Option<Vec<f64>>>,
    study: RefCell<Option<(u64, Rc<SubspaceStudy>)>>,
    /// The last few alignment and never-beneficial answers, by task and noise: the noise designer
    /// and the panels ask for the same map, and each answer costs an eigensolve.
    answers: RefCell<Vec<(String, JsValue)>>,
}

/// How many answers [`Lab`] keeps.
const KEPT_ANSWERS: usize = 6;

impl Lab {
    fn new(data: Dataset) -> Lab {
        Lab::with_gram(data, None)
    }

    /// A Lab of `data` once [`check_for_page`] accepts it.
    pub(super) fn checked_for_page(data: Dataset) -> Result<Lab, JsError> {
        check_for_page(&data).map_err(js_err)?;
        Ok(Lab::new(data))
    }

    /// A Lab whose G is `gram` when given (a repeat visit's cached G, checked against `data` by
    /// the caller), else built on first use.
    pub(super) fn with_gram(data: Dataset, gram: Option<Gram>) -> Lab {
        Lab {
            data: Rc::new(data),
            gram: RefCell::new(gram.map(Rc::new)),
            clean: RefCell::new(None),
            study: RefCell::new(None),
            answers: RefCell::new(Vec::new()),
        }
    }

    /// The answer to `key`, computed by `compute` unless it is among the last few.
    fn answer(
        &self,
        key: String,
        compute: impl FnOnce() -> Result<JsValue, JsError>,
    ) -> Result<JsValue, JsError> {
        if let Some((_, v)) = self.answers.borrow().iter().find(|(k, _)| *k == key) {
            return Ok(v.clone());
        }
        let value = compute()?;
        let mut answers = self.answers.borrow_mut();
        if answers.len() == KEPT_ANSWERS {
            answers.remove(0);
        }
        answers.push((key, value.clone()));
        Ok(value)
    }

    /// Alignment (%) against K for no noise and for `model`, as the page reads it.
    fn alignment_of(&self, model: Noise) -> Result<JsValue, JsError> {
        let clean = self.clean_alignment()?;
        let noisy = self.curve_of(&model)?;
        let scale = alignment_scale(&*self.gram()?, &clean).map_err(js_err)?;
        to_js(&AlignmentResult {
            n: self.data.n,
            d: self.data.d(),
            noise: model.to_string(),
            k: (1..=clean.len()).collect(),
            clean,
            noisy,
            scale,
        })
    }

    /// G if it has been built (or given), without building it.
    pub(super) fn built_gram(&self) -> Option<Rc<Gram>> {
        self.gram.borrow().clone()
    }

    fn gram(&self) -> Result<Rc<Gram>, JsError> {
        if let Some(g) = self.gram.borrow().as_ref() {
            return Ok(g.clone());
        }
        let g = Rc::new(Gram::from_dataset(&self.data).map_err(js_err)?);
        *self.gram.borrow_mut() = Some(g.clone());
        Ok(g)
    }

    /// The alignment curve of `model` (the clean one, kept, for no noise).
    fn curve_of(&self, model: &Noise) -> Result<Vec<f64>, JsError> {
        if *model == Noise::None {
            return self.clean_alignment();
        }
        Ok(alignment_curve(&*self.gram()?, model)
            .map_err(js_err)?
            .alignment)
    }

    fn clean_alignment(&self) -> Result<Vec<f64>, JsError> {
        if let Some(c) = self.clean.borrow().as_ref() {
            return Ok(c.clone());
        }
        let c = alignment_curve(&*self.gram()?, &Noise::None)
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

fn parse_noise(noise: &str) -> Result<Noise, JsError> {
    let model: Noise = noise.parse().map_err(js_err)?;
    model.validate().map_err(js_err)?;
    Ok(model)
}

#[wasm_bindgen]
impl Lab {
    /// Loads the bundled format (`www/data/mnist.bin`).
    #[wasm_bindgen(js_name = fromBundled)]
    pub fn from_bundled(bytes: &[u8]) -> Result<Lab, JsError> {
        let data = Dataset::from_bundled(bytes).map_err(js_err)?;
        check_for_page(&data).map_err(js_err)?;
        Ok(Lab::new(data))
    }

    /// Loads a pair of IDX files (raw or gzip), resized to `side` and made grey as asked
    /// ([`Dataset::reshaped`]), checked in full for the page before it is returned (the header's
    /// sizes before anything is inflated): the caller's current dataset stays until this succeeds.
    #[wasm_bindgen(js_name = fromIdx)]
    pub fn from_idx(
        images: &[u8],
        labels: &[u8],
        side: Option<u32>,
        grey: Option<bool>,
    ) -> Result<Lab, JsError> {
        let reshape = reshape_of(side, grey);
        let data = Dataset::from_idx_checked(images, labels, &size_check(reshape))
            .and_then(|d| d.reshaped(reshape))
            .map_err(js_err)?;
        Lab::checked_for_page(data)
    }

    /// Loads a single data file of any format [`Dataset::from_file`] reads (NumPy `.npz`, CIFAR
    /// `.tar.gz` or `.bin`, the bundled format), told by its bytes and its `name`; `shape`
    /// ("C,H,W") is the image shape of flat N x D NumPy rows; `side` and `grey` as
    /// [`Lab::from_idx`]. Checked in full for the page before it is returned, the sizes before any
    /// pixel is inflated.
    #[wasm_bindgen(js_name = fromFile)]
    pub fn from_file(
        name: &str,
        bytes: &[u8],
        shape: Option<String>,
        side: Option<u32>,
        grey: Option<bool>,
    ) -> Result<Lab, JsError> {
        let shape = match shape.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => Some(parse_shape(text).map_err(js_err)?),
            _ => None,
        };
        let reshape = reshape_of(side, grey);
        let data = Dataset::from_file_reshaped(name, bytes, shape, reshape, &size_check(reshape))
            .map_err(js_err)?;
        Lab::checked_for_page(data)
    }

    /// Sizes and class counts.
    pub fn summary(&self) -> Result<JsValue, JsError> {
        to_js(&self.data.summary())
    }

    /// How long each figure takes on this dataset, estimated from N and D
    /// ([`PanelEstimate`](crate::dataset::PanelEstimate)): the page starts those marked `auto`.
    pub fn estimates(&self) -> Result<JsValue, JsError> {
        to_js(&crate::dataset::PanelEstimate::all(
            self.data.n,
            self.data.d(),
        ))
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
        self.answer(format!("alignment {model}"), || self.alignment_of(model))
    }

    /// Alignment (%) against K for `noise` alone (`none`: the clean curve), so that the clean and
    /// the noisy curve of the alignment panel can be computed by two workers at once.
    pub fn curve(&self, noise: &str) -> Result<JsValue, JsError> {
        let model = parse_noise(noise)?;
        self.answer(format!("curve {model}"), || {
            let alignment = self.curve_of(&model)?;
            let scale = match model {
                Noise::None => Some(alignment_scale(&*self.gram()?, &alignment).map_err(js_err)?),
                _ => None,
            };
            to_js(&AlignmentCurve {
                n: self.data.n,
                d: self.data.d(),
                noise: model.to_string(),
                alignment,
                scale,
            })
        })
    }

    /// The label-free test: is `noise`'s top-K subspace PCA's, for every K?
    pub fn never(&self, noise: &str) -> Result<JsValue, JsError> {
        let model = parse_noise(noise)?;
        self.answer(format!("never {model}"), || {
            let gram = self.gram()?;
            to_js(&never_beneficial(&gram, &model, DEFAULT_SUBSPACE_TOLERANCE).map_err(js_err)?)
        })
    }

    /// The paper's sweep, one noise per entry (the worker runs them one by one).
    #[wasm_bindgen(js_name = sweepPlan)]
    pub fn sweep_plan(&self) -> Result<JsValue, JsError> {
        to_js(&sweep_plan())
    }

    /// Impact on supervised performance (%): 100 (alignment_noise - alignment_clean) / clean.
    pub fn impact(&self, noise: &str) -> Result<Vec<f64>, JsError> {
        let model = parse_noise(noise)?;
        let clean = self.clean_alignment()?;
        let noisy = self.curve_of(&model)?;
        Ok(crate::spectral::impact(&noisy, &clean))
    }

    /// Linear-probe accuracy on the top and bottom variance subspaces, for several fractions.
    pub fn subspace(&self, seed: u64) -> Result<JsValue, JsError> {
        let study = self.study(seed)?;
        to_js(&SubspaceResult::collect(&study, &self.data, seed).map_err(js_err)?)
    }

    /// The fractions of the variance of [`Lab::projections`]'s pictures: `[top, bottom]`.
    #[wasm_bindgen(js_name = pictureFractions)]
    pub fn picture_fractions(&self) -> Vec<f64> {
        PICTURE_FRACTIONS.to_vec()
    }

    /// Eight images as they are, and projected on the top and the bottom subspaces of
    /// [`PICTURE_FRACTIONS`] (the training split's PCA of seed `seed`, as the probes), each image
    /// min-max rescaled to bytes on its own: `[original | top | bottom]`, each 8*D bytes.
    pub fn projections(&self, seed: u64) -> Result<Vec<u8>, JsError> {
        let study = self.study(seed)?;
        let pca = study.pca();
        let rows = self.spread(8);
        let images: Vec<&[u8]> = rows.iter().map(|&i| self.data.image(i)).collect();
        let mut out = self.image_bytes(&rows);
        let [top, bottom] = PICTURE_FRACTIONS;
        for (fraction, side) in [(top, SubspaceSide::Top), (bottom, SubspaceSide::Bottom)] {
            let basis = pca.basis(&pca.variance_subspace(fraction, side));
            let prep = study.gram().preprocessing();
            for projected in project_images(prep, basis.as_ref(), &images) {
                out.extend(
                    min_max_rescale(&projected)
                        .iter()
                        .map(|v| (v * 255.0).round() as u8),
                );
            }
        }
        Ok(out)
    }

    /// The MLP probe on the `side` (`top` or `bottom`) subspace holding `fraction` of the
    /// variance, trained until its validation accuracy stops improving: `{accuracy, dims, epochs,
    /// epochs_run, validation_accuracy}` (`accuracy` on the held-out test images). WebGPU when
    /// `use_gpu` and available, else the CPU twin.
    #[wasm_bindgen(js_name = mlpProbe)]
    pub async fn mlp_probe(
        &self,
        seed: u64,
        fraction: f64,
        side: &str,
        use_gpu: bool,
    ) -> Result<JsValue, JsError> {
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
        let backend = ctx.as_deref().map_or(Backend::Cpu, Backend::Gpu);
        let run =
            |backend| mlp_subspace_accuracy(&study, backend, &self.data, fraction, side, &config);
        let score = match run(backend).await {
            Err(StudyError::Gpu(_)) if ctx.is_some() => {
                forget_gpu();
                run(Backend::Cpu).await.map_err(js_err)?
            }
            other => other.map_err(js_err)?,
        };
        to_js(&score)
    }

    /// Reconstruction error against probe accuracy as the reconstruction weight lambda varies.
    pub fn guided(&self, k: usize, seed: u64) -> Result<JsValue, JsError> {
        let config = ProbeConfig {
            seed,
            ..ProbeConfig::default()
        };
        to_js(&guided(&self.data, k, None, &config).map_err(js_err)?)
    }

    /// Trains the DAE (WebGPU when available and `use_gpu`, else CPU), calling `on_epoch(summary)`
    /// after each epoch and `on_notice(text)` when the backend changes; resolves to
    /// `{cancelled, backend, epochs}`. `cancel(id)` stops it.
    pub async fn train(
        &self,
        settings: JsValue,
        id: u32,
        use_gpu: bool,
        on_epoch: js_sys::Function,
        on_notice: js_sys::Function,
    ) -> Result<JsValue, JsError> {
        training::train(&self.data, settings, id, use_gpu, &on_epoch, &on_notice).await
    }
}
