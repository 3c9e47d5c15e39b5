//! Decoding of the wire format end to end: bodies built like the SDKs build them.

mod common;

use common::*;
use sa_receiver::{Config, Outcome, Receiver};
use serde_json::{json, Value};

fn start() -> (Receiver, String) {
    let r = Receiver::start(Config::default()).unwrap();
    let t = target_of(&r.url());
    (r, t)
}

#[test]
fn url_shape() {
    let (r, t) = start();
    assert_eq!(
        r.url(),
        format!("http://127.0.0.1:{}/sa?project=default", r.port())
    );
    assert_eq!(t, "/sa?project=default");
    assert_eq!(target_of(&r.debug_url()), "/debug?project=default");
}

#[test]
fn one_record_gzipped() {
    let (r, t) = start();
    let rec =
        json!({"type": "track", "event": "Buy", "distinct_id": "u1", "properties": {"price": 1.5}});
    let mut c = Conn::connect(r.addr()).unwrap();
    let resp = c
        .request(
            "POST",
            &t,
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("User-Agent", "SensorsAnalytics Rust SDK"),
                ("Dry-Run", "true"),
            ],
            wire_body("data", &rec.to_string(), true).as_bytes(),
        )
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(r.records(), vec![rec]);
    let reqs = r.requests();
    assert_eq!(reqs.len(), 1);
    let q = &reqs[0];
    assert_eq!(q.target(), "/sa?project=default");
    assert_eq!(q.dry_run.as_deref(), Some("true"));
    assert_eq!(q.user_agent.as_deref(), Some("SensorsAnalytics Rust SDK"));
    assert_eq!(
        q.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        (q.field, q.gzip, q.records, q.status),
        (Some("data"), Some(true), 1, Some(200))
    );
    assert_eq!(q.outcome, Outcome::Accepted);
    assert!(q.warnings.is_empty() && q.error.is_none());
}

#[test]
fn batch_gzipped_with_escaped_base64_chars() {
    let (r, t) = start();
    let recs: Vec<Value> = (0..60)
        .map(|i| json!({"type": "track", "event": format!("E{i}"), "properties": {"s": "é€😀".repeat(i % 7), "n": i * 7919}}))
        .collect();
    let json_text = Value::Array(recs.clone()).to_string();
    // Make sure this test really covers the characters that need percent-encoding.
    let raw = b64(&gzip(json_text.as_bytes()));
    assert!(
        raw.contains('+') && raw.contains('/'),
        "pick other data: {raw}"
    );
    let resp = post(r.addr(), &t, &wire_body("data_list", &json_text, true)).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(r.records(), recs);
    assert_eq!(r.requests()[0].field, Some("data_list"));
}

#[test]
fn plain_payload_with_gzip_0_or_absent() {
    let (r, t) = start();
    let b0 = wire_body("data", r#"{"a":1}"#, false);
    assert!(b0.ends_with("&gzip=0"));
    assert_eq!(post(r.addr(), &t, &b0).unwrap().status, 200);
    let absent = format!("data={}", pct(&b64(br#"{"a":2}"#)));
    assert_eq!(post(r.addr(), &t, &absent).unwrap().status, 200);
    assert_eq!(r.records(), vec![json!({"a":1}), json!({"a":2})]);
}

#[test]
fn unescaped_plus_is_read_as_plus_with_a_warning() {
    let (r, t) = start();
    let text = r#"{"k":">>>?"}"#;
    let raw = b64(text.as_bytes());
    assert!(raw.contains('+'));
    let resp = post(r.addr(), &t, &format!("data={raw}&gzip=0")).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(
        r.records(),
        vec![serde_json::from_str::<Value>(text).unwrap()]
    );
    assert_eq!(r.requests()[0].warnings.len(), 1);
}

#[test]
fn malformed_bodies_get_400_and_are_not_received() {
    let (r, t) = start();
    for body in [
        "nothing=here".to_string(),
        "data=%%%".to_string(),
        "data=!!!!&gzip=1".to_string(),
        wire_body("data", "{}", false).replace("gzip=0", "gzip=1"),
        wire_body("data", "not json", true),
        wire_body("data_list", r#"{"not":"a list"}"#, true),
    ] {
        let resp = post(r.addr(), &t, &body).unwrap();
        assert_eq!(resp.status, 400, "{body}");
        assert!(resp.json()["message"].as_str().unwrap().len() > 3);
    }
    assert!(r.records().is_empty());
    assert!(r
        .requests()
        .iter()
        .all(|q| q.outcome == Outcome::Rejected && q.error.is_some()));
}

#[test]
fn chunked_and_expect_continue_bodies() {
    let (r, t) = start();
    let body = wire_body("data", r#"{"chunked":true}"#, true);
    let (a, b) = body.split_at(body.len() / 2);
    let mut c = Conn::connect(r.addr()).unwrap();
    c.send_raw(
        format!(
            "POST {t} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
            a.len(),
            b.len()
        )
        .as_bytes(),
    )
    .unwrap();
    assert_eq!(c.read_response().unwrap().status, 200);

    // curl sends Expect: 100-continue for larger bodies and waits for the interim answer.
    let body = wire_body("data", r#"{"expect":true}"#, true);
    c.send_raw(
        format!(
            "POST {t} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    // The interim answer must come before we send the body.
    assert_eq!(c.read_line().unwrap(), "HTTP/1.1 100 Continue\r\n");
    assert_eq!(c.read_line().unwrap(), "\r\n");
    c.send_raw(body.as_bytes()).unwrap();
    assert_eq!(c.read_response().unwrap().status, 200);
    assert_eq!(
        r.records(),
        vec![json!({"chunked": true}), json!({"expect": true})]
    );
}

#[test]
fn out_file_and_control_records() {
    let path = scratch("records.jsonl");
    let r = Receiver::start(Config {
        out: Some(path.clone()),
        ..Config::default()
    })
    .unwrap();
    let t = target_of(&r.url());
    let list = json!([{"i": 1}, {"i": 2}]).to_string();
    assert_eq!(
        post(r.addr(), &t, &wire_body("data_list", &list, true))
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        post(r.addr(), &t, &wire_body("data", r#"{"i":3}"#, true))
            .unwrap()
            .status,
        200
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, "{\"i\":1}\n{\"i\":2}\n{\"i\":3}\n");
    assert_eq!(
        get_json(r.addr(), "/_records"),
        json!([{"i": 1}, {"i": 2}, {"i": 3}])
    );
    let reqs = get_json(r.addr(), "/_requests");
    assert_eq!(reqs[0]["records"], 2);
    assert_eq!(reqs[0]["target"], "/sa?project=default");
    assert_eq!(reqs[1]["headers"]["User-Agent"], "test/1");
    assert_eq!(get_json(r.addr(), "/_stats")["records"], 3);
}
