//! The order in which gradient descent learns the data's eigendirections (docs/maths.md, "The
//! learning-order law"): the epoch at which each of the top-K directions reaches half of its
//! latest energy, and the 1/λ law of the linear theory fitted to those epochs.

use serde::{Deserialize, Serialize};

/// A direction counts as learned once its energy has grown this many times over its energy
/// under the initial weights; before that, "half its final energy" is not a learning event.
pub const LEARNED_GROWTH: f64 = 4.0;

/// When each of the top-K data eigendirections was learned, and the 1/λ law beside it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LearningOrder {
    /// For each eigendirection i < K (by decreasing eigenvalue): the epoch, fractional, at which
    /// the energy of the reconstructions along it first reached half of its value at the latest
    /// epoch. Epoch 0 is the initial weights; between two epochs the energy is interpolated
    /// geometrically (it grows exponentially while a direction is being learned). `None` (null in
    /// JSON) where the latest energy is under [`LEARNED_GROWTH`] times the initial one.
    pub half_energy_epoch: Vec<Option<f64>>,
    /// c of the law t = c / λ, fitted by least squares on log t = log c − log λ over the
    /// directions that have a half-energy epoch; `None` with fewer than two of them.
    pub law_scale: Option<f64>,
    /// Least-squares slope of log t against log λ over the same directions; the law says −1.
    pub slope: Option<f64>,
}

impl LearningOrder {
    /// From the energies along the data eigenvectors: `history[0]` under the initial weights, then
    /// one entry per finished epoch; `lambda` the data spectrum (decreasing); `k` the code width.
    pub fn from_history(history: &[Vec<f64>], lambda: &[f64], k: usize) -> LearningOrder {
        let latest = history.last().map_or(&[][..], |v| &v[..]);
        let k = k.min(lambda.len()).min(latest.len());
        let half_energy_epoch: Vec<Option<f64>> = (0..k)
            .map(|i| half_epoch(history.iter().map(|e| e[i]), latest[i]))
            .collect();
        let points: Vec<(f64, f64)> = half_energy_epoch
            .iter()
            .zip(lambda)
            .filter_map(|(t, &l)| t.filter(|&t| t > 0.0 && l > 0.0).map(|t| (l.ln(), t.ln())))
            .collect();
        let (law_scale, slope) = if points.len() >= 2 {
            let n = points.len() as f64;
            // With the slope fixed at −1, log c is the mean of log t + log λ.
            let log_c = points.iter().map(|(x, y)| x + y).sum::<f64>() / n;
            let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
            let my = points.iter().map(|p| p.1).sum::<f64>() / n;
            let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
            let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
            (Some(log_c.exp()), (sxx > 0.0).then(|| sxy / sxx))
        } else {
            (None, None)
        };
        LearningOrder {
            half_energy_epoch,
            law_scale,
            slope,
        }
    }
}

/// The fractional epoch at which `energies` (epoch 0, 1, …) first reach `latest / 2`.
fn half_epoch(energies: impl Iterator<Item = f64>, latest: f64) -> Option<f64> {
    let energies: Vec<f64> = energies.collect();
    let initial = *energies.first()?;
    if !(latest.is_finite() && latest > 0.0 && latest >= LEARNED_GROWTH * initial.max(0.0)) {
        return None;
    }
    let half = latest / 2.0;
    let t = energies.iter().position(|&e| e >= half)?;
    if t == 0 {
        return Some(0.0);
    }
    let (before, after) = (energies[t - 1], energies[t]);
    let fraction = if before > 0.0 {
        (half / before).ln() / (after / before).ln()
    } else {
        (half - before) / (after - before)
    };
    Some((t - 1) as f64 + fraction.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exponential_rise_is_timed_between_epochs() {
        // e(t) = 2^t until saturation at 64: half of 64 is 32 = 2^5, reached at t = 5.
        let history: Vec<Vec<f64>> = (0..=8)
            .map(|t| vec![f64::min(2f64.powi(t), 64.0)])
            .collect();
        let order = LearningOrder::from_history(&history, &[1.0], 1);
        assert!((order.half_energy_epoch[0].unwrap() - 5.0).abs() < 1e-12);
        // Sampled only at even epochs, the geometric interpolation still finds t = 5.
        let even: Vec<Vec<f64>> = history.iter().step_by(2).cloned().collect();
        let t = LearningOrder::from_history(&even, &[1.0], 1).half_energy_epoch[0].unwrap();
        assert!((t - 2.5).abs() < 1e-12, "{t} (in units of two epochs)");
    }

    #[test]
    fn directions_that_did_not_grow_have_no_epoch_and_the_law_is_fitted() {
        // Three directions learned at t = 1/λ exactly, a fourth that never grew.
        let lambda = [4.0, 2.0, 1.0, 0.5];
        let times = [0.25f64, 0.5, 1.0];
        // e(t) = exp(r (t - h)) / 2 rises exponentially through 1/2 at t = h, then stops at 1.
        let history: Vec<Vec<f64>> = (0..=400)
            .map(|s| {
                let t = s as f64 / 100.0;
                let mut e: Vec<f64> = times
                    .iter()
                    .map(|&h| (0.5 * (20.0 / h * (t - h)).exp()).min(1.0))
                    .collect();
                e.push(1e-6);
                e
            })
            .collect();
        let order = LearningOrder::from_history(&history, &lambda, 4);
        for (got, want) in order.half_energy_epoch.iter().zip(times) {
            assert!(
                (got.unwrap() / 100.0 - want).abs() < 1e-9,
                "{got:?} vs {want}"
            );
        }
        assert_eq!(order.half_energy_epoch[3], None);
        assert!((order.slope.unwrap() + 1.0).abs() < 1e-9);
        assert!((order.law_scale.unwrap() / 100.0 - 1.0).abs() < 1e-9);
    }
}
