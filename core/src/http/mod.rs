//! The network half of the core (docs/SPEC.md §4): wire encoding, the transport seam, the retry
//! policy, counters, and the background pipeline of AsyncBatchConsumer. The consumers that
//! use these live in `consumer/` (default, batch, async_batch, debug).

mod encode;
pub(crate) mod flight;
pub(crate) mod health;
pub(crate) mod linger;
pub(crate) mod pipeline;
pub mod proxy;
pub(crate) mod retry;
pub(crate) mod senders;
mod stats;
pub(crate) mod sync_post;
pub mod tls;
mod transport;

pub use encode::{
    encode_data, encode_data_list, encode_data_list_plain, encode_data_list_with,
    encode_data_plain, encode_data_with, FormField, WireForm,
};
pub use retry::RetryPolicy;
pub use stats::Stats;
#[doc(hidden)]
pub use transport::{answer_from_parts, parse_retry_after};
pub use transport::{
    check_header, split_header_line, HttpResponse, ReqwestTransport, Transport, TransportConfig,
    TransportError, TransportErrorKind, MAX_RETRY_AFTER, RESERVED_HEADERS,
};

pub(crate) use retry::{post_with_retry, status_error, Request};
pub(crate) use stats::Counters;

/// The rule for an answer: 2xx is delivered; anything else is the network error with the
/// reference's "HTTP Error 503: ..." text.
pub fn check_status(resp: &HttpResponse) -> crate::Result<()> {
    if resp.is_success() {
        Ok(())
    } else {
        Err(crate::Error::Network(status_error(resp)))
    }
}

/// Sent as `User-Agent` on every request, naming the SDK and its version.
pub const USER_AGENT: &str = concat!("sensorsanalytics-rust/", env!("CARGO_PKG_VERSION"));

/// The SDK's own headers on a request: `User-Agent`, and `Dry-Run: true` when the server
/// is only to check (DebugConsumer's `write_data=False`). One list for every consumer and
/// for Python's `_do_request`, so no binding spells a header name.
pub fn sdk_headers(dry_run: bool) -> &'static [(&'static str, &'static str)] {
    const SEND: &[(&str, &str)] = &[("User-Agent", USER_AGENT)];
    const CHECK: &[(&str, &str)] = &[("User-Agent", USER_AGENT), ("Dry-Run", "true")];
    if dry_run {
        CHECK
    } else {
        SEND
    }
}

/// Checks a server URL at construction, so a typo fails early rather than on the first send.
pub(crate) fn check_url(url_prefix: &str) -> crate::Result<reqwest::Url> {
    let url = reqwest::Url::parse(url_prefix).map_err(|e| {
        crate::Error::IllegalData(format!("invalid server url {url_prefix:?}: {e}"))
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(crate::Error::IllegalData(format!(
            "invalid server url {url_prefix:?}: the scheme must be http or https"
        )));
    }
    Ok(url)
}

/// `request_timeout` is in milliseconds (docs/SPEC.md §1); `None` (or 0) keeps the transport's
/// default (reqwest's: 30 s).
pub(crate) fn timeout_from_ms(ms: Option<u64>) -> Option<std::time::Duration> {
    ms.filter(|&m| m > 0).map(std::time::Duration::from_millis)
}
