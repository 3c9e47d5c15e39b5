//! The file consumers under concurrency: several processes appending to one
//! ConcurrentLoggingConsumer file (also through a descriptor opened before a fork), many
//! threads sharing one client, and LoggingConsumer rotation under load.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sensorsanalytics::{Client, ConcurrentLoggingConsumer, Config, Consumer, LoggingConsumer, Properties, Value};

const CHILD_ENV: &str = "SA_TEST_CHILD_PREFIX";
const RECORDS_PER_WRITER: i64 = 50_000;

/// Tracks `RECORDS_PER_WRITER` events tagged with `writer` into `consumer`.
fn write_records(consumer: Arc<dyn Consumer>, writer: &str) {
    let sa = Client::new(consumer, Config::default());
    for seq in 0..RECORDS_PER_WRITER {
        let mut p = Properties::new();
        p.insert("writer", Value::str(writer));
        p.insert("seq", Value::Int(seq));
        // A long value makes records span page boundaries, where torn writes would show.
        p.insert("padding", Value::str("x".repeat((seq % 700) as usize)));
        sa.track(None, "user", "Written", Some(&p), false).unwrap();
    }
    sa.close().unwrap();
}

/// Reads every file starting with `prefix.` and checks each line is whole JSON; returns the
/// (writer, seq) pairs and whether any appeared twice.
fn read_records(prefix: &Path) -> (HashSet<(String, i64)>, usize) {
    let dir = prefix.parent().unwrap();
    let base = format!("{}.", prefix.file_name().unwrap().to_string_lossy());
    let mut seen = HashSet::new();
    let mut duplicates = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if !entry.file_name().to_string_lossy().starts_with(&base) {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        assert!(text.ends_with('\n'), "file must end with a whole line");
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("torn or interleaved line ({e}): {:.120}", line));
            let p = &v["properties"];
            let key = (p["writer"].as_str().unwrap().to_owned(), p["seq"].as_i64().unwrap());
            if !seen.insert(key) {
                duplicates += 1;
            }
        }
    }
    (seen, duplicates)
}

fn assert_all_present(prefix: &Path, writers: &[String]) {
    let (seen, duplicates) = read_records(prefix);
    assert_eq!(duplicates, 0, "records written twice");
    for w in writers {
        for seq in 0..RECORDS_PER_WRITER {
            assert!(seen.contains(&(w.clone(), seq)), "missing record {w}#{seq}");
        }
    }
    assert_eq!(seen.len(), writers.len() * RECORDS_PER_WRITER as usize);
}

/// The child half of `four_processes_append_whole_lines`: a no-op unless started by it.
#[test]
fn concurrent_child() {
    if let Ok(prefix) = std::env::var(CHILD_ENV) {
        let writer = std::env::var("SA_TEST_WRITER").unwrap();
        let consumer = ConcurrentLoggingConsumer::new(PathBuf::from(prefix), 64).unwrap();
        write_records(Arc::new(consumer), &writer);
    }
}

#[test]
fn four_processes_append_whole_lines() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("events");
    let writers: Vec<String> = (0..4).map(|i| format!("process-{i}")).collect();
    let children: Vec<_> = writers
        .iter()
        .map(|w| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "concurrent_child", "--nocapture", "--test-threads=1"])
                .env(CHILD_ENV, &prefix)
                .env("SA_TEST_WRITER", w)
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    assert_all_present(&prefix, &writers);
}

/// A consumer opened BEFORE fork: the children share the parent's open file description, so
/// without reopening, their flock would not exclude the parent's.
#[test]
fn consumer_opened_before_fork_still_excludes() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("forked");
    let consumer: Arc<dyn Consumer> = Arc::new(ConcurrentLoggingConsumer::new(&prefix, 64).unwrap());
    // Something buffered before the fork must be written once, by the parent only.
    consumer.send(r#"{"properties":{"writer":"before-fork","seq":0}}"#).unwrap();
    let mut pids = Vec::new();
    for i in 0..3 {
        // SAFETY: the child only runs our own code on this thread and leaves with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                write_records(consumer.clone(), &format!("child-{i}"));
            }))
            .is_ok();
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        pids.push(pid);
    }
    write_records(consumer.clone(), "parent");
    for pid in pids {
        let mut status = 0;
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child failed");
    }
    let mut writers: Vec<String> = (0..3).map(|i| format!("child-{i}")).collect();
    writers.push("parent".into());
    let (seen, duplicates) = read_records(&prefix);
    assert_eq!(duplicates, 0);
    assert!(seen.contains(&("before-fork".to_owned(), 0)));
    assert_eq!(seen.len(), writers.len() * RECORDS_PER_WRITER as usize + 1);
}

