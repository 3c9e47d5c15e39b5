//! Shared by http_tls.rs and http_proxy.rs: a test CA and certificates made for this run, a
//! TLS receiver (sa-receiver behind its TLS front), a real forward proxy (Debian's tinyproxy),
//! and a lock around the process environment (SSL_CERT_FILE, *_proxy), which every test of
//! these files takes because a client reads the environment when it is built.
#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use sa_receiver::pki::TestPki;
use sa_receiver::{Config, Receiver, TlsFront};
use sensorsanalytics::{encode_data, ReqwestTransport, Transport, TransportError};

pub const ENV_VARS: &[&str] = &[
    "SSL_CERT_FILE", "SSL_CERT_DIR", "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
    "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY",
];

/// Holds the environment lock; the variables above are cleared on taking it and on release.
pub struct Env(MutexGuard<'static, ()>);

pub fn env() -> Env {
    static LOCK: Mutex<()> = Mutex::new(());
    let g = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    clear();
    Env(g)
}

fn clear() {
    for v in ENV_VARS {
        std::env::remove_var(v);
    }
}

impl Env {
    pub fn set(&self, k: &str, v: impl AsRef<std::ffi::OsStr>) {
        std::env::set_var(k, v);
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        clear();
    }
}

/// The certificates of this test process (made once).
pub fn pki() -> &'static TestPki {
    static PKI: OnceLock<(tempfile::TempDir, TestPki)> = OnceLock::new();
    &PKI.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let pki = sa_receiver::pki::make(dir.path()).expect("make the test PKI");
        (dir, pki)
    })
    .1
}

/// A receiver behind a TLS front serving `cert`.
pub struct TlsReceiver {
    pub receiver: Receiver,
    pub front: TlsFront,
}

impl TlsReceiver {
    pub fn start(cert: &(PathBuf, PathBuf)) -> TlsReceiver {
        let receiver = Receiver::start(Config::default()).unwrap();
        let front = TlsFront::start(&cert.0, &cert.1, receiver.addr()).unwrap();
        TlsReceiver { receiver, front }
    }

    pub fn url(&self) -> String {
        self.front.url("127.0.0.1", "default")
    }

    pub fn url_host(&self, host: &str) -> String {
        self.front.url(host, "default")
    }
}

/// The front counts a failed handshake when its thread sees the client's alert: wait for the
/// count to stop moving.
pub fn failures_settled(r: &TlsReceiver) -> usize {
    let mut last = r.front.handshake_failures();
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut stable_since = Instant::now();
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        let now = r.front.handshake_failures();
        if now != last {
            last = now;
            stable_since = Instant::now();
        } else if last > 0 && stable_since.elapsed() > Duration::from_millis(300) {
            break;
        }
    }
    last
}

pub fn line(seq: u64) -> String {
    format!(r#"{{"type":"track","event":"E","time":1700000000000,"distinct_id":"u{seq}","properties":{{"seq":{seq}}},"lib":{{"$lib":"Rust"}}}}"#)
}

/// One post of one record.
pub fn post(t: &ReqwestTransport, url: &str, seq: u64) -> Result<u16, TransportError> {
    t.post(url, &encode_data(&line(seq)), &[], Some(Duration::from_secs(10))).map(|r| r.status)
}

/// Debian's tinyproxy on 127.0.0.1, started for a test and killed on drop.
pub struct Tinyproxy {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// Whether tinyproxy is installed; when it is not, a test prints why it skips (or fails if
/// SA_REQUIRE_PROXY is set, as CI sets it).
pub fn tinyproxy_or_skip(test: &str) -> bool {
    if Path::new("/usr/bin/tinyproxy").exists() || which("tinyproxy") {
        return true;
    }
    if std::env::var_os("SA_REQUIRE_PROXY").is_some() {
        panic!("{test}: tinyproxy is not installed (apt-get install tinyproxy) and SA_REQUIRE_PROXY is set");
    }
    eprintln!("SKIPPED {test}: tinyproxy is not installed (apt-get install tinyproxy)");
    false
}

fn which(cmd: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(cmd).is_file()))
        .unwrap_or(false)
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port()
}

impl Tinyproxy {
    /// `auth`: (user, password) the proxy demands (Basic).
    pub fn start(auth: Option<(&str, &str)>) -> Tinyproxy {
        let dir = tempfile::tempdir().unwrap();
        // The port is picked free, then given to tinyproxy: another process may take it in
        // between, so try a few.
        for _ in 0..5 {
            let port = free_port();
            let conf = dir.path().join("tinyproxy.conf");
            let mut f = std::fs::File::create(&conf).unwrap();
            writeln!(f, "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\nAllow 127.0.0.1").unwrap();
            writeln!(f, "LogFile \"{}\"\nLogLevel Info", dir.path().join("tinyproxy.log").display()).unwrap();
            if let Some((u, p)) = auth {
                writeln!(f, "BasicAuth {u} {p}").unwrap();
            }
            drop(f);
            let mut child = Command::new("tinyproxy")
                .arg("-d")
                .arg("-c")
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start tinyproxy");
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Tinyproxy { child, port, dir };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("tinyproxy did not start");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn url_with(&self, user: &str, pass: &str) -> String {
        format!("http://{user}:{pass}@127.0.0.1:{}", self.port)
    }

    /// The requests the proxy logged ("CONNECT 127.0.0.1:443", "POST http://...").
    pub fn requests(&self) -> Vec<String> {
        let log = std::fs::read_to_string(self.dir.path().join("tinyproxy.log")).unwrap_or_default();
        log.lines()
            .filter_map(|l| l.split_once("): ").filter(|_| l.contains("Request (file descriptor")).map(|(_, r)| r.to_owned()))
            .collect()
    }

    /// Waits (briefly) for the log to show `n` requests: tinyproxy writes it after answering.
    pub fn wait_requests(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            let r = self.requests();
            if r.len() >= n || Instant::now() > deadline {
                return r;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
