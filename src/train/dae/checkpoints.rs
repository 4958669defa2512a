//! When a training run reads its weights inside an epoch, so that the learning order can time a
//! direction to a fraction of an epoch (docs/maths.md, "Measuring the learning order").

/// Checkpoints in epoch `epoch` (0-based), the end of the epoch included: 8 in each of the first
/// two epochs, where the top directions are learned, then 4, 2, and from epoch 9 on only the end.
/// A direction learned at time t is then timed from samples at most about t/8 apart, past the
/// first epoch.
pub fn checkpoints_in_epoch(epoch: usize) -> usize {
    match epoch {
        0 | 1 => 8,
        2 | 3 => 4,
        4..=7 => 2,
        _ => 1,
    }
}

/// The steps of an epoch of `steps` steps after which the weights are read, the last step
/// excluded (the epoch's report carries those weights): step indices (0-based) spread evenly,
/// at most one per step.
pub fn checkpoint_slots(epoch: usize, steps: usize) -> Vec<usize> {
    let count = checkpoints_in_epoch(epoch).min(steps.max(1));
    (1..count)
        .map(|j| (j * steps).div_ceil(count) - 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_spread_evenly_and_never_repeat() {
        assert_eq!(checkpoint_slots(0, 32), vec![3, 7, 11, 15, 19, 23, 27]);
        assert_eq!(checkpoint_slots(2, 32), vec![7, 15, 23]);
        assert_eq!(checkpoint_slots(9, 32), Vec::<usize>::new());
        // Fewer steps than checkpoints: one per step, the last one being the epoch's end.
        assert_eq!(checkpoint_slots(0, 3), vec![0, 1]);
        assert_eq!(checkpoint_slots(0, 1), Vec::<usize>::new());
        for steps in 1..40 {
            let s = checkpoint_slots(0, steps);
            assert!(s.windows(2).all(|w| w[0] < w[1]) && s.iter().all(|&i| i + 1 < steps));
        }
    }
}
