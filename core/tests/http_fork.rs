//! Fork: a child process must build its own sender thread and HTTP client (the parent's
//! threads do not exist in it), and must neither send nor disturb what the parent had
//! queued or buffered: those records are the parent's to deliver.
//!
//! One test function, so that no other test of this binary runs threads while we fork.
#![cfg(feature = "http")]

mod http_support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use http_support::*;
use sensorsanalytics::{
    AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, Consumer, DefaultConsumer,
};

/// Runs `child` in a forked process; returns its exit code (0: it returned true).
fn in_child(child: impl FnOnce() -> bool) -> i32 {
    // SAFETY: the child only runs `child` and then `_exit`s, never returning into the test
    // harness; glibc's malloc is fork-safe, and `child` touches only our consumers.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let ok = catch_unwind(AssertUnwindSafe(child)).unwrap_or(false);
        // SAFETY: ends the child without running the parent's destructors or atexit hooks.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waiting for the child we just forked.
    let rc = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(rc, pid);
    assert!(
        libc::WIFEXITED(status),
        "child did not exit normally: {status}"
    );
    libc::WEXITSTATUS(status)
}

#[test]
fn fork_children_send_through_their_own_threads_only() {
    let r = receiver();

    // AsyncBatchConsumer: the parent has a running pipeline (and a built client) and ten
    // records queued when it forks.
    let a = AsyncBatchConsumer::new(
        &r.url(),
        AsyncBatchConfig {
            flush_max_time: Duration::from_secs(60),
            flush_size: 1000,
            ..AsyncBatchConfig::default()
        },
    )
    .unwrap();
    a.send(&record(100)).unwrap();
    assert_eq!(a.flush_report(Duration::from_secs(5)).sent, 1);
    for i in 0..10 {
        a.send(&record(i)).unwrap();
    }
    let code = in_child(|| {
        // Nothing of the parent's is visible as ours.
        if a.stats() != Default::default() {
            return false;
        }
        for i in 1000..1005 {
            if a.send(&record(i)).is_err() {
                return false;
            }
        }
        let report = a.flush_report(Duration::from_secs(10));
        let stats = a.stats();
        report.sent == 5 && report.pending == 0 && stats.sent == 5 && a.close().is_ok()
    });
    assert_eq!(code, 0, "async child failed");
    assert_eq!(a.stats().queue_depth, 10, "the parent's queue is untouched");
    a.flush().unwrap();
    let mut got = seqs(&r.records());
    got.sort_unstable();
    let mut want: Vec<u64> = (0..10).chain(100..101).chain(1000..1005).collect();
    want.sort_unstable();
    assert_eq!(
        got, want,
        "each record exactly once, from the process that queued it"
    );
    drop(a);
    r.clear();

    // DefaultConsumer: the parent's sender thread and client exist; the child makes its own.
    let d = DefaultConsumer::new(&r.url(), Some(5000)).unwrap();
    d.send(&record(1)).unwrap();
    let code = in_child(|| d.send(&record(2)).is_ok() && d.send(&record(3)).is_ok());
    assert_eq!(code, 0, "default child failed");
    d.send(&record(4)).unwrap();
    assert_exactly_once_of(&r, &[1, 2, 3, 4]);
    r.clear();

    // BatchConsumer: the parent's buffered records are not sent by the child.
    let b = BatchConsumer::new(&r.url(), 10, None).unwrap();
    b.send(&record(1)).unwrap();
    b.send(&record(2)).unwrap();
    let code =
        in_child(|| b.send(&record(3)).is_ok() && b.flush().is_ok() && b.stats().queue_depth == 0);
    assert_eq!(code, 0, "batch child failed");
    assert_eq!(seqs(&r.records()), vec![3]);
    b.flush().unwrap();
    assert_eq!(seqs(&r.records()), vec![3, 1, 2]);
}

fn assert_exactly_once_of(r: &sa_receiver::Receiver, want: &[u64]) {
    let mut got = seqs(&r.records());
    got.sort_unstable();
    assert_eq!(got, want);
}
