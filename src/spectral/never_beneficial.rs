//! The label-free never-beneficial test (docs/maths.md, "Why Gaussian noise never helps").

use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

use super::eigen::mul;
use super::{Gram, Noise, Pca, Pencil, SpectralError};

/// Whether a noise's top-K subspace equals PCA's, at one K.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubspaceVerdict {
    /// Equal within tolerance: at width K this noise cannot help any task.
    Same,
    /// The subspaces differ: the noise changes what a width-K code can tell apart.
    Different,
    /// PCA's own top-K subspace is not unique here (lambda_K = lambda_{K+1} to working
    /// precision), so there is nothing definite to compare with.
    Undetermined,
}

/// Per-K comparison of a noise's top-K generalized eigenspace with PCA's top-K eigenspace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NeverBeneficialReport {
    /// The noise model, as `none`, `gaussian:S` or `mask:P:K`.
    pub noise: String,
    /// Base tolerance on `distance` for calling two subspaces equal.
    pub tolerance: f64,
    /// ||sin Theta_K||_F = sqrt(sum of sin^2 of the K principal angles), K = 1..=D. It bounds
    /// the sine of the largest principal angle from above and is zero iff the spans are equal.
    pub distance: Vec<f64>,
    /// The tolerance actually applied at each K: `tolerance`, widened where PCA's eigengap or the
    /// pencil's is so small that double precision cannot pin either subspace down better
    /// (Davis-Kahan). Where it exceeds 0.1 the verdict is undetermined unless the distance is
    /// within `tolerance` anyway.
    pub threshold: Vec<f64>,
    /// (lambda_K - lambda_{K+1}) / lambda_1, PCA's relative eigengap after K (lambda_{D+1} = 0).
    pub pca_relative_gap: Vec<f64>,
    /// The verdict at each K.
    pub verdict: Vec<SubspaceVerdict>,
    /// True when no K is [`SubspaceVerdict::Different`]: the noise never helps any task.
    pub never_beneficial: bool,
}

/// Default base tolerance on ||sin Theta||_F.
pub const DEFAULT_SUBSPACE_TOLERANCE: f64 = 1e-6;

