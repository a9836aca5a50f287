//! Zero unused code: a protocol the configuration turns off leaves no code in the binary.
//!
//! Builds `examples/size_probe.rs` (one static stack on the in-process link, a UDP echo
//! socket, a polling loop, `black_box` on the inputs) twice with a nested
//! `cargo build --release -p net-core --example size_probe`, each into its own directory
//! under `target/nested-zero-unused/`:
//!
//! * with `configs/minimal-ipv6-udp.conf` (`CONFIG_NET_IPV4=n`, hence no ARP, no ICMPv4):
//!   no symbol of `net_core::ip::ipv4`, `net_core::ip::icmpv4` or
//!   `net_core::l2::ethernet::arp` may appear;
//! * with `configs/echo-server.conf` (IPv4 on) as the positive control: symbols of all
//!   three modules must appear, so the check above can fail at all.
//!
//! Profile: the workspace's plain `release` profile (`debug = false`, default inlining and
//! codegen units), i.e. what an application ships. It keeps enough non-inlined functions
//! that the positive control reliably shows `ipv4::input`/`route`/`output`,
//! `icmpv4::echo_reply`/`send_unreachable` and the ARP functions; the symbol table is read
//! with `nm -C` (the release profile strips debug info, not symbols). Note that the
//! negative check alone could pass through inlining; it is the positive control, built the
//! same way, that shows the modules would be visible if they were compiled in.
//!
//! Needs `nm` and a nested cargo; without them it prints `SKIP: ...` and passes, unless
//! `NET_INTEROP_REQUIRED=1`, when it fails.

use net_testkit::skip;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Module paths that must not exist without IPv4.
const IPV4_ONLY: [&str; 3] = [
    "net_core::ip::ipv4::",
    "net_core::ip::icmpv4::",
    "net_core::l2::ethernet::arp::",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("net-core sits in the workspace root")
        .to_path_buf()
}

/// Builds the probe with `config`; `Err` when cargo cannot be started at all.
fn build_probe(config: &str, dir: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = root().join("target/nested-zero-unused").join(dir);
    let out = Command::new(&cargo)
        .current_dir(root())
        .args([
            "build",
            "--release",
            "-p",
            "net-core",
            "--example",
            "size_probe",
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .env("NET_CONFIG", config)
        .env_remove("NET_CONFIG_DEFINES")
        .env_remove("NET_BOARD")
        .env_remove("CARGO_TARGET_DIR")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    assert!(
        out.status.success(),
        "nested build with {config} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(target_dir.join("release/examples/size_probe"))
}

/// The demangled symbol names of `bin`; `Err` when `nm` cannot be run.
fn symbols(bin: &Path) -> Result<Vec<String>, String> {
    let out = Command::new("nm")
        .arg("-C")
        .arg(bin)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run nm: {e}"))?;
    assert!(
        out.status.success(),
        "nm {} failed: {}",
        bin.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
}

fn hits<'a>(syms: &'a [String], module: &str) -> Vec<&'a str> {
    syms.iter()
        .filter(|s| s.contains(module))
        .map(String::as_str)
        .collect()
}

#[test]
fn disabled_ipv4_leaves_no_ipv4_arp_or_icmpv4_symbols() {
    if Command::new("nm")
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .is_err()
    {
        return skip("nm (binutils) not found");
    }
    let without = match build_probe("configs/minimal-ipv6-udp.conf", "minimal-ipv6-udp") {
        Ok(b) => b,
        Err(e) => return skip(&e),
    };
    let with = match build_probe("configs/echo-server.conf", "echo-server") {
        Ok(b) => b,
        Err(e) => return skip(&e),
    };
    let (without, with) = match (symbols(&without), symbols(&with)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return skip(&e),
    };
    // Sanity: the probe really links the stack (else both checks would be vacuous).
    assert!(
        without.iter().any(|s| s.contains("net_core::ip::ipv6::")),
        "the IPv6-only probe has no net_core::ip::ipv6 symbols at all"
    );
    for module in IPV4_ONLY {
        let found = hits(&without, module);
        assert!(
            found.is_empty(),
            "CONFIG_NET_IPV4=n, yet {module} is in the binary:\n{}",
            found.join("\n")
        );
        assert!(
            !hits(&with, module).is_empty(),
            "positive control: the echo-server build (IPv4 on) shows no {module} symbol"
        );
    }
}
