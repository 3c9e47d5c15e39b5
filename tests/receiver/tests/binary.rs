//! The `sa-receiver` binary, driven as another language's test harness would drive it.

mod common;

use std::io::{BufRead, BufReader, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_sa-receiver");

/// Spawns the binary with a piped stdin and returns it with the URL from its first line.
fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .strip_prefix("LISTENING ")
        .expect(&line)
        .trim()
        .to_string();
    (child, url)
}

fn addr_of(url: &str) -> SocketAddr {
    url.strip_prefix("http://")
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    None
}

#[test]
fn listening_line_faults_out_file_and_shutdown() {
    let out = scratch("bin.jsonl");
    let (mut child, url) = spawn(&[
        "--port",
        "0",
        "--out",
        out.to_str().unwrap(),
        "--status-seq",
        "503,429",
        "--retry-after",
        "2",
    ]);
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/sa?project=default"),
        "{url}"
    );
    let addr = addr_of(&url);
    let t = target_of(&url);
    let body = wire_body("data", r#"{"event":"E"}"#, true);

    let r1 = post(addr, &t, &body).unwrap();
    assert_eq!((r1.status, r1.header("Retry-After")), (503, Some("2")));
    let r2 = post(addr, &t, &body).unwrap();
    assert_eq!((r2.status, r2.header("Retry-After")), (429, Some("2")));
    assert_eq!(post(addr, &t, &body).unwrap().status, 200);

    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "{\"event\":\"E\"}\n"
    );
    assert_eq!(get_json(addr, "/_records"), json!([{"event": "E"}]));
    assert_eq!(get_json(addr, "/_stats")["rejected"], 2);

    assert_eq!(post_json(addr, "/_shutdown", &json!({})).status, 200);
    let status = wait_exit(&mut child, Duration::from_secs(5)).expect("exits after /_shutdown");
    assert!(status.success());
}

#[test]
fn exits_when_stdin_closes() {
    let (mut child, _url) = spawn(&[]);
    drop(child.stdin.take());
    assert!(wait_exit(&mut child, Duration::from_secs(5))
        .expect("exits on EOF")
        .success());
}

#[test]
fn refuses_non_loopback_hosts() {
    let out = Command::new(BIN)
        .args(["--host", "0.0.0.0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
    assert!(out.stdout.is_empty());
}

#[test]
fn goes_down_after_start_and_comes_back() {
    let (mut child, url) = spawn(&["--down-after-start-ms", "300", "--down-for-ms", "400"]);
    let addr = addr_of(&url);
    // Up at first...
    assert!(TcpStream::connect(addr).is_ok());
    // ...then refused for a while...
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match TcpStream::connect(addr) {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => break,
            _ => assert!(Instant::now() < deadline, "never went down"),
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // ...then back on the same port.
    let deadline = Instant::now() + Duration::from_secs(3);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "never came back");
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
}
