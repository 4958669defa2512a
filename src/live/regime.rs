//! The regime of the learning-order law for heavy-ball SGD (docs/maths.md, "When the law
//! holds"): each direction's step size ε_i = 2·lr·s_i/N, its growth per step under momentum m,
//! and the slope of log t against log s that the discrete dynamics predict.

use serde::{Deserialize, Serialize};

use super::learning_order::least_squares_slope;

/// The settings are in the law's regime when the slope the discrete dynamics predict is within
/// this distance of the law's −1 (with m = 0 that allows ε up to about 0.2; with m = 0.9, about
/// 0.1·(1 − m)² = 0.001).
pub const REGIME_TOLERANCE: f64 = 0.05;

/// The step sizes of one SGD run and what they predict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Regime {
    /// Heavy-ball momentum m (0 for plain SGD).
    pub momentum: f64,
    /// ε_i = 2·lr·s_i/N per growth direction: the relative growth per step the gradient gives a
    /// small direction of rate s_i (N training images; the loss is a mean over the batch).
    pub epsilon: Vec<f64>,
    /// ln z_i, the growth per step of direction i: z the largest root of
    /// z² − (1 + m + ε_i) z + m = 0. The time to learn is proportional to 1/ln z_i.
    pub growth_per_step: Vec<f64>,
    /// (1 − m)²: the law holds while every ε_i is well under it.
    pub momentum_scale: f64,
    /// `predicted_slope` is within [`REGIME_TOLERANCE`] of −1.
    pub inside: bool,
    /// The least-squares slope of log(1/ln z_i) against log s_i over the directions the
    /// measured slope rests on (all K while fewer than two are learned): −1 inside the regime,
    /// towards −1/2 far outside it.
    pub predicted_slope: Option<f64>,
    /// c' of the prediction t = c' / ln z_i, fitted to the measured times (log c' = mean of
    /// log t + log ln z over the learned directions).
    pub predicted_scale: Option<f64>,
}

/// ln of the largest root of z² − (1 + m + ε) z + m = 0: the growth per step of a direction whose
/// gradient step alone would grow it by the factor 1 + ε, under heavy-ball momentum m.
pub fn growth_per_step(epsilon: f64, momentum: f64) -> f64 {
    let b = 1.0 + momentum + epsilon;
    ((b + (b * b - 4.0 * momentum).max(0.0).sqrt()) / 2.0).ln()
}

impl Regime {
    /// The regime of SGD with learning rate `lr` and momentum `momentum` on `n` training images,
    /// for growth rates `rate`; the prediction is fitted over the directions whose times are
    /// `times` (the learned ones are `Some`).
    pub fn new(lr: f64, momentum: f64, n: usize, rate: &[f64], times: &[Option<f64>]) -> Regime {
        let epsilon: Vec<f64> = rate.iter().map(|s| 2.0 * lr * s / n as f64).collect();
        let growth: Vec<f64> = epsilon
            .iter()
            .map(|&e| growth_per_step(e, momentum))
            .collect();
        let usable = |i: usize| rate[i] > 0.0 && growth[i] > 0.0;
        let learned: Vec<usize> = (0..rate.len().min(times.len()))
            .filter(|&i| times[i].is_some_and(|t| t > 0.0) && usable(i))
            .collect();
        let slope = {
            let all: Vec<usize> = (0..rate.len()).filter(|&i| usable(i)).collect();
            let pts: Vec<(f64, f64)> = (if learned.len() >= 2 { &learned } else { &all })
                .iter()
                .map(|&i| (rate[i].ln(), -growth[i].ln()))
                .collect();
            if pts.len() >= 2 {
                least_squares_slope(&pts)
            } else {
                None
            }
        };
        let scale = (!learned.is_empty()).then(|| {
            let sum: f64 = learned
                .iter()
                .map(|&i| times[i].unwrap().ln() + growth[i].ln())
                .sum();
            (sum / learned.len() as f64).exp()
        });
        Regime {
            momentum,
            inside: slope.is_some_and(|s| (s + 1.0).abs() <= REGIME_TOLERANCE),
            epsilon,
            growth_per_step: growth,
            momentum_scale: (1.0 - momentum).powi(2),
            predicted_slope: slope,
            predicted_scale: scale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_per_step_matches_iterating_the_recursion() {
        // a_{t+1} = (1 + ε) a_t + m (a_t − a_{t−1}): the ratio of successive terms tends to z.
        for (eps, m) in [(0.01, 0.0), (0.001, 0.9), (0.03, 0.9), (0.3, 0.5)] {
            let (mut prev, mut cur) = (1.0f64, 1.0f64);
            let mut log = 0.0;
            for _ in 0..4000 {
                let next = (1.0 + eps) * cur + m * (cur - prev);
                log = (next / cur).ln();
                // Renormalise to keep the numbers finite.
                (prev, cur) = (cur / next, 1.0);
            }
            let z = growth_per_step(eps, m);
            assert!(
                (log - z).abs() < 1e-9 * z.max(1e-3),
                "ε {eps}, m {m}: {log} vs {z}"
            );
        }
    }

    #[test]
    fn inside_the_regime_the_prediction_is_the_law_and_far_outside_it_flattens() {
        let rate: Vec<f64> = (0..16).map(|i| 16.0 / (1.0 + i as f64)).collect();
        let times = vec![Some(1.0); 16];
        // Plain SGD with small steps: ln(1 + ε) ≈ ε, so t ∝ 1/s.
        let plain = Regime::new(1e-4, 0.0, 1000, &rate, &times);
        assert!(plain.inside);
        assert!((plain.predicted_slope.unwrap() + 1.0).abs() < 0.01);
        // Momentum 0.9 with ε ≫ (1 − m)²: growth ≈ √ε, so t ∝ s^(−1/2).
        let heavy = Regime::new(10.0, 0.9, 1000, &rate, &times);
        assert!(!heavy.inside);
        let s = heavy.predicted_slope.unwrap();
        assert!((-0.7..=-0.5).contains(&s), "{s}");
    }
}