#[test]
fn many_threads_share_one_client() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("threads");
    let consumer = Arc::new(ConcurrentLoggingConsumer::new(&prefix, 1000).unwrap());
    let writers: Vec<String> = (0..4).map(|i| format!("thread-{i}")).collect();
    let sa = Arc::new(Client::new(consumer, Config::default()));
    std::thread::scope(|s| {
        for w in &writers {
            let sa = sa.clone();
            s.spawn(move || {
                for seq in 0..RECORDS_PER_WRITER {
                    let mut p = Properties::new();
                    p.insert("writer", Value::str(w.as_str()));
                    p.insert("seq", Value::Int(seq));
                    sa.track(None, "u", "E", Some(&p), false).unwrap();
                }
            });
        }
    });
    sa.close().unwrap();
    assert_all_present(&prefix, &writers);
}

#[test]
fn logging_consumer_rotates_without_losing_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rotating.log");
    let consumer = Arc::new(LoggingConsumer::new(&path, 0, "S").unwrap());
    let sa = Client::new(consumer, Config::default());
    let start = Instant::now();
    let mut n = 0i64;
    // Long enough to cross at least two second boundaries.
    while start.elapsed() < Duration::from_millis(2300) {
        let mut p = Properties::new();
        p.insert("seq", Value::Int(n));
        sa.track(None, "u", "E", Some(&p), false).unwrap();
        n += 1;
    }
    sa.close().unwrap();
    let mut seqs = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(name == "rotating.log" || name.len() == "rotating.log.2024-01-01_00-00-00".len(), "{name}");
        files += 1;
        for line in std::fs::read_to_string(entry.path()).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            seqs.push(v["properties"]["seq"].as_i64().unwrap());
        }
    }
    assert!(files >= 3, "expected rotated files, found {files}");
    seqs.sort_unstable();
    assert_eq!(seqs, (0..n).collect::<Vec<_>>(), "lost or duplicated lines across rotation");
}

#[test]
fn logging_consumer_keeps_backup_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kept.log");
    for stamp in ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"] {
        std::fs::write(dir.path().join(format!("kept.log.{stamp}")), "{}\n").unwrap();
    }
    std::fs::write(dir.path().join("kept.log.unrelated"), "").unwrap();
    // Make the active file old so the first send rotates it.
    std::fs::write(&path, "{\"old\":1}\n").unwrap();
    let old = std::time::SystemTime::now() - Duration::from_secs(3 * 86_400);
    std::fs::File::options().write(true).open(&path).unwrap().set_modified(old).unwrap();
    let consumer = LoggingConsumer::new(&path, 2, "midnight").unwrap();
    consumer.send("{\"new\":1}").unwrap();
    consumer.close().unwrap();
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names.contains(&"kept.log".to_owned()));
    assert!(names.contains(&"kept.log.unrelated".to_owned()));
    assert!(!names.contains(&"kept.log.2020-01-01".to_owned()));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"new\":1}\n");
}

#[test]
fn bad_when_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = LoggingConsumer::new(dir.path().join("x"), 0, "fortnight").err().unwrap();
    assert_eq!(err.message(), "Invalid rollover interval specified: FORTNIGHT");
}

#[test]
fn unwritable_path_is_a_file_lock_error() {
    let err = ConcurrentLoggingConsumer::new("/nonexistent-dir/x", 10).err().unwrap();
    assert_eq!(err.kind(), sensorsanalytics::ErrorKind::FileLock);
}
