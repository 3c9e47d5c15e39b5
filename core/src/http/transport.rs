//! Sending one form: the [`Transport`] seam and its default, [`ReqwestTransport`].
//!
//! The seam exists so that a binding can replace the network call while batching and retries
//! stay in Rust: the Python binding passes a transport that calls a user's `_do_request`
//! replacement, as the reference SDK's own tests do.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::{ArcSwapOption, Guard};

use super::encode::{self, WireForm};
use super::proxy::{self, ProxySettings};
use super::tls;
use super::USER_AGENT;
use crate::error::Error;
use crate::fork;

/// What came back from the server. Only the status decides success (2xx).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    pub status: u16,
    /// The body as text (lossy UTF-8); DebugConsumer prints it.
    pub body: String,
    /// `Retry-After`, in seconds or as an HTTP-date.
    pub retry_after: Option<Duration>,
}

impl HttpResponse {
    pub fn new(status: u16) -> Self {
        HttpResponse {
            status,
            ..Default::default()
        }
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why no response arrived; the kind decides whether a retry may help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportErrorKind {
    /// Could not connect (refused, unreachable, DNS).
    Connect,
    /// The request or connection timed out.
    Timeout,
    /// The connection failed mid-request (reset, closed without an answer).
    Io,
    /// A retry cannot help: bad URL, TLS setup failure, a custom transport's own error.
    Fatal,
    /// The server's certificate was refused (unknown CA, expired, wrong host name) or the TLS
    /// handshake failed. Final: retrying would fail the same way, so it is never retried.
    Tls,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    pub kind: TransportErrorKind,
    pub message: String,
}

impl TransportError {
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
        }
    }

    /// Connection errors, timeouts and broken connections are worth another try; a refused
    /// certificate and fatal errors are not.
    pub fn is_retryable(&self) -> bool {
        !matches!(self.kind, TransportErrorKind::Fatal | TransportErrorKind::Tls)
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TransportError {}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Network(e.message)
    }
}

/// Posts one form and returns the response, whatever its status.
///
/// `headers` holds the SDK's own headers (`User-Agent`, and `Dry-Run` for DebugConsumer);
/// the transport adds `Content-Type: application/x-www-form-urlencoded`. `timeout` is the
/// whole request's limit (`request_timeout`), `None` meaning the transport's default.
pub trait Transport: Send + Sync {
    fn post(
        &self,
        url: &str,
        form: &WireForm,
        headers: &[(&str, &str)],
        timeout: Option<Duration>,
    ) -> Result<HttpResponse, TransportError>;

    /// Whether the synchronous consumers (Default, Batch, Debug) must call [`post`] on a
    /// thread of the SDK's own instead of the caller's. True by default because a blocking
    /// HTTP client (reqwest's) panics when run inside the caller's async runtime. A transport
    /// that calls back into a host language whose lock the caller holds (Python's GIL)
    /// returns false, so that it runs on the caller's thread. AsyncBatchConsumer always calls
    /// `post` on its own threads.
    ///
    /// [`post`]: Transport::post
    fn needs_own_thread(&self) -> bool {
        true
    }

    /// Whether the consumers gzip what they give this transport (`gzip=1`, the default) or
    /// send plain Base64 JSON (`gzip=0`): [`TransportConfig::gzip`]. A transport decides it
    /// because it is the one per-consumer object every consumer already holds.
    fn gzip(&self) -> bool {
        true
    }
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn post(
        &self,
        url: &str,
        form: &WireForm,
        headers: &[(&str, &str)],
        timeout: Option<Duration>,
    ) -> Result<HttpResponse, TransportError> {
        (**self).post(url, form, headers, timeout)
    }
    fn needs_own_thread(&self) -> bool {
        (**self).needs_own_thread()
    }
    fn gzip(&self) -> bool {
        (**self).gzip()
    }
}

