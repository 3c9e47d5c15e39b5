//! The file consumers hand full buffers to a writer thread. These tests hold them to what the
//! synchronous write promised: a fork while that thread is busy loses and duplicates nothing,
//! and a write that fails (here: past the file size limit) is reported, its records kept, and
//! written exactly once, in order, when writing works again.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use sensorsanalytics::{ConcurrentLoggingConsumer, Consumer, LoggingConsumer};

fn record(writer: &str, seq: usize) -> String {
    // About 100 bytes, so a buffer holds hundreds of records.
    format!(r#"{{"properties":{{"writer":"{writer}","seq":{seq},"padding":"{}"}}}}"#, "x".repeat(40))
}

/// Every line of every file in `dir`: whole JSON objects, as (writer, seq), in file order.
fn lines_in(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(text.is_empty() || text.ends_with('\n'), "file must end with a whole line");
        for line in text.lines() {
            let v: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("torn line ({e}): {line:.120}"));
            out.push((v["properties"]["writer"].as_str().unwrap().to_owned(), v["properties"]["seq"].as_u64().unwrap()));
        }
    }
    out
}

/// Runs `body` in a forked child and asserts it returned normally.
fn in_child(body: impl FnOnce()) {
    // SAFETY: the child runs only `body` on this thread and leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).is_ok();
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child failed");
}

const PER_WRITER: usize = 20_000;

fn fork_while_busy(consumer: Arc<dyn Consumer>, dir: &Path) {
    let mut children = Vec::new();
    for seq in 0..PER_WRITER {
        consumer.send(&record("parent", seq)).unwrap();
        // Fork mid-stream, when buffers have been handed to the writer thread (one may be in
        // flight) and the current one is part full.
        if seq % 5_000 == 4_999 {
            let c = consumer.clone();
            // SAFETY: as in `in_child`, but the parent does not wait yet.
            let pid = unsafe { libc::fork() };
            assert!(pid >= 0);
            if pid == 0 {
                let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    for s in 0..PER_WRITER {
                        c.send(&record(&format!("child-{seq}"), s)).unwrap();
                    }
                    c.close().unwrap();
                }))
                .is_ok();
                unsafe { libc::_exit(if ok { 0 } else { 1 }) };
            }
            children.push(pid);
        }
    }
    consumer.close().unwrap();
    for pid in children.iter().copied() {
        let mut status = 0;
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child failed");
    }
    let lines = lines_in(dir);
    let unique: HashSet<_> = lines.iter().cloned().collect();
    assert_eq!(unique.len(), lines.len(), "records written twice");
    assert_eq!(lines.len(), PER_WRITER * (1 + children.len()), "records lost");
}

#[test]
fn logging_consumer_fork_while_the_writer_thread_is_busy() {
    let dir = tempfile::tempdir().unwrap();
    let consumer = LoggingConsumer::new(dir.path().join("events.log"), 0, "midnight").unwrap();
    fork_while_busy(Arc::new(consumer), dir.path());
}

#[test]
fn concurrent_logging_consumer_fork_while_the_writer_thread_is_busy() {
    let dir = tempfile::tempdir().unwrap();
    let consumer = ConcurrentLoggingConsumer::new(dir.path().join("events"), 1_000).unwrap();
    fork_while_busy(Arc::new(consumer), dir.path());
}

/// In a child (the limit is per process): writes stop at `RLIMIT_FSIZE`, the consumer reports
/// it, and once the limit is lifted a flush writes every record once, in order.
fn failed_writes_are_kept(make: impl FnOnce(&Path) -> Box<dyn Consumer>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    in_child(move || {
        let limit = |bytes: libc::rlim_t| {
            let lim = libc::rlimit { rlim_cur: bytes, rlim_max: libc::RLIM_INFINITY };
            // SAFETY: plain syscalls on this process; SIGXFSZ ignored so a write past the
            // limit fails with EFBIG instead of killing the process.
            unsafe {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
            }
        };
        let consumer = make(&path);
        limit(100_000);
        let mut errors = 0;
        for seq in 0..3_000 {
            if consumer.send(&record("w", seq)).is_err() {
                errors += 1;
            }
        }
        let flushed = consumer.flush();
        let message = flushed.expect_err("a write past the limit must be reported").message().to_owned();
        assert!(message.contains("too large") || message.contains("File too large"), "{message}");
        // Nothing was dropped: a second flush fails the same way.
        assert!(consumer.flush().is_err());
        limit(libc::RLIM_INFINITY);
        consumer.flush().unwrap();
        consumer.close().unwrap();
        let lines = lines_in(&path);
        let expected: Vec<_> = (0..3_000).map(|s| ("w".to_owned(), s as u64)).collect();
        // Sends that failed did not buffer their record (the caller got the error for it).
        assert_eq!(lines.len() + errors, expected.len(), "{errors} sends failed");
        let sent: Vec<_> = expected.into_iter().filter(|e| lines.contains(e)).collect();
        assert_eq!(lines, sent, "each record once, in order");
    });
}

#[test]
fn logging_consumer_keeps_records_a_write_failed_on() {
    failed_writes_are_kept(|dir| Box::new(LoggingConsumer::new(dir.join("events.log"), 0, "midnight").unwrap()));
}

#[test]
fn concurrent_logging_consumer_keeps_records_a_write_failed_on() {
    failed_writes_are_kept(|dir| Box::new(ConcurrentLoggingConsumer::new(dir.join("events"), 100).unwrap()));
}
