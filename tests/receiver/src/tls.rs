//! A TLS front for the receiver: terminates TLS (rustls) on its own loopback port and pipes
//! the plaintext to a plain receiver, so every fault and check of the receiver works over
//! `https://` unchanged. Each connection gets its own backend connection (keep-alive and
//! connection ids carry through). The certificates come from [`crate::pki`].

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection};

/// A TLS listener in front of `backend`. Stops on drop.
pub struct TlsFront {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    handshake_failures: Arc<AtomicUsize>,
    accepted: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl TlsFront {
    /// Serves `cert_chain` (PEM, leaf first) with `key` (PEM) on 127.0.0.1 (any free port).
    pub fn start(cert_chain: &Path, key: &Path, backend: SocketAddr) -> io::Result<TlsFront> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_chain)
            .map_err(io::Error::other)?
            .collect::<Result<_, _>>()
            .map_err(io::Error::other)?;
        let key = PrivateKeyDer::from_pem_file(key).map_err(io::Error::other)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(io::Error::other)?;
        let config = Arc::new(config);
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let handshake_failures = Arc::new(AtomicUsize::new(0));
        let accepted = Arc::new(AtomicUsize::new(0));
        let (s, f, a) = (stop.clone(), handshake_failures.clone(), accepted.clone());
        let thread = thread::Builder::new().name("sa-receiver-tls".into()).spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((tcp, _)) => {
                        a.fetch_add(1, Ordering::Relaxed);
                        let (config, f, s) = (config.clone(), f.clone(), s.clone());
                        let _ = thread::Builder::new().name("sa-receiver-tls-conn".into()).spawn(move || {
                            if let Err(Failure::Handshake) = serve(tcp, config, backend, &s) {
                                f.fetch_add(1, Ordering::Relaxed);
                            }
                        });
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(5)),
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        })?;
        Ok(TlsFront { addr, stop, handshake_failures, accepted, thread: Some(thread) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Connections whose TLS handshake failed (the client refused our certificate, or spoke
    /// no TLS): a client that retries a refused certificate shows here as more than one.
    pub fn handshake_failures(&self) -> usize {
        self.handshake_failures.load(Ordering::Relaxed)
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::Relaxed)
    }

    /// `https://HOST:PORT/sa?project=NAME`.
    pub fn url(&self, host: &str, project: &str) -> String {
        format!("https://{host}:{}/sa?project={project}", self.port())
    }

    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.stop();
    }
}

enum Failure {
    Handshake,
    Io,
}

impl From<io::Error> for Failure {
    fn from(_: io::Error) -> Self {
        Failure::Io
    }
}

fn would_block(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted)
}

fn write_all_nb(w: &mut TcpStream, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match w.write(data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(e) if would_block(&e) => thread::sleep(Duration::from_millis(1)),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// One connection: handshake, then plaintext both ways until either side closes.
fn serve(mut tcp: TcpStream, config: Arc<ServerConfig>, backend: SocketAddr, stop: &AtomicBool) -> Result<(), Failure> {
    tcp.set_nonblocking(true)?;
    let _ = tcp.set_nodelay(true);
    let mut conn = ServerConnection::new(config).map_err(|_| Failure::Io)?;
    let mut back: Option<TcpStream> = None;
    let mut buf = vec![0u8; 64 * 1024];
    let mut idle_ms = 0u64;
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut progress = false;
        if conn.wants_read() {
            match conn.read_tls(&mut tcp) {
                Ok(0) => return Ok(()),
                Ok(_) => {
                    progress = true;
                    if conn.process_new_packets().is_err() {
                        let handshaking = conn.is_handshaking();
                        // Send our alert before closing.
                        let _ = conn.write_tls(&mut tcp);
                        return Err(if handshaking { Failure::Handshake } else { Failure::Io });
                    }
                }
                Err(e) if would_block(&e) => {}
                Err(_) if conn.is_handshaking() => return Err(Failure::Handshake),
                Err(e) => return Err(e.into()),
            }
        }
        if !conn.is_handshaking() && back.is_none() {
            let b = TcpStream::connect(backend)?;
            b.set_nonblocking(true)?;
            let _ = b.set_nodelay(true);
            back = Some(b);
        }
        if let Some(b) = back.as_mut() {
            loop {
                match conn.reader().read(&mut buf) {
                    Ok(0) => {
                        // close_notify from the client: pass the end on.
                        let _ = b.shutdown(std::net::Shutdown::Write);
                        break;
                    }
                    Ok(n) => {
                        write_all_nb(b, &buf[..n])?;
                        progress = true;
                    }
                    Err(e) if would_block(&e) => break,
                    Err(e) => return Err(e.into()),
                }
            }
            match b.read(&mut buf) {
                Ok(0) => {
                    conn.send_close_notify();
                    while conn.wants_write() {
                        match conn.write_tls(&mut tcp) {
                            Ok(_) => {}
                            Err(e) if would_block(&e) => thread::sleep(Duration::from_millis(1)),
                            Err(_) => break,
                        }
                    }
                    return Ok(());
                }
                Ok(n) => {
                    conn.writer().write_all(&buf[..n])?;
                    progress = true;
                }
                Err(e) if would_block(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
        while conn.wants_write() {
            match conn.write_tls(&mut tcp) {
                Ok(_) => progress = true,
                Err(e) if would_block(&e) => {
                    thread::sleep(Duration::from_millis(1));
                }
                Err(_) if conn.is_handshaking() => return Err(Failure::Handshake),
                Err(e) => return Err(e.into()),
            }
        }
        if progress {
            idle_ms = 0;
        } else {
            // An idle keep-alive connection: poll gently, and give up after 10 minutes.
            idle_ms += 1;
            if idle_ms > 600_000 {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(1));
        }
    }
}