/// How [`ReqwestTransport`] connects: what it trusts, which proxy, which extra headers. The
/// default is what the reference does with no options: the platform's CA store plus
/// `SSL_CERT_FILE`/`SSL_CERT_DIR`, the proxies of `http_proxy`/`https_proxy`/`all_proxy`/
/// `no_proxy`, no extra header, gzip on. Each HTTP consumer's options carry one.
#[derive(Clone, PartialEq, Eq)]
pub struct TransportConfig {
    /// A PEM bundle of CA certificates trusted in addition to the system's and the
    /// environment's (`ca_file`). Read at construction: a missing or empty file is an error.
    pub ca_file: Option<PathBuf>,
    /// An explicit proxy (`http://[user:pass@]host:port`) for every scheme, instead of the
    /// environment's; `no_proxy` still applies.
    pub proxy: Option<String>,
    /// Headers sent with every request (a gateway token, a tenant id). Names the SDK or the
    /// HTTP client sets ([`RESERVED_HEADERS`]) are refused, as are names and values that are
    /// not valid HTTP (a CR or LF, a control character, non-ASCII in a value).
    pub headers: Vec<(String, String)>,
    /// Whether to gzip payloads (`gzip=1`, the default) or send plain Base64 JSON (`gzip=0`).
    /// The transport sends the form it is given; a consumer reads this to choose its encoder
    /// ([`TransportConfig::encode_data`], [`TransportConfig::encode_data_list`]).
    pub gzip: bool,
    /// How long to wait for a connection (default 10 s).
    pub connect_timeout: Duration,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            ca_file: None,
            proxy: None,
            headers: Vec::new(),
            gzip: true,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

impl fmt::Debug for TransportConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the proxy's credentials, nor header values (they are often tokens).
        f.debug_struct("TransportConfig")
            .field("ca_file", &self.ca_file)
            .field("proxy", &self.proxy.as_deref().map(proxy::redact))
            .field("headers", &self.headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>())
            .field("gzip", &self.gzip)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

impl TransportConfig {
    /// One record, encoded as this config's `gzip` says.
    pub fn encode_data(&self, record: &str) -> WireForm {
        encode::encode_data_with(record, self.gzip)
    }

    /// A batch, encoded as this config's `gzip` says.
    pub fn encode_data_list<S: AsRef<str>>(&self, records: &[S]) -> WireForm {
        encode::encode_data_list_with(records, self.gzip)
    }
}

/// Headers a user may not set (lower case): the SDK's own (`Content-Type`,
/// `Content-Encoding`: the receiver decodes the body by them; `User-Agent`: the receiver's
/// logs tell SDKs apart by it; `Dry-Run`: DebugConsumer's `write_data`), and those the HTTP
/// client manages (they would break the request's framing). Refused rather than silently
/// overridden, so that a user never believes a header was sent that was not.
pub const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-encoding",
    "content-length",
    "transfer-encoding",
    "connection",
    "host",
    "user-agent",
    "dry-run",
];

/// Checks one custom header: the rule of [`TransportConfig::headers`], and its error text.
pub fn check_header(
    name: &str,
    value: &str,
) -> crate::Result<(reqwest::header::HeaderName, reqwest::header::HeaderValue)> {
    let n = reqwest::header::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        crate::Error::IllegalData(format!(
            "invalid header name {name:?}: a header name is a non-empty HTTP token (letters, \
             digits and !#$%&'*+-.^_`|~)"
        ))
    })?;
    if RESERVED_HEADERS.contains(&n.as_str()) {
        return Err(crate::Error::IllegalData(format!(
            "header {name:?} cannot be set: the SDK sets it itself"
        )));
    }
    let mut v = reqwest::header::HeaderValue::from_str(value).map_err(|_| {
        crate::Error::IllegalData(format!(
            "invalid value for header {name:?}: no CR, LF or other control character, ASCII only"
        ))
    })?;
    // Kept out of reqwest's Debug output: header values are often tokens.
    v.set_sensitive(true);
    Ok((n, v))
}

/// A header written as one line of text, `Name: value` (as curl and the C API take it), as
/// the pair [`check_header`] judges: split at the first colon, the value's surrounding blanks
/// dropped (HTTP's optional whitespace). Without a colon the whole text is the name, which
/// `check_header` then refuses or accepts with an empty value.
pub fn split_header_line(line: &str) -> (String, String) {
    match line.split_once(':') {
        Some((name, value)) => (name.to_owned(), value.trim_matches([' ', '\t']).to_owned()),
        None => (line.to_owned(), String::new()),
    }
}

/// What a client is built from; checked once, at construction.
struct Settings {
    ca_certs: Vec<rustls::pki_types::CertificateDer<'static>>,
    proxy: Option<String>,
    headers: reqwest::header::HeaderMap,
}

/// The default transport: reqwest's blocking client (rustls), keep-alive connections.
///
/// The client is built on first use, on the thread that sends (one of ours), never in the
/// caller's possibly-async context. A blocking client owns a runtime thread that a fork does
/// not copy, so a fork child builds a client of its own and leaves the parent's untouched
/// (dropping it would join a thread that does not exist in the child).
///
/// The environment (`SSL_CERT_FILE`, `SSL_CERT_DIR`, `*_proxy`) is read when the client is
/// built, on the first send; see [`TransportConfig`] and README's "Network" table.
pub struct ReqwestTransport {
    client: ArcSwapOption<ClientSlot>,
    connect_timeout: Duration,
    gzip: bool,
    settings: Arc<Settings>,
}

