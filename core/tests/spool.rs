//! The on-disk spool (issue 12) from core: a receiver down then back (in one process and
//! across a restart), a flaky receiver, a torn tail, a full spool, an unwritable directory,
//! a disk refusing writes. Each counts records received against records handed over.
#![cfg(feature = "http")]

mod http_support;

use std::path::Path;
use std::time::{Duration, Instant};

use http_support::*;
use sa_receiver::Faults;
use sensorsanalytics::{AsyncBatchConfig, AsyncBatchConsumer, Consumer, SpoolConfig};

fn spool(dir: &Path) -> SpoolConfig {
    SpoolConfig {
        dir: dir.to_owned(),
        max_bytes: 1 << 30,
        fsync: false,
    }
}

fn config(dir: &Path) -> AsyncBatchConfig {
    AsyncBatchConfig {
        flush_max_time: Duration::from_millis(100),
        retry: fast_retry(),
        close_timeout: Duration::from_secs(2),
        spool: Some(spool(dir)),
        ..AsyncBatchConfig::default()
    }
}

fn segment_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "saspool"))
        .collect();
    v.sort();
    v
}

/// Waits until no thread of a closed consumer holds a segment any more, as when its process
/// has exited: `close()` may return while a request to a down receiver is still under way
/// (its bound ran out), and the segments stay locked until that thread lets go.
fn wait_released(dir: &Path) {
    use std::os::unix::io::AsRawFd;
    let deadline = Instant::now() + Duration::from_secs(30);
    for path in segment_files(dir) {
        let Ok(f) = std::fs::File::open(&path) else { continue };
        // SAFETY: flock on a descriptor we own; the lock goes with `f`.
        while unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            assert!(Instant::now() < deadline, "{} still locked", path.display());
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// An earlier process that cannot reach `url`: it sends records 0..n, closes after
/// `close_timeout` with all of them spooled, and is gone (its files' locks released).
fn leave_in_spool(dir: &Path, url: &str, n: u64, close_timeout: Duration) {
    let c = AsyncBatchConsumer::new(
        url,
        AsyncBatchConfig {
            close_timeout,
            ..config(dir)
        },
    )
    .unwrap();
    for i in 0..n {
        c.send(&record(i)).unwrap();
    }
    c.close().unwrap();
    assert_eq!(c.stats().spooled, n);
    drop(c);
    wait_released(dir);
}

#[test]
fn down_then_back_in_one_process_loses_nothing_and_flush_does_not_wait() {
    let dir = tempfile::tempdir().unwrap();
    let r = receiver();
    let c = AsyncBatchConsumer::new(&r.url(), config(dir.path())).unwrap();
    r.go_down(Duration::from_secs(2));
    for i in 0..3000 {
        c.send(&record(i)).unwrap();
    }
    let t = Instant::now();
    let flushed = c.flush();
    assert!(flushed.is_ok(), "a spooled flush is not an error: {flushed:?}");
    assert!(t.elapsed() < Duration::from_millis(1500), "flush waited {:?}", t.elapsed());
    assert!(c.stats().spooled >= 2000, "{:?}", c.stats());
    assert!(r.wait_up(Duration::from_secs(10)));
    assert!(r.wait_for(3000, Duration::from_secs(15)), "got {}", r.records().len());
    c.close().unwrap();
    let s = c.stats();
    println!("spool down-then-back: 3000 handed over, {} received, {s:?}", r.records().len());
    assert_none_lost(&r.records(), 3000);
    assert_eq!(s.sent, r.records().len() as u64);
    assert!(segment_files(dir.path()).is_empty(), "delivered segments are deleted");
}

#[test]
fn what_a_closed_process_left_is_sent_by_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let r = receiver();
    r.go_down(Duration::from_secs(3600));
    {
        let c = AsyncBatchConsumer::new(
            &r.url(),
            AsyncBatchConfig {
                close_timeout: Duration::from_millis(300),
                ..config(dir.path())
            },
        )
        .unwrap();
        for i in 0..5000 {
            c.send(&record(i)).unwrap();
        }
        let t = Instant::now();
        assert!(c.close().is_ok(), "spooled records are not a close error");
        assert!(t.elapsed() < Duration::from_secs(2));
        assert_eq!(c.stats().spooled, 5000);
    }
    assert!(!segment_files(dir.path()).is_empty());
    wait_released(dir.path());
    let r2 = receiver();
    let c = AsyncBatchConsumer::new(&r2.url(), config(dir.path())).unwrap();
    for i in 5000..5100 {
        c.send(&record(i)).unwrap();
    }
    c.close().unwrap();
    let s = c.stats();
    println!("spool restart: 5100 handed over, {} received, {s:?}", r2.records().len());
    assert_none_lost(&r2.records(), 5100);
    assert_eq!(s.replayed, 5000);
    assert!(segment_files(dir.path()).is_empty());
}

#[test]
fn a_torn_tail_and_a_damaged_record_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let r = receiver();
    r.go_down(Duration::from_secs(3600));
    leave_in_spool(dir.path(), &r.url(), 100, Duration::from_millis(200));
    let files = segment_files(dir.path());
    let last = files.last().unwrap();
    let mut bytes = std::fs::read(last).unwrap();
    // A crash mid-write: half a frame at the end.
    bytes.extend_from_slice(&[0x1E, 200, 0, 0, 0, 1, 2]);
    // And one damaged byte inside the first record's payload.
    bytes[16 + 9 + 5] ^= 0x20;
    std::fs::write(last, &bytes).unwrap();
    let r2 = receiver();
    let c = AsyncBatchConsumer::new(&r2.url(), config(dir.path())).unwrap();
    c.close().unwrap();
    let s = c.stats();
    let got = seqs(&r2.records());
    println!("spool torn tail: 100 spooled, {} received, {s:?}", got.len());
    assert_eq!(s.corrupt, 2, "{s:?}");
    assert_eq!(got.len(), 99, "everything but the damaged record");
    assert!(!got.contains(&0));
}

