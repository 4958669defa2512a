//! How many training steps are queued between waits, measured and adapted: the steps of one wait
//! should take about [`TARGET_SECONDS`] on the device at hand, so that every group of submissions
//! stays well under a second on a slow adapter and a fast one is not held up by needless waits.

use super::clock::now_seconds;

/// Aimed duration of the work queued between two waits, in seconds.
pub(crate) const TARGET_SECONDS: f64 = 0.1;
/// Fewest and most steps between waits.
pub(crate) const MIN_STEPS: usize = 1;
/// Most steps between waits (bounds the queue's depth and the latency of a cancel).
pub(crate) const MAX_STEPS: usize = 64;

/// Decides after which steps to wait, from the measured duration of the previous waits.
#[derive(Clone, Debug)]
pub(crate) struct Pacer {
    steps_per_wait: usize,
    queued: usize,
    since: f64,
}

impl Pacer {
    /// Starts with `initial` steps between waits.
    pub(crate) fn new(initial: usize) -> Self {
        Pacer {
            steps_per_wait: initial.clamp(MIN_STEPS, MAX_STEPS),
            queued: 0,
            since: now_seconds(),
        }
    }

    /// Counts one queued step; true when it is time to wait.
    pub(crate) fn step(&mut self) -> bool {
        self.queued += 1;
        self.queued >= self.steps_per_wait
    }

    /// Records that a wait has just finished: halves the steps between waits when they took more
    /// than twice the target, doubles them when they took less than half of it.
    pub(crate) fn waited(&mut self) {
        let now = now_seconds();
        self.adapt(now - self.since);
        self.since = now;
        self.queued = 0;
    }

    fn adapt(&mut self, seconds: f64) {
        if seconds > 2.0 * TARGET_SECONDS {
            self.steps_per_wait = (self.steps_per_wait / 2).max(MIN_STEPS);
        } else if seconds < 0.5 * TARGET_SECONDS {
            self.steps_per_wait = (self.steps_per_wait * 2).min(MAX_STEPS);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_waits_shrink_the_group_and_fast_ones_grow_it_within_bounds() {
        let mut p = Pacer::new(16);
        p.adapt(1.0);
        assert_eq!(p.steps_per_wait, 8);
        for _ in 0..10 {
            p.adapt(5.0);
        }
        assert_eq!(p.steps_per_wait, MIN_STEPS);
        p.adapt(TARGET_SECONDS);
        assert_eq!(p.steps_per_wait, MIN_STEPS, "on target: unchanged");
        for _ in 0..10 {
            p.adapt(0.001);
        }
        assert_eq!(p.steps_per_wait, MAX_STEPS);
        let mut q = Pacer::new(3);
        assert!(!q.step() && !q.step() && q.step(), "waits after 3 steps");
    }
}
