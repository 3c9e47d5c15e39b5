//! The wire format of docs/SPEC.md §4, checked on both sides: what our encoder produced (captured
//! and decoded here) and what the loopback receiver decoded from the real request.
#![cfg(feature = "http")]

mod http_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_support::*;
use sa_receiver::{Faults, Outcome};
use sensorsanalytics::{
    call_site, encode_data, encode_data_list, BatchConsumer, Client, Config, Consumer,
    DebugConsumer, DefaultConsumer, Error, FormField, HttpResponse, Properties, Value, USER_AGENT,
};

#[test]
fn default_consumer_sends_one_record_as_data() {
    let r = receiver();
    let c = DefaultConsumer::new(&r.url(), Some(5000)).unwrap();
    for i in 0..3 {
        c.send(&record(i)).unwrap();
    }
    let reqs = r.requests();
    assert_eq!(reqs.len(), 3);
    for req in &reqs {
        assert_eq!(req.method, "POST");
        assert_eq!(req.target(), "/sa?project=default");
        assert_eq!(req.field, Some("data"));
        assert_eq!(req.gzip, Some(true));
        assert_eq!(req.records, 1);
        assert_eq!(
            req.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(req.user_agent.as_deref(), Some(USER_AGENT));
        assert!(req.warnings.is_empty(), "{:?}", req.warnings);
        assert_eq!(req.outcome, Outcome::Accepted);
    }
    // Keep-alive: one connection for all three.
    assert!(reqs.iter().all(|q| q.conn_id == reqs[0].conn_id));
    let got = r.records();
    for (i, rec) in got.iter().enumerate() {
        let sent: serde_json::Value = serde_json::from_str(&record(i as u64)).unwrap();
        assert_eq!(rec, &sent);
    }
    assert!(USER_AGENT.starts_with("sensorsanalytics-rust/"));
    assert_eq!(c.stats().sent, 3);
}

#[test]
fn a_client_record_arrives_unchanged() {
    let r = receiver();
    let consumer = Arc::new(DefaultConsumer::new(&r.url(), None).unwrap());
    let sa = Client::new(consumer.clone(), Config::default());
    let mut p = Properties::new();
    p.insert("price", Value::Float(12.5));
    p.insert("name", Value::str("名字 a+b/c=d&e"));
    sa.track(Some(&call_site!()), "user-1", "BuyProduct", Some(&p), true)
        .unwrap();
    let got = r.records();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["event"], "BuyProduct");
    assert_eq!(got[0]["properties"]["name"], "名字 a+b/c=d&e");
    assert_eq!(got[0]["properties"]["$is_login_id"], true);
}

#[test]
fn encoded_forms_decode_to_exactly_the_lines_sent() {
    let capture = Arc::new(Capture::default());
    let url = "http://127.0.0.1:9/sa?project=p";
    let d = DefaultConsumer::with_transport(url, Some(1500), capture.clone()).unwrap();
    d.send(&record(7)).unwrap();
    let b = BatchConsumer::with_transport(url, 2, None, capture.clone()).unwrap();
    b.send(&record(1)).unwrap();
    b.send(&record(2)).unwrap();
    let calls = capture.calls();
    assert_eq!(calls.len(), 2);

    let one = &calls[0];
    assert_eq!(one.url, url);
    assert_eq!(one.form.field, FormField::Data);
    assert!(one.form.gzip);
    assert_eq!(form_json(&one.form), record(7));
    assert_eq!(one.timeout, Some(Duration::from_millis(1500)));
    assert_eq!(
        one.headers,
        vec![("User-Agent".to_string(), USER_AGENT.to_string())]
    );
    // The transport ran on the consumer's own sender thread, not the caller's.
    assert_eq!(one.thread.as_deref(), Some("sensorsanalytics-http"));

    let batch = &calls[1];
    assert_eq!(batch.form.field, FormField::DataList);
    assert_eq!(
        form_json(&batch.form),
        format!("[{},{}]", record(1), record(2))
    );
    assert_eq!(batch.timeout, None);

    // The body the default transport posts is what the receiver's form decoder accepts.
    let body = one.form.to_urlencoded();
    assert!(
        body.starts_with("data=H4sI") && body.ends_with("&gzip=1"),
        "{body}"
    );
    assert!(!body[5..body.len() - 7].contains(['+', '/', '=']));
    let decoded = sa_receiver::decode::decode_request(body.as_bytes(), "").unwrap();
    assert_eq!(decoded.field, "data");
    assert!(decoded.warnings.is_empty());
    assert_eq!(
        decoded.records,
        vec![serde_json::from_str::<serde_json::Value>(&record(7)).unwrap()]
    );
}

