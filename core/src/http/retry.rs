//! When and how long to retry a request (docs/SPEC.md §4, ours): connection errors, timeouts, 408,
//! 429 and 5xx are retried with exponential backoff and jitter, at least as long as the
//! server's `Retry-After`, within a total time budget; any other answer is final.

use std::time::{Duration, Instant};

use super::encode::WireForm;
use super::transport::{HttpResponse, Transport, TransportErrorKind};
use crate::error::Error;

/// How a batch consumer retries one request.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// The wait before the first retry (0.5 s).
    pub initial_backoff: Duration,
    /// Each further wait is the previous one times this (2).
    pub multiplier: f64,
    /// No wait is longer than this, unless the server's Retry-After asks for more (8 s).
    pub max_backoff: Duration,
    /// Each wait is scaled by a random factor in `[1 - jitter, 1 + jitter]` (0.2), so that
    /// many clients failing together do not come back together.
    pub jitter: f64,
    /// Give up when the next retry would start later than this after the first attempt
    /// (30 s). A request already under way may end up to one request timeout later.
    pub max_elapsed: Duration,
    /// Attempts in all, the first included; `None`: only `max_elapsed` limits them.
    pub max_attempts: Option<u32>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_backoff: Duration::from_millis(500),
            multiplier: 2.0,
            max_backoff: Duration::from_secs(8),
            jitter: 0.2,
            max_elapsed: Duration::from_secs(30),
            max_attempts: None,
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retry.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: Some(1),
            ..Self::default()
        }
    }

    /// BatchConsumer's default: the caller waits for it, so the budget is short (5 s: about
    /// four attempts).
    pub fn synchronous() -> Self {
        RetryPolicy {
            max_elapsed: Duration::from_secs(5),
            ..Self::default()
        }
    }

    /// Statuses worth another try: 408, 429 and 5xx.
    pub fn is_retryable_status(status: u16) -> bool {
        status == 408 || status == 429 || (500..600).contains(&status)
    }

    /// The wait after failed attempt number `attempt` (1-based), before jitter.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .multiplier
            .max(1.0)
            .powi(attempt.saturating_sub(1).min(64) as i32);
        let secs = (self.initial_backoff.as_secs_f64() * exp).min(self.max_backoff.as_secs_f64());
        Duration::from_secs_f64(secs.max(0.0))
    }

    /// The jittered wait, never shorter than the server's Retry-After.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let j = self.jitter.clamp(0.0, 1.0);
        let factor = 1.0 + j * (2.0 * crate::rand::f64() - 1.0);
        let wait = Duration::from_secs_f64(self.backoff(attempt).as_secs_f64() * factor);
        match retry_after {
            Some(ra) => wait.max(ra),
            None => wait,
        }
    }
}

/// The request as a consumer sends it, every attempt alike.
pub(crate) struct Request<'a> {
    pub url: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub timeout: Option<Duration>,
}

/// The text of a non-2xx answer, after the reference's "HTTP Error 503: ..." form.
pub(crate) fn status_error(resp: &HttpResponse) -> String {
    let body = resp.body.trim();
    if body.is_empty() {
        format!("HTTP Error {}", resp.status)
    } else {
        let mut cut = body.len().min(300);
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("HTTP Error {}: {}", resp.status, &body[..cut])
    }
}

/// What one attempt at a request came to.
#[derive(Debug)]
pub(crate) enum Attempt {
    /// The server answered 2xx.
    Delivered,
    /// Worth another try later: a connection error, a timeout, 408, 429 or 5xx.
    Retry {
        message: String,
        /// The server's `Retry-After`, a minimum for the next wait.
        retry_after: Option<Duration>,
        /// No server answered at all (refused, unreachable, timed out): the receiver is down
        /// rather than refusing this one request.
        unreachable: bool,
    },
    /// Another try cannot help (4xx other than 408/429, a fatal transport error).
    Final(Error),
}

/// Posts `form` once and classifies the outcome.
pub(crate) fn attempt(transport: &dyn Transport, req: &Request<'_>, form: &WireForm) -> Attempt {
    match transport.post(req.url, form, req.headers, req.timeout) {
        Ok(resp) if resp.is_success() => Attempt::Delivered,
        Ok(resp) if RetryPolicy::is_retryable_status(resp.status) => Attempt::Retry {
            message: status_error(&resp),
            retry_after: resp.retry_after,
            unreachable: false,
        },
        Ok(resp) => Attempt::Final(Error::Network(status_error(&resp))),
        Err(e) if e.is_retryable() => Attempt::Retry {
            unreachable: matches!(e.kind, TransportErrorKind::Connect | TransportErrorKind::Timeout),
            message: e.message,
            retry_after: None,
        },
        Err(e) => Attempt::Final(Error::Network(e.message)),
    }
}

/// The text of a request given up on: the last failure, how many attempts, and why.
pub(crate) fn give_up_error(message: &str, attempts: u32, since: Instant, why: &str) -> Error {
    Error::Network(format!(
        "{message} (gave up after {attempts} attempt{} in {:.1} s: {why})",
        if attempts == 1 { "" } else { "s" },
        since.elapsed().as_secs_f64()
    ))
}

