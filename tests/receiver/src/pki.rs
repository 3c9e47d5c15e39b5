//! Test certificates, made fresh by each test run (rcgen): a CA and server certificates that
//! are good, expired, for the wrong host, and signed by a CA nobody trusts. Written as PEM
//! files so that every language's tests can use them (`sa-receiver --make-test-pki DIR`).

use std::io;
use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};

/// The files [`make`] writes into its directory.
#[derive(Debug, Clone)]
pub struct TestPki {
    pub dir: PathBuf,
    /// The test CA (trust this one: `SSL_CERT_FILE`, `ca_file`, or the system store).
    pub ca: PathBuf,
    /// Valid for `127.0.0.1`, `::1` and `localhost`, signed by the test CA.
    pub server: (PathBuf, PathBuf),
    /// Signed by the test CA, but expired (2020).
    pub expired: (PathBuf, PathBuf),
    /// Signed by the test CA, valid only for `wrong-host.invalid`.
    pub wrong_host: (PathBuf, PathBuf),
    /// Valid for the loopback names, but signed by another CA that nobody trusts.
    pub unknown_ca: (PathBuf, PathBuf),
}

fn ca(name: &str) -> Result<(rcgen::Certificate, KeyPair), rcgen::Error> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.distinguished_name.push(DnType::OrganizationName, "sensorsanalytics tests");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let key = KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok((cert, key))
}

fn leaf(
    names: &[&str],
    expired: bool,
    issuer: &rcgen::Certificate,
    issuer_key: &KeyPair,
) -> Result<(String, String), rcgen::Error> {
    let mut params = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())?;
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    if expired {
        params.not_before = rcgen::date_time_ymd(2019, 1, 1);
        params.not_after = rcgen::date_time_ymd(2020, 1, 1);
    } else {
        params.not_before = rcgen::date_time_ymd(2024, 1, 1);
        params.not_after = rcgen::date_time_ymd(2099, 1, 1);
    }
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, issuer, issuer_key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Makes a fresh CA and the server certificates in `dir` (created if missing).
pub fn make(dir: &Path) -> io::Result<TestPki> {
    let err = |e: rcgen::Error| io::Error::other(e.to_string());
    std::fs::create_dir_all(dir)?;
    // Names of their own for each run: tests run in parallel (one Python version beside
    // another) and one of them adds its CA to the system store for a moment; a CA there with
    // the same name as another run's would make that run's "untrusted" verdicts "bad
    // signature" instead.
    let nonce = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let (ca_cert, ca_key) = ca(&format!("sensorsanalytics test CA {nonce}")).map_err(err)?;
    let (other_cert, other_key) = ca(&format!("untrusted test CA {nonce}")).map_err(err)?;
    let loopback = ["localhost", "127.0.0.1", "::1"];
    let write = |name: &str, (cert, key): (String, String)| -> io::Result<(PathBuf, PathBuf)> {
        let c = dir.join(format!("{name}.pem"));
        let k = dir.join(format!("{name}.key"));
        std::fs::write(&c, cert)?;
        std::fs::write(&k, key)?;
        Ok((c, k))
    };
    let ca_path = dir.join("ca.pem");
    std::fs::write(&ca_path, ca_cert.pem())?;
    // The system store's format (update-ca-certificates wants a .crt).
    std::fs::write(dir.join("ca.crt"), ca_cert.pem())?;
    let pki = TestPki {
        dir: dir.to_owned(),
        ca: ca_path,
        server: write("server", leaf(&loopback, false, &ca_cert, &ca_key).map_err(err)?)?,
        expired: write("expired", leaf(&loopback, true, &ca_cert, &ca_key).map_err(err)?)?,
        wrong_host: write("wrong-host", leaf(&["wrong-host.invalid"], false, &ca_cert, &ca_key).map_err(err)?)?,
        unknown_ca: write("unknown-ca", leaf(&loopback, false, &other_cert, &other_key).map_err(err)?)?,
    };
    Ok(pki)
}
