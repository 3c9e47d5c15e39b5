//! A real front door: nginx (the Debian package) on 127.0.0.1, set up as a Sensors
//! collector's nginx is, logging every POST body to its access log. Records sent by
//! BatchConsumer (data_list=) and DefaultConsumer (data=) are read back from that log
//! (form → Base64 → gzip → JSON) and must equal, field for field, the lines the SDK sent.
//!
//! nginx runs as our child, not a daemon, from a config written into a temporary directory,
//! on a free ephemeral port. `$request_body` is only filled when nginx has read the body
//! into memory: the location proxies to a second location (so the body is read), and
//! `client_body_buffer_size` is as large as `client_max_body_size` (so it stays in memory).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sa_receiver::decode::decode_request;
use sa_reliability::{free_port, seq, tally, Figures};
use sensorsanalytics::{
    call_site, BatchConsumer, Client, Config, Consumer, DefaultConsumer, Properties, Value,
};
use serde_json::Value as Json;

fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn config(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        r#"daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    # The status, then the body as received (form bodies are plain ASCII: nothing to escape).
    log_format sa_body escape=none '$status $request_body';
    access_log off;
    client_max_body_size 16m;
    client_body_buffer_size 16m;
    server {{
        listen 127.0.0.1:{port};
        location /sa {{
            access_log {d}/body.log sa_body;
            proxy_pass http://127.0.0.1:{port}/ok;
        }}
        location = /ok {{
            return 200 "ok\n";
        }}
    }}
}}
"#
    )
}

/// Starts nginx and waits until it accepts connections.
fn start(bin: &Path, dir: &Path) -> Result<(Child, u16), String> {
    for _ in 0..5 {
        let port = free_port();
        std::fs::write(dir.join("nginx.conf"), config(dir, port)).unwrap();
        let mut child = Command::new(bin)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("spawn nginx: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                break; // exited: the port was taken meanwhile, or a config error
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok((child, port));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let out = child.wait_with_output().map(|o| String::from_utf8_lossy(&o.stderr).into_owned());
        eprintln!("nginx did not start on {port}: {out:?}");
    }
    Err(format!(
        "nginx would not start: {}",
        std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
    ))
}

/// Keeps every line sent, and passes it on.
struct Tee {
    inner: Arc<dyn Consumer>,
    lines: Mutex<Vec<String>>,
}
impl Consumer for Tee {
    fn send(&self, record: &str) -> sensorsanalytics::Result<()> {
        self.lines.lock().unwrap().push(record.to_owned());
        self.inner.send(record)
    }
    fn flush(&self) -> sensorsanalytics::Result<()> {
        self.inner.flush()
    }
    fn close(&self) -> sensorsanalytics::Result<()> {
        self.inner.close()
    }
}

fn track_through(consumer: Arc<dyn Consumer>, from: u64, n: u64) -> Vec<String> {
    let tee = Arc::new(Tee { inner: consumer, lines: Mutex::new(Vec::new()) });
    let client = Client::new(tee.clone() as Arc<dyn Consumer>, Config::default());
    for i in from..from + n {
        let mut p = Properties::new();
        p.insert("seq", Value::Int(i as i64));
        p.insert("name", Value::str("鼠标 +/= & % \"quoted\" \\ \u{1F600}"));
        p.insert("price", Value::Float(12.5));
        p.insert("tags", Value::List(vec!["a+b".into(), "c&d".into()]));
        client.track(Some(&call_site!()), &format!("u{i}"), "ViewProduct", Some(&p), i % 2 == 0).unwrap();
    }
    client.close().expect("close: every record accepted by nginx");
    let lines = tee.lines.lock().unwrap().clone();
    lines
}

#[test]
fn nginx_access_log_holds_every_record() {
    let started = Instant::now();
    let name = "nginx/batch+default";
    let mut f = Figures::new(name, started);
    let Some(bin) = nginx_binary() else {
        f.note = "nginx is not installed (run.sh installs the Debian package)".into();
        f.emit();
        panic!("{}", f.note);
    };
    let dir = std::env::temp_dir().join(format!("sa-nginx-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (mut nginx, port) = start(&bin, &dir).unwrap_or_else(|e| panic!("{e}"));
    let url = format!("http://127.0.0.1:{port}/sa?project=default");

    const BATCHED: u64 = 5000;
    const SINGLE: u64 = 20;
    let mut sent = track_through(Arc::new(BatchConsumer::new(&url, 50, Some(5000)).unwrap()), 0, BATCHED);
    sent.extend(track_through(Arc::new(DefaultConsumer::new(&url, Some(5000)).unwrap()), BATCHED, SINGLE));

    // SIGQUIT: graceful stop; the access log is written at the end of each request anyway.
    unsafe { libc::kill(nginx.id() as i32, libc::SIGQUIT) };
    let _ = nginx.wait();

    let log = std::fs::read_to_string(dir.join("body.log")).expect("read nginx access log");
    let mut received: Vec<Json> = Vec::new();
    let mut problems = Vec::new();
    let (mut lists, mut singles) = (0, 0);
    for line in log.lines() {
        let (status, body) = line.split_once(' ').unwrap_or((line, ""));
        if status != "200" {
            problems.push(format!("nginx answered {status}"));
        }
        match decode_request(body.as_bytes(), "") {
            Ok(d) => {
                if d.field == "data_list" { lists += 1 } else { singles += 1 }
                if !d.warnings.is_empty() {
                    problems.push(format!("decoder warnings: {:?}", d.warnings));
                }
                received.extend(d.records);
            }
            Err(e) => problems.push(format!("undecodable body ({e}): {}", &body[..body.len().min(80)])),
        }
    }
    let n = BATCHED + SINGLE;
    let t = tally(&received, n, seq);
    // Field for field: what nginx logged is what the SDK wrote.
    let by_seq: BTreeMap<u64, &Json> = received.iter().filter_map(|r| Some((seq(r)?, r))).collect();
    let mismatched = sent
        .iter()
        .filter(|line| {
            let want: Json = serde_json::from_str(line).unwrap();
            seq(&want).and_then(|s| by_seq.get(&s)).map(|got| **got != want).unwrap_or(false)
        })
        .count();
    if mismatched > 0 {
        problems.push(format!("{mismatched} records differ from what was sent"));
    }
    if !t.lost.is_empty() || t.duplicated > 0 || t.unexpected > 0 {
        problems.push(format!("lost={} duplicated={} unexpected={}", t.lost.len(), t.duplicated, t.unexpected));
    }
    if lists != BATCHED / 50 || singles != SINGLE {
        problems.push(format!("{lists} data_list and {singles} data requests; expected {} and {SINGLE}", BATCHED / 50));
    }
    let mut f = Figures::from_tally(name, started, n, &t);
    f.secs = started.elapsed().as_secs_f64();
    f.passed = problems.is_empty();
    f.note = format!(
        "{} log lines ({lists} data_list, {singles} data), {} records equal to what was sent {}",
        log.lines().count(),
        received.len() as u64 - mismatched as u64,
        problems.join("; ")
    );
    f.emit();
    if f.passed {
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(f.passed, "{}", f.note);
}
