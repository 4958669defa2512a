//! The paper's closed forms on the CPU in f64.
