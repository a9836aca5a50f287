//! What the workspace's tests and benchmarks against real peers share (a dev-dependency of
//! each crate that has such tests):
//!
//! - the skip rule: a test that needs root or an external tool prints `SKIP: why` and
//!   passes, unless `NET_INTEROP_REQUIRED=1` (which CI sets) makes it fail instead
//!   ([`skip`], [`missing`]);
//! - [`netns::Netns`], a network namespace with a TAP, removed with the processes started
//!   in it when dropped;
//! - [`pattern`], a repeatable byte pattern for transfers that are checked byte for byte.

pub mod netns;

use std::process::{Command, Stdio};

/// Whether interop tests must run (`NET_INTEROP_REQUIRED=1`, which CI sets).
pub fn required() -> bool {
    std::env::var("NET_INTEROP_REQUIRED").is_ok_and(|v| v == "1")
}

/// Prints why the test cannot run, or fails when interop tests are required.
pub fn skip(why: &str) {
    assert!(!required(), "NET_INTEROP_REQUIRED=1 but: {why}");
    eprintln!("SKIP: {why}");
}

/// Whether `tool` is on the PATH.
pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether this process runs as root (needed for namespaces and TAPs).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Why a namespace test cannot run here (not root, or `ip` or one of `tools` missing), or
/// `None` when it can.
pub fn missing(tools: &[&str]) -> Option<String> {
    if !is_root() {
        return Some("needs root for a network namespace and a TAP".into());
    }
    ["ip"]
        .iter()
        .chain(tools)
        .find(|t| !have(t))
        .map(|t| format!("needs `{t}`"))
}

/// Runs `cmd` with stdin closed: its stdout when it succeeds, else a message with its
/// stderr (or why it could not start).
pub fn run(cmd: &[&str]) -> Result<String, String> {
    let (program, args) = cmd.split_first().ok_or("empty command")?;
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(format!(
            "{cmd:?} failed: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// `len` bytes of a repeatable pseudo-random pattern (xorshift from `seed`).
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}
