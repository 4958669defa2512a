//! Live training of the linear DAE with the paper's yardsticks: every epoch, the loss next to
//! the closed-form optimum, the alignment and linear-probe accuracy of the current encoder, and
//! the energy of its reconstructions along the data eigenvectors, and the learning order.
//!
//! The DAE trains on the training part of a seeded split (80%); G, the optimum and the probe's fit
//! come from the same part, and the probe is scored on the held-out 20%. Everything beyond the
//! loss is computed from G and the current weights (D x D work), never from an N x D pass, except
//! the probe's held-out scoring.

mod learning_order;
mod regime;

pub use learning_order::{DirectionStatus, LearningOrder, FALL_BACK, LEARNED_GROWTH};
pub use regime::{growth_per_step, Regime, REGIME_TOLERANCE};

use std::cell::RefCell;

use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::spectral::{
    label_energies_of_basis, spectrum_energy_of_denoiser, total_label_energy, Gram, GrowthModes,
    LinearProbe, Pca, Pencil, Preprocessing, ProbeConfig, SpectralError, Split,
    DEFAULT_RELATIVE_RIDGE,
};
use crate::train::{DaeConfig, DaeWeights, EpochReport, Optimiser};

/// What the page plots and `recon-align train --json` prints after each epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochSummary {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean training loss per sample over the epoch, (1/B) sum_b ||x_b - W E x~_b||^2.
    pub loss: f64,
    /// The closed-form optimum of the same loss for the same noise and K (per sample).
    pub optimum: f64,
    /// loss - optimum.
    pub gap: f64,
    /// Alignment (%) of span(E^T) with the labels, the paper's measure at width K.
    pub alignment: f64,
    /// Accuracy of the closed-form linear probe on the codes z = E x, fitted on the training
    /// part and scored on the held-out part.
    pub probe_acc: f64,
    /// Training throughput.
    pub samples_per_sec: f64,
    /// `gpu` or `cpu`.
    pub backend: String,
    /// diag(U^T E[Xhat^T Xhat] U): expected energy of the reconstructions of noisy inputs along
    /// each data eigenvector.
    pub energy: Vec<f64>,
    /// The data spectrum lambda (decreasing), the reference for `energy`.
    pub spectrum: Vec<f64>,
    /// When each of the top-K growth directions reached half of its energy at the closed-form
    /// optimum (timed from checkpoints inside the epochs), with the 1/s law fitted beside it.
    pub learning_order: LearningOrder,
}

/// The yardsticks of one run: built once from G of the training part, then applied to each
/// epoch's weights.
pub struct Monitor {
    /// The images the DAE trains on: the training part of the split.
    training_set: Dataset,
    gram: Gram,
    pca: Pca,
    /// B = sum E[x~ x~^T], the second moment of the inputs the denoiser sees.
    input_moment: Mat<f64>,
    split: Split,
    optimum_per_sample: f64,
    total_label_energy: f64,
    /// The directions gradient descent grows, their rates and optimum energies.
    modes: GrowthModes,
    /// Learning rate and momentum of heavy-ball SGD; `None` for Adam.
    sgd: Option<(f64, f64)>,
    /// Energies along the growth directions, with the training time (epochs) of each: under the
    /// initial weights, then at every checkpoint.
    history: RefCell<Vec<(f64, Vec<f64>)>>,
}

impl Monitor {
    /// For a run of `config` on `data`: the seeded split (20% held out), G of its training part,
    /// PCA, the closed-form optimum for the noise at width K, and the energies along the data
    /// eigenvectors under the run's initial weights.
    pub fn new(data: &Dataset, config: &DaeConfig) -> Result<Self, SpectralError> {
        let split = Split::new(data.n, ProbeConfig::default().test_fraction, config.seed)?;
        let training_set = data.subset(&split.train);
        let gram = Gram::from_rows(data, &split.train, DEFAULT_RELATIVE_RIDGE)?;
        let input_moment = Pencil::new(&gram, &config.noise)?.b().to_owned();
        let pca = Pca::new(&gram)?;
        let modes = GrowthModes::new(&gram, &config.noise, config.k)?;
        let optimum_per_sample = modes.optimum_loss / gram.n() as f64;
        let total_label_energy = total_label_energy(&gram, &pca)?;
        let initial = DaeWeights::initial(data.d(), config.k, config.seed, config.init_scale);
        let energy = modes.energies(
            input_moment.as_ref(),
            &wide(&initial.encoder),
            &wide(&initial.decoder),
        )?;
        let sgd = match config.optimiser {
            Optimiser::SgdMomentum { momentum } => {
                Some((f64::from(config.lr), f64::from(momentum)))
            }
            Optimiser::Adam { .. } => None,
        };
        Ok(Monitor {
            training_set,
            gram,
            pca,
            input_moment,
            split,
            optimum_per_sample,
            total_label_energy,
            modes,
            sgd,
            history: RefCell::new(vec![(0.0, energy)]),
        })
    }