#[test]
fn an_inline_transport_runs_on_the_callers_thread() {
    let capture = Arc::new(Capture {
        inline: true,
        ..Capture::default()
    });
    let d = DefaultConsumer::with_transport("http://x/sa", None, capture.clone()).unwrap();
    std::thread::Builder::new()
        .name("caller".into())
        .spawn(move || d.send(&record(0)).unwrap())
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(capture.calls()[0].thread.as_deref(), Some("caller"));
}

#[test]
fn batch_boundaries_follow_max_size_and_flush() {
    let r = receiver();
    let b = BatchConsumer::new(&r.url(), 3, None).unwrap();
    assert_eq!(b.max_size(), 3);
    for i in 0..7 {
        b.send(&record(i)).unwrap();
    }
    // Two full batches went out as the third and sixth records arrived; one record waits.
    assert_eq!(
        r.requests().iter().map(|q| q.records).collect::<Vec<_>>(),
        vec![3, 3]
    );
    assert_eq!(b.stats().queue_depth, 1);
    b.flush().unwrap();
    b.flush().unwrap(); // nothing left: no empty request
    assert_eq!(
        r.requests().iter().map(|q| q.records).collect::<Vec<_>>(),
        vec![3, 3, 1]
    );
    assert!(r.requests().iter().all(|q| q.field == Some("data_list")));
    assert_eq!(seqs(&r.records()), (0..7).collect::<Vec<_>>());
    assert_eq!(b.stats().sent, 7);
    assert_eq!(b.stats().queue_depth, 0);
    // The reference caps max_size at 50.
    assert_eq!(
        BatchConsumer::new(&r.url(), 500, None).unwrap().max_size(),
        50
    );
    let big = BatchConsumer::new(&r.url(), 500, None).unwrap();
    for i in 0..120 {
        big.send(&record(i)).unwrap();
    }
    big.close().unwrap();
    let sizes: Vec<usize> = r.requests().iter().skip(3).map(|q| q.records).collect();
    assert_eq!(sizes, vec![50, 50, 20]);
}

#[test]
fn debug_consumer_uses_the_debug_url_and_dry_run() {
    let r = receiver();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let l2 = lines.clone();
    let dry = DebugConsumer::new(&r.url(), false, Some(5000))
        .unwrap()
        .with_printer(move |s| l2.lock().unwrap().push(s.to_owned()));
    assert_eq!(dry.url(), r.debug_url());
    dry.send(&record(1)).unwrap();
    let write = DebugConsumer::new(&r.url(), true, None)
        .unwrap()
        .with_printer(|_| {});
    write.send(&record(2)).unwrap();
    let reqs = r.requests();
    assert_eq!(reqs[0].target(), "/debug?project=default");
    assert_eq!(reqs[0].dry_run.as_deref(), Some("true"));
    assert_eq!(reqs[0].field, Some("data"));
    assert_eq!(reqs[1].dry_run, None);
    assert_eq!(
        *lines.lock().unwrap(),
        vec!["=".repeat(74), format!("valid message: {}", record(1))]
    );
}

