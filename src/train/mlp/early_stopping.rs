//! Early stopping for the MLP probe: train in epochs, score a held-out validation set after each,
//! keep the weights of the best epoch, and stop after `patience` epochs without a better score
//! (or at the configured number of epochs). The score is the validation accuracy. It moves in
//! steps of one image, so two epochs can tie or nearly tie, and two builds that round a little
//! differently (the page's wasm and the native CLI, a GPU and the CPU) may then keep different
//! epochs. The alternatives were measured on the bundled digits and are worse: the validation
//! cross-entropy stops a wide probe after 2 or 3 epochs (its overconfident mistakes grow the
//! loss while the accuracy still rises), and the mean softmax probability of the right class
//! keeps creeping up with confidence and runs most probes to the epoch cap.

use super::ProbeData;

/// Training to convergence on a validation set: the samples that pick the epoch (carved from the
/// training part, never the test samples) and the patience.
#[derive(Clone, Copy, Debug)]
pub struct EarlyStopping<'a> {
    /// The samples whose accuracy picks the epoch.
    pub validation: ProbeData<'a>,
    /// Epochs without a higher validation accuracy after which training stops (at least 1).
    pub patience: usize,
}

/// The highest validation accuracy seen so far and the epoch that reached it: a later epoch
/// replaces it only when strictly higher, so ties keep the shorter training.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BestEpoch {
    best: Option<(usize, f32)>,
}

impl BestEpoch {
    /// Records the validation score after epoch `epoch` (from 1); true when it is the highest so
    /// far (the caller then keeps the current weights). A NaN score is never the best.
    pub fn record(&mut self, epoch: usize, score: f32) -> bool {
        let better = !score.is_nan() && self.best.is_none_or(|(_, best)| score > best);
        if better {
            self.best = Some((epoch, score));
        }
        better
    }

    /// The best epoch (from 1) and its score, once an epoch was recorded.
    pub fn best(&self) -> Option<(usize, f32)> {
        self.best
    }

    /// True when `patience` epochs have passed since the best one, as of epoch `epoch`.
    pub fn exhausted(&self, epoch: usize, patience: usize) -> bool {
        self.best
            .is_some_and(|(best, _)| epoch >= best + patience.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::BestEpoch;

    #[test]
    fn keeps_the_first_strictly_best_epoch_and_stops_after_the_patience() {
        let scores = [0.5, 0.7, 0.7, 0.6, 0.69, 0.65, 0.9];
        let mut best = BestEpoch::default();
        let mut stopped = None;
        for (i, &s) in scores.iter().enumerate() {
            best.record(i + 1, s);
            if best.exhausted(i + 1, 3) {
                stopped = Some(i + 1);
                break;
            }
        }
        // Epoch 2 reached 0.7; epochs 3 (a tie), 4 and 5 did not beat it: stop after epoch 5.
        assert_eq!(best.best(), Some((2, 0.7)));
        assert_eq!(stopped, Some(5));
        // A diverged epoch (NaN score) is never kept.
        let mut diverged = BestEpoch::default();
        assert!(!diverged.record(1, f32::NAN));
        assert_eq!(diverged.best(), None);
    }
}
