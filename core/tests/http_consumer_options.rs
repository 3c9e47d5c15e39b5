//! The network options of every HTTP consumer (issue 15), through the consumers rather than
//! the transport: `ca_file`, a custom header and `gzip=0` from `HttpOptions` reach a TLS
//! receiver whose CA this test made, from DefaultConsumer, BatchConsumer, AsyncBatchConsumer
//! and DebugConsumer; an unknown CA is one clear network error, never retried.

mod net_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use net_support::{env, failures_settled, line, pki, TlsReceiver};
use sensorsanalytics::consumer::options::HttpOptions;
use sensorsanalytics::{
    AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, Consumer, DebugConsumer, DefaultConsumer, Error, Transport,
};

fn options() -> HttpOptions {
    HttpOptions {
        ca_file: Some(pki().ca.clone()),
        headers: vec![("X-Gateway-Token".into(), "tok-1".into()), ("X-Tenant".into(), "t1".into())],
        gzip: Some(false),
        ..Default::default()
    }
}

fn transport(o: &HttpOptions) -> Arc<dyn Transport> {
    Arc::new(o.transport().unwrap())
}

/// Every request carries the headers and a plain (gzip=0) body, and `n` records arrived.
fn check_received(r: &TlsReceiver, n: usize) {
    assert!(r.receiver.wait_for(n, Duration::from_secs(10)), "{n} records received");
    let reqs = r.receiver.requests();
    assert_eq!(reqs.iter().map(|q| q.records).sum::<usize>(), n);
    for q in &reqs {
        assert_eq!(q.header("x-gateway-token"), Some("tok-1"));
        assert_eq!(q.header("x-tenant"), Some("t1"));
        assert_eq!(q.gzip, Some(false));
        assert_eq!(q.user_agent.as_deref(), Some(sensorsanalytics::USER_AGENT));
        assert!(q.warnings.is_empty(), "{:?}", q.warnings);
    }
}

#[test]
fn default_consumer_takes_the_options() {
    let _env = env();
    let r = TlsReceiver::start(&pki().server);
    let c = DefaultConsumer::with_transport(&r.url(), None, transport(&options())).unwrap();
    for seq in 0..3 {
        c.send(&line(seq)).unwrap();
    }
    check_received(&r, 3);
    assert_eq!(c.stats().sent, 3);
}

#[test]
fn batch_consumer_takes_the_options() {
    let _env = env();
    let r = TlsReceiver::start(&pki().server);
    let c = BatchConsumer::with_transport(&r.url(), 4, None, transport(&options())).unwrap();
    for seq in 0..10 {
        c.send(&line(seq)).unwrap();
    }
    c.close().unwrap();
    check_received(&r, 10);
}

#[test]
fn batch_consumer_with_a_spool_takes_the_options() {
    let _env = env();
    let r = TlsReceiver::start(&pki().server);
    let dir = tempfile::tempdir().unwrap();
    let spool = sensorsanalytics::consumer::options::SpoolOptions {
        spool_dir: Some(dir.path().into()),
        ..Default::default()
    }
    .build()
    .unwrap()
    .unwrap();
    let c = BatchConsumer::with_spool(&r.url(), 5, None, spool, transport(&options())).unwrap();
    for seq in 0..10 {
        c.send(&line(seq)).unwrap();
    }
    c.close().unwrap();
    check_received(&r, 10);
}

#[test]
fn async_batch_consumer_takes_the_options() {
    let _env = env();
    let r = TlsReceiver::start(&pki().server);
    let c = AsyncBatchConsumer::with_transport(&r.url(), AsyncBatchConfig::default(), transport(&options())).unwrap();
    for seq in 0..50 {
        c.send(&line(seq)).unwrap();
    }
    c.close().unwrap();
    check_received(&r, 50);
    assert_eq!(c.stats().sent, 50);
}

#[test]
fn debug_consumer_takes_the_options() {
    let _env = env();
    let r = TlsReceiver::start(&pki().server);
    let c = DebugConsumer::with_transport(&r.url(), true, None, transport(&options())).unwrap();
    c.send(&line(1)).unwrap();
    check_received(&r, 1);
    assert!(r.receiver.requests()[0].path.ends_with("/debug"), "{}", r.receiver.requests()[0].path);
}

#[test]
fn an_unknown_ca_is_one_network_error_and_no_retry_storm() {
    let _env = env();
    let r = TlsReceiver::start(&pki().server);
    // No ca_file: the test's CA is unknown.
    let plain = HttpOptions::default();
    let c = BatchConsumer::with_transport(&r.url(), 1, None, transport(&plain)).unwrap();
    let started = Instant::now();
    let e = c.send(&line(1)).unwrap_err();
    assert!(matches!(e, Error::Network(_)), "{e:?}");
    assert!(e.message().contains("unknown issuer"), "{e}");
    // BatchConsumer retries for 5 s; a refused certificate is final, so it returns at once.
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert_eq!(failures_settled(&r), 1);
    assert_eq!(r.receiver.requests().len(), 0);
    let async_c = AsyncBatchConsumer::with_transport(
        &r.url(),
        AsyncBatchConfig { flush_size: 1, ..Default::default() },
        transport(&plain),
    )
    .unwrap();
    async_c.send(&line(2)).unwrap();
    assert!(async_c.close().is_err());
    assert_eq!(async_c.stats().failed, 1);
    assert_eq!(failures_settled(&r), 2, "one attempt, not a retry schedule");
}

#[test]
fn gzip_is_on_by_default() {
    let _env = env();
    let r = TlsReceiver::start(&pki().server);
    let o = HttpOptions { ca_file: Some(pki().ca.clone()), ..Default::default() };
    let c = DefaultConsumer::with_transport(&r.url(), None, transport(&o)).unwrap();
    c.send(&line(1)).unwrap();
    assert!(r.receiver.wait_for(1, Duration::from_secs(5)));
    assert_eq!(r.receiver.requests()[0].gzip, Some(true));
}
