//! The e-commerce example from Rust: a shopper views a product, signs up, pays, gets a
//! profile, and the catalogue gets an item. Records go to a local log file, the form LogAgent
//! or Flume would pick up.
//!
//! cargo run -p sensorsanalytics-core --example ecommerce [-- LOG_PATH]

use std::sync::Arc;

use sensorsanalytics::{call_site, Client, Config, LoggingConsumer, Properties, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "out/ecommerce.log".to_owned());
    if let Some(dir) = std::path::Path::new(&path).parent() {
        std::fs::create_dir_all(dir)?;
    }
    let consumer = Arc::new(LoggingConsumer::new(&path, 0, "midnight")?);
    let sa = Client::new(consumer, Config { project_name: Some("default".into()), ..Config::default() });
    sa.register_super_properties(&[("platform", "web")].into_iter().collect());

    let anonymous_id = "9771C579-71F0-4650-8EE8-8999FA717761";
    let user_id = "user-10086";
    let here = call_site!();

    let view: Properties = [
        ("product_id", Value::str("SKU-1001")),
        ("product_name", Value::str("Wireless Mouse")),
        ("product_classify", Value::str("electronics")),
        ("price", Value::Float(89.9)),
    ]
    .into_iter()
    .collect();
    sa.track(Some(&here), anonymous_id, "ViewProduct", Some(&view), false)?;

    sa.track_signup(Some(&here), user_id, anonymous_id, None)?;

    let order: Properties = [
        ("order_id", Value::str("ORDER-20261123-0001")),
        ("product_id", Value::str("SKU-1001")),
        ("quantity", Value::Int(2)),
        ("order_amount", Value::Float(179.8)),
        ("pay_method", Value::str("alipay")),
    ]
    .into_iter()
    .collect();
    sa.track(Some(&here), user_id, "PaidOrder", Some(&order), true)?;

    let profile: Properties =
        [("name", Value::str("Li Lei")), ("gender", Value::str("male")), ("vip_level", Value::Int(3))]
            .into_iter()
            .collect();
    sa.profile_set(Some(&here), user_id, &profile, true)?;
    let interests: Properties = [("interests", Value::from(vec!["electronics", "books"]))].into_iter().collect();
    sa.profile(Some(&here), sensorsanalytics::ProfileOp::Append, user_id, Some(&interests), true)?;

    let item: Properties = [("name", Value::str("Wireless Mouse")), ("price", Value::Float(89.9))]
        .into_iter()
        .collect();
    sa.item_set(Some(&here), "product", "SKU-1001", Some(&item))?;

    sa.close()?;
    println!("wrote 6 records to {path}:");
    print!("{}", std::fs::read_to_string(&path)?);
    Ok(())
}
