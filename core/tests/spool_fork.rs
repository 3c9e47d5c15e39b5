//! A fork child must not keep its parent's spool segments locked: a segment's `flock` lasts
//! while any process has the file open, so a child that kept the parent's descriptors would
//! make a dead parent's records wait for the child's exit before anyone could adopt them.
//!
//! One test function in its own binary, so that no other test runs threads while we fork.
#![cfg(feature = "http")]

mod http_support;

use std::path::Path;
use std::time::{Duration, Instant};

use http_support::*;
use sensorsanalytics::{AsyncBatchConfig, AsyncBatchConsumer, Consumer, SpoolConfig};

fn config(dir: &Path) -> AsyncBatchConfig {
    AsyncBatchConfig {
        flush_max_time: Duration::from_millis(100),
        retry: fast_retry(),
        close_timeout: Duration::from_secs(2),
        spool: Some(SpoolConfig {
            dir: dir.to_owned(),
            max_bytes: 1 << 30,
            fsync: false,
        }),
        ..AsyncBatchConfig::default()
    }
}

/// The dying parent: spools `n` records (its receiver is down), forks a child that outlives
/// it by `child_lives`, and dies without closing anything.
fn spool_fork_and_die(url: &str, dir: &Path, n: u64, child_lives: Duration) -> ! {
    let c = AsyncBatchConsumer::new(url, config(dir)).unwrap();
    for i in 0..n {
        c.send(&record(i)).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.stats().spooled < n && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let code = if c.stats().spooled == n { 0 } else { 2 };
    // SAFETY: the child only sleeps and `_exit`s.
    if unsafe { libc::fork() } == 0 {
        std::thread::sleep(child_lives);
        // SAFETY: ends the child without running destructors or atexit hooks.
        unsafe { libc::_exit(0) };
    }
    // SAFETY: dies as a crash would: no close, no destructors.
    unsafe { libc::_exit(code) }
}

#[test]
fn a_dead_parents_segments_are_adopted_while_its_fork_child_lives() {
    let dir = tempfile::tempdir().unwrap();
    let down = receiver();
    down.go_down(Duration::from_secs(3600));
    let child_lives = Duration::from_secs(8);
    // SAFETY: the child runs the dying parent above and `_exit`s, never returning into the
    // test harness; glibc's malloc is fork-safe.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        spool_fork_and_die(&down.url(), dir.path(), 500, child_lives);
    }
    let mut status = 0;
    // SAFETY: waiting for the child we just forked.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "dying parent: {status}");
    let dead_at = Instant::now();

    // The grandchild still lives (for child_lives): its copy of the parent's descriptors must
    // not hold the locks, so this process adopts the segments at start and sends them.
    let r = receiver();
    let c = AsyncBatchConsumer::new(&r.url(), config(dir.path())).unwrap();
    let got = r.wait_for(500, Duration::from_secs(4));
    let took = dead_at.elapsed();
    c.close().unwrap();
    println!("spool fork: 500 spooled by a dead parent, {} received in {took:?}", r.records().len());
    assert!(got && took < child_lives, "the fork child kept the dead parent's segments locked");
    assert_none_lost(&r.records(), 500);
    assert_eq!(c.stats().replayed, 500);
}
