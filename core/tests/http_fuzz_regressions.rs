//! What the fuzz targets (fuzz/) found, kept as tests through the real path.

mod http_support;

use std::time::{Duration, Instant};

use sa_receiver::Faults;
use sensorsanalytics::{BatchConsumer, Consumer};

/// fuzz target http_answer: a `Retry-After` of u64::MAX seconds made the retry loop's
/// `elapsed + wait` overflow and panic on the sending thread (once a second had passed). Now it is read as a day, past
/// the retry budget, so the send fails at once with the server's answer.
#[test]
fn an_absurd_retry_after_gives_up_instead_of_panicking() {
    let r = http_support::receiver_with(Faults {
        statuses: vec![503],
        retry_after: Some(u64::MAX),
        // An answer after more than a second: `elapsed + wait` then carries into the seconds.
        delay: Some(Duration::from_millis(1100)),
        ..Faults::default()
    });
    let consumer = BatchConsumer::new(&r.url(), 1, Some(5000)).unwrap();
    let started = Instant::now();
    let result = consumer.send(&http_support::record(1)).and_then(|_| consumer.flush());
    let err = result.expect_err("503 with a retry-after past the budget fails");
    assert!(err.message().contains("503"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "gave up after the first answer");
    assert_eq!(r.requests().len(), 1, "not retried");
}
