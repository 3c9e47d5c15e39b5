//! How long building the trust store takes: the first time (what the first consumer's first
//! send pays) and again (cached until the system bundle or SSL_CERT_* change).
fn main() {
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let s = sensorsanalytics::http::tls::trust_summary(None).unwrap();
        println!("{:?} in {:?}", s, t.elapsed());
    }
}
