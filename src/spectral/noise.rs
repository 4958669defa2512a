//! Noise models and their pencils (paper.md, the table under "Denoising: the closed form for any
//! noise").

use std::fmt;
use std::str::FromStr;

use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

use super::{GeneralizedEigen, Gram, ImageShape, SpectralError};

/// The corruption x -> x~ a denoising autoencoder learns to undo.
///
/// Written and parsed as `none`, `gaussian:S` or `mask:P:K`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum NoiseModel {
    /// Plain reconstruction (the linear autoencoder, i.e. PCA).
    None,
    /// Additive isotropic Gaussian noise of standard deviation `std` per preprocessed pixel.
    Gaussian {
        /// Standard deviation s, in units of the preprocessed pixels.
        std: f64,
    },
    /// Masking: each `patch` x `patch` patch (tiling the image from the top-left, all channels
    /// together) is dropped (set to zero) with probability `p`; kept pixels are not rescaled.
    Mask {
        /// Drop probability p in [0, 1).
        p: f64,
        /// Patch side k >= 1, in pixels.
        patch: usize,
    },
}

impl fmt::Display for NoiseModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoiseModel::None => write!(f, "none"),
            NoiseModel::Gaussian { std } => write!(f, "gaussian:{std}"),
            NoiseModel::Mask { p, patch } => write!(f, "mask:{p}:{patch}"),
        }
    }
}

impl FromStr for NoiseModel {
    type Err = SpectralError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| {
            SpectralError::InvalidArgument(format!(
                "noise '{s}': {why} (expected none, gaussian:S or mask:P:K)"
            ))
        };
        let parts: Vec<&str> = s.trim().split(':').collect();
        let number = |text: &str, what: &str| -> Result<f64, SpectralError> {
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(&format!("{what} '{text}' is not a finite number")))
        };
        let noise = match parts.as_slice() {
            ["none"] => NoiseModel::None,
            ["gaussian", std] => NoiseModel::Gaussian {
                std: number(std, "std S")?,
            },
            ["mask", p, k] => NoiseModel::Mask {
                p: number(p, "drop probability P")?,
                patch: k
                    .parse()
                    .map_err(|_| bad(&format!("patch size K '{k}' is not a positive integer")))?,
            },
            [kind, ..] if !matches!(*kind, "none" | "gaussian" | "mask") => {
                return Err(bad(&format!("unknown kind '{kind}'")))
            }
            _ => return Err(bad("wrong number of ':'-separated fields")),
        };
        noise.validate().map_err(|e| match e {
            SpectralError::InvalidArgument(why) => bad(&why),
            other => other,
        })?;
        Ok(noise)
    }
}

impl NoiseModel {
    /// Checks the parameters: s >= 0, p in [0, 1), k >= 1.
    pub fn validate(&self) -> Result<(), SpectralError> {
        match *self {
            NoiseModel::None => Ok(()),
            NoiseModel::Gaussian { std } if std.is_finite() && std >= 0.0 => Ok(()),
            NoiseModel::Gaussian { std } => Err(SpectralError::InvalidArgument(format!(
                "Gaussian std {std} must be finite and >= 0"
            ))),
            NoiseModel::Mask { p, patch } if (0.0..1.0).contains(&p) && patch >= 1 => Ok(()),
            NoiseModel::Mask { p, patch } => Err(SpectralError::InvalidArgument(format!(
                "mask needs 0 <= p < 1 and patch >= 1, got p={p}, patch={patch}"
            ))),
        }
    }
}

/// The patch (0-based, row-major over the patch grid) that pixel `i` of a channel-major image
/// falls in; patches tile each channel from the top-left and share their index across channels.
pub(crate) fn patch_of(shape: ImageShape, patch: usize, i: usize) -> usize {
    let plane = shape.h * shape.w;
    let (y, x) = ((i % plane) / shape.w, i % shape.w);
    let across = shape.w.div_ceil(patch);
    (y / patch) * across + x / patch
}

/// The denoising pencil (A, B) of a noise model, from second moments only: A = C C^T with the
/// cross moment C = sum E[x~] x^T, and B = sum E[x~ x~^T].
#[derive(Clone, Debug)]
pub struct Pencil {
    /// C (D x D), so that A = C C^T; the decoder also needs it.
    pub cross: Mat<f64>,
    /// B (D x D), symmetric positive definite.
    pub b: Mat<f64>,
}

impl Pencil {
    /// The pencil of `noise` on data with Gram `gram` (paper.md's table).
    pub fn new(gram: &Gram, noise: &NoiseModel) -> Result<Pencil, SpectralError> {
        noise.validate()?;
        let g = gram.matrix();
        let d = gram.d();
        Ok(match *noise {
            NoiseModel::None => Pencil {
                cross: g.to_owned(),
                b: g.to_owned(),
            },
            NoiseModel::Gaussian { std } => {
                let shift = gram.n() as f64 * std * std;
                Pencil {
                    cross: g.to_owned(),
                    b: Mat::from_fn(d, d, |i, j| g[(i, j)] + if i == j { shift } else { 0.0 }),
                }
            }
            NoiseModel::Mask { p, patch } => {
                let keep = 1.0 - p;
                let shape = gram.shape();
                let patches: Vec<usize> = (0..d).map(|i| patch_of(shape, patch, i)).collect();
                // Two pixels survive together with probability 1-p when one patch holds both,
                // and (1-p)^2 when their patches are dropped independently.
                let m = |i: usize, j: usize| {
                    if patches[i] == patches[j] {
                        keep
                    } else {
                        keep * keep
                    }
                };
                Pencil {
                    cross: Mat::from_fn(d, d, |i, j| keep * g[(i, j)]),
                    b: Mat::from_fn(d, d, |i, j| g[(i, j)] * m(i, j)),
                }
            }
        })
    }

    /// A = C C^T.
    pub fn a(&self) -> Mat<f64> {
        super::eigen::mul(self.cross.as_ref(), self.cross.transpose())
    }

    /// B.
    pub fn b(&self) -> MatRef<'_, f64> {
        self.b.as_ref()
    }

    /// The generalized eigenpairs of A v = mu B v, mu decreasing, B-normalised.
    pub fn solve(&self) -> Result<GeneralizedEigen, SpectralError> {
        GeneralizedEigen::solve(self.cross.as_ref(), self.b.as_ref())
    }
}