struct ClientSlot {
    generation: u64,
    client: reqwest::blocking::Client,
    /// Proxy credentials in force, kept out of every message.
    secrets: Arc<Vec<String>>,
}

impl fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestTransport")
            .field("connect_timeout", &self.connect_timeout)
            .field("gzip", &self.gzip)
            .field("proxy", &self.settings.proxy.as_deref().map(proxy::redact))
            .field("ca_certs", &self.settings.ca_certs.len())
            .finish()
    }
}

impl Default for ReqwestTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl ReqwestTransport {
    /// The reference's behaviour: system CAs and the environment (see [`TransportConfig`]).
    pub fn new() -> Self {
        Self::with_config(TransportConfig::default()).expect("the default config is valid")
    }

    /// A transport with options. Fails (`IllegalData`) on a `ca_file` that cannot be read or
    /// holds no certificate, a proxy URL that does not parse, or a header that is not valid
    /// HTTP or is reserved ([`check_header`]).
    pub fn with_config(cfg: TransportConfig) -> crate::Result<Self> {
        let ca_certs = match &cfg.ca_file {
            Some(p) => tls::load_ca_file(p).map_err(crate::Error::IllegalData)?,
            None => Vec::new(),
        };
        if let Some(p) = &cfg.proxy {
            ProxySettings { all: Some(p.clone()), ..Default::default() }
                .proxies()
                .map_err(crate::Error::IllegalData)?;
        }
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in &cfg.headers {
            let (n, v) = check_header(name, value)?;
            headers.append(n, v);
        }
        Ok(ReqwestTransport {
            client: ArcSwapOption::empty(),
            connect_timeout: cfg.connect_timeout,
            gzip: cfg.gzip,
            settings: Arc::new(Settings { ca_certs, proxy: cfg.proxy, headers }),
        })
    }

    /// Builds a client as a send would: reads the environment's CA and proxy settings now.
    /// A consumer need not call it; it lets a caller fail early on a broken environment.
    pub fn check(&self) -> Result<(), TransportError> {
        self.client().map(|_| ())
    }

    fn build_client(&self) -> Result<(reqwest::blocking::Client, Vec<String>), TransportError> {
        let fatal = |m: String| TransportError::new(TransportErrorKind::Fatal, m);
        let tls = tls::client_config(&self.settings.ca_certs)?;
        let proxies = ProxySettings::resolve(self.settings.proxy.as_deref());
        let secrets = proxies.secrets();
        let mut builder = reqwest::blocking::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(self.connect_timeout)
            .default_headers(self.settings.headers.clone())
            .use_preconfigured_tls(tls);
        let list = proxies.proxies().map_err(fatal)?;
        if list.is_empty() {
            // Otherwise reqwest would read the environment itself, by its own rules.
            builder = builder.no_proxy();
        }
        for p in list {
            builder = builder.proxy(p);
        }
        let client = builder
            .build()
            .map_err(|e| fatal(proxy::scrub(error_chain(&e), &secrets)))?;
        Ok((client, secrets))
    }

    /// This process's client, built on first use (and again in a fork child).
    fn client(&self) -> Result<(reqwest::blocking::Client, Arc<Vec<String>>), TransportError> {
        let generation = fork::generation();
        let current = self.client.load_full();
        if let Some(slot) = &current {
            if slot.generation == generation {
                return Ok((slot.client.clone(), slot.secrets.clone()));
            }
        }
        let (client, secrets) = self.build_client()?;
        let secrets = Arc::new(secrets);
        let new = Arc::new(ClientSlot {
            generation,
            client: client.clone(),
            secrets: secrets.clone(),
        });
        // If another thread got there first, its client is as good as ours: ours is dropped.
        let prev = Guard::into_inner(self.client.compare_and_swap(&current, Some(new)));
        // A stale slot must not be dropped (see the type's comment); both `prev` and `current`
        // may reference it.
        forget_if_stale(prev, generation);
        forget_if_stale(current, generation);
        Ok((client, secrets))
    }
}

fn forget_if_stale(slot: Option<Arc<ClientSlot>>, generation: u64) {
    if let Some(s) = slot {
        if s.generation != generation {
            std::mem::forget(s);
        }
    }
}

impl Drop for ReqwestTransport {
    fn drop(&mut self) {
        if let Some(slot) = self.client.swap(None) {
            if slot.generation != fork::generation() {
                std::mem::forget(slot);
            }
        }
    }
}

