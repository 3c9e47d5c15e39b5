//! Which certificate authorities ReqwestTransport trusts, as the reference (Python's urllib,
//! `ssl.create_default_context()`) does: the platform's store, `SSL_CERT_FILE` and
//! `SSL_CERT_DIR`, plus the CA bundle a consumer names (`ca_file`). Certificates are always
//! verified (chain, validity dates, host name); nothing here turns verification off.
//!
//! Unlike OpenSSL, where `SSL_CERT_FILE` replaces the default bundle, every source is added
//! to the others: pointing `SSL_CERT_FILE` at a company CA does not untrust the public CAs.
//! The platform store is, on Linux and the BSDs, the first system bundle file found (as
//! OpenSSL's default paths, e.g. `/etc/ssl/certs/ca-certificates.crt` on Debian, which
//! `update-ca-certificates` writes) and the system certificate directory; on macOS and
//! Windows, the system keychain/store (rustls-native-certs). Only when none of these yields a
//! certificate (a container without a CA package) are the bundled Mozilla roots used, so that
//! public receivers keep working there.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

use super::transport::{TransportError, TransportErrorKind};

/// System bundle files, in OpenSSL's and Go's order of probing.
#[cfg(all(unix, not(target_os = "macos")))]
const SYSTEM_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",                // Debian, Ubuntu, Gentoo, Arch
    "/etc/pki/tls/certs/ca-bundle.crt",                  // Fedora, RHEL
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // CentOS, RHEL 7
    "/etc/ssl/ca-bundle.pem",                            // openSUSE
    "/etc/pki/tls/cacert.pem",                           // OpenELEC
    "/etc/ssl/cert.pem",                                 // Alpine, BSDs
    "/usr/local/etc/ssl/cert.pem",                       // FreeBSD ports
];

#[cfg(all(unix, not(target_os = "macos")))]
const SYSTEM_DIRS: &[&str] = &["/etc/ssl/certs", "/etc/pki/tls/certs"];

/// Where the trusted certificates came from, for messages and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TrustSummary {
    pub platform: usize,
    pub env: usize,
    pub ca_file: usize,
    pub bundled_fallback: bool,
}

/// Certificates of a PEM file (a bundle or a single certificate). Non-certificate sections
/// (keys, CRLs) are skipped.
pub(crate) fn read_pem_certs(path: &Path) -> std::io::Result<Vec<CertificateDer<'static>>> {
    let bytes = std::fs::read(path)?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes).filter_map(|c| c.ok()).collect();
    Ok(certs)
}

/// Certificates of every readable PEM file directly inside `dir` (hashed links included).
fn read_pem_dir(dir: &Path) -> Vec<CertificateDer<'static>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_file() {
            if let Ok(certs) = read_pem_certs(&path) {
                out.extend(certs);
            }
        }
    }
    out
}

fn add_all(store: &mut RootCertStore, certs: Vec<CertificateDer<'static>>) -> usize {
    // A certificate the verifier cannot use (an unsupported or broken one in a system
    // bundle) is skipped, as OpenSSL does, instead of failing the whole store.
    let (added, _ignored) = store.add_parsable_certificates(certs);
    added
}

#[cfg(all(unix, not(target_os = "macos")))]
fn platform_certs() -> Vec<CertificateDer<'static>> {
    let mut out = Vec::new();
    if let Some(file) = SYSTEM_FILES.iter().map(Path::new).find(|p| p.is_file()) {
        out.extend(read_pem_certs(file).unwrap_or_default());
    }
    if out.is_empty() {
        if let Some(dir) = SYSTEM_DIRS.iter().map(Path::new).find(|p| p.is_dir()) {
            out.extend(read_pem_dir(dir));
        }
    }
    out
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn platform_certs() -> Vec<CertificateDer<'static>> {
    rustls_native_certs::load_native_certs().certs
}

/// `SSL_CERT_FILE` (one PEM bundle) and `SSL_CERT_DIR` (directories, `:`-separated as
/// OpenSSL reads them). Unreadable paths are ignored, as OpenSSL ignores them.
fn env_certs() -> Vec<CertificateDer<'static>> {
    let mut out = Vec::new();
    if let Some(file) = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty()) {
        out.extend(read_pem_certs(Path::new(&file)).unwrap_or_default());
    }
    if let Some(dirs) = std::env::var_os("SSL_CERT_DIR").filter(|v| !v.is_empty()) {
        for dir in std::env::split_paths(&dirs) {
            out.extend(read_pem_dir(&dir));
        }
    }
    out
}

/// Reads `ca_file` at construction so that a wrong path fails there, not on the first send.
pub(crate) fn load_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = read_pem_certs(path).map_err(|e| format!("ca_file {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("ca_file {}: no PEM certificate in it", path.display()));
    }
    Ok(certs)
}

/// What the platform + environment part of the store was built from: the variables, and the
/// size and modification time of each file or directory read. The store is rebuilt only when
/// this changes (`update-ca-certificates` rewrites the bundle; a test sets SSL_CERT_FILE).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SourceKey {
    vars: (Option<std::ffi::OsString>, Option<std::ffi::OsString>),
    files: Vec<(std::path::PathBuf, Option<(u64, Option<std::time::SystemTime>)>)>,
}

fn stamp(p: &Path) -> Option<(u64, Option<std::time::SystemTime>)> {
    std::fs::metadata(p).ok().map(|m| (m.len(), m.modified().ok()))
}