#[test]
fn a_full_spool_refuses_records_at_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let r = receiver();
    r.go_down(Duration::from_secs(3600));
    let c = AsyncBatchConsumer::new(
        &r.url(),
        AsyncBatchConfig {
            spool: Some(SpoolConfig {
                max_bytes: 64 * 1024,
                ..spool(dir.path())
            }),
            close_timeout: Duration::from_millis(200),
            ..config(dir.path())
        },
    )
    .unwrap();
    let mut accepted = 0u64;
    let mut refused = 0u64;
    for i in 0..5000 {
        match c.send(&record(i)) {
            Ok(()) => accepted += 1,
            Err(e) => {
                assert!(e.message().contains("spool is full"), "{e}");
                refused += 1;
            }
        }
        if i % 100 == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    c.close().unwrap();
    let s = c.stats();
    println!("spool full: {accepted} accepted, {refused} refused, {s:?}");
    assert!(refused > 0 && accepted > 0);
    assert_eq!(s.dropped, refused);
    assert_eq!(s.spooled, accepted);
    // The next process delivers every accepted one.
    drop(c);
    wait_released(dir.path());
    let r2 = receiver();
    let c2 = AsyncBatchConsumer::new(&r2.url(), config(dir.path())).unwrap();
    c2.close().unwrap();
    assert_eq!(r2.records().len() as u64, accepted);
}

#[test]
fn an_unwritable_spool_dir_is_an_error_at_construction() {
    let r = receiver();
    let Err(e) = AsyncBatchConsumer::new(&r.url(), config(Path::new("/proc/sa-spool"))) else { panic!("constructed") };
    assert!(e.message().contains("spool_dir /proc/sa-spool"), "{e}");
}

#[test]
fn a_newer_spool_format_is_refused_not_misread() {
    let dir = tempfile::tempdir().unwrap();
    let mut head = b"SASPOOL\n".to_vec();
    head.extend_from_slice(&9u32.to_le_bytes());
    head.extend_from_slice(&0u32.to_le_bytes());
    std::fs::write(dir.path().join("00000000000000000001-1-0-000001.saspool"), head).unwrap();
    let r = receiver();
    let Err(e) = AsyncBatchConsumer::new(&r.url(), config(dir.path())) else { panic!("constructed") };
    assert!(e.message().contains("newer SDK"), "{e}");
}

#[test]
fn a_flaky_receiver_with_a_spool_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let r = receiver_with(Faults {
        fail_rate: 0.4,
        drop_rate: 0.1,
        seed: 7,
        ..Faults::default()
    });
    let c = AsyncBatchConsumer::new(
        &r.url(),
        AsyncBatchConfig {
            flush_size: 50,
            max_batch_size: 50,
            close_timeout: Duration::from_secs(20),
            ..config(dir.path())
        },
    )
    .unwrap();
    for i in 0..10_000 {
        c.send(&record(i)).unwrap();
    }
    c.close().unwrap();
    let s = c.stats();
    println!("spool flaky: 10000 handed over, {} received, {s:?}", r.records().len());
    assert_none_lost(&r.records(), 10_000);
    assert!(segment_files(dir.path()).is_empty());
}

