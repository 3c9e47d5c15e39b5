//! Placeholder while the async throughput bench is written.
fn main() {}
