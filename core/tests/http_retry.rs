//! Retries (docs/SPEC.md §4, ours): which failures are retried, how long the client waits, where it
//! stops, and that a batch given up on stays buffered in BatchConsumer.
#![cfg(feature = "http")]

mod http_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_support::*;
use sa_receiver::{Faults, Outcome, DROP, RESET};
use sensorsanalytics::{
    AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, Consumer, Error, HttpResponse,
    RetryPolicy, TransportError, TransportErrorKind,
};

fn batch(url: &str, max_size: usize, retry: RetryPolicy) -> BatchConsumer {
    BatchConsumer::new(url, max_size, Some(5000))
        .unwrap()
        .with_retry(retry)
}

#[test]
fn retryable_statuses_and_broken_connections_are_retried() {
    let r = receiver_with(Faults {
        statuses: vec![503, 500, 408, 429, DROP, RESET, 200],
        ..Faults::default()
    });
    let b = batch(&r.url(), 2, fast_retry());
    b.send(&record(0)).unwrap();
    b.send(&record(1)).unwrap(); // fills the batch: sent, retried until the 200
    let reqs = r.requests();
    let outcomes: Vec<_> = reqs.iter().map(|q| (q.status, q.outcome)).collect();
    assert_eq!(reqs.len(), 7, "{outcomes:?}");
    assert_eq!(reqs[6].outcome, Outcome::Accepted);
    assert_exactly_once(&r.records(), 2);
    let s = b.stats();
    assert_eq!((s.sent, s.failed, s.retried, s.queue_depth), (2, 0, 6, 0));
    assert!(s.last_error.is_some());
}

#[test]
fn other_4xx_fail_at_once_and_the_batch_stays_buffered() {
    let r = receiver_with(Faults {
        statuses: vec![400, 413],
        ..Faults::default()
    });
    let b = batch(&r.url(), 2, fast_retry());
    b.send(&record(0)).unwrap();
    let e = b.send(&record(1)).unwrap_err();
    assert!(
        matches!(&e, Error::Network(m) if m.starts_with("HTTP Error 400")),
        "{e:?}"
    );
    assert_eq!(r.requests().len(), 1, "a 400 is not retried");
    assert_eq!(b.stats().queue_depth, 2);
    // The next send tries the buffer again (still >= max_size): 413, also final.
    let e = b.send(&record(2)).unwrap_err();
    assert!(e.message().starts_with("HTTP Error 413"), "{e:?}");
    assert_eq!(r.requests().len(), 2);
    assert_eq!(b.stats().queue_depth, 3);
    // Healthy again: everything goes, in order, once; batches still of at most max_size.
    b.flush().unwrap();
    assert_eq!(seqs(&r.records()), vec![0, 1, 2]);
    assert_eq!(
        r.requests()
            .iter()
            .skip(2)
            .map(|q| q.records)
            .collect::<Vec<_>>(),
        vec![2, 1]
    );
    let s = b.stats();
    // Two failed attempts, each at the first batch of two.
    assert_eq!((s.sent, s.failed, s.retried, s.queue_depth), (3, 4, 0, 0));
}

#[test]
fn retries_stop_at_the_attempt_limit() {
    let r = receiver_with(Faults {
        default_status: 503,
        ..Faults::default()
    });
    let policy = RetryPolicy {
        max_attempts: Some(3),
        ..fast_retry()
    };
    let b = batch(&r.url(), 1, policy);
    let e = b.send(&record(0)).unwrap_err();
    assert!(e.message().contains("gave up after 3 attempts"), "{e:?}");
    assert_eq!(r.requests().len(), 3);
    assert_eq!(b.stats().queue_depth, 1, "never dropped");
    assert_eq!(b.stats().retried, 2);
}

#[test]
fn retries_stop_at_the_time_limit() {
    let r = receiver_with(Faults {
        default_status: 502,
        ..Faults::default()
    });
    let policy = RetryPolicy {
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(100),
        jitter: 0.0,
        max_elapsed: Duration::from_millis(450),
        max_attempts: None,
        ..RetryPolicy::default()
    };
    let b = batch(&r.url(), 1, policy);
    let t = Instant::now();
    let e = b.send(&record(0)).unwrap_err();
    let took = t.elapsed();
    assert!(e.message().contains("retry time limit"), "{e:?}");
    // Attempts at ~0, 100, 200, 300, 400 ms; a sixth would start after 450 ms. (Four if
    // the requests themselves were slow on a busy machine.)
    let attempts = r.requests().len();
    assert!((4..=5).contains(&attempts), "{attempts}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
}

#[test]
fn timeouts_are_retried_within_the_limits() {
    let r = receiver_with(Faults {
        delay: Some(Duration::from_millis(600)),
        ..Faults::default()
    });
    let policy = RetryPolicy {
        max_attempts: Some(2),
        ..fast_retry()
    };
    let b = BatchConsumer::new(&r.url(), 1, Some(150))
        .unwrap()
        .with_retry(policy);
    let t = Instant::now();
    let e = b.send(&record(0)).unwrap_err();
    assert!(e.message().contains("gave up after 2 attempts"), "{e:?}");
    assert!(
        t.elapsed() < Duration::from_millis(1000),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(b.stats().retried, 1);
}

#[test]
fn retry_after_is_honoured() {
    let r = receiver_with(Faults {
        statuses: vec![429, 503],
        retry_after: Some(1),
        ..Faults::default()
    });
    let b = batch(&r.url(), 1, fast_retry());
    b.send(&record(0)).unwrap();
    let reqs = r.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].retry_after, Some(1));
    for w in reqs.windows(2) {
        let gap = w[1].at - w[0].at;
        assert!(gap >= Duration::from_millis(990), "waited only {gap:?}");
        assert!(gap < Duration::from_millis(1500), "waited {gap:?}");
    }
    assert_exactly_once(&r.records(), 1);
}

#[test]
fn async_batches_honour_retry_after_too() {
    let r = receiver_with(Faults {
        statuses: vec![503],
        retry_after: Some(1),
        ..Faults::default()
    });
    let c = AsyncBatchConsumer::new(
        &r.url(),
        AsyncBatchConfig {
            flush_size: 1,
            retry: fast_retry(),
            ..AsyncBatchConfig::default()
        },
    )
    .unwrap();
    c.send(&record(0)).unwrap();
    let report = c.flush_report(Duration::from_secs(5));
    assert_eq!((report.sent, report.failed, report.pending), (1, 0, 0));
    let reqs = r.requests();
    assert!(reqs[1].at - reqs[0].at >= Duration::from_millis(990));
    assert_eq!(c.stats().retried, 1);
}

#[test]
fn only_retryable_transport_errors_are_retried() {
    let script = vec![
        Err(TransportError::new(TransportErrorKind::Connect, "refused")),
        Err(TransportError::new(
            TransportErrorKind::Timeout,
            "timed out",
        )),
        Err(TransportError::new(TransportErrorKind::Io, "reset")),
        Ok(HttpResponse::new(200)),
        Err(TransportError::new(
            TransportErrorKind::Fatal,
            "user hook raised",
        )),
    ];
    let capture = Arc::new(Capture::answering(script));
    let b = BatchConsumer::with_transport("http://h/sa", 1, None, capture.clone())
        .unwrap()
        .with_retry(fast_retry());
    b.send(&record(0)).unwrap();
    assert_eq!(capture.calls().len(), 4);
    let e = b.send(&record(1)).unwrap_err();
    assert_eq!(e, Error::Network("user hook raised".into()));
    assert_eq!(capture.calls().len(), 5);
}
