//! Connections: keep-alive, going down and coming back on the same port, stopping.

mod common;

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use common::*;
use sa_receiver::{Config, Receiver};
use serde_json::json;

#[test]
fn keep_alive_two_requests_one_connection() {
    let r = Receiver::start(Config::default()).unwrap();
    let t = target_of(&r.url());
    let mut c = Conn::connect(r.addr()).unwrap();
    for i in 0..2 {
        let resp = c
            .post_form(&t, &wire_body("data", &json!({"i": i}).to_string(), true))
            .unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(resp.header("Connection"), Some("keep-alive"));
    }
    let reqs = r.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].conn_id, reqs[1].conn_id);
    assert_eq!(r.stats()["connections"], 1);
}

#[test]
fn connection_close_is_honoured() {
    let r = Receiver::start(Config::default()).unwrap();
    let t = target_of(&r.url());
    let mut c = Conn::connect(r.addr()).unwrap();
    let body = wire_body("data", "{}", true);
    let resp = c
        .request("POST", &t, &[("Connection", "close")], body.as_bytes())
        .unwrap();
    assert_eq!(resp.header("Connection"), Some("close"));
    assert_eq!(
        c.read_response().unwrap_err().kind(),
        ErrorKind::UnexpectedEof
    );
}

#[test]
fn down_refuses_then_comes_back_on_the_same_port() {
    let r = Receiver::start(Config::default()).unwrap();
    let t = target_of(&r.url());
    let addr = r.addr();
    let mut idle = Conn::connect(addr).unwrap();
    assert_eq!(
        idle.post_form(&t, &wire_body("data", r#"{"n":1}"#, true))
            .unwrap()
            .status,
        200
    );

    let start = Instant::now();
    r.go_down(Duration::from_millis(600));
    assert!(!r.is_listening());
    let err = TcpStream::connect(addr).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    // Open keep-alive connections are cut too.
    assert!(idle
        .post_form(&t, &wire_body("data", r#"{"n":2}"#, true))
        .is_err());

    assert!(r.wait_up(Duration::from_secs(3)));
    assert!(start.elapsed() >= Duration::from_millis(600));
    assert_eq!(r.addr(), addr);
    assert_eq!(
        post(addr, &t, &wire_body("data", r#"{"n":3}"#, true))
            .unwrap()
            .status,
        200
    );
    assert_eq!(r.records(), vec![json!({"n": 1}), json!({"n": 3})]);
    assert_eq!(r.stats()["down_periods"], 1);
}

#[test]
fn down_via_control_endpoint() {
    let r = Receiver::start(Config::default()).unwrap();
    let resp = post_json(r.addr(), "/_control", &json!({"down_ms": 300}));
    assert_eq!(resp.status, 200);
    // The answer comes first, then the port closes.
    let deadline = Instant::now() + Duration::from_secs(1);
    let refused = loop {
        match TcpStream::connect(r.addr()) {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => break true,
            _ if Instant::now() > deadline => break false,
            _ => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    assert!(refused);
    assert!(r.wait_up(Duration::from_secs(3)));
    assert_eq!(get_json(r.addr(), "/_health"), json!({"ok": true}));
}

#[test]
fn only_loopback() {
    let err = Receiver::start(Config {
        host: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        ..Config::default()
    })
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn stop_is_prompt_with_open_connections() {
    let r = Receiver::start(Config::default()).unwrap();
    let addr = r.addr();
    let _idle = Conn::connect(addr).unwrap();
    let start = Instant::now();
    r.stop();
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(
        TcpStream::connect(addr).unwrap_err().kind(),
        ErrorKind::ConnectionRefused
    );
}
