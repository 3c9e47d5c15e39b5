//! Fault injection, through the library API and the /_control endpoint.

mod common;

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use common::*;
use sa_receiver::{Config, Faults, Outcome, Receiver, DROP, RESET};
use serde_json::json;

fn start(faults: Faults) -> (Receiver, String) {
    let r = Receiver::start(Config {
        faults,
        ..Config::default()
    })
    .unwrap();
    let t = target_of(&r.url());
    (r, t)
}

fn one(i: u32) -> String {
    wire_body("data", &json!({"i": i}).to_string(), true)
}

#[test]
fn status_sequence_then_default() {
    let (r, t) = start(Faults {
        statuses: vec![503, 503, 200],
        ..Faults::default()
    });
    let mut c = Conn::connect(r.addr()).unwrap();
    let got: Vec<u16> = (0..4)
        .map(|i| c.post_form(&t, &one(i)).unwrap().status)
        .collect();
    assert_eq!(got, vec![503, 503, 200, 200]);
    // Only what was answered 2xx counts as received.
    assert_eq!(r.records(), vec![json!({"i": 2}), json!({"i": 3})]);
    assert_eq!(r.rejected(), vec![json!({"i": 0}), json!({"i": 1})]);
    assert_eq!(r.stats()["by_status"], json!({"200": 2, "503": 2}));
    assert!(r.faults().statuses.is_empty());
}

#[test]
fn too_many_requests_has_retry_after() {
    let (r, t) = start(Faults {
        statuses: vec![429],
        retry_after: Some(3),
        ..Faults::default()
    });
    let resp = post(r.addr(), &t, &one(0)).unwrap();
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("Retry-After"), Some("3"));
    let resp = post(r.addr(), &t, &one(1)).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("Retry-After"), None);
    assert_eq!(r.requests()[0].retry_after, Some(3));
}

#[test]
fn fail_rate_is_seeded() {
    let faults = Faults {
        fail_rate: 0.5,
        seed: 42,
        ..Faults::default()
    };
    let run = || {
        let (r, t) = start(faults.clone());
        let mut c = Conn::connect(r.addr()).unwrap();
        (0..40)
            .map(|i| c.post_form(&t, &one(i)).unwrap().status)
            .collect::<Vec<_>>()
    };
    let a = run();
    assert_eq!(a, run(), "same seed, same outcomes");
    let fails = a.iter().filter(|&&s| s == 503).count();
    assert!((8..=32).contains(&fails), "{fails} of 40 failed");
    assert!(a.iter().all(|&s| s == 200 || s == 503));
}

#[test]
fn delay_trips_a_client_timeout_and_slows_a_patient_one() {
    let (r, t) = start(Faults {
        delay: Some(Duration::from_millis(300)),
        ..Faults::default()
    });
    let mut c = Conn::connect(r.addr()).unwrap();
    c.set_read_timeout(Duration::from_millis(80));
    let err = c.post_form(&t, &one(0)).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err:?}"
    );

    let start = Instant::now();
    assert_eq!(post(r.addr(), &t, &one(1)).unwrap().status, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));
    // A real server stores a batch even if the client stopped waiting: both are received.
    assert!(r.wait_for(2, Duration::from_secs(2)));
}

#[test]
fn drop_closes_without_an_answer() {
    let (r, t) = start(Faults {
        statuses: vec![DROP],
        ..Faults::default()
    });
    let err = post(r.addr(), &t, &one(0)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof, "{err:?}");
    assert_eq!(post(r.addr(), &t, &one(1)).unwrap().status, 200);
    assert_eq!(r.records(), vec![json!({"i": 1})]);
    assert_eq!(r.rejected(), vec![json!({"i": 0})]);
    assert_eq!(r.requests()[0].outcome, Outcome::Dropped);
    assert_eq!(r.requests()[0].status, None);
}

#[test]
fn reset_mid_request_is_a_tcp_reset() {
    let (r, t) = start(Faults {
        statuses: vec![RESET],
        ..Faults::default()
    });
    let mut c = Conn::connect(r.addr()).unwrap();
    // Send the head only: the receiver resets while the body is still due.
    c.send_raw(format!("POST {t} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n").as_bytes())
        .unwrap();
    let err = c.read_response().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err:?}");
    assert!(r.wait_for_requests(1, Duration::from_secs(2)));
    assert_eq!(r.requests()[0].outcome, Outcome::Reset);
    assert!(r.records().is_empty());
}

#[test]
fn drop_rate_and_reset_rate() {
    let (r, t) = start(Faults {
        drop_rate: 0.3,
        reset_rate: 0.2,
        seed: 5,
        ..Faults::default()
    });
    let mut ok = 0;
    for i in 0..30 {
        if let Ok(resp) = post(r.addr(), &t, &one(i)) {
            assert_eq!(resp.status, 200);
            ok += 1;
        }
    }
    assert!(r.wait_for_requests(30, Duration::from_secs(2)));
    let reqs = r.requests();
    let count = |o| reqs.iter().filter(|q| q.outcome == o).count();
    assert_eq!(count(Outcome::Accepted), ok);
    assert!(count(Outcome::Dropped) > 0 && count(Outcome::Reset) > 0);
    assert_eq!(ok + count(Outcome::Dropped) + count(Outcome::Reset), 30);
    assert_eq!(r.records().len(), ok);
}

#[test]
fn set_faults_at_runtime() {
    let (r, t) = start(Faults::default());
    assert_eq!(post(r.addr(), &t, &one(0)).unwrap().status, 200);
    r.set_faults(Faults {
        default_status: 500,
        ..Faults::default()
    });
    assert_eq!(post(r.addr(), &t, &one(1)).unwrap().status, 500);
    r.update_faults(|f| f.statuses = vec![202]);
    assert_eq!(post(r.addr(), &t, &one(2)).unwrap().status, 202);
    assert_eq!(post(r.addr(), &t, &one(3)).unwrap().status, 500);
}

#[test]
fn control_endpoint() {
    let (r, t) = start(Faults::default());
    let resp = post_json(
        r.addr(),
        "/_control",
        &json!({"statuses": [503, "drop", 429], "retry_after": 1, "delay_ms": 0}),
    );
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["faults"]["statuses"], json!([503, "drop", 429]));
    assert_eq!(post(r.addr(), &t, &one(0)).unwrap().status, 503);
    assert!(post(r.addr(), &t, &one(1)).is_err());
    let resp = post(r.addr(), &t, &one(2)).unwrap();
    assert_eq!((resp.status, resp.header("Retry-After")), (429, Some("1")));
    assert_eq!(post(r.addr(), &t, &one(3)).unwrap().status, 200);

    // Typos are refused rather than silently ignored.
    assert_eq!(
        post_json(r.addr(), "/_control", &json!({"fail_rat": 0.5})).status,
        400
    );
    assert_eq!(
        post_json(r.addr(), "/_control", &json!({"fail_rate": 5})).status,
        400
    );

    let stats = get_json(r.addr(), "/_stats");
    assert_eq!(stats["requests"], 4);
    assert_eq!(stats["records"], 1);
    assert_eq!(stats["rejected"], 3);

    let resp = post_json(
        r.addr(),
        "/_control",
        &json!({"reset_faults": true, "clear": true}),
    );
    assert_eq!(resp.status, 200);
    assert_eq!(get_json(r.addr(), "/_records"), json!([]));
    assert_eq!(get_json(r.addr(), "/_faults")["default_status"], 200);
    let c = Conn::connect(r.addr())
        .unwrap()
        .request("GET", "/_nope", &[], b"")
        .unwrap();
    assert_eq!(c.status, 404);
}