fn source_key() -> SourceKey {
    let vars = (std::env::var_os("SSL_CERT_FILE"), std::env::var_os("SSL_CERT_DIR"));
    let mut paths: Vec<std::path::PathBuf> = Vec::new();
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        paths.extend(SYSTEM_FILES.iter().map(std::path::PathBuf::from));
        paths.extend(SYSTEM_DIRS.iter().map(std::path::PathBuf::from));
    }
    if let Some(f) = &vars.0 {
        paths.push(f.into());
    }
    if let Some(d) = &vars.1 {
        paths.extend(std::env::split_paths(d));
    }
    let files = paths.into_iter().map(|p| {
        let s = stamp(&p);
        (p, s)
    });
    SourceKey { vars: vars.clone(), files: files.collect() }
}

/// The platform + environment store, built once per change of its sources: reading and
/// parsing a system bundle takes milliseconds in release builds and a few hundred in debug
/// builds, and every consumer's client (each fork child's too) needs it.
///
/// The cache is only ever `try_lock`ed, never waited for: a sender thread may be building its
/// client at the moment another thread forks, and a lock it held stays locked for ever in the
/// child, whose first send would then hang (the reliability suite's fork scenario found
/// this). Whoever finds it busy builds a store of its own, uncached.
fn base_store() -> (Arc<RootCertStore>, TrustSummary) {
    type Cached = (SourceKey, Arc<RootCertStore>, TrustSummary);
    static CACHE: std::sync::Mutex<Option<Cached>> = std::sync::Mutex::new(None);
    let key = source_key();
    let mut cache = match CACHE.try_lock() {
        Ok(guard) => Some(guard),
        Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    };
    if let Some((k, store, summary)) = cache.as_deref().and_then(Option::as_ref) {
        if *k == key {
            return (store.clone(), summary.clone());
        }
    }
    let mut store = RootCertStore::empty();
    let mut summary = TrustSummary {
        platform: add_all(&mut store, platform_certs()),
        env: add_all(&mut store, env_certs()),
        ca_file: 0,
        bundled_fallback: false,
    };
    if summary.platform == 0 {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        summary.bundled_fallback = true;
    }
    let store = Arc::new(store);
    if let Some(cache) = cache.as_mut() {
        **cache = Some((key, store.clone(), summary.clone()));
    }
    (store, summary)
}

/// The roots for one client: platform + environment + `ca_file`.
pub(crate) fn root_store(ca_file: &[CertificateDer<'static>]) -> (RootCertStore, TrustSummary) {
    let (base, mut summary) = base_store();
    let mut store = (*base).clone();
    summary.ca_file = add_all(&mut store, ca_file.to_vec());
    (store, summary)
}

/// What a client built now would trust, counted by source (certificates of the platform
/// store, of SSL_CERT_FILE/SSL_CERT_DIR, of `ca_file`): for diagnostics and tests.
pub fn trust_summary(ca_file: Option<&Path>) -> Result<TrustSummary, String> {
    let extra = match ca_file {
        Some(p) => load_ca_file(p)?,
        None => Vec::new(),
    };
    Ok(root_store(&extra).1)
}

/// The rustls configuration ReqwestTransport hands to reqwest: ring, TLS 1.2 and 1.3,
/// webpki verification against [`root_store`].
pub(crate) fn client_config(
    ca_file: &[CertificateDer<'static>],
) -> Result<rustls::ClientConfig, TransportError> {
    let (roots, _) = root_store(ca_file);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportError::new(TransportErrorKind::Fatal, format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// Finds a TLS failure in an error's chain and says what it means for the user. Certificate
/// problems come back from the handshake as an `io::Error` wrapping `rustls::Error`.
pub(crate) fn tls_failure(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(explain(r));
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(r) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Some(explain(r));
            }
        }
        cur = err.source();
    }
    // The connector may box the handshake's io::Error in a way that hides its type from
    // `downcast_ref`; rustls's own text then tells the cause.
    let text = {
        let mut t = e.to_string();
        let mut src = e.source();
        while let Some(s) = src {
            t.push_str(": ");
            t.push_str(&s.to_string());
            src = s.source();
        }
        t
    };
    let (_, detail) = text.split_once("invalid peer certificate: ")?;
    let what = if detail.starts_with("UnknownIssuer") {
        UNKNOWN_ISSUER.to_owned()
    } else if detail.contains("expired") {
        "the server's certificate has expired".to_owned()
    } else if detail.contains("not valid for name") || detail.starts_with("NotValidForName") {
        "the server's certificate is not valid for the host name in the URL".to_owned()
    } else if detail.contains("not valid yet") || detail.starts_with("NotValidYet") {
        "the server's certificate is not valid yet".to_owned()
    } else {
        format!("the server's certificate was refused ({detail})")
    };
    Some(format!("TLS certificate verification failed: {what}; not retried"))
}

const UNKNOWN_ISSUER: &str = "the server's certificate is not signed by a trusted CA (unknown issuer); \
    trust its CA through the system store, SSL_CERT_FILE/SSL_CERT_DIR, or the consumer's ca_file";

fn explain(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    let rustls::Error::InvalidCertificate(_) = e else {
        return format!("TLS handshake failed: {e}; not retried");
    };
    let what = match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => UNKNOWN_ISSUER.to_owned(),
            C::Expired | C::ExpiredContext { .. } => "the server's certificate has expired".to_owned(),
            C::NotValidYet | C::NotValidYetContext { .. } => "the server's certificate is not valid yet".to_owned(),
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "the server's certificate is not valid for the host name in the URL".to_owned()
            }
            C::Revoked => "the server's certificate is revoked".to_owned(),
            C::BadSignature => "the server's certificate has a bad signature".to_owned(),
            other => format!("the server's certificate was refused ({other:?})"),
        },
        other => format!("TLS handshake failed ({other})"),
    };
    format!("TLS certificate verification failed: {what}; not retried")
}