/// Posts `form` until it is accepted (2xx), a final answer comes, or the policy gives up.
/// `pause(d)` waits `d` before a retry and returns false if the wait was cut short because
/// the consumer is shutting down; `on_retry` is told of every retry and why (for the
/// counters).
pub(crate) fn post_with_retry(
    transport: &dyn Transport,
    req: &Request<'_>,
    form: &WireForm,
    policy: &RetryPolicy,
    pause: &mut dyn FnMut(Duration) -> bool,
    on_retry: &mut dyn FnMut(&str),
) -> Result<(), Error> {
    let start = Instant::now();
    let mut attempts: u32 = 0;
    loop {
        attempts += 1;
        let (message, retry_after) = match attempt(transport, req, form) {
            Attempt::Delivered => return Ok(()),
            Attempt::Final(e) => return Err(e),
            Attempt::Retry {
                message,
                retry_after,
                ..
            } => (message, retry_after),
        };
        if policy.max_attempts.is_some_and(|max| attempts >= max) {
            return Err(give_up_error(&message, attempts, start, "attempt limit"));
        }
        let wait = policy.delay(attempts, retry_after);
        if start.elapsed() + wait > policy.max_elapsed {
            return Err(give_up_error(&message, attempts, start, "retry time limit"));
        }
        if !pause(wait) {
            return Err(give_up_error(&message, attempts, start, "consumer closing"));
        }
        on_retry(&message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::encode::encode_data;
    use crate::http::transport::TransportError;
    use std::sync::Mutex;

    /// Answers from a script and records the waits asked for.
    struct Script(Mutex<Vec<Result<HttpResponse, TransportError>>>);

    impl Transport for Script {
        fn post(
            &self,
            _: &str,
            _: &WireForm,
            _: &[(&str, &str)],
            _: Option<Duration>,
        ) -> Result<HttpResponse, TransportError> {
            self.0.lock().unwrap().remove(0)
        }
    }

    fn run(
        script: Vec<Result<HttpResponse, TransportError>>,
        policy: &RetryPolicy,
    ) -> (Result<(), Error>, Vec<Duration>) {
        let t = Script(Mutex::new(script));
        let mut waits = Vec::new();
        let req = Request {
            url: "http://x/sa",
            headers: &[],
            timeout: None,
        };
        let r = post_with_retry(
            &t,
            &req,
            &encode_data("{}"),
            policy,
            &mut |d| {
                waits.push(d);
                true
            },
            &mut |_| {},
        );
        (r, waits)
    }

    #[test]
    fn retries_5xx_then_succeeds_with_growing_waits() {
        let p = RetryPolicy {
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        let (r, waits) = run(
            vec![
                Ok(HttpResponse::new(503)),
                Ok(HttpResponse::new(502)),
                Ok(HttpResponse::new(200)),
            ],
            &p,
        );
        assert!(r.is_ok());
        assert_eq!(
            waits,
            vec![Duration::from_millis(500), Duration::from_millis(1000)]
        );
    }

    #[test]
    fn other_4xx_is_final() {
        let (r, waits) = run(
            vec![Ok(HttpResponse {
                status: 400,
                body: "bad".into(),
                retry_after: None,
            })],
            &RetryPolicy::default(),
        );
        assert_eq!(r.unwrap_err(), Error::Network("HTTP Error 400: bad".into()));
        assert!(waits.is_empty());
    }

    #[test]
    fn retry_after_is_a_minimum() {
        let p = RetryPolicy {
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        let ra = HttpResponse {
            status: 429,
            body: String::new(),
            retry_after: Some(Duration::from_secs(3)),
        };
        let (r, waits) = run(vec![Ok(ra), Ok(HttpResponse::new(204))], &p);
        assert!(r.is_ok());
        assert_eq!(waits, vec![Duration::from_secs(3)]);
    }

    #[test]
    fn connection_errors_retry_and_fatal_ones_do_not() {
        let conn = || Err(TransportError::new(TransportErrorKind::Connect, "refused"));
        let (r, waits) = run(
            vec![conn(), Ok(HttpResponse::new(200))],
            &RetryPolicy::default(),
        );
        assert!(r.is_ok());
        assert_eq!(waits.len(), 1);
        let (r, _) = run(
            vec![Err(TransportError::new(TransportErrorKind::Fatal, "nope"))],
            &RetryPolicy::default(),
        );
        assert_eq!(r.unwrap_err(), Error::Network("nope".into()));
    }

    #[test]
    fn attempts_and_time_are_bounded() {
        let p = RetryPolicy {
            max_attempts: Some(3),
            ..RetryPolicy::default()
        };
        let (r, waits) = run(vec![Ok(HttpResponse::new(500)); 5], &p);
        assert!(r
            .unwrap_err()
            .message()
            .contains("gave up after 3 attempts"));
        assert_eq!(waits.len(), 2);
        // A Retry-After beyond the budget ends it at once.
        let p = RetryPolicy {
            max_elapsed: Duration::from_secs(2),
            ..RetryPolicy::default()
        };
        let ra = HttpResponse {
            status: 503,
            body: String::new(),
            retry_after: Some(Duration::from_secs(60)),
        };
        let (r, waits) = run(vec![Ok(ra)], &p);
        assert!(r.unwrap_err().message().contains("retry time limit"));
        assert!(waits.is_empty());
    }

    #[test]
    fn backoff_is_capped_and_jitter_bounded() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1), Duration::from_millis(500));
        assert_eq!(p.backoff(4), Duration::from_secs(4));
        assert_eq!(p.backoff(30), Duration::from_secs(8));
        for _ in 0..100 {
            let d = p.delay(1, None);
            assert!(
                d >= Duration::from_millis(400) && d <= Duration::from_millis(600),
                "{d:?}"
            );
        }
    }
}
