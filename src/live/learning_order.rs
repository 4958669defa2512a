//! The order in which gradient descent learns a linear autoencoder's directions (docs/maths.md,
//! "The learning-order law"): the time at which each of the top-K growth directions first holds
//! half of its energy at the closed-form optimum, and the 1/s law fitted to those times, with a
//! bootstrap interval on its slope.

use serde::{Deserialize, Serialize};

use crate::spectral::SplitMix64;

use super::regime::Regime;

/// A direction is timed only if half its optimum energy is at least this many times its energy
/// under the initial weights: below that, reaching half the optimum is not a learning event.
pub const LEARNED_GROWTH: f64 = 4.0;

/// Once timed, a direction must not fall back below this fraction of its optimum energy at a
/// later checkpoint; if it does, the crossing was a passing bump and the next one counts.
pub const FALL_BACK: f64 = 0.25;

/// Bootstrap resamples of the slope's interval.
const RESAMPLES: usize = 2000;

/// How a direction stands at the latest checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectionStatus {
    /// It reached half its optimum energy, and stayed above [`FALL_BACK`] of it.
    Learned,
    /// It has not (yet) reached half its optimum energy.
    NotLearned,
    /// Half its optimum energy is within [`LEARNED_GROWTH`] of its initial energy: nothing to
    /// learn, so not timed.
    NoGrowth,
}

/// When each of the top-K growth directions was learned, and the law beside it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LearningOrder {
    /// What the rate s is: `λ`, `(1−p)·λ` or `s(C)` (spectral::GrowthModes).
    pub rate_name: String,
    /// s_i of each growth direction, decreasing: the rate that drives it while weights are small.
    pub rate: Vec<f64>,
    /// The expected energy of the closed-form optimum's reconstructions along each direction.
    pub optimum_energy: Vec<f64>,
    /// Energy at the latest checkpoint over the optimum energy, per direction.
    pub reached: Vec<f64>,
    /// Training time (epochs, fractional) at which each direction first reached half of its
    /// optimum energy, interpolated geometrically between checkpoints; `None` (null) unless
    /// `status` is `learned`.
    pub half_optimum_epoch: Vec<Option<f64>>,
    /// Per direction: learned, not_learned or no_growth.
    pub status: Vec<DirectionStatus>,
    /// How many directions the fit rests on (the learned ones).
    pub fitted: usize,
    /// Least-squares slope of log t against log s over the learned directions; the law says −1.
    /// `None` with fewer than 3 of them.
    pub slope: Option<f64>,
    /// 95% bootstrap interval of `slope` (resampling the directions), `[low, high]`.
    pub slope_interval: Option<[f64; 2]>,
    /// c of the law t = c / s, fitted with the slope fixed at −1 (log c = mean of log t + log s).
    pub law_scale: Option<f64>,
    /// For heavy-ball SGD: the step size per direction, the law's regime and the slope the
    /// discrete dynamics predict. `None` for Adam, whose steps have no such rate.
    pub regime: Option<Regime>,
}

impl LearningOrder {
    /// From the energies along the growth directions at each checkpoint (`(time in epochs,
    /// energies)`, in order, the first under the initial weights), their rates and optimum
    /// energies, and the run's regime when it has one.
    pub fn new(
        history: &[(f64, Vec<f64>)],
        rate_name: &str,
        rate: &[f64],
        optimum_energy: &[f64],
        regime: Option<Regime>,
    ) -> LearningOrder {
        let k = rate.len().min(optimum_energy.len());
        let latest = history.last().map(|h| &h.1[..]).unwrap_or(&[]);
        let (status, half_optimum_epoch): (Vec<_>, Vec<_>) = (0..k)
            .map(|i| time_to_half(history, i, optimum_energy[i]))
            .unzip();
        let reached = (0..k)
            .map(|i| latest.get(i).copied().unwrap_or(0.0) / optimum_energy[i])
            .collect();
        let points: Vec<(f64, f64)> = half_optimum_epoch
            .iter()
            .zip(rate)
            .filter_map(|(t, &s)| t.filter(|&t| t > 0.0 && s > 0.0).map(|t| (s.ln(), t.ln())))
            .collect();
        let slope = (points.len() >= 3)
            .then(|| least_squares_slope(&points))
            .flatten();
        let slope_interval = slope.and_then(|_| bootstrap_interval(&points));
        let law_scale = (!points.is_empty())
            .then(|| (points.iter().map(|(x, y)| x + y).sum::<f64>() / points.len() as f64).exp());
        LearningOrder {
            rate_name: rate_name.to_string(),
            rate: rate[..k].to_vec(),
            optimum_energy: optimum_energy[..k].to_vec(),
            reached,
            half_optimum_epoch,
            status,
            fitted: points.len(),
            slope,
            slope_interval,
            law_scale,
            regime,
        }
    }
}

