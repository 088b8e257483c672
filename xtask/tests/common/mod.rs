//! What the kill tests share.

/// A pseudo-random pick in `0..n`, or the value of the environment
/// variable `var` if it is set, printed as `var=k` so that a failed run
/// can be replayed.
#[allow(clippy::print_stderr, reason = "the pick of a failed run replays it")]
pub fn replayable_pick(var: &str, n: u64) -> u64 {
    let k = std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos();
            u64::from(nanos ^ std::process::id()) % n.max(1)
        });
    eprintln!("{var}={k}");
    k
}
