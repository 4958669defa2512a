//! The settings of one training run of the DAE, as the page's URL and `recon-align train` give
//! them, with the one set of defaults both use.

use serde::{Deserialize, Serialize};

use crate::spectral::{Noise, SpectralError};

use super::dae::DaeConfig;
use super::optimiser::Optimiser;

/// The settings of one training run, as the page's URL and `recon-align train` give them.
/// `TrainSettings::default()` is the page's and the CLI's default run (a test checks that
/// `www/state.js` has the same defaults): plain minibatch SGD (no momentum), because the
/// learning-order law (each direction learned at a time proportional to 1/λ) is a gradient-descent
/// result that holds while every step is small (ε = 2·lr·s/N well under (1 − m)²), with a learning
/// rate, batch and number of epochs that keep the default run in that regime on the bundled data
/// and let the top 32 directions be learned one after the other (docs/maths.md, "When the law
/// holds").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainSettings {
    /// Code width K.
    pub k: usize,
    /// Noise, written `none`, `gaussian:S` or `mask:P:K`.
    pub noise: String,
    /// Learning rate (f64 like every setting the page sends; the trainer takes it in f32).
    pub lr: f64,
    /// Update rule: `sgd` (heavy-ball, with `momentum`) or `adam`.
    pub optimiser: String,
    /// Heavy-ball momentum m of `sgd`, in [0, 1): 0 is plain minibatch SGD. Adam ignores it.
    #[serde(default)]
    pub momentum: f64,
    /// Passes over the data.
    pub epochs: usize,
    /// Mini-batch size B.
    pub batch: usize,
    /// Seed of the weights, the visiting order, the noise and the probe's held-out split.
    pub seed: u64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            k: 32,
            noise: "mask:0.5:1".into(),
            lr: 6e-4,
            optimiser: "sgd".into(),
            momentum: 0.0,
            epochs: 20,
            batch: 32,
            seed: 1,
        }
    }
}

/// Scale of the initial weights: E ~ N(0, s^2 / D), W ~ N(0, s^2 / K).
pub const INIT_SCALE: f32 = 0.1;

impl TrainSettings {
    /// The noise and the DAE configuration, or a message saying which setting is wrong, for
    /// a training set of `n` images of `d` pixels (K at most D; a batch of at most n, else no
    /// step is taken). The live run trains on the training part of its split, whose size is
    /// `Monitor::training_size(N)`.
    pub fn resolve(&self, n: usize, d: usize) -> Result<(Noise, DaeConfig), SpectralError> {
        let bad = |m: String| Err(SpectralError::InvalidArgument(m));
        if self.k == 0 || self.k > d {
            return bad(format!("width K={} must be in 1..={d}", self.k));
        }
        if self.batch > n {
            return bad(format!(
                "batch {} is larger than the {n} training images, so an epoch would take no \
                 step; use a batch of at most {n}",
                self.batch
            ));
        }
        self.config()
    }

    /// The noise and the DAE configuration, checked except against the data's size.
    pub fn config(&self) -> Result<(Noise, DaeConfig), SpectralError> {
        let noise: Noise = self.noise.parse()?;
        noise.validate()?;
        let bad = |m: String| Err(SpectralError::InvalidArgument(m));
        if !(self.lr.is_finite() && self.lr > 0.0 && self.lr <= 10.0) {
            return bad(format!("learning rate {} must be in (0, 10]", self.lr));
        }
        if self.epochs == 0 || self.epochs > 10_000 || self.batch == 0 || self.batch > 65_536 {
            return bad(format!(
                "epochs {} and batch {} must be in 1..=10000 and 1..=65536",
                self.epochs, self.batch
            ));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return bad(format!("momentum {} must be in [0, 1)", self.momentum));
        }
        let optimiser = match self.optimiser.as_str() {
            "sgd" => Optimiser::SgdMomentum {
                momentum: self.momentum as f32,
            },
            "adam" => Optimiser::adam(),
            other => return bad(format!("optimiser `{other}` is not sgd or adam")),
        };
        let config = DaeConfig {
            k: self.k,
            noise,
            epochs: self.epochs,
            lr: self.lr as f32,
            optimiser,
            batch: self.batch,
            seed: self.seed,
            init_scale: INIT_SCALE,
        };
        Ok((noise, config))
    }
}