/// Whether direction `i` was learned, and when: the first checkpoint at which its energy reaches
/// half of `target` and after which it never falls below [`FALL_BACK`] of it.
fn time_to_half(
    history: &[(f64, Vec<f64>)],
    i: usize,
    target: f64,
) -> (DirectionStatus, Option<f64>) {
    let energy = |j: usize| history[j].1[i];
    let Some(initial) = history.first().map(|h| h.1[i]) else {
        return (DirectionStatus::NotLearned, None);
    };
    let half = target / 2.0;
    if !(target.is_finite() && half > 0.0 && half >= LEARNED_GROWTH * initial.max(0.0)) {
        return (DirectionStatus::NoGrowth, None);
    }
    // The last checkpoint below FALL_BACK of the target: a crossing before it does not count.
    let floor = (0..history.len())
        .rev()
        .find(|&j| energy(j) < FALL_BACK * target)
        .map_or(0, |j| j + 1);
    let Some(t) = (floor.max(1)..history.len()).find(|&j| energy(j) >= half) else {
        return (DirectionStatus::NotLearned, None);
    };
    let (before, after) = (energy(t - 1), energy(t));
    let (t0, t1) = (history[t - 1].0, history[t].0);
    // Geometric interpolation: the energy grows exponentially while a direction is learned.
    let fraction = if before > 0.0 && after > before {
        (half / before).ln() / (after / before).ln()
    } else if after > before {
        (half - before) / (after - before)
    } else {
        1.0
    };
    (
        DirectionStatus::Learned,
        Some(t0 + (t1 - t0) * fraction.clamp(0.0, 1.0)),
    )
}

/// Least-squares slope of y on x, `None` when the x values do not vary.
pub(super) fn least_squares_slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 1e-12 * n).then(|| sxy / sxx)
}

/// The 2.5% and 97.5% quantiles of the slope over [`RESAMPLES`] resamples of the points with
/// replacement (a fixed seed: the same points give the same interval).
fn bootstrap_interval(points: &[(f64, f64)]) -> Option<[f64; 2]> {
    let mut rng = SplitMix64::new(0x1ea4_0d3e);
    let mut slopes: Vec<f64> = (0..RESAMPLES)
        .filter_map(|_| {
            let sample: Vec<(f64, f64)> = (0..points.len())
                .map(|_| points[rng.below(points.len())])
                .collect();
            least_squares_slope(&sample)
        })
        .collect();
    if slopes.len() < RESAMPLES / 2 {
        return None;
    }
    slopes.sort_by(f64::total_cmp);
    let at = |q: f64| slopes[((q * (slopes.len() - 1) as f64).round()) as usize];
    Some([at(0.025), at(0.975)])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Energies e(t) = min(2^t, 64) sampled at `times`.
    fn doubling(times: &[f64]) -> Vec<(f64, Vec<f64>)> {
        times
            .iter()
            .map(|&t| (t, vec![f64::min(2f64.powf(t), 64.0)]))
            .collect()
    }

    #[test]
    fn an_exponential_rise_is_timed_between_checkpoints() {
        // Half of the optimum 64 is 32 = 2^5, reached at t = 5, however coarse the sampling.
        for step in [0.125, 1.0, 2.0] {
            let times: Vec<f64> = (0..=(8.0 / step) as usize)
                .map(|j| j as f64 * step)
                .collect();
            let order = LearningOrder::new(&doubling(&times), "λ", &[1.0], &[64.0], None);
            let t = order.half_optimum_epoch[0].unwrap();
            assert!((t - 5.0).abs() < 1e-12, "step {step}: {t}");
            assert_eq!(order.status[0], DirectionStatus::Learned);
            assert!((order.reached[0] - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn a_passing_bump_is_not_a_learning_event() {
        // Up to 40 at t = 1 (over half of 64), back to 2, then up again through 32 at t = 5.
        let mut history = doubling(&[0.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        history.insert(1, (1.0, vec![40.0]));
        history.insert(2, (1.5, vec![2.0]));
        let order = LearningOrder::new(&history, "λ", &[1.0], &[64.0], None);
        assert!((order.half_optimum_epoch[0].unwrap() - 5.0).abs() < 1e-12);
    }

    #[test]
    fn directions_short_of_half_their_optimum_are_not_timed() {
        // Latest energy 20 of an optimum 64: a latest-energy target would call it learned.
        let history = doubling(&[0.0, 1.0, 2.0, 3.0, 4.0, 4.3219]);
        let order = LearningOrder::new(&history, "λ", &[1.0], &[64.0], None);
        assert_eq!(order.status[0], DirectionStatus::NotLearned);
        assert_eq!(order.half_optimum_epoch[0], None);
        // An optimum within LEARNED_GROWTH of the initial energy is nothing to learn.
        let order = LearningOrder::new(&history, "λ", &[1.0], &[6.0], None);
        assert_eq!(order.status[0], DirectionStatus::NoGrowth);
    }

    #[test]
    fn the_law_and_its_interval_are_fitted_on_the_learned_directions() {
        // Directions learned at t = 1/s exactly (slope −1, c = 1), and one that is not.
        let rate = [8.0, 4.0, 2.0, 1.0, 0.25];
        let history: Vec<(f64, Vec<f64>)> = (0..=300)
            .map(|j| {
                let t = j as f64 / 100.0;
                let e = rate
                    .iter()
                    .map(|&s| (0.5 * (2.0 * s * (t - 1.0 / s)).exp()).min(1.0))
                    .collect();
                (t, e)
            })
            .collect();
        let order = LearningOrder::new(&history, "λ", &rate, &[1.0; 5], None);
        for (i, s) in rate[..4].iter().enumerate() {
            let t = order.half_optimum_epoch[i].unwrap();
            assert!((t - 1.0 / s).abs() < 1e-9, "{t} vs {}", 1.0 / s);
        }
        assert_eq!(order.status[4], DirectionStatus::NotLearned);
        assert_eq!(order.fitted, 4);
        assert!((order.slope.unwrap() + 1.0).abs() < 1e-9);
        assert!((order.law_scale.unwrap() - 1.0).abs() < 1e-9);
        let [lo, hi] = order.slope_interval.unwrap();
        assert!(lo <= -1.0 + 1e-9 && hi >= -1.0 - 1e-9, "[{lo}, {hi}]");
    }
}