impl Transport for ReqwestTransport {
    fn post(
        &self,
        url: &str,
        form: &WireForm,
        headers: &[(&str, &str)],
        timeout: Option<Duration>,
    ) -> Result<HttpResponse, TransportError> {
        let (client, secrets) = self.client()?;
        let mut req = client
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form.to_urlencoded());
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        let resp = req.send().map_err(|e| {
            let mut err = classify(e);
            err.message = proxy::scrub(err.message, &secrets);
            err
        })?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        // Reading the body to its end lets the connection be reused.
        let body = resp.bytes().unwrap_or_default();
        Ok(answer_from_parts(
            status,
            headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())),
            &body,
        ))
    }

    fn gzip(&self) -> bool {
        self.gzip
    }
}

/// What the SDK keeps of a server's answer: the status, the body as text (lossy UTF-8) and
/// the first `Retry-After` header (name in any case) that reads as seconds or an HTTP-date.
/// A pure function so that it can be fuzzed (`fuzz/`, target `http_answer`) without a socket.
#[doc(hidden)]
pub fn answer_from_parts<'h>(
    status: u16,
    headers: impl IntoIterator<Item = (&'h str, &'h [u8])>,
    body: &[u8],
) -> HttpResponse {
    let retry_after = headers
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("retry-after"))
        .and_then(|(_, value)| std::str::from_utf8(value).ok())
        .and_then(parse_retry_after);
    HttpResponse {
        status,
        body: String::from_utf8_lossy(body).into_owned(),
        retry_after,
    }
}

/// `Retry-After: <seconds>` or `Retry-After: <HTTP-date>` (the IMF-fixdate form,
/// `Wed, 21 Oct 2015 07:28:00 GMT`, which proxies and load balancers send). A date already
/// past asks for no wait (the backoff applies); anything else unreadable is ignored.
#[doc(hidden)]
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    retry_after_at(v, chrono::Utc::now())
}

/// The longest wait a `Retry-After` is read as. Longer asks (found by fuzzing: `Retry-After:
/// 18446744073709551615` made the retry loop's `elapsed + wait` overflow and panic) are read
/// as this, which is past every retry budget, so the policy gives up at once.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

fn retry_after_at(v: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = v.trim();
    let wait = if let Ok(secs) = v.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
        (at.with_timezone(&chrono::Utc) - now).to_std().unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

fn classify(e: reqwest::Error) -> TransportError {
    if let Some(what) = tls::tls_failure(&e) {
        let url = e.url().map(|u| format!(" ({u})")).unwrap_or_default();
        return TransportError::new(TransportErrorKind::Tls, format!("{what}{url}"));
    }
    let kind = if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_builder() {
        TransportErrorKind::Fatal
    } else {
        TransportErrorKind::Io
    };
    TransportError::new(kind, error_chain(&e))
}

/// reqwest's own message ("error sending request for url") hides the cause; add the chain.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines() {
        let pair = |n: &str, v: &str| (n.to_owned(), v.to_owned());
        assert_eq!(split_header_line("X-A: 1"), pair("X-A", "1"));
        assert_eq!(split_header_line("X-A:\t a:b "), pair("X-A", "a:b"));
        assert_eq!(split_header_line("X-A"), pair("X-A", ""));
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        let now = chrono::DateTime::parse_from_rfc3339("2015-10-21T07:27:55Z").unwrap().to_utc();
        assert_eq!(retry_after_at("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(5)));
        assert_eq!(retry_after_at("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(retry_after_at("soon", now), None);
        assert_eq!(retry_after_at("-3", now), None);
    }

    #[test]
    fn retry_after_is_bounded() {
        // Fuzzing found both (fuzz/ target http_answer): the number overflowed the retry
        // loop's `elapsed + wait`; the date asked for a wait of centuries.
        assert_eq!(parse_retry_after("18446744073709551615"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("888888886"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("86400"), Some(Duration::from_secs(86400)));
    }

    #[test]
    fn answer_from_parts_reads_status_body_and_the_first_retry_after() {
        let r = answer_from_parts(
            503,
            [("x-other", &b"1"[..]), ("RETRY-AFTER", b"7"), ("retry-after", b"9")],
            b"busy \xff",
        );
        assert_eq!((r.status, r.retry_after), (503, Some(Duration::from_secs(7))));
        assert!(r.body.starts_with("busy "));
        assert!(!r.is_success());
        let r = answer_from_parts(200, [("retry-after", &[0xff_u8][..])], b"");
        assert_eq!(r.retry_after, None);
        assert!(r.is_success());
    }
}
