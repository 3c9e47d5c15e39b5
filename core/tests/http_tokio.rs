//! reqwest's blocking client panics when used inside an async runtime. Our consumers keep it
//! on threads of their own, so a Rust caller inside tokio can build, use and drop them.
#![cfg(feature = "http")]

mod http_support;

use std::time::Duration;

use http_support::*;
use sensorsanalytics::{
    AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, Consumer, DebugConsumer, DefaultConsumer,
};

#[test]
fn consumers_work_from_inside_a_tokio_runtime() {
    let r = receiver();
    let url = r.url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let d = DefaultConsumer::new(&url, Some(5000)).unwrap();
        d.send(&record(0)).unwrap();
        d.send(&record(1)).unwrap();
        drop(d);

        let b = BatchConsumer::new(&url, 2, None).unwrap();
        b.send(&record(2)).unwrap();
        b.send(&record(3)).unwrap();
        b.send(&record(4)).unwrap();
        b.close().unwrap();
        drop(b);

        let dbg = DebugConsumer::new(&url, true, None)
            .unwrap()
            .with_printer(|_| {});
        dbg.send(&record(5)).unwrap();
        drop(dbg);

        let a = AsyncBatchConsumer::new(&url, AsyncBatchConfig::default()).unwrap();
        a.send(&record(6)).unwrap();
        a.flush().unwrap();
        a.send(&record(7)).unwrap();
        drop(a);
    });
    assert!(r.wait_for(8, Duration::from_secs(5)));
    assert_exactly_once(&r.records(), 8);
}
