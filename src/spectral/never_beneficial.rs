//! The label-free never-beneficial test (docs/maths.md, "Why Gaussian noise never helps").

use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

use super::eigen::mul;
use super::largest_angle::largest_angles;
use super::{Gram, Noise, SpectralError};

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

/// Per-K comparison of a noise's top-K generalized eigenspace with PCA's top-K eigenspace: the
/// page's `never.json` and `recon-align never-beneficial --json` (one report per noise).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NeverBeneficialReport {
    /// The noise, as `none`, `gaussian:S` or `mask:P:K`.
    pub noise: String,
    /// Base tolerance on the sine of the largest principal angle.
    pub tolerance: f64,
    /// The widths K tested, increasing: every K = 1..=D, or a grid of them for a large D
    /// ([`tested_widths`]). Every other series is given at these widths.
    pub k: Vec<usize>,
    /// The exact largest principal angle, in degrees, between the width-K features learned with
    /// the noise and PCA's, span(X S_K) against span(X U_K), for each K: what any probe on the
    /// code sees. The status and the tolerance apply to this angle.
    pub max_feature_angle_deg: Vec<f64>,
    /// The exact largest principal angle, in degrees, between the pixel-space filter subspaces
    /// span(S_K) and span(U_K), for each K. Never smaller than the feature angle; components of
    /// the filters along G's (ridged) null space, the constant pixels, move it but not the
    /// features.
    pub max_angle_deg: Vec<f64>,
    /// The angle (degrees, finite) under which the two feature subspaces count as the same at
    /// each K: asin of `tolerance`, widened where an eigengap is so small that double precision
    /// cannot pin a subspace down better (Davis-Kahan); 90 where the width is undetermined.
    pub tolerance_deg: Vec<f64>,
    /// (lambda_K - lambda_{K+1}) / lambda_1, PCA's relative eigengap after K (lambda_{D+1} = 0),
    /// at each K tested.
    pub pca_relative_gap: Vec<f64>,
    /// The comparison at each K: same, different, or undetermined (a tie at the K boundary).
    pub status: Vec<SubspaceVerdict>,
    /// `never beneficial` when no determined width is different, else `changes the subspace`.
    pub verdict: String,
    /// True when no K tested is [`SubspaceVerdict::Different`]: the noise never helps any task
    /// (at every width when every width was tested).
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

/// Every width is tested up to this D; above it, [`tested_widths`] is a grid (the test costs
/// O(D^3) per width tested at the top widths, hours in all at D = 3072).
pub const ALL_WIDTHS_UP_TO: usize = 1024;

/// The widths the never-beneficial test compares by default: every K = 1..=D when D <=
/// [`ALL_WIDTHS_UP_TO`]; otherwise every K up to 64, then 64 widths spaced evenly in log K up to
/// D (about 120 widths in all).
pub fn tested_widths(d: usize) -> Vec<usize> {
    if d <= ALL_WIDTHS_UP_TO {
        return (1..=d).collect();
    }
    let mut out: Vec<usize> = (1..=64).collect();
    let ratio = (d as f64 / 64.0).ln();
    for j in 1..=64 {
        let k = (64.0 * (ratio * j as f64 / 64.0).exp()).round() as usize;
        let k = k.clamp(1, d);
        if out.last().is_none_or(|&last| k > last) {
            out.push(k);
        }
    }
    if out.last() != Some(&d) {
        out.push(d);
    }
    out
}

/// [`never_beneficial_at`] at the default widths, [`tested_widths`].
pub fn never_beneficial(
    gram: &Gram,
    noise: &Noise,
    tolerance: f64,
) -> Result<NeverBeneficialReport, SpectralError> {
    never_beneficial_at(gram, noise, tolerance, &tested_widths(gram.d()))
}

