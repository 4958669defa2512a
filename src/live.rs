//! Live training of the linear DAE with the paper's yardsticks: every epoch, the loss next to
//! the closed-form optimum, the alignment and linear-probe accuracy of the current encoder, and
//! the energy of its reconstructions along the data eigenvectors ("learned last").
//!
//! Everything beyond the loss is computed from G and the current weights (D x D work), never
//! from an N x D pass, except the probe's held-out scoring.

use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::spectral::{
    closed_form_dae, label_energies_of_basis, spectrum_energy_of_denoiser, Gram, LinearProbe,
    Noise, Pca, Pencil, Preprocessing, ProbeConfig, SpectralError, Split, DEFAULT_RELATIVE_RIDGE,
};
use crate::train::{DaeWeights, EpochReport};

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
    /// Held-out accuracy of the closed-form linear probe on the codes z = E x.
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
}

/// The yardsticks of one run: built once from G, then applied to each epoch's weights.
pub struct Monitor {
    gram: Gram,
    pca: Pca,
    /// B = sum E[x~ x~^T], the second moment of the inputs the denoiser sees.
    input_moment: Mat<f64>,
    probe_gram: Gram,
    split: Split,
    optimum_per_sample: f64,
    total_label_energy: f64,
}

impl Monitor {
    /// From G of the whole training set: PCA, the closed-form optimum for `noise` at width `k`,
    /// and the probe's seeded held-out split (20%) with a Gram of its training part.
    pub fn new(
        data: &Dataset,
        gram: Gram,
        noise: &Noise,
        k: usize,
        seed: u64,
    ) -> Result<Self, SpectralError> {
        let input_moment = Pencil::new(&gram, noise)?.b().to_owned();
        let pca = Pca::new(&gram)?;
        let optimum_per_sample = closed_form_dae(&gram, noise, k)?.loss / gram.n() as f64;
        let total_label_energy = label_energies_of_basis(&gram, pca.vectors.as_ref())?
            .iter()
            .sum();
        let split = Split::new(data.n, ProbeConfig::default().test_fraction, seed)?;
        let probe_gram = Gram::from_rows(data, &split.train, DEFAULT_RELATIVE_RIDGE)?;
        Ok(Monitor {
            gram,
            pca,
            input_moment,
            probe_gram,
            split,
            optimum_per_sample,
            total_label_energy,
        })
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

    /// The epoch's report with every yardstick filled in.
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
        let encoder: Vec<f64> = encoder.iter().map(|&v| f64::from(v)).collect();
        let decoder: Vec<f64> = decoder.iter().map(|&v| f64::from(v)).collect();
        let d = self.gram.d();
        let basis = Mat::from_fn(d, *k, |i, j| encoder[j * d + i]);
        let probe = LinearProbe::fit(
            &self.probe_gram,
            basis.as_ref(),
            ProbeConfig::default().relative_ridge,
        )?;
        let loss = f64::from(report.train_loss);
        Ok(EpochSummary {
            epoch: report.epoch,
            loss,
            optimum: self.optimum_per_sample,
            gap: loss - self.optimum_per_sample,
            alignment: self.encoder_alignment(&encoder, *k)?,
            probe_acc: probe.accuracy(data, &self.split.test),
            samples_per_sec: report.samples_per_second,
            backend: backend.to_string(),
            energy: spectrum_energy_of_denoiser(
                self.input_moment.as_ref(),
                &self.pca,
                &encoder,
                &decoder,
            )?,
            spectrum: self.pca.lambda.clone(),
        })
    }
}
