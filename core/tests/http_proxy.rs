//! Through a real forward proxy (Debian's tinyproxy, started by the test on 127.0.0.1):
//! http:// forwarded, https:// through CONNECT, the environment's variables in either case,
//! no_proxy honoured, an explicit proxy option, and credentials that work and never show.

mod net_support;

use net_support::{env, pki, post, tinyproxy_or_skip, Tinyproxy, TlsReceiver};
use sa_receiver::{Config, Receiver};
use sensorsanalytics::{ReqwestTransport, TransportConfig};

fn trusting() -> ReqwestTransport {
    ReqwestTransport::with_config(TransportConfig { ca_file: Some(pki().ca.clone()), ..Default::default() }).unwrap()
}

fn via_header(r: &Receiver) -> Option<String> {
    r.requests().last().and_then(|q| q.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("via")).map(|(_, v)| v.clone()))
}

#[test]
fn http_through_http_proxy_in_either_case() {
    if !tinyproxy_or_skip("http_through_http_proxy_in_either_case") {
        return;
    }
    let env = env();
    let proxy = Tinyproxy::start(None);
    let r = Receiver::start(Config::default()).unwrap();
    for var in ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"] {
        env.set(var, proxy.url());
        let before = proxy.requests().len();
        assert_eq!(post(&ReqwestTransport::new(), &r.url(), 1).unwrap(), 200, "{var}");
        let logged = proxy.wait_requests(before + 1);
        assert!(logged.len() > before && logged[before].starts_with("POST http://127.0.0.1:"), "{var}: {logged:?}");
        assert!(via_header(&r).is_some_and(|v| v.contains("tinyproxy")), "{var}");
        std::env::remove_var(var);
    }
}

#[test]
fn https_through_connect_and_https_proxy_is_not_used_for_http() {
    if !tinyproxy_or_skip("https_through_connect") {
        return;
    }
    let env = env();
    let proxy = Tinyproxy::start(None);
    let tls = TlsReceiver::start(&pki().server);
    for var in ["https_proxy", "HTTPS_PROXY"] {
        env.set(var, proxy.url());
        let before = proxy.requests().len();
        assert_eq!(post(&trusting(), &tls.url(), 1).unwrap(), 200, "{var}");
        let logged = proxy.wait_requests(before + 1);
        assert_eq!(logged[before], format!("CONNECT 127.0.0.1:{} HTTP/1.1", tls.front.port()), "{var}");
        std::env::remove_var(var);
    }
    // https_proxy is for https:// only: a plain receiver is reached directly.
    env.set("https_proxy", proxy.url());
    let plain = Receiver::start(Config::default()).unwrap();
    let before = proxy.requests().len();
    assert_eq!(post(&ReqwestTransport::new(), &plain.url(), 2).unwrap(), 200);
    assert_eq!(proxy.wait_requests(before + 1).len(), before);
    assert!(via_header(&plain).is_none());
}

#[test]
fn lower_case_wins_as_in_urllib() {
    if !tinyproxy_or_skip("lower_case_wins_as_in_urllib") {
        return;
    }
    let env = env();
    let proxy = Tinyproxy::start(None);
    let r = Receiver::start(Config::default()).unwrap();
    env.set("http_proxy", proxy.url());
    env.set("HTTP_PROXY", "http://127.0.0.1:1"); // nothing listens there
    assert_eq!(post(&ReqwestTransport::new(), &r.url(), 1).unwrap(), 200);
    assert_eq!(proxy.wait_requests(1).len(), 1);
}

#[test]
fn no_proxy_is_honoured() {
    if !tinyproxy_or_skip("no_proxy_is_honoured") {
        return;
    }
    let env = env();
    let proxy = Tinyproxy::start(None);
    let r = Receiver::start(Config::default()).unwrap();
    let tls = TlsReceiver::start(&pki().server);
    env.set("http_proxy", proxy.url());
    env.set("https_proxy", proxy.url());
    for (var, value) in [("no_proxy", "127.0.0.1"), ("NO_PROXY", "example.com, 127.0.0.0/8"), ("no_proxy", "*")] {
        env.set(var, value);
        assert_eq!(post(&ReqwestTransport::new(), &r.url(), 1).unwrap(), 200, "{var}={value}");
        assert_eq!(post(&trusting(), &tls.url(), 2).unwrap(), 200, "{var}={value}");
        assert!(proxy.wait_requests(1).is_empty(), "{var}={value}: {:?}", proxy.requests());
        std::env::remove_var(var);
    }
    // A host name listed in no_proxy (localhost), while 127.0.0.1 itself is not listed.
    env.set("no_proxy", "localhost");
    assert_eq!(post(&trusting(), &tls.url_host("localhost"), 3).unwrap(), 200);
    assert!(proxy.wait_requests(1).is_empty(), "{:?}", proxy.requests());
    // And without no_proxy the same requests go through the proxy.
    std::env::remove_var("no_proxy");
    assert_eq!(post(&trusting(), &tls.url(), 4).unwrap(), 200);
    assert_eq!(proxy.wait_requests(1).len(), 1);
}

