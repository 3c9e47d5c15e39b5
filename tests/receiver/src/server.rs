//! The server: one acceptor thread, one thread per connection (a test receiver sees a handful of
//! connections, so threads are simpler and more predictable than an event loop), and the
//! "down" state, done by really closing the listening socket so clients get ECONNREFUSED.

use std::collections::HashMap;
use std::io::{self, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::control::{self, After};
use crate::decode::{self, parse_record};
use crate::faults::{Action, Faults};
use crate::http::{self, Head, HttpError};
use crate::store::{Outcome, RequestInfo, Store};

/// How to start a [`Receiver`]. `Config::default()` binds 127.0.0.1 on an ephemeral port.
#[derive(Debug, Clone)]
pub struct Config {
    /// Must be a loopback address: this is a test tool and must never listen on a network.
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Only used to build [`Receiver::url`]; any project is accepted.
    pub project: String,
    /// Also append each accepted record as a JSON line to this file (truncated at start).
    pub out: Option<PathBuf>,
    pub faults: Faults,
    /// Bodies larger than this are refused with 400 and the connection closed.
    pub max_body: usize,
    /// An idle keep-alive connection is closed after this long.
    pub idle_timeout: Duration,
    /// Log one line per data request to stderr.
    pub verbose: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            project: "default".into(),
            out: None,
            faults: Faults::default(),
            max_body: 64 * 1024 * 1024,
            idle_timeout: Duration::from_secs(60),
            verbose: false,
        }
    }
}

/// Lifecycle flags, under their own lock so fault decisions never wait on them.
#[derive(Debug, Default)]
struct Life {
    stopping: bool,
    shutdown_requested: bool,
    listening: bool,
    /// Set while a "down" period is requested or under way.
    down_until: Option<Instant>,
    /// Bumped each time the listener is closed for a down period, so `go_down` can tell that
    /// *its* request took effect even if the period was short and the port is back already.
    down_count: u64,
    /// Set if the port could not be bound again after a down period.
    rebind_error: Option<String>,
}

pub(crate) struct Shared {
    pub(crate) store: Mutex<Store>,
    /// Signalled whenever a request is committed (for `wait_for`).
    store_cv: Condvar,
    life: Mutex<Life>,
    life_cv: Condvar,
    addr: SocketAddr,
    started: Instant,
    config: Config,
    /// Clones of live connections, so stop/down can shut them from outside their thread.
    conns: Mutex<HashMap<u64, TcpStream>>,
    handles: Mutex<Vec<JoinHandle<()>>>,
    next_conn: AtomicU64,
    next_seq: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking connection thread must not wedge the whole receiver.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running receiver. Dropping it stops it.
pub struct Receiver {
    shared: Arc<Shared>,
    acceptor: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("addr", &self.shared.addr)
            .finish()
    }
}