/// Principal angles (radians, increasing) between span(a) and span(b), D x ka and D x kb: cosines
/// from the singular values of Qa^T Qb, sines from those of (I - Qa Qa^T) Qb, each used where
/// it is accurate (Knyazev and Argentati 2002).
pub fn principal_angles(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Vec<f64>, SpectralError> {
    let (a, b) = if a.ncols() >= b.ncols() {
        (a, b)
    } else {
        (b, a)
    };
    let qa = orthonormal_basis(a);
    let qb = orthonormal_basis(b);
    let overlap = mul(qa.transpose(), qb.as_ref());
    let residual = &qb - mul(qa.as_ref(), overlap.as_ref());
    let mut cos = singular_values(overlap.as_ref())?;
    let mut sin = singular_values(residual.as_ref())?;
    cos.sort_by(|x, y| y.total_cmp(x));
    sin.sort_by(|x, y| x.total_cmp(y));
    Ok((0..b.ncols())
        .map(|i| {
            let c = cos.get(i).copied().unwrap_or(0.0).min(1.0);
            let s = sin.get(i).copied().unwrap_or(0.0).min(1.0);
            if c * c < 0.5 {
                c.acos()
            } else {
                s.asin()
            }
        })
        .collect())
}

fn singular_values(m: MatRef<'_, f64>) -> Result<Vec<f64>, SpectralError> {
    m.singular_values()
        .map_err(|e| SpectralError::Eigensolve(format!("SVD: {e:?}")))
}

/// Orthonormal basis of span(m) in Gram-Schmidt order (column k of Q spans the first k+1
/// columns of m). Columns are normalised first so that a long column cannot swamp the
/// backward error of the short ones.
pub(crate) fn orthonormal_basis(m: MatRef<'_, f64>) -> Mat<f64> {
    let norms: Vec<f64> = (0..m.ncols()).map(|j| m.col(j).norm_l2()).collect();
    let scaled = Mat::from_fn(m.nrows(), m.ncols(), |i, j| {
        if norms[j] > 0.0 {
            m[(i, j)] / norms[j]
        } else {
            0.0
        }
    });
    scaled.qr().compute_thin_Q()
}

/// For each width K, compares the top-K generalized eigenspace of `noise` with PCA's top-K
/// eigenspace; no labels are used. Equal for every K means the noise cannot help any task.
pub fn never_beneficial(
    gram: &Gram,
    noise: &Noise,
    tolerance: f64,
) -> Result<NeverBeneficialReport, SpectralError> {
    let d = gram.d();
    let pca = Pca::new(gram)?;
    let eig = Pencil::new(gram, noise)?.solve()?;
    let q = orthonormal_basis(eig.vectors.as_ref());
    let overlap = mul(pca.vectors.transpose(), q.as_ref());
    // sum sin^2 over the K angles = ||U_{>K}^T Q_K||_F^2: summing squares of the small entries
    // directly avoids the cancellation of K - ||U_K^T Q_K||_F^2.
    let mut tail = Mat::<f64>::zeros(d + 1, d); // tail[(i, j)] = sum_{r >= i} overlap[(r, j)]^2
    for j in 0..d {
        for i in (0..d).rev() {
            tail[(i, j)] = tail[(i + 1, j)] + overlap[(i, j)].powi(2);
        }
    }
    let distance: Vec<f64> = (1..=d)
        .map(|k| (0..k).map(|j| tail[(k, j)]).sum::<f64>().sqrt())
        .collect();
    let pca_relative_gap = relative_gaps(&pca.lambda);
    let noise_gap = relative_gaps(&eig.mu);
    let threshold: Vec<f64> = (0..d)
        .map(|k| {
            tolerance
                .max(precision_limit(pca_relative_gap[k], d) + precision_limit(noise_gap[k], d))
        })
        .collect();
    let verdict: Vec<SubspaceVerdict> = (0..d)
        .map(|k| {
            if distance[k] <= tolerance
                || (distance[k] <= threshold[k] && threshold[k] < UNDETERMINED_THRESHOLD)
            {
                SubspaceVerdict::Same
            } else if threshold[k] >= UNDETERMINED_THRESHOLD {
                SubspaceVerdict::Undetermined
            } else {
                SubspaceVerdict::Different
            }
        })
        .collect();
    Ok(NeverBeneficialReport {
        noise: noise.to_string(),
        tolerance,
        never_beneficial: !verdict.contains(&SubspaceVerdict::Different),
        distance,
        threshold,
        pca_relative_gap,
        verdict,
    })
}

/// Above this threshold on ||sin Theta||_F the comparison says nothing.
const UNDETERMINED_THRESHOLD: f64 = 0.1;

/// (v_K - v_{K+1}) / v_1 for decreasing values v, with v_{D+1} = 0.
fn relative_gaps(values: &[f64]) -> Vec<f64> {
    let top = values[0].max(f64::MIN_POSITIVE);
    (0..values.len())
        .map(|k| (values[k] - values.get(k + 1).copied().unwrap_or(0.0)) / top)
        .collect()
}

/// How well double precision pins down a top-K eigenspace whose relative eigengap is `gap`:
/// Davis-Kahan gives ||sin Theta|| <~ ||E|| / gap for a perturbation E, and a backward-stable
/// eigensolve of a D x D matrix leaves ||E|| ~ sqrt(D) * eps * lambda_1 in practice (the
/// factor 10 is margin; on MNIST the measured distances for Gaussian noise sit 10-100x below).
fn precision_limit(gap: f64, d: usize) -> f64 {
    if gap <= 0.0 {
        f64::INFINITY
    } else {
        10.0 * (d as f64).sqrt() * f64::EPSILON / gap
    }
}