#[test]
fn debug_consumer_prints_and_raises_on_a_bad_status() {
    let r = receiver_with(Faults {
        statuses: vec![400],
        ..Faults::default()
    });
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let l2 = lines.clone();
    let c = DebugConsumer::new(&r.url(), true, None)
        .unwrap()
        .with_printer(move |s| l2.lock().unwrap().push(s.to_owned()));
    let e = c.send(&record(1)).unwrap_err();
    assert!(matches!(e, Error::Debug(_)), "{e:?}");
    let lines = lines.lock().unwrap();
    assert_eq!(lines[1], format!("invalid message: {}", record(1)));
    assert_eq!(lines[2], "ret_code: 400");
    assert!(lines[3].starts_with("ret_content: {"), "{}", lines[3]);
    // Only one request: the debug consumer never retries.
    assert_eq!(r.requests().len(), 1);
}

#[test]
fn debug_consumer_treats_2xx_other_than_200_as_invalid_but_not_an_error() {
    let capture = Arc::new(Capture::answering(vec![Ok(HttpResponse {
        status: 204,
        ..Default::default()
    })]));
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let l2 = lines.clone();
    let c = DebugConsumer::with_transport("http://h/x/sa?p=1", true, None, capture.clone())
        .unwrap()
        .with_printer(move |s| l2.lock().unwrap().push(s.to_owned()));
    c.send("{}").unwrap();
    assert_eq!(capture.calls()[0].url, "http://h/x/debug?p=1");
    assert_eq!(
        lines.lock().unwrap()[1..],
        ["invalid message: {}", "ret_code: 204", "ret_content: "]
    );
}

#[test]
fn default_consumer_reports_failures_without_retrying() {
    let r = receiver_with(Faults {
        statuses: vec![503, 404],
        ..Faults::default()
    });
    let c = DefaultConsumer::new(&r.url(), None).unwrap();
    let e = c.send(&record(1)).unwrap_err();
    assert!(
        matches!(&e, Error::Network(m) if m.starts_with("HTTP Error 503")),
        "{e:?}"
    );
    let e = c.send(&record(2)).unwrap_err();
    assert!(e.message().starts_with("HTTP Error 404"), "{e:?}");
    c.send(&record(3)).unwrap();
    assert_eq!(r.requests().len(), 3);
    let s = c.stats();
    assert_eq!((s.sent, s.failed, s.retried), (1, 2, 0));
    assert!(s.last_error.unwrap().starts_with("HTTP Error 404"));
}

#[test]
fn bad_urls_fail_at_construction() {
    assert!(matches!(
        DefaultConsumer::new("not a url", None),
        Err(Error::IllegalData(_))
    ));
    assert!(BatchConsumer::new("ftp://h/sa", 10, None).is_err());
    assert!(DebugConsumer::new("", true, None).is_err());
}

#[test]
fn connection_refused_is_a_network_error() {
    // Bind then drop: the port is free and nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = DefaultConsumer::new(&format!("http://127.0.0.1:{port}/sa"), Some(2000)).unwrap();
    let e = c.send(&record(1)).unwrap_err();
    assert!(matches!(e, Error::Network(_)), "{e:?}");
    assert_eq!(c.stats().failed, 1);
}

/// Our form body against Python's `urlencode({'data': b64, 'gzip': 1})`, which is what the
/// reference SDK posts (skipped where no python3 is installed).
#[test]
fn form_body_matches_pythons_urlencode() {
    let forms = [
        encode_data(&record(1)),
        encode_data_list(&[record(2), record(3)]),
    ];
    for form in forms {
        let script = format!(
            "import sys, urllib.parse; sys.stdout.write(urllib.parse.urlencode({{'{}': sys.argv[1].encode(), 'gzip': 1}}))",
            form.field.as_str()
        );
        let out = match std::process::Command::new("python3")
            .args(["-c", &script, &form.payload_base64])
            .output()
        {
            Ok(o) if o.status.success() => o,
            _ => {
                eprintln!("python3 not available: skipped");
                return;
            }
        };
        assert_eq!(form.to_urlencoded(), String::from_utf8(out.stdout).unwrap());
    }
}