    /// How many of `n` images the training part of the split holds (the largest batch a run on
    /// them can take).
    pub fn training_size(n: usize) -> usize {
        Split::training_size(n, ProbeConfig::default().test_fraction)
    }

    /// The images to train on: the training part of the split.
    pub fn training_set(&self) -> &Dataset {
        &self.training_set
    }

    /// G of the training part.
    pub fn gram(&self) -> &Gram {
        &self.gram
    }

    /// The preprocessing of G, which the trainer must apply too.
    pub fn preprocessing(&self) -> &Preprocessing {
        self.gram.preprocessing()
    }

    /// The probe's held-out split sizes (train, test).
    pub fn split_sizes(&self) -> (usize, usize) {
        (self.split.train.len(), self.split.test.len())
    }

    /// Alignment (%) of the codes of encoder E (K x D, row-major): the paper's measure of
    /// span(X E^T) against the full column space of X.
    pub fn encoder_alignment(&self, encoder: &[f64], k: usize) -> Result<f64, SpectralError> {
        let basis = Mat::from_fn(self.gram.d(), k, |i, j| encoder[j * self.gram.d() + i]);
        let energy: f64 = label_energies_of_basis(&self.gram, basis.as_ref())?
            .iter()
            .sum();
        Ok(100.0 * (energy / self.total_label_energy).max(0.0).sqrt())
    }

    /// The epoch's report with every yardstick filled in. `data` is the whole dataset the monitor
    /// was built from (the probe is scored on its held-out rows). Call once per epoch, in order:
    /// the learning order keeps the energies of the earlier epochs.
    pub fn summarise(
        &self,
        data: &Dataset,
        report: &EpochReport,
        backend: &str,
    ) -> Result<EpochSummary, SpectralError> {
        let DaeWeights {
            k,
            encoder,
            decoder,
            ..
        } = &report.weights;
        let encoder = wide(encoder);
        let decoder = wide(decoder);
        let d = self.gram.d();
        let basis = Mat::from_fn(d, *k, |i, j| encoder[j * d + i]);
        let probe = LinearProbe::fit(
            &self.gram,
            basis.as_ref(),
            ProbeConfig::default().relative_ridge,
        )?;
        let loss = f64::from(report.train_loss);
        let energy =
            spectrum_energy_of_denoiser(self.input_moment.as_ref(), &self.pca, &encoder, &decoder)?;
        let learning_order = self.learning_order(report, &encoder, &decoder)?;
        Ok(EpochSummary {
            epoch: report.epoch,
            loss,
            optimum: self.optimum_per_sample,
            gap: loss - self.optimum_per_sample,
            alignment: self.encoder_alignment(&encoder, *k)?,
            probe_acc: probe.accuracy(data, &self.split.test),
            samples_per_sec: report.samples_per_second,
            backend: backend.to_string(),
            energy,
            spectrum: self.pca.lambda.clone(),
            learning_order,
        })
    }

    /// The learning order after `report`'s epoch: the energies along the growth directions at
    /// the epoch's checkpoints and at its end join the history (a repeated epoch, after a
    /// restart, replaces what followed its start).
    fn learning_order(
        &self,
        report: &EpochReport,
        encoder: &[f64],
        decoder: &[f64],
    ) -> Result<LearningOrder, SpectralError> {
        let mut history = self.history.borrow_mut();
        let start = (report.epoch - 1) as f64;
        history.retain(|(t, _)| *t <= start + 1e-9);
        for c in &report.checkpoints {
            let e = self.modes.energies(
                self.input_moment.as_ref(),
                &wide(&c.weights.encoder),
                &wide(&c.weights.decoder),
            )?;
            history.push((c.epoch, e));
        }
        let end = self
            .modes
            .energies(self.input_moment.as_ref(), encoder, decoder)?;
        history.push((report.epoch as f64, end));
        let times = |order: &LearningOrder| order.half_optimum_epoch.clone();
        let order = LearningOrder::new(
            &history,
            &self.modes.rate_name,
            &self.modes.rates,
            &self.modes.optimum_energy,
            None,
        );
        let regime = self.sgd.map(|(lr, momentum)| {
            Regime::new(
                lr,
                momentum,
                self.gram.n(),
                &self.modes.rates,
                &times(&order),
            )
        });
        Ok(LearningOrder { regime, ..order })
    }
}

/// f32 weights widened to f64.
fn wide(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}
