//! Fork and DeferredConsumer: a child sends through a queue and thread of its own; what the
//! parent queued stays the parent's; a consumer closed before the fork stays closed.
//!
//! One test function, so that no other test of this binary runs threads while we fork.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sensorsanalytics::{Consumer, DeferredConsumer, DeferredOptions, RecordingConsumer, Result};

/// Holds each record until the gate opens (polled: no lock is held across the fork), so that
/// the parent's queue is still full when it forks.
struct Gated {
    open: Arc<AtomicBool>,
    out: Arc<RecordingConsumer>,
}

impl Consumer for Gated {
    fn send(&self, record: &str) -> Result<()> {
        while !self.open.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(1));
        }
        self.out.send(record)
    }
}

/// Runs `child` in a forked process; returns its exit code (0: it returned true).
fn in_child(child: impl FnOnce() -> bool) -> i32 {
    // SAFETY: the child only runs `child` and then `_exit`s, never returning into the test
    // harness; `child` touches only our consumers.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let ok = catch_unwind(AssertUnwindSafe(child)).unwrap_or(false);
        // SAFETY: ends the child without running the parent's destructors or atexit hooks.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waiting for the child we just forked.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status), "child did not exit normally: {status}");
    libc::WEXITSTATUS(status)
}

#[test]
fn a_fork_child_sends_through_its_own_queue() {
    let open = Arc::new(AtomicBool::new(false));
    let out = Arc::new(RecordingConsumer::new());
    let c = DeferredConsumer::new("fork", Gated { open: open.clone(), out: out.clone() }, DeferredOptions::default())
        .unwrap();
    for i in 0..5 {
        c.send(&format!("{{\"parent\":{i}}}")).unwrap();
    }
    // The child opens its own copy of the gate: only a thread of the child's can then take
    // its record, and the parent's five must not come with it.
    let code = in_child(|| {
        open.store(true, Ordering::SeqCst);
        c.send("{\"child\":1}").is_ok()
            && c.flush().is_ok()
            && out.lines() == ["{\"child\":1}"]
            && c.stats().queue_depth == 0
    });
    assert_eq!(code, 0, "the child sent its record alone, through its own thread");
    open.store(true, Ordering::SeqCst);
    c.flush().unwrap();
    assert_eq!(out.len(), 5, "the parent's queued records are the parent's, sent once");

    let closed = DeferredConsumer::new("closed", RecordingConsumer::new(), DeferredOptions::default()).unwrap();
    closed.close().unwrap();
    assert_eq!(in_child(|| closed.send("{}").is_err()), 0, "closed before the fork stays closed");
}
