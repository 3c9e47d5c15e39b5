//! How every HTTP consumer connects (issue 15): `sa_network_options`, a field named `network`
//! of each HTTP consumer's options struct, and its conversion to the core's `HttpOptions`.
//! The core applies the defaults and checks every value.

use std::ffi::c_char;
use std::sync::Arc;

use sensorsanalytics::consumer::options::{HttpOptions, DEFAULT_GZIP};
use sensorsanalytics::http::split_header_line;
use sensorsanalytics::ReqwestTransport;

use crate::args;
use crate::error::Outcome;

/// The network options of an HTTP consumer, filled with the defaults by the consumer's
/// options `_init` function (everything NULL, `gzip` true): the system's CAs plus
/// SSL_CERT_FILE/SSL_CERT_DIR, the proxies of http_proxy/https_proxy/no_proxy, no extra
/// header. Strings are copied at construction. A bad value (a ca_file without a certificate,
/// a header with CR or LF, a header the SDK sets itself) is SA_ERR_ILLEGAL_DATA from the
/// constructor.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sa_network_options {
    /// Optional (NULL): a PEM file of CA certificates trusted in addition to the system's.
    pub ca_file: *const c_char,
    /// Optional (NULL): `http://[user:pass@]host:port`, used for every request instead of the
    /// environment's proxies (no_proxy still applies). Credentials never appear in messages.
    pub proxy: *const c_char,
    /// `header_count` headers sent with every request, in order, each as curl takes them:
    /// `"Name: value"`. Content-Type, Content-Encoding, User-Agent, Dry-Run, Host,
    /// Content-Length, Transfer-Encoding and Connection are the SDK's and are refused.
    pub headers: *const *const c_char,
    pub header_count: usize,
    /// false sends plain Base64 JSON with `gzip=0` (true).
    pub gzip: bool,
}

impl Default for sa_network_options {
    fn default() -> Self {
        sa_network_options {
            ca_file: std::ptr::null(),
            proxy: std::ptr::null(),
            headers: std::ptr::null(),
            header_count: 0,
            gzip: DEFAULT_GZIP,
        }
    }
}

/// The transport `net` describes.
pub(crate) unsafe fn transport_of(net: &sa_network_options) -> Outcome<Arc<ReqwestTransport>> {
    let ca_file = unsafe { args::optional_text(net.ca_file, "ca_file") }?;
    let proxy = unsafe { args::optional_text(net.proxy, "proxy") }?;
    let lines = unsafe { args::array(net.headers, net.header_count, "headers") }?;
    let mut headers = Vec::with_capacity(lines.len());
    for &line in lines {
        // SAFETY: each element is a C string, by the header's rules.
        headers.push(split_header_line(unsafe { args::text(line, "headers[i]") }?));
    }
    let options = HttpOptions {
        ca_file: ca_file.map(Into::into),
        proxy: proxy.map(str::to_owned),
        headers,
        gzip: Some(net.gzip),
    };
    Ok(Arc::new(options.transport()?))
}
