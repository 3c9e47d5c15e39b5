//! HTTPS against a receiver whose certificate comes from a CA made by this test: trusted
//! through SSL_CERT_FILE, SSL_CERT_DIR, a consumer's ca_file, and the system store; refused,
//! at once and for good (no retry storm), for an unknown CA, an expired certificate and a
//! wrong host name. Also: custom headers and gzip=0 over the same path.

mod net_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use net_support::{env, failures_settled, pki, post, TlsReceiver};
use sensorsanalytics::{
    BatchConsumer, Consumer, ReqwestTransport, RetryPolicy, Transport, TransportConfig, TransportErrorKind,
};

fn with_ca_file() -> ReqwestTransport {
    ReqwestTransport::with_config(TransportConfig { ca_file: Some(pki().ca.clone()), ..Default::default() }).unwrap()
}

#[test]
fn trusted_through_ssl_cert_file() {
    let env = env();
    let r = TlsReceiver::start(&pki().server);
    env.set("SSL_CERT_FILE", &pki().ca);
    assert_eq!(post(&ReqwestTransport::new(), &r.url(), 1).unwrap(), 200);
    // The name in the URL may be the host name too.
    assert_eq!(post(&ReqwestTransport::new(), &r.url_host("localhost"), 2).unwrap(), 200);
    assert!(r.receiver.wait_for(2, Duration::from_secs(5)));
    assert_eq!(r.front.handshake_failures(), 0);
}

#[test]
fn trusted_through_ssl_cert_dir() {
    let env = env();
    let r = TlsReceiver::start(&pki().server);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&pki().ca, dir.path().join("test-ca.pem")).unwrap();
    env.set("SSL_CERT_DIR", std::env::join_paths(["/nonexistent", dir.path().to_str().unwrap()]).unwrap());
    assert_eq!(post(&ReqwestTransport::new(), &r.url(), 1).unwrap(), 200);
}

#[test]
fn trusted_through_ca_file_and_the_public_roots_stay_trusted() {
    let _env = env();
    let r = TlsReceiver::start(&pki().server);
    let t = with_ca_file();
    for seq in 0..3 {
        assert_eq!(post(&t, &r.url(), seq).unwrap(), 200);
    }
    assert!(r.receiver.wait_for(3, Duration::from_secs(5)));
    // Keep-alive works through TLS: one connection for the three.
    assert_eq!(r.front.connections(), 1);
    // ca_file is added to the system store, not instead of it.
    let summary = sensorsanalytics::http::tls::trust_summary(Some(&pki().ca)).unwrap();
    assert_eq!(summary.ca_file, 1);
    assert!(summary.platform > 0 || summary.bundled_fallback, "{summary:?}");
}

#[test]
fn not_trusted_without_the_ca() {
    let _env = env();
    let r = TlsReceiver::start(&pki().server);
    let err = post(&ReqwestTransport::new(), &r.url(), 1).unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Tls, "{err}");
    assert!(err.message.contains("unknown issuer"), "{err}");
    assert!(!err.is_retryable());
}

#[test]
fn a_bad_ca_file_fails_at_construction() {
    let _env = env();
    let missing = ReqwestTransport::with_config(TransportConfig {
        ca_file: Some("/nonexistent/ca.pem".into()),
        ..Default::default()
    })
    .unwrap_err();
    assert!(missing.message().contains("/nonexistent/ca.pem"), "{missing}");
    let empty = tempfile::NamedTempFile::new().unwrap();
    let e = ReqwestTransport::with_config(TransportConfig { ca_file: Some(empty.path().into()), ..Default::default() })
        .unwrap_err();
    assert!(e.message().contains("no PEM certificate"), "{e}");
}

/// Each refusal: kind Tls, a message that names the cause, not retryable, and through a
/// BatchConsumer with a retrying policy exactly one handshake (no retry storm).
fn refused(cert: &(std::path::PathBuf, std::path::PathBuf), host: &str, cause: &str) {
    let _env = env();
    let r = TlsReceiver::start(cert);
    let url = r.url_host(host);
    let err = post(&with_ca_file(), &url, 1).unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Tls, "{err}");
    assert!(err.message.contains(cause), "{err}");
    assert!(err.message.contains("not retried"), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(failures_settled(&r), 1);

    let consumer = BatchConsumer::with_transport(&url, 1, Some(5000), Arc::new(with_ca_file()))
        .unwrap()
        .with_retry(RetryPolicy { max_elapsed: Duration::from_secs(30), ..RetryPolicy::default() });
    let started = Instant::now();
    let err = consumer.send(&net_support::line(2)).and_then(|_| consumer.flush()).unwrap_err();
    assert!(err.message().contains(cause), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3), "gave up at once: {:?}", started.elapsed());
    assert_eq!(failures_settled(&r), 2, "one more handshake, no retry");
    assert!(r.receiver.records().is_empty());
}

