//! The receiver's answer as the SDK reads it (core/src/http/transport.rs): an arbitrary
//! status, header list and body through `answer_from_parts`, and arbitrary `Retry-After`
//! text through `parse_retry_after`; then the retry policy's arithmetic on what came out.
//! Invariants: no panic; only 2xx is success; a Retry-After is honoured only from a header
//! named Retry-After (any case), is bounded (so that the retry loop's `elapsed + wait`
//! cannot overflow), and a plain number of seconds reads as itself (up to the bound).
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sensorsanalytics::http::{answer_from_parts, parse_retry_after};
use sensorsanalytics::RetryPolicy;

#[derive(Arbitrary, Debug)]
struct Input {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    retry_after: String,
    attempt: u32,
}

/// Far more than any retry budget; what the retry loop adds to an elapsed time must stay
/// below this.
const BOUND: Duration = Duration::from_secs(366 * 24 * 3600);

fuzz_target!(|input: Input| {
    let resp = answer_from_parts(
        input.status,
        input.headers.iter().map(|(n, v)| (n.as_str(), v.as_slice())),
        &input.body,
    );
    assert_eq!(resp.status, input.status);
    assert_eq!(resp.is_success(), (200..300).contains(&input.status));
    assert_eq!(resp.body, String::from_utf8_lossy(&input.body));
    if resp.retry_after.is_some() {
        assert!(input.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("retry-after")));
    }

    for ra in [resp.retry_after, parse_retry_after(&input.retry_after)] {
        if let Some(d) = ra {
            assert!(d <= BOUND, "Retry-After {d:?} is past the bound");
        }
        // What post_with_retry does with it: elapsed + delay, compared to the budget.
        let wait = RetryPolicy::default().delay(input.attempt, ra);
        assert!(Duration::from_secs(3600).checked_add(wait).is_some());
    }
    if let Ok(n) = input.retry_after.trim().parse::<u64>() {
        let got = parse_retry_after(&input.retry_after).expect("a number of seconds is read");
        if n <= 86_400 {
            assert_eq!(got, Duration::from_secs(n));
        }
    }
});
