//! The shared consumer-option vectors (tests/vectors/options/consumer_options.json): core's
//! normaliser is the expected result that every binding's runner compares against.
//! `SA_UPDATE_OPTION_VECTORS=1` writes core's results into the file's `expect` fields (after a
//! deliberate change of a rule); without it, a difference fails.

use serde_json::{json, Value};

fn value(v: &Value) -> Option<f64> {
    match v {
        Value::Null => None,
        Value::Number(n) => n.as_f64(),
        Value::String(s) => Some(s.parse::<f64>().expect("NaN, Infinity or -Infinity")),
        other => panic!("not a vector value: {other}"),
    }
}

#[test]
fn consumer_option_vectors_are_cores_results() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/options/consumer_options.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let update = std::env::var_os("SA_UPDATE_OPTION_VECTORS").is_some();
    let cases = doc["cases"].as_array_mut().unwrap();
    assert!(cases.len() >= 40, "the vector set is there");
    for case in cases.iter_mut() {
        let got = match sensorsanalytics::consumer::options::normalised(
            case["consumer"].as_str().unwrap(),
            case["option"].as_str().unwrap(),
            value(&case["value"]),
        ) {
            Ok(settings) => json!({ "settings": settings }),
            Err(e) => json!({ "error": e.kind().as_str(), "message": e.message() }),
        };
        if update {
            case["expect"] = got;
        } else {
            assert_eq!(case["expect"], got, "{}", case["name"]);
        }
    }
    if update {
        std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
    }
}