impl Receiver {
    /// Binds and starts serving. Fails on a non-loopback host or if the port is taken.
    pub fn start(config: Config) -> io::Result<Receiver> {
        if !config.host.is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "refusing to listen on {}: only loopback addresses allowed",
                    config.host
                ),
            ));
        }
        let listener = TcpListener::bind((config.host, config.port))?;
        let addr = listener.local_addr()?;
        let store = Store::new(config.faults.clone(), config.out.as_deref())?;
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            store_cv: Condvar::new(),
            life: Mutex::new(Life {
                listening: true,
                ..Life::default()
            }),
            life_cv: Condvar::new(),
            addr,
            started: Instant::now(),
            config,
            conns: Mutex::new(HashMap::new()),
            handles: Mutex::new(Vec::new()),
            next_conn: AtomicU64::new(1),
            next_seq: AtomicU64::new(1),
        });
        let s = shared.clone();
        let acceptor = thread::Builder::new()
            .name("sa-receiver-accept".into())
            .spawn(move || accept_loop(s, listener))?;
        Ok(Receiver {
            shared,
            acceptor: Mutex::new(Some(acceptor)),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    pub fn port(&self) -> u16 {
        self.shared.addr.port()
    }

    /// `http://127.0.0.1:PORT` (IPv6 hosts are bracketed).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// The SDK's server URL: `http://127.0.0.1:PORT/sa?project=<project>`.
    pub fn url(&self) -> String {
        format!(
            "{}/sa?project={}",
            self.base_url(),
            self.shared.config.project
        )
    }

    /// The URL an SDK in debug mode derives from [`Receiver::url`] (last path segment `debug`).
    pub fn debug_url(&self) -> String {
        format!(
            "{}/debug?project={}",
            self.base_url(),
            self.shared.config.project
        )
    }

    /// Replaces all fault settings; the status sequence and random generator start afresh.
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.shared.store).faults = crate::faults::FaultState::new(faults);
    }

    /// Edits the current settings (`statuses` holds what is left of the sequence).
    pub fn update_faults(&self, f: impl FnOnce(&mut Faults)) {
        let mut store = lock(&self.shared.store);
        let mut cur = store.faults.current();
        f(&mut cur);
        store.faults = crate::faults::FaultState::new(cur);
    }

    /// Current settings, `statuses` being what is left of the sequence.
    pub fn faults(&self) -> Faults {
        lock(&self.shared.store).faults.current()
    }

    /// Closes the listening socket and every open connection, and listens again on the same
    /// port after `d`. Returns once the port refuses connections. Calling it while down
    /// extends the period.
    pub fn go_down(&self, d: Duration) {
        self.shared.go_down(d);
    }

    pub fn is_listening(&self) -> bool {
        lock(&self.shared.life).listening
    }

    /// Waits until the receiver listens again after [`Receiver::go_down`].
    pub fn wait_up(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut life = lock(&self.shared.life);
        while !life.listening && !life.stopping {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            life = self
                .shared
                .life_cv
                .wait_timeout(life, deadline - now)
                .unwrap()
                .0;
        }
        life.listening
    }

    /// Accepted records, in arrival order.
    pub fn records(&self) -> Vec<Value> {
        let raw: Vec<Box<RawValue>> = lock(&self.shared.store).records.clone();
        raw.iter().map(|r| parse_record(r)).collect()
    }

    /// Records of requests answered non-2xx or dropped (never counted as received).
    pub fn rejected(&self) -> Vec<Value> {
        let raw: Vec<Box<RawValue>> = lock(&self.shared.store).rejected.clone();
        raw.iter().map(|r| parse_record(r)).collect()
    }

    /// Data requests in the order they finished.
    pub fn requests(&self) -> Vec<RequestInfo> {
        lock(&self.shared.store).requests.clone()
    }

    /// Counters, as served on `GET /_stats`.
    pub fn stats(&self) -> Value {
        self.shared.stats()
    }

    /// Waits until at least `n` records were accepted; false on timeout.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        self.wait_store(timeout, |s| s.records.len() >= n)
    }

    /// Waits until at least `n` data requests finished (any outcome); false on timeout.
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) -> bool {
        self.wait_store(timeout, |s| s.requests.len() >= n)
    }

    fn wait_store(&self, timeout: Duration, done: impl Fn(&Store) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut store = lock(&self.shared.store);
        loop {
            if done(&store) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            store = self
                .shared
                .store_cv
                .wait_timeout(store, deadline - now)
                .unwrap()
                .0;
        }
    }

    /// Forgets records, rejected records and requests (faults stay).
    pub fn clear(&self) {
        lock(&self.shared.store).clear();
    }

    /// What `POST /_shutdown` does: flags the receiver for its owner, who then calls `stop`.
    pub fn request_shutdown(&self) {
        self.shared.request_shutdown();
    }

    /// Blocks until shutdown is requested (by `POST /_shutdown` or `request_shutdown`).
    pub fn wait_shutdown_requested(&self) {
        let mut life = lock(&self.shared.life);
        while !life.shutdown_requested {
            life = self.shared.life_cv.wait(life).unwrap();
        }
    }

    /// Set if the port could not be bound again after a down period.
    pub fn rebind_error(&self) -> Option<String> {
        lock(&self.shared.life).rebind_error.clone()
    }

    /// Stops accepting, closes all connections and joins all threads. Idempotent.
    pub fn stop(&self) {
        let was_listening = {
            let mut life = lock(&self.shared.life);
            life.stopping = true;
            self.shared.life_cv.notify_all();
            life.listening
        };
        if was_listening {
            self.shared.wake_acceptor();
        }
        if let Some(h) = lock(&self.acceptor).take() {
            let _ = h.join();
        }
        self.shared.close_connections();
        let handles: Vec<_> = lock(&self.shared.handles).drain(..).collect();
        for h in handles {
            let _ = h.join();
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Shared {
    pub(crate) fn stats(&self) -> Value {
        let mut v = lock(&self.store).stats_json();
        let life = lock(&self.life);
        v["listening"] = json!(life.listening);
        v["down_periods"] = json!(life.down_count);
        v["uptime_ms"] = json!(self.started.elapsed().as_millis() as u64);
        v
    }

    pub(crate) fn request_shutdown(&self) {
        lock(&self.life).shutdown_requested = true;
        self.life_cv.notify_all();
    }

    pub(crate) fn go_down(&self, d: Duration) {
        let (was_listening, count) = {
            let mut life = lock(&self.life);
            if life.stopping {
                return;
            }
            let until = Instant::now() + d;
            life.down_until = Some(life.down_until.map_or(until, |u| u.max(until)));
            self.life_cv.notify_all();
            (life.listening, life.down_count)
        };
        if was_listening {
            self.wake_acceptor();
            // Wait for the acceptor to drop the listener, so the caller can rely on refusal.
            let deadline = Instant::now() + Duration::from_secs(5);
            let mut life = lock(&self.life);
            while life.down_count == count && !life.stopping && Instant::now() < deadline {
                life = self
                    .life_cv
                    .wait_timeout(life, Duration::from_millis(50))
                    .unwrap()
                    .0;
            }
        }
        // A server that is down has no connections either: keep-alive clients must notice.
        self.close_connections();
    }

    /// The acceptor blocks in accept(); a connection of our own makes it look at the flags.
    fn wake_acceptor(&self) {
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }

    fn close_connections(&self) {
        for s in lock(&self.conns).values() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// Sleeps `d` unless the receiver stops first; returns false if it did.
    fn sleep_unless_stopping(&self, d: Duration) -> bool {
        let deadline = Instant::now() + d;
        let mut life = lock(&self.life);
        loop {
            if life.stopping {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            life = self.life_cv.wait_timeout(life, deadline - now).unwrap().0;
        }
    }

    fn commit(&self, info: RequestInfo, records: Vec<Box<RawValue>>) {
        if self.config.verbose {
            eprintln!(
                "sa-receiver: #{} conn {} {} {} -> {} ({} records{})",
                info.seq,
                info.conn_id,
                info.method,
                info.target(),
                info.status
                    .map_or_else(|| info.outcome.as_str().to_string(), |s| s.to_string()),
                info.records,
                info.error
                    .as_deref()
                    .map(|e| format!(", error: {e}"))
                    .unwrap_or_default(),
            );
        }
        lock(&self.store).commit(info, records);
        self.store_cv.notify_all();
    }
}

fn accept_loop(shared: Arc<Shared>, first: TcpListener) {
    let mut listener = Some(first);
    loop {
        if let Some(l) = listener.take() {
            for conn in l.incoming() {
                {
                    let life = lock(&shared.life);
                    if life.stopping {
                        return;
                    }
                    if life.down_until.is_some() {
                        break;
                    }
                }
                match conn {
                    Ok(stream) => spawn_connection(&shared, stream),
                    // EMFILE and the like: back off rather than spin.
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
            // Dropping `l` closes the socket; connections still in its backlog get a reset.
        }
        {
            let mut life = lock(&shared.life);
            life.listening = false;
            life.down_count += 1;
            shared.life_cv.notify_all();
            // Wait out the down period (it may be extended meanwhile).
            loop {
                if life.stopping {
                    return;
                }
                match life.down_until {
                    Some(t) if Instant::now() < t => {
                        let wait = t - Instant::now();
                        life = shared.life_cv.wait_timeout(life, wait).unwrap().0;
                    }
                    _ => break,
                }
            }
            life.down_until = None;
        }
        // std sets SO_REUSEADDR on Unix, so our own TIME_WAIT connections don't block this;
        // retry a while in case something else grabbed the port meanwhile.
        let deadline = Instant::now() + Duration::from_secs(10);
        let l = loop {
            match TcpListener::bind(shared.addr) {
                Ok(l) => break l,
                Err(e) if Instant::now() >= deadline => {
                    let mut life = lock(&shared.life);
                    life.rebind_error =
                        Some(format!("cannot listen on {} again: {e}", shared.addr));
                    eprintln!(
                        "sa-receiver: {}",
                        life.rebind_error.as_deref().unwrap_or("")
                    );
                    shared.life_cv.notify_all();
                    return;
                }
                Err(_) => {
                    if !shared.sleep_unless_stopping(Duration::from_millis(20)) {
                        return;
                    }
                }
            }
        };
        let mut life = lock(&shared.life);
        if life.stopping {
            return;
        }
        life.listening = true;
        shared.life_cv.notify_all();
        // A go_down that came while we were rebinding could not wake us; honour it now.
        listener = if life.down_until.is_some() {
            None
        } else {
            Some(l)
        };
    }
}

fn spawn_connection(shared: &Arc<Shared>, stream: TcpStream) {
    let id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(shared.config.idle_timeout));
    let clone = match stream.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    };
    lock(&shared.conns).insert(id, clone);
    lock(&shared.store).connections += 1;
    let s = shared.clone();
    let spawned = thread::Builder::new()
        .name(format!("sa-receiver-conn-{id}"))
        .spawn(move || {
            serve_connection(&s, id, stream);
            lock(&s.conns).remove(&id);
        });
    let mut handles = lock(&shared.handles);
    handles.retain(|h| !h.is_finished());
    match spawned {
        Ok(h) => handles.push(h),
        Err(_) => {
            lock(&shared.conns).remove(&id);
        }
    }
}

fn serve_connection(shared: &Shared, conn_id: u64, mut stream: TcpStream) {
    let mut reader = match stream.try_clone() {
        Ok(s) => BufReader::new(s),
        Err(_) => return,
    };
    loop {
        let head = match http::read_head(&mut reader) {
            Ok(Some(h)) => h,
            Ok(None) | Err(HttpError::Io(_)) => return,
            Err(e) => {
                let body = json!({"code": 400, "message": e.to_string()}).to_string();
                let _ = http::write_response(
                    &mut stream,
                    400,
                    "application/json",
                    &[],
                    body.as_bytes(),
                    false,
                );
                return;
            }
        };
        let keep = if head.path().starts_with("/_") {
            serve_control(shared, &head, &mut reader, &mut stream)
        } else {
            serve_data(shared, conn_id, &head, &mut reader, &mut stream)
        };
        if !keep {
            return;
        }
    }
}

fn send_continue(head: &Head, stream: &mut TcpStream) -> io::Result<()> {
    if head.expects_continue() {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    Ok(())
}

/// Control endpoints are never subject to faults and never logged as data requests.
fn serve_control(
    shared: &Shared,
    head: &Head,
    reader: &mut BufReader<TcpStream>,
    stream: &mut TcpStream,
) -> bool {
    let body = match send_continue(head, stream)
        .map_err(HttpError::Io)
        .and_then(|_| head.body_kind())
        .and_then(|k| http::read_body(reader, k, shared.config.max_body))
    {
        Ok(b) => b,
        Err(_) => return false,
    };
    let (status, value, after) = control::handle(shared, head, &body);
    let keep = head.keep_alive() && after == After::Nothing;
    let text = serde_json::to_string_pretty(&value).unwrap_or_default() + "\n";
    let ok = http::write_response(
        stream,
        status,
        "application/json",
        &[],
        text.as_bytes(),
        keep,
    )
    .is_ok();
    match after {
        After::Nothing => {}
        After::GoDown(d) => shared.go_down(d),
        After::Shutdown => shared.request_shutdown(),
    }
    ok && keep
}

fn serve_data(
    shared: &Shared,
    conn_id: u64,
    head: &Head,
    reader: &mut BufReader<TcpStream>,
    stream: &mut TcpStream,
) -> bool {
    let seq = shared.next_seq.fetch_add(1, Ordering::Relaxed);
    // Decide before the body so that a reset can strike while it is still unread.
    let (action, delay) = lock(&shared.store).faults.decide();
    let mut info = RequestInfo {
        seq,
        conn_id,
        method: head.method.clone(),
        path: head.path().to_string(),
        query: head.query().to_string(),
        headers: head.headers.clone(),
        dry_run: head.header("dry-run").map(str::to_string),
        user_agent: head.header("user-agent").map(str::to_string),
        content_type: head.header("content-type").map(str::to_string),
        body_bytes: 0,
        field: None,
        gzip: None,
        records: 0,
        status: None,
        retry_after: None,
        delay,
        outcome: Outcome::Aborted,
        error: None,
        warnings: Vec::new(),
        at: shared.started.elapsed(),
        write_failed: false,
    };

    if action == Action::Reset {
        info.outcome = Outcome::Reset;
        shared.commit(info, Vec::new());
        reset(stream);
        return false;
    }

    let body = match send_continue(head, stream)
        .map_err(HttpError::Io)
        .and_then(|_| head.body_kind())
        .and_then(|k| http::read_body(reader, k, shared.config.max_body))
    {
        Ok(b) => b,
        Err(e) => {
            let io = matches!(e, HttpError::Io(_));
            info.error = Some(e.to_string());
            shared.commit(info, Vec::new());
            if !io {
                let body = json!({"code": 400, "message": e.to_string()}).to_string();
                let _ = http::write_response(
                    stream,
                    400,
                    "application/json",
                    &[],
                    body.as_bytes(),
                    false,
                );
            }
            return false;
        }
    };
    info.body_bytes = body.len();
    let records = match decode::decode_request_raw(&body, head.query()) {
        Ok(d) => {
            info.field = Some(d.field);
            info.gzip = Some(d.gzip);
            info.records = d.records.len();
            info.warnings = d.warnings;
            d.records
        }
        Err(e) => {
            info.error = Some(e);
            Vec::new()
        }
    };

    if let Some(d) = delay {
        if !shared.sleep_unless_stopping(d) {
            shared.commit(info, records);
            return false;
        }
    }

    match action {
        Action::Reset => unreachable!("handled above"),
        Action::Drop => {
            info.outcome = Outcome::Dropped;
            shared.commit(info, records);
            let _ = stream.shutdown(Shutdown::Both);
            false
        }
        Action::Respond {
            status,
            retry_after,
        } => {
            let ok_status = (200..300).contains(&status);
            // A body we could not read is the client's bug: say so unless a fault says worse.
            let status = if ok_status && info.error.is_some() {
                400
            } else {
                status
            };
            let accepted = (200..300).contains(&status);
            let retry_after = if status == 429 || status == 503 {
                retry_after
            } else {
                None
            };
            let mut extra = Vec::new();
            if let Some(s) = retry_after {
                extra.push(("Retry-After", s.to_string()));
            }
            let body = if accepted {
                String::new()
            } else {
                json!({
                    "code": status,
                    "message": info.error.clone().unwrap_or_else(|| http::reason(status).to_string()),
                })
                .to_string()
            };
            info.status = Some(status);
            info.retry_after = retry_after;
            info.outcome = if accepted {
                Outcome::Accepted
            } else {
                Outcome::Rejected
            };
            let keep = head.keep_alive();
            // Commit before answering: once the client has its 200 the records are visible,
            // as they would be in a real server's storage.
            shared.commit(info, records);
            let ct = if accepted {
                "text/plain"
            } else {
                "application/json"
            };
            if http::write_response(stream, status, ct, &extra, body.as_bytes(), keep).is_err() {
                lock(&shared.store).mark_write_failed(seq);
                return false;
            }
            keep
        }
    }
}

/// Closes with RST instead of FIN: SO_LINGER with a zero timeout makes the last close() of the
/// socket abort. The caller returns right after, so the connection's fds (this one, the reader's
/// clone and the registry's) are all closed within moments.
#[cfg(unix)]
fn reset(stream: &TcpStream) {
    use std::os::unix::io::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid open fd borrowed for the call, and a pointer to a correctly sized struct.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &linger as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

#[cfg(not(unix))]
fn reset(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Both);
}
