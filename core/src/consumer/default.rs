//! `DefaultConsumer(url_prefix, request_timeout)`: one record per request (`data=`), sent
//! synchronously; a failure is the caller's error at once, never retried (as the reference).

use std::sync::Arc;
use std::time::Duration;

use super::Consumer;
use crate::error::{Error, Result};
use crate::http::sync_post::SyncPoster;
use crate::http::{self, encode_data_with, status_error, Counters, ReqwestTransport, Stats, Transport};

pub struct DefaultConsumer {
    url: String,
    timeout: Option<Duration>,
    poster: SyncPoster,
    counters: Counters,
}

impl DefaultConsumer {
    /// `request_timeout_ms`: the whole request's limit in milliseconds.
    pub fn new(url_prefix: &str, request_timeout_ms: Option<u64>) -> Result<Self> {
        Self::with_transport(
            url_prefix,
            request_timeout_ms,
            Arc::new(ReqwestTransport::new()),
        )
    }

    /// As [`DefaultConsumer::new`], sending through `transport`.
    pub fn with_transport(
        url_prefix: &str,
        request_timeout_ms: Option<u64>,
        transport: Arc<dyn Transport>,
    ) -> Result<Self> {
        http::check_url(url_prefix)?;
        Ok(DefaultConsumer {
            url: url_prefix.to_owned(),
            timeout: http::timeout_from_ms(request_timeout_ms),
            poster: SyncPoster::new(transport),
            counters: Counters::default(),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn stats(&self) -> Stats {
        self.counters.snapshot(0)
    }
}

impl Consumer for DefaultConsumer {
    fn stats(&self) -> Stats {
        DefaultConsumer::stats(self)
    }

    fn send(&self, record: &str) -> Result<()> {
        let form = encode_data_with(record, self.poster.gzip());
        let headers = http::sdk_headers(false);
        let result = match self.poster.post(&self.url, &form, headers, self.timeout) {
            Ok(resp) if resp.is_success() => Ok(()),
            Ok(resp) => Err(Error::Network(status_error(&resp))),
            Err(e) => Err(e.into()),
        };
        match &result {
            Ok(()) => Counters::add(&self.counters.sent, 1),
            Err(e) => self.counters.fail(1, e),
        }
        result
    }
}