/// For each width K of `widths` (increasing, within 1..=D), compares the top-K generalized
/// eigenspace of `noise` with PCA's top-K eigenspace by the exact largest principal angle between
/// their features (and, as a second series, between their pixel-space filters); no labels are
/// used. The same features at every
/// determined K mean the noise cannot help any task.
///
/// A width is undetermined when PCA's or the pencil's eigenvalues K and K+1 are tied to working
/// precision: the relative eigengap is below about 100 sqrt(D) eps (the Davis-Kahan precision
/// limit of a subspace then exceeds 0.1), so the top-K subspace is not defined there.
pub fn never_beneficial_at(
    gram: &Gram,
    noise: &Noise,
    tolerance: f64,
    widths: &[usize],
) -> Result<NeverBeneficialReport, SpectralError> {
    let d = gram.d();
    // The widths first: the eigensolves below cost O(D^3).
    if widths.is_empty()
        || widths.windows(2).any(|w| w[0] >= w[1])
        || !(1..=d).contains(&widths[0])
        || !(1..=d).contains(&widths[widths.len() - 1])
    {
        return Err(SpectralError::InvalidArgument(format!(
            "the widths to test must increase within 1..={d}"
        )));
    }
    let pca = gram.pca()?;
    let eig = gram.generalized_eigen(noise)?;
    // In PCA's coordinates the noise's filters are U^T S. With S = Q R (Q orthonormal, in order),
    // U^T S = (U^T Q) R, so U^T Q is the orthogonal factor of U^T S: the sines of the pixel-space
    // angles between span(U_K) and span(S_K) are the singular values of its block [K.., ..K].
    let coordinates = mul(pca.vectors.transpose(), eig.vectors.as_ref());
    let overlap = orthonormal_basis(coordinates.as_ref());
    let largest_angle = largest_angles(overlap.as_ref(), widths)?;
    // Features: in the inner product <a, b> = a^T G b (that of the features X a and X b), the
    // columns of U Lambda^{-1/2} are orthonormal, and the orthogonal factor of
    // Lambda^{1/2} U^T S is the overlap of the two orthonormal feature bases, in order
    // (docs/maths.md, "Why Gaussian noise never helps, and the label-free test").
    let weighted = Mat::from_fn(d, d, |i, j| {
        pca.lambda[i].max(0.0).sqrt() * coordinates[(i, j)]
    });
    let feature_overlap = orthonormal_basis(weighted.as_ref());
    let feature_angle = largest_angles(feature_overlap.as_ref(), widths)?;
    let largest_sine: Vec<f64> = feature_angle.iter().map(|a| a.sin()).collect();
    let all_gaps = relative_gaps(&pca.lambda);
    let pca_relative_gap: Vec<f64> = widths.iter().map(|&k| all_gaps[k - 1]).collect();
    let noise_gap = relative_gaps(&eig.mu);
    let threshold: Vec<f64> = widths
        .iter()
        .map(|&k| {
            tolerance
                .max(precision_limit(all_gaps[k - 1], d) + precision_limit(noise_gap[k - 1], d))
        })
        .collect();
    // Where an eigengap is too small to pin the subspaces down (threshold >= 0.1) eigenvalues K
    // and K+1 are tied: the width is undetermined, so the status never rests on rounding.
    let (status, tolerance_sine): (Vec<SubspaceVerdict>, Vec<f64>) = (0..widths.len())
        .map(|k| {
            let s = largest_sine[k];
            if threshold[k] < UNDETERMINED_THRESHOLD {
                let same = s <= threshold[k];
                let v = if same {
                    SubspaceVerdict::Same
                } else {
                    SubspaceVerdict::Different
                };
                (v, threshold[k])
            } else {
                // A tie: no top-K subspace is defined, whatever the rounding gave.
                (SubspaceVerdict::Undetermined, 1.0)
            }
        })
        .unzip();
    let never = !status.contains(&SubspaceVerdict::Different);
    let degrees = |sine: f64| sine.clamp(0.0, 1.0).asin().to_degrees();
    Ok(NeverBeneficialReport {
        noise: noise.to_string(),
        tolerance,
        k: widths.to_vec(),
        max_feature_angle_deg: feature_angle.iter().map(|a| a.to_degrees()).collect(),
        max_angle_deg: largest_angle.iter().map(|a| a.to_degrees()).collect(),
        tolerance_deg: tolerance_sine.iter().map(|&t| degrees(t)).collect(),
        pca_relative_gap,
        status,
        verdict: match (never, widths.len() == d) {
            (true, true) => "never beneficial".into(),
            (true, false) => format!("never beneficial at the {} widths tested", widths.len()),
            (false, _) => "changes the subspace".into(),
        },
        never_beneficial: never,
    })
}

/// Above this threshold on the sine the comparison says nothing.
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
