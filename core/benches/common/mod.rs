//! What the benches share: how big a run is.

use std::str::FromStr;

/// The run's size: the first numeric argument, else `bench` under `cargo bench` (which passes
/// `--bench`), else `smoke`, for `cargo test --all-targets`, which runs every bench once as a
/// smoke test.
pub fn run_size<T: FromStr>(bench: T, smoke: T) -> T {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if benchmarking { bench } else { smoke })
}
