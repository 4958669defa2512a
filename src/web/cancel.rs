//! One cancel token per task: the worker's `cancel(id)` reaches the run with that id and no other,
//! and a token lives exactly as long as its run (nothing accumulates).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use wasm_bindgen::prelude::*;

thread_local! {
    /// The tokens of the runs in progress, by task id.
    static TOKENS: RefCell<HashMap<u32, Rc<AtomicBool>>> = RefCell::new(HashMap::new());
}

/// The cancel flag of task `id`, registered while this value lives.
pub(crate) struct CancelToken {
    id: u32,
    flag: Rc<AtomicBool>,
}

impl CancelToken {
    /// Registers task `id` (a second registration of the same id replaces the first).
    pub(crate) fn new(id: u32) -> Self {
        let flag = Rc::new(AtomicBool::new(false));
        TOKENS.with(|t| t.borrow_mut().insert(id, flag.clone()));
        CancelToken { id, flag }
    }

    /// The flag the training loop reads between steps.
    pub(crate) fn flag(&self) -> &AtomicBool {
        &self.flag
    }
}

impl Drop for CancelToken {
    fn drop(&mut self) {
        TOKENS.with(|t| {
            let mut t = t.borrow_mut();
            if t.get(&self.id).is_some_and(|f| Rc::ptr_eq(f, &self.flag)) {
                t.remove(&self.id);
            }
        });
    }
}

/// Asks the run of task `id` to stop after its current step; returns false when no run of that
/// id is in progress (the worker then drops the task before it starts).
#[wasm_bindgen]
pub fn cancel(id: u32) -> bool {
    TOKENS.with(|t| match t.borrow().get(&id) {
        Some(flag) => {
            flag.store(true, Ordering::Relaxed);
            true
        }
        None => false,
    })
}

/// Runs in progress with a token (0 when idle: the worker's bookkeeping test reads it).
#[wasm_bindgen(js_name = cancelTokens)]
pub fn cancel_tokens() -> usize {
    TOKENS.with(|t| t.borrow().len())
}
