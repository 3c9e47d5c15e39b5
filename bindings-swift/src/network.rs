//! How every HTTP consumer connects (issue 15) and whom AsyncBatchConsumer tells of what it
//! gives up on (issue 12): the records and the callback interface the idiomatic layers fill
//! from their constructors' `caFile`, `proxy`, `headers`, `gzip` and `onError`.

use std::sync::Arc;

use sensorsanalytics::consumer::options::HttpOptions;
use sensorsanalytics::{GiveUpCallback, ReqwestTransport};

use crate::error::Result;

/// One custom header, in the order given.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HttpHeader {
    pub name: String,
    pub value: String,
}

/// The network options, as given: `None` and empty mean the core's defaults (the system's
/// CAs, the environment's proxies, no extra header, gzip on); the core checks every value.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NetworkOptions {
    pub ca_file: Option<String>,
    pub proxy: Option<String>,
    pub headers: Vec<HttpHeader>,
    pub gzip: Option<bool>,
}

/// The transport these options describe.
pub(crate) fn transport_of(net: NetworkOptions) -> Result<Arc<ReqwestTransport>> {
    let options = HttpOptions {
        ca_file: net.ca_file.map(Into::into),
        proxy: net.proxy,
        headers: net.headers.into_iter().map(|h| (h.name, h.value)).collect(),
        gzip: net.gzip,
    };
    Ok(Arc::new(options.transport()?))
}

/// Told of every batch AsyncBatchConsumer gives up on, on one of its sender threads: the
/// records (JSON lines), the error's kind (1 IllegalData, 2 Network, 3 FileLock, 4 Debug, as
/// the packed calls report it) and message. Implemented by the idiomatic layer, which logs it
/// and calls the user's `onError`.
#[uniffi::export(with_foreign)]
pub trait GiveUpListener: Send + Sync {
    fn on_give_up(&self, records: Vec<String>, kind: i32, message: String);
}

pub(crate) fn give_up_callback(listener: Option<Arc<dyn GiveUpListener>>) -> Option<GiveUpCallback> {
    let listener = listener?;
    Some(Arc::new(move |records: &[String], e: &sensorsanalytics::Error| {
        listener.on_give_up(records.to_vec(), e.kind().code(), e.message().to_owned())
    }))
}
