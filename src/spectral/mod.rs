//! The paper's closed forms on the CPU in f64.
//!
//! Everything here is a function of the second moments of the preprocessed data, never of the
//! N x D matrix itself (except the one streaming pass that builds them, and the test-set pass of
//! a probe). Names follow `docs/maths.md`:
//!
//! - [`Gram`]: preprocessing (per-pixel centring, one global std) and G = X^T X, Y^T X, n_c.
//! - [`Noise`] (with the designed [`NoiseMap`]s) and [`Pencil`]: the denoising pencil (A, B)
//!   from second moments only.
//! - [`GeneralizedEigen`]: A v = mu B v via Cholesky of B and a symmetric eigensolve.
//! - [`closed_form_dae`]: optimal linear denoising autoencoder of any width K.
//! - [`alignment`] and [`impact_sweep`]: the paper's alignment measure and its noise sweep;
//!   [`MaskFamily`]: every mask of one patch side from one shared eigendecomposition;
//!   [`alignment_scale`]: the clean curve's widths at 90/95/99% against the label-optimal subspace.
//! - [`never_beneficial`]: the label-free test (principal angles to PCA's top-K subspace).
//! - [`subspace_split`]: top/bottom variance subspaces and their linear probes.
//! - [`guided`]: the supervised-plus-reconstruction closed form.
//! - [`top_eigen`]: the top-K eigenpairs of a diagonal plus a low-rank matrix, under a stated
//!   tolerance, with the full dense solve as fallback (the guided encoder's eigensolve).
//! - [`spectrum_energy`]: energy of a linear map's reconstructions along the data eigenvectors;
//!   [`GrowthModes`]: the directions gradient descent grows, their rates and optimum energies.

mod alignment;
mod alignment_scale;
mod byte_gram;
mod dae;
mod eigen;
mod energy;
mod gram;
mod growth;
mod guided;
mod largest_angle;
mod mask_family;
mod never_beneficial;
mod noise;
mod noise_map;
mod pca;
mod pencil;
mod preprocessing;
mod probe;
mod rng;
mod shared_eigen;
mod subspace;
mod top_eigen;

pub use alignment::{
    alignment, alignment_curve, impact, impact_sweep, label_energies_of_basis, total_label_energy,
    AlignmentCurve, ImpactSweep, SweepConfig, SweepRow,
};
pub use alignment_scale::{
    alignment_scale, variance_share, width_reaching, AlignmentScale, SCALE_LEVELS,
};
pub use dae::{closed_form_dae, closed_form_dae_loss, DaeSolution};
pub use eigen::GeneralizedEigen;
pub use energy::{spectrum_energy, spectrum_energy_of_autoencoder, spectrum_energy_of_denoiser};
pub use gram::{Gram, ImageShape, DEFAULT_RELATIVE_RIDGE};
pub use growth::GrowthModes;
pub use guided::{
    binomial_standard_error, guided, guided_encoder, guided_encoder_with, guided_with,
    GuidedReport, GuidedSolver, SplitSizes, GUIDED_GRID,
};
pub use mask_family::MaskFamily;
pub use never_beneficial::{
    never_beneficial, never_beneficial_at, principal_angles, tested_widths, NeverBeneficialReport,
    SubspaceVerdict, ALL_WIDTHS_UP_TO, DEFAULT_SUBSPACE_TOLERANCE,
};
pub use noise::{patch_of, Noise};
pub use noise_map::{NoiseMap, MAP_CELLS, MAP_SIDE};
pub use pca::Pca;
pub use pencil::Pencil;
pub use preprocessing::Preprocessing;
pub use probe::{LinearProbe, ProbeConfig, Split};
pub use rng::SplitMix64;
pub use subspace::{
    min_max_rescale, project_images, subspace_split, SubspaceSide, SubspaceSideTable,
    SubspaceSplit, SubspaceStudy, SubspaceTable, SUBSPACE_FRACTIONS,
};
pub use top_eigen::{
    top_eigen, top_eigen_dense, EigenPath, TopEigen, TOP_EIGEN_MAX_RESTARTS, TOP_EIGEN_MIN_GAP,
    TOP_EIGEN_TOLERANCE,
};

use std::fmt;

/// Why a spectral computation could not be carried out.
#[derive(Clone, Debug, PartialEq)]
pub enum SpectralError {
    /// Inputs whose sizes do not fit together.
    Shape(String),
    /// An argument outside its domain (a probability >= 1, K > D, ...).
    InvalidArgument(String),
    /// A matrix that must be symmetric positive definite is not (numerically).
    NotPositiveDefinite(String),
    /// A symmetric eigensolve did not converge.
    Eigensolve(String),
}

impl fmt::Display for SpectralError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpectralError::Shape(m) => write!(f, "shape mismatch: {m}"),
            SpectralError::InvalidArgument(m) => write!(f, "invalid argument: {m}"),
            SpectralError::NotPositiveDefinite(m) => write!(f, "not positive definite: {m}"),
            SpectralError::Eigensolve(m) => write!(f, "eigensolve failed: {m}"),
        }
    }
}

impl std::error::Error for SpectralError {}
