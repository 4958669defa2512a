//! The paper's Figure 1 with a non-linear classifier: a small MLP probe, trained on the GPU (or
//! its CPU twin) until its validation accuracy stops improving, on images projected onto the
//! top or the bottom PCA subspace holding a fraction of the variance.

use crate::dataset::Dataset;
use crate::gpu::GpuError;
use crate::spectral::{SpectralError, Split, SubspaceSide, SubspaceStudy};

use super::super::backend::Backend;
use super::{train_mlp_probe_early_stopping, EarlyStopping, MlpConfig, MlpDims, ProbeData};

/// Hidden units of the MLP probe.
pub const MLP_HIDDEN: usize = 64;

/// Share of the probe's training images held out (seeded) to pick its epoch.
pub const MLP_VALIDATION: f64 = 0.1;

/// Epochs without a better validation accuracy after which the probe stops.
pub const MLP_PATIENCE: usize = 5;

/// How the probe's inputs are normalised (docs/maths.md, "Top and bottom variance subspaces"):
/// the dataset's global standardisation, then one scale per subspace fitted on the training
/// images; never per image.
pub const MLP_NORMALISATION: &str = "one scale per subspace";

/// The probe's training: Adam at lr 1e-3 on batches of 128, at most 100 epochs, stopped
/// [`MLP_PATIENCE`] epochs after the best validation accuracy.
pub fn mlp_probe_config(seed: u64) -> MlpConfig {
    MlpConfig {
        epochs: 100,
        lr: 1e-2,
        seed,
        ..MlpConfig::default()
    }
}

/// The MLP probe's score on one subspace.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MlpScore {
    /// Fraction of the scored images classified correctly.
    pub accuracy: f64,
    /// Dimension of the subspace (the probe's inputs).
    pub dims: usize,
    /// Epochs behind the kept weights (the best validation epoch).
    pub epochs: usize,
    /// Epochs trained before stopping.
    pub epochs_run: usize,
    /// Accuracy of the kept weights on the validation images.
    pub validation_accuracy: f64,
}

/// Why an MLP score could not be computed.
#[derive(Debug)]
pub enum StudyError {
    /// The closed forms refused the inputs.
    Spectral(SpectralError),
    /// The GPU failed (the caller may retry on the CPU).
    Gpu(GpuError),
}

impl std::fmt::Display for StudyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StudyError::Spectral(e) => write!(f, "{e}"),
            StudyError::Gpu(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StudyError {}

/// The probe's input for each of the images `rows`: the coordinates z = V^T x of its
/// preprocessed pixels x (the dataset's global standardisation, fitted on the study's training
/// part) in the subspace V = the eigenvectors `dims`, divided by one number s for all images,
/// s^2 = the mean of z_j^2 over the training images and the k coordinates. The projected image
/// V z has the norm of z, so the probe sees the projection in an orthonormal basis, as every
/// image's own length and sign; s only brings each subspace's inputs to a mean variance of 1.
/// Row-major, k values per image.
pub fn subspace_features(
    study: &SubspaceStudy,
    data: &Dataset,
    dims: &[usize],
    rows: &[usize],
) -> Vec<f32> {
    let coordinates = study.coordinates(data);
    let train = &study.split().train;
    let square: f64 = train
        .iter()
        .flat_map(|&r| dims.iter().map(move |&j| coordinates[(r, j)].powi(2)))
        .sum();
    let mean_square = square / (train.len() * dims.len()).max(1) as f64;
    let scale = if mean_square > 0.0 {
        1.0 / mean_square.sqrt()
    } else {
        1.0
    };
    rows.iter()
        .flat_map(|&r| {
            dims.iter()
                .map(move |&j| (coordinates[(r, j)] * scale) as f32)
        })
        .collect()
}

/// Trains the probe on the images `fit`, less a seeded share [`MLP_VALIDATION`] of them that
/// picks the epoch, and scores it on the images `score`, all projected on the `side` subspace
/// of `study` holding `fraction` of the variance.
async fn probe_accuracy(
    study: &SubspaceStudy,
    backend: Backend<'_>,
    data: &Dataset,
    (fraction, side): (f64, SubspaceSide),
    (fit, score): (&[usize], &[usize]),
    config: &MlpConfig,
) -> Result<MlpScore, StudyError> {
    let dims = study.dims(fraction, side).map_err(StudyError::Spectral)?;
    let carve = Split::new(fit.len(), MLP_VALIDATION, config.seed).map_err(StudyError::Spectral)?;
    let pick = |idx: &[usize]| idx.iter().map(|&i| fit[i]).collect::<Vec<usize>>();
    let (train, validation) = (pick(&carve.train), pick(&carve.test));
    let labels = |rows: &[usize]| rows.iter().map(|&i| data.labels[i]).collect::<Vec<u8>>();
    let features = |rows: &[usize]| subspace_features(study, data, &dims, rows);
    let (train_x, validation_x, score_x) =
        (features(&train), features(&validation), features(score));
    let (train_y, validation_y, score_y) = (labels(&train), labels(&validation), labels(score));
    let report = train_mlp_probe_early_stopping(
        backend,
        ProbeData {
            x: &train_x,
            y: &train_y,
        },
        EarlyStopping {
            validation: ProbeData {
                x: &validation_x,
                y: &validation_y,
            },
            patience: MLP_PATIENCE,
        },
        ProbeData {
            x: &score_x,
            y: &score_y,
        },
        MlpDims {
            features: dims.len(),
            hidden: MLP_HIDDEN,
            classes: data.classes,
        },
        config,
    )
    .await
    .map_err(StudyError::Gpu)?;
    Ok(MlpScore {
        accuracy: f64::from(report.test_acc),
        dims: dims.len(),
        epochs: report.epochs,
        epochs_run: report.losses.len(),
        validation_accuracy: report
            .epochs
            .checked_sub(1)
            .and_then(|e| report.validation_acc.get(e))
            .map_or(f64::NAN, |&a| f64::from(a)),
    })
}

/// Test accuracy of the MLP probe on the `side` subspace of `study` holding `fraction` of the
/// variance, the number of dimensions of that subspace and the epochs trained: the same split
/// and the same training-set PCA as the linear probes of [`crate::spectral`].
pub async fn mlp_subspace_accuracy(
    study: &SubspaceStudy,
    backend: Backend<'_>,
    data: &Dataset,
    fraction: f64,
    side: SubspaceSide,
    config: &MlpConfig,
) -> Result<MlpScore, StudyError> {
    let split = study.split();
    let rows = (split.train.as_slice(), split.test.as_slice());
    probe_accuracy(study, backend, data, (fraction, side), rows, config).await
}

/// Validation accuracy of the MLP probe: trained on the training part less a seeded share
/// `validation` of it, scored on that share. The test images are not touched, so settings chosen
/// on this number stay honest on the test set.
pub async fn mlp_validation_accuracy(
    study: &SubspaceStudy,
    backend: Backend<'_>,
    data: &Dataset,
    (fraction, side): (f64, SubspaceSide),
    validation: f64,
    config: &MlpConfig,
) -> Result<f64, StudyError> {
    let train = &study.split().train;
    let carve = Split::new(train.len(), validation, config.seed).map_err(StudyError::Spectral)?;
    let pick = |idx: &[usize]| idx.iter().map(|&i| train[i]).collect::<Vec<usize>>();
    let (fit, held) = (pick(&carve.train), pick(&carve.test));
    let rows = (fit.as_slice(), held.as_slice());
    let score = probe_accuracy(study, backend, data, (fraction, side), rows, config).await?;
    Ok(score.accuracy)
}
