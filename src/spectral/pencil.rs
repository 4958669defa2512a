//! The denoising pencil (A, B) of each noise, from second moments only (docs/maths.md,
//! "The pencil of each noise").

use faer::{Mat, MatRef};

use super::noise::patch_of;
use super::{GeneralizedEigen, Gram, Noise, NoiseMap, SpectralError};

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
    /// The pencil of `noise` on data with Gram `gram` (docs/maths.md's table).
    pub fn new(gram: &Gram, noise: &Noise) -> Result<Pencil, SpectralError> {
        noise.validate()?;
        let g = gram.matrix();
        let d = gram.d();
        Ok(match *noise {
            Noise::None => Pencil {
                cross: g.to_owned(),
                b: g.to_owned(),
            },
            Noise::Gaussian { std } => {
                let shift = gram.n() as f64 * std * std;
                Pencil {
                    cross: g.to_owned(),
                    b: Mat::from_fn(d, d, |i, j| g[(i, j)] + if i == j { shift } else { 0.0 }),
                }
            }
            Noise::Mask { p, patch } => {
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
            Noise::DropMap { map } => drop_map_pencil(gram, &map),
            Noise::GaussMap { map } => {
                // B = G + N diag(s_i^2); written n * s * s like the isotropic case, so that a
                // uniform map gives the same bits as `gaussian:S`.
                let n = gram.n() as f64;
                let shape = gram.shape();
                let shift: Vec<f64> = (0..d)
                    .map(|i| {
                        let s = map.value(shape, i);
                        n * s * s
                    })
                    .collect();
                Pencil {
                    cross: g.to_owned(),
                    b: Mat::from_fn(d, d, |i, j| g[(i, j)] + if i == j { shift[i] } else { 0.0 }),
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

/// The pencil of a drop map: pixel i (all its channels at once) is kept with probability k_i,
/// independently of the other pixels. C = K G with K = diag(k); B_ij = G_ij k_i when i and j are
/// the same pixel (one keep/drop for both), G_ij k_i k_j otherwise. A uniform map computes the
/// same products as `mask:P:1`, bit for bit.
fn drop_map_pencil(gram: &Gram, map: &NoiseMap) -> Pencil {
    let g = gram.matrix();
    let d = gram.d();
    let shape = gram.shape();
    let plane = shape.h * shape.w;
    let keep: Vec<f64> = (0..d).map(|i| 1.0 - map.value(shape, i)).collect();
    let m = |i: usize, j: usize| {
        if i % plane == j % plane {
            keep[i]
        } else {
            keep[i] * keep[j]
        }
    };
    Pencil {
        cross: Mat::from_fn(d, d, |i, j| keep[i] * g[(i, j)]),
        b: Mat::from_fn(d, d, |i, j| g[(i, j)] * m(i, j)),
    }
}