#[test]
fn explicit_proxy_option_replaces_the_environment() {
    if !tinyproxy_or_skip("explicit_proxy_option") {
        return;
    }
    let env = env();
    let proxy = Tinyproxy::start(None);
    let tls = TlsReceiver::start(&pki().server);
    env.set("https_proxy", "http://127.0.0.1:1");
    let t = ReqwestTransport::with_config(TransportConfig {
        ca_file: Some(pki().ca.clone()),
        proxy: Some(format!("127.0.0.1:{}", proxy.port)), // no scheme: an HTTP proxy
        ..Default::default()
    })
    .unwrap();
    assert_eq!(post(&t, &tls.url(), 1).unwrap(), 200);
    assert_eq!(proxy.wait_requests(1).len(), 1);
    // no_proxy still applies to it.
    env.set("no_proxy", "127.0.0.1");
    let t2 = ReqwestTransport::with_config(TransportConfig {
        ca_file: Some(pki().ca.clone()),
        proxy: Some(proxy.url()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(post(&t2, &tls.url(), 2).unwrap(), 200);
    assert_eq!(proxy.wait_requests(2).len(), 1);
}

#[test]
fn proxy_credentials_work_and_never_show() {
    if !tinyproxy_or_skip("proxy_credentials_work_and_never_show") {
        return;
    }
    let env = env();
    let proxy = Tinyproxy::start(Some(("alice", "s3cret-pw")));
    let plain = Receiver::start(Config::default()).unwrap();
    let tls = TlsReceiver::start(&pki().server);
    // Right credentials: http:// (Proxy-Authorization on the request) and https:// (on CONNECT).
    env.set("http_proxy", proxy.url_with("alice", "s3cret-pw"));
    env.set("https_proxy", proxy.url_with("alice", "s3cret-pw"));
    assert_eq!(post(&ReqwestTransport::new(), &plain.url(), 1).unwrap(), 200);
    assert_eq!(post(&trusting(), &tls.url(), 2).unwrap(), 200);
    // Proxy-Authorization is for the proxy: the receiver never sees it.
    assert!(plain.requests()[0].headers.iter().all(|(k, _)| !k.eq_ignore_ascii_case("proxy-authorization")));

    // Wrong credentials: http:// gets the proxy's 407 as an answer; https:// fails the tunnel.
    env.set("http_proxy", proxy.url_with("alice", "wrong-pw-123"));
    env.set("https_proxy", proxy.url_with("alice", "wrong-pw-123"));
    let status = post(&ReqwestTransport::new(), &plain.url(), 3).unwrap();
    assert!(status == 401 || status == 407, "tinyproxy refuses with {status}");
    let err = post(&trusting(), &tls.url(), 4).unwrap_err();
    assert!(!err.message.contains("wrong-pw-123") && !err.message.contains("alice"), "{err}");

    // A proxy that is down: the connection error names no credentials.
    env.set("https_proxy", "http://alice:s3cret-pw@127.0.0.1:1");
    let err = post(&trusting(), &tls.url(), 5).unwrap_err();
    assert!(!err.message.contains("s3cret-pw") && !err.message.contains("alice"), "{err}");
    assert!(err.is_retryable(), "a proxy that is down may come back: {err}");
    // An unparsable proxy URL: the error names no credentials either.
    env.set("https_proxy", "http://alice:s3cret-pw@[::1");
    let err = post(&trusting(), &tls.url(), 6).unwrap_err();
    assert!(!err.message.contains("s3cret-pw"), "{err}");
    let cfg = TransportConfig { proxy: Some("http://alice:s3cret-pw@127.0.0.1:3128".into()), ..Default::default() };
    assert!(!format!("{cfg:?}").contains("s3cret-pw"));
    assert!(!format!("{:?}", ReqwestTransport::with_config(cfg).unwrap()).contains("s3cret-pw"));
    }
