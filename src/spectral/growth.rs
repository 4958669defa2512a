//! The directions in which gradient descent grows a linear (denoising) autoencoder from a small
//! initialisation, the rate that drives each, and the energy each holds at the closed-form
//! optimum (docs/maths.md, "The learning-order law").

use faer::Mat;

use super::eigen::{fix_signs, mul, symmetric_eigen_decreasing};
use super::energy::energy_along;
use super::{Gram, Noise, Pencil, SpectralError};

/// The top-K growth directions of a run: the left singular vectors l_i of the transposed cross
/// moment Cᵀ (the map gradient descent follows while the weights are small), its singular
/// values s_i, and the expected energy of the optimal denoiser's reconstructions along each l_i.
#[derive(Clone, Debug)]
pub struct GrowthModes {
    /// What s_i is in terms of the data: `λ` (no noise, Gaussian noise or a Gaussian map, where
    /// C = G), `(1−p)·λ` (a mask, where C = (1−p) G), or `s(C)` (a drop map: C = diag(keep) G,
    /// whose singular vectors are not PCA's).
    pub rate_name: String,
    /// s_i, decreasing.
    pub rates: Vec<f64>,
    /// l_i (D x K), orthonormal columns.
    pub vectors: Mat<f64>,
    /// l_iᵀ M* B M*ᵀ l_i for the optimal width-K map M* = W* E*.
    pub optimum_energy: Vec<f64>,
    /// The closed-form optimum of the loss, trace(G) − Σ_{k≤K} μ_k (summed over the data).
    pub optimum_loss: f64,
}

impl GrowthModes {
    /// The growth directions of `noise` at width `k` on data with Gram `gram` (its pencil and
    /// generalized eigenvectors, which `gram` keeps).
    pub fn new(gram: &Gram, noise: &Noise, k: usize) -> Result<GrowthModes, SpectralError> {
        let d = gram.d();
        if k == 0 || k > d {
            return Err(SpectralError::InvalidArgument(format!(
                "width K={k} must be in 1..={d}"
            )));
        }
        let pencil = Pencil::new(gram, noise)?;
        let (rate_name, rates, vectors) = match *noise {
            Noise::None | Noise::Gaussian { .. } | Noise::GaussMap { .. } => {
                let pca = gram.pca()?;
                ("λ".to_string(), pca.lambda.clone(), pca.vectors.clone())
            }
            Noise::Mask { p, .. } => {
                let pca = gram.pca()?;
                let rates = pca.lambda.iter().map(|l| (1.0 - p) * l).collect();
                ("(1−p)·λ".to_string(), rates, pca.vectors.clone())
            }
            Noise::DropMap { .. } => {
                // Left singular vectors of Cᵀ: the eigenvectors of Cᵀ C.
                let ctc = mul(pencil.cross.transpose(), pencil.cross.as_ref());
                let (values, mut vectors) = symmetric_eigen_decreasing(ctc.as_ref())?;
                fix_signs(&mut vectors);
                let rates = values.iter().map(|v| v.max(0.0).sqrt()).collect();
                ("s(C)".to_string(), rates, vectors)
            }
        };
        let vectors = vectors.subcols(0, k).to_owned();
        let rates: Vec<f64> = rates[..k].to_vec();
        // M* B M*ᵀ = Cᵀ S_K S_Kᵀ C with B-normalised S_K, so the energy along l is ‖S_Kᵀ C l‖².
        let eig = gram.generalized_eigen(noise)?;
        let s_k = eig.top(k);
        let projected = mul(
            s_k.transpose(),
            mul(pencil.cross.as_ref(), vectors.as_ref()).as_ref(),
        );
        let optimum_energy = (0..k)
            .map(|j| (0..k).map(|i| projected[(i, j)].powi(2)).sum())
            .collect();
        let optimum_loss = gram.trace() - eig.mu[..k].iter().sum::<f64>();
        Ok(GrowthModes {
            rate_name,
            rates,
            vectors,
            optimum_energy,
            optimum_loss,
        })
    }

    /// The expected energy of a denoiser's reconstructions along each growth direction, for
    /// encoder E (K x D) and decoder W (D x K), row-major, on inputs of second moment
    /// `input_moment` (the pencil's B): about K·D² multiply-adds.
    pub fn energies(
        &self,
        input_moment: faer::MatRef<'_, f64>,
        encoder: &[f64],
        decoder: &[f64],
    ) -> Result<Vec<f64>, SpectralError> {
        energy_along(input_moment, self.vectors.as_ref(), encoder, decoder)
    }
}
