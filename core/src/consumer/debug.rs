//! `DebugConsumer(url_prefix, write_data=True, request_timeout)`: sends each record on its own
//! to the server's debug API and prints the verdict, as the reference does:
//! the URL path's last segment becomes `debug` (`/a/sa` → `/a/debug`, query kept),
//! `Dry-Run: true` asks the server to check without writing, and a status >= 300 is
//! [`Error::Debug`] after the message, status and body are printed.

use std::sync::Arc;
use std::time::Duration;

use super::Consumer;
use crate::error::{Error, Result};
use crate::http::sync_post::SyncPoster;
use crate::http::{self, encode_data_with, Counters, ReqwestTransport, Stats, Transport};

/// Where the verdict lines go: stdout unless a binding routes them (e.g. to Python's print).
type Printer = Box<dyn Fn(&str) + Send + Sync>;

pub struct DebugConsumer {
    debug_url: String,
    write_data: bool,
    timeout: Option<Duration>,
    poster: SyncPoster,
    counters: Counters,
    printer: Option<Printer>,
}

/// The reference's rule: cut the path at its last `/` and append `/debug`.
pub(crate) fn debug_url(url_prefix: &str) -> Result<String> {
    let mut url = http::check_url(url_prefix)?;
    let path = url.path();
    let cut = path.rfind('/').unwrap_or(0);
    let new_path = format!("{}/debug", &path[..cut]);
    url.set_path(&new_path);
    Ok(url.into())
}

impl DebugConsumer {
    pub fn new(
        url_prefix: &str,
        write_data: bool,
        request_timeout_ms: Option<u64>,
    ) -> Result<Self> {
        Self::with_transport(
            url_prefix,
            write_data,
            request_timeout_ms,
            Arc::new(ReqwestTransport::new()),
        )
    }

    /// As [`DebugConsumer::new`], sending through `transport`.
    pub fn with_transport(
        url_prefix: &str,
        write_data: bool,
        request_timeout_ms: Option<u64>,
        transport: Arc<dyn Transport>,
    ) -> Result<Self> {
        Ok(DebugConsumer {
            debug_url: debug_url(url_prefix)?,
            write_data,
            timeout: http::timeout_from_ms(request_timeout_ms),
            poster: SyncPoster::new(transport),
            counters: Counters::default(),
            printer: None,
        })
    }

    /// Sends the verdict lines (without newline) to `printer` instead of stdout.
    pub fn with_printer(mut self, printer: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.printer = Some(Box::new(printer));
        self
    }

    /// The debug API's URL derived from the `url_prefix` given.
    pub fn url(&self) -> &str {
        &self.debug_url
    }

    pub fn stats(&self) -> Stats {
        self.counters.snapshot(0)
    }

    fn print(&self, lines: &[String]) {
        match &self.printer {
            Some(p) => lines.iter().for_each(|l| p(l)),
            None => {
                // One write keeps the block whole when several threads debug at once.
                let mut block = lines.join("\n");
                block.push('\n');
                use std::io::Write;
                let _ = std::io::stdout().lock().write_all(block.as_bytes());
            }
        }
    }
}

impl Consumer for DebugConsumer {
    fn stats(&self) -> Stats {
        DebugConsumer::stats(self)
    }

    fn send(&self, record: &str) -> Result<()> {
        let form = encode_data_with(record, self.poster.gzip());
        let headers = http::sdk_headers(!self.write_data);
        let resp = match self
            .poster
            .post(&self.debug_url, &form, headers, self.timeout)
        {
            Ok(r) => r,
            Err(e) => {
                let e = Error::from(e);
                self.counters.fail(1, &e);
                return Err(e);
            }
        };
        let mut lines = vec!["=".repeat(74)];
        if resp.status == 200 {
            lines.push(format!("valid message: {record}"));
        } else {
            lines.push(format!("invalid message: {record}"));
            lines.push(format!("ret_code: {}", resp.status));
            lines.push(format!("ret_content: {}", resp.body));
        }
        self.print(&lines);
        if resp.status >= 300 {
            let e = Error::Debug(format!(
                "ret_code: {}, ret_content: {}",
                resp.status, resp.body
            ));
            self.counters.fail(1, &e);
            return Err(e);
        }
        Counters::add(&self.counters.sent, 1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::debug_url;

    #[test]
    fn last_path_segment_becomes_debug() {
        assert_eq!(
            debug_url("http://h:8106/sa?project=p").unwrap(),
            "http://h:8106/debug?project=p"
        );
        assert_eq!(
            debug_url("https://h/a/sa?x=1&y=2").unwrap(),
            "https://h/a/debug?x=1&y=2"
        );
        assert_eq!(debug_url("http://h:8106").unwrap(), "http://h:8106/debug");
        assert_eq!(debug_url("http://h/a/sa/").unwrap(), "http://h/a/sa/debug");
        assert!(debug_url("not a url").is_err());
    }
}