#[test]
fn batch_consumer_with_a_spool_never_waits_for_a_down_receiver() {
    use sensorsanalytics::{BatchConsumer, ReqwestTransport};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let r = receiver();
    r.go_down(Duration::from_secs(3));
    let c = BatchConsumer::with_spool(
        &r.url(),
        50,
        Some(2000),
        spool(dir.path()),
        Arc::new(ReqwestTransport::new()),
    )
    .unwrap();
    let t = Instant::now();
    for i in 0..3000 {
        c.send(&record(i)).expect("a spooled batch is not an error");
    }
    c.flush().unwrap();
    let took = t.elapsed();
    assert!(took < Duration::from_secs(3), "sends waited {took:?} for a down receiver");
    assert!(r.wait_up(Duration::from_secs(10)));
    assert!(r.wait_for(3000, Duration::from_secs(20)), "got {}", r.records().len());
    c.close().unwrap();
    let s = Consumer::stats(&c);
    println!("batch spool: 3000 handed over, {} received in {took:.1?} of sends, {s:?}", r.records().len());
    assert_none_lost(&r.records(), 3000);
    assert!(r.requests().iter().all(|q| q.records <= 50));
}

/// A flush that comes after the writer sealed its segment (a second after its last record)
/// waits for that segment's records, as any flush waits for what was queued before it: it
/// must not say "delivered" while the receiver has refused every one of them.
#[test]
fn a_flush_after_the_segment_was_sealed_still_waits_for_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let r = receiver_with(Faults { default_status: 503, ..Faults::default() });
    let c = AsyncBatchConsumer::new(&r.url(), config(dir.path())).unwrap();
    for i in 0..10 {
        c.send(&record(i)).unwrap();
    }
    std::thread::sleep(Duration::from_millis(1500)); // the segment is sealed by age (1 s)
    let report = c.flush_report(Duration::from_millis(500));
    assert!(
        !(report.is_complete() && !report.spooled),
        "flush said everything was delivered, yet the receiver refused all of it: {report:?}"
    );
    assert_eq!(c.stats().sent, 0);
    let _ = c.close();
}

/// Write-through: records are sent from memory while `max_size` of them fit, and read back
/// from the file after that. A receiver down for a while fills memory, so the same segments
/// are sent partly from memory and partly from disk: each record must arrive exactly once.
#[test]
fn records_sent_from_memory_and_from_the_file_arrive_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let r = receiver();
    let c = AsyncBatchConsumer::new(
        &r.url(),
        AsyncBatchConfig {
            max_size: 150,
            ..config(dir.path())
        },
    )
    .unwrap();
    r.go_down(Duration::from_secs(1));
    let n = 4000;
    for i in 0..n {
        c.send(&record(i)).unwrap();
    }
    assert!(r.wait_up(Duration::from_secs(10)));
    assert!(r.wait_for(n as usize, Duration::from_secs(15)), "got {}", r.records().len());
    // Records sent while the receiver was up again, after the burst.
    for i in n..n + 500 {
        c.send(&record(i)).unwrap();
    }
    c.close().unwrap();
    let got = r.records();
    assert_eq!(assert_none_lost(&got, n + 500), 0, "duplicates");
    assert_eq!(c.stats().sent, n + 500);
    assert!(segment_files(dir.path()).is_empty(), "delivered segments are deleted");
}

#[test]
fn a_backlog_read_back_from_the_files_drains_with_more_requests_in_flight() {
    use sensorsanalytics::consumer::options::SPOOL_REPLAY_IN_FLIGHT;
    let dir = tempfile::tempdir().unwrap();
    // An earlier process that could not reach the receiver left 80 records.
    leave_in_spool(dir.path(), "http://127.0.0.1:9/sa", 80, Duration::from_millis(300));
    // Every request takes 400 ms: batches of 10 read back from the file go out
    // SPOOL_REPLAY_IN_FLIGHT at a time, not max_in_flight (2) at a time.
    let r = receiver_with(Faults {
        delay: Some(Duration::from_millis(400)),
        ..Faults::default()
    });
    let c = AsyncBatchConsumer::new(
        &r.url(),
        AsyncBatchConfig {
            max_batch_size: 10,
            max_in_flight: 2,
            ..config(dir.path())
        },
    )
    .unwrap();
    assert!(
        r.wait_for(80, Duration::from_secs(10)),
        "got {}",
        r.records().len()
    );
    c.close().unwrap();
    assert_none_lost(&r.records(), 80);
    assert_eq!(c.stats().replayed, 80);
    // Requests under way at once: those that arrived within 200 ms of each other (each is
    // answered 400 ms after it arrived, and the next one waits for a sender to be free).
    let mut at: Vec<Duration> = r.requests().iter().map(|q| q.at).collect();
    at.sort();
    assert_eq!(at.len(), 8);
    let at_once = (0..at.len())
        .map(|i| {
            at[i..]
                .iter()
                .take_while(|t| **t < at[i] + Duration::from_millis(200))
                .count()
        })
        .max()
        .unwrap();
    assert_eq!(at_once, SPOOL_REPLAY_IN_FLIGHT, "{at:?}");
}