#[test]
fn refused_unknown_ca() {
    refused(&pki().unknown_ca, "127.0.0.1", "unknown issuer");
}

#[test]
fn refused_expired_certificate() {
    refused(&pki().expired, "127.0.0.1", "expired");
}

#[test]
fn refused_wrong_host_name() {
    refused(&pki().wrong_host, "localhost", "not valid for the host name");
    refused(&pki().wrong_host, "127.0.0.1", "not valid for the host name");
}

#[test]
fn custom_headers_are_sent_and_the_sdk_headers_are_reserved() {
    let _env = env();
    let r = TlsReceiver::start(&pki().server);
    let t = ReqwestTransport::with_config(TransportConfig {
        ca_file: Some(pki().ca.clone()),
        headers: vec![
            ("X-Gateway-Token".into(), "tok-123".into()),
            ("X-Tenant".into(), "t1".into()),
        ],
        ..Default::default()
    })
    .unwrap();
    let form = sensorsanalytics::encode_data(&net_support::line(1));
    let resp = t.post(&r.url(), &form, &[("User-Agent", sensorsanalytics::USER_AGENT)], None).unwrap();
    assert_eq!(resp.status, 200);
    let req = &r.receiver.requests()[0];
    let header = |n: &str| req.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v.clone());
    assert_eq!(header("x-gateway-token").as_deref(), Some("tok-123"));
    assert_eq!(header("x-tenant").as_deref(), Some("t1"));
    assert_eq!(header("content-type").as_deref(), Some("application/x-www-form-urlencoded"));
    assert_eq!(header("user-agent").as_deref(), Some(sensorsanalytics::USER_AGENT));
    // The config's Debug never shows header values.
    let cfg = TransportConfig { headers: vec![("X-Gateway-Token".into(), "tok-123".into())], ..Default::default() };
    assert!(!format!("{cfg:?}").contains("tok-123"));
    // The SDK's own headers cannot be replaced: refused at construction, not silently dropped.
    for bad in [("Content-Length", "1"), ("Content-Type", "text/plain"), ("User-Agent", "x"), ("Bad Name", "x"), ("X-A", "a\r\nb")] {
        let e = ReqwestTransport::with_config(TransportConfig {
            headers: vec![(bad.0.into(), bad.1.into())],
            ..Default::default()
        });
        assert!(e.is_err(), "{bad:?} refused");
    }
}

#[test]
fn gzip_off_sends_plain_base64() {
    let _env = env();
    let r = TlsReceiver::start(&pki().server);
    let cfg = TransportConfig { ca_file: Some(pki().ca.clone()), gzip: false, ..Default::default() };
    let t = ReqwestTransport::with_config(cfg.clone()).unwrap();
    let form = cfg.encode_data_list(&[net_support::line(1), net_support::line(2)]);
    assert_eq!(t.post(&r.url(), &form, &[], None).unwrap().status, 200);
    let req = &r.receiver.requests()[0];
    assert_eq!(req.gzip, Some(false));
    assert_eq!(req.records, 2);
    assert!(req.warnings.is_empty());
}

/// The CA added to the system store with update-ca-certificates (root only: CI runs as root).
/// The CA is removed again afterwards.
#[test]
fn trusted_through_the_system_store() {
    let _env = env();
    let is_root = unsafe { libc_geteuid() } == 0;
    let tool = std::path::Path::new("/usr/sbin/update-ca-certificates");
    if !is_root || !tool.exists() {
        eprintln!(
            "SKIPPED trusted_through_the_system_store: needs root and update-ca-certificates (root: {is_root}, tool: {})",
            tool.exists()
        );
        return;
    }
    let r = TlsReceiver::start(&pki().server);
    let name = format!("sensorsanalytics-test-{}.crt", std::process::id());
    let installed = std::path::Path::new("/usr/local/share/ca-certificates").join(&name);
    std::fs::create_dir_all(installed.parent().unwrap()).unwrap();
    std::fs::copy(pki().dir.join("ca.crt"), &installed).unwrap();
    struct Remove(std::path::PathBuf);
    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
            let _ = std::process::Command::new("update-ca-certificates").arg("--fresh").output();
        }
    }
    let _cleanup = Remove(installed);
    let out = std::process::Command::new("update-ca-certificates").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(post(&ReqwestTransport::new(), &r.url(), 1).unwrap(), 200);
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}
