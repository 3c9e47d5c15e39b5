//! The wire encoder (core/src/http/encode.rs): arbitrary record lines through `encode_data`,
//! `encode_data_list` and their gzip=0 forms, then the form encoding. Invariants: the Base64
//! decodes and (when gzip=1) gunzips back to exactly the input (the list as `[a,b,...]`); the
//! urlencoded body has only unreserved bytes and escapes and decodes back to the same fields;
//! for JSON-object lines, the loopback receiver's strict decoder reads back the same records.
#![no_main]

use std::io::Read;

use arbitrary::Arbitrary;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use sensorsanalytics::http::{encode_data_list_with, encode_data_with};
use sensorsanalytics::{FormField, WireForm};

#[derive(Arbitrary, Debug)]
struct Input {
    records: Vec<String>,
    gzip: bool,
    /// A payload given by a custom transport author, escaped whatever it holds.
    raw_payload: String,
}

fn payload(form: &WireForm) -> Vec<u8> {
    let bytes = STANDARD.decode(&form.payload_base64).expect("standard Base64");
    if !form.gzip {
        return bytes;
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut out).expect("gunzip");
    out
}

fn check_form(form: &WireForm) {
    let body = form.to_urlencoded();
    assert!(body.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-~%+=&".contains(&b)), "{body}");
    let fields = sa_receiver::form::parse(body.as_bytes()).expect("our body parses as a form");
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[0].0, form.field.as_str());
    assert_eq!(fields[0].1, form.payload_base64);
    assert_eq!(fields[1], ("gzip".to_owned(), if form.gzip { "1" } else { "0" }.to_owned()));
}

fuzz_target!(|input: Input| {
    let records = &input.records[..input.records.len().min(64)];
    let list = encode_data_list_with(records, input.gzip);
    assert_eq!(list.field, FormField::DataList);
    assert_eq!(list.gzip, input.gzip);
    assert_eq!(payload(&list), format!("[{}]", records.join(",")).into_bytes());
    check_form(&list);

    for r in records.iter().take(4) {
        let one = encode_data_with(r, input.gzip);
        assert_eq!(one.field, FormField::Data);
        assert_eq!(payload(&one), r.as_bytes());
        check_form(&one);
    }

    // Records that are JSON objects must reach the receiver's strict decoder unchanged.
    let objects: Vec<serde_json::Value> = records
        .iter()
        .filter_map(|r| serde_json::from_str::<serde_json::Value>(r).ok())
        .filter(|v| v.is_object())
        .collect();
    if !objects.is_empty() {
        let lines: Vec<String> = objects.iter().map(|v| v.to_string()).collect();
        let form = encode_data_list_with(&lines, input.gzip);
        let decoded = sa_receiver::decode::decode_request(form.to_urlencoded().as_bytes(), "")
            .expect("the receiver accepts what we send");
        assert_eq!(decoded.records, objects);
        assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
    }

    let custom = WireForm { field: FormField::Data, payload_base64: input.raw_payload.clone(), gzip: input.gzip };
    check_form(&custom);
});
