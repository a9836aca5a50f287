//! `echo_client` against `echo_server`, two `native_sim` instances: a network namespace the
//! test creates holds a Linux bridge with one TAP for each; the client's echoes over IPv4
//! and IPv6 must all come back.
//!
//! Needs root and `ip`; without them it prints why it skipped, or fails under
//! `NET_INTEROP_REQUIRED=1`. It removes the namespace and stops only its own processes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use net_testkit::netns::Netns;
use net_testkit::{missing, skip};

/// Builds `package` with its own `prj.conf` in a target directory of its own.
fn build(package: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = root.join(format!("target/nested-{package}"));
    let out = Command::new(env!("CARGO"))
        .current_dir(&root)
        .args(["build", "-q", "-p", package, "--target-dir"])
        .arg(&target)
        .env("NET_CONFIG", format!("examples/{package}/prj.conf"))
        .env("NET_BOARD", "native_sim")
        .env_remove("NET_CONFIG_DEFINES")
        .stdin(Stdio::null())
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "building {package}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target.join("debug").join(package)
}

#[test]
fn echo_client_against_echo_server() {
    if let Some(why) = missing(&[]) {
        return skip(&why);
    }
    let server_bin = build("echo_server");
    let client_bin = build("echo_client");
    // Two TAPs on a Linux bridge, one for each program.
    let mut ns = Netns::bare("netstk-client").unwrap_or_else(|e| panic!("{e}"));
    for cmd in [
        ["link", "add", "br0", "type", "bridge"].as_slice(),
        &["tuntap", "add", "dev", "zeth0", "mode", "tap"],
        &["tuntap", "add", "dev", "zeth1", "mode", "tap"],
        &["link", "set", "zeth0", "master", "br0"],
        &["link", "set", "zeth1", "master", "br0"],
        &["link", "set", "zeth0", "up"],
        &["link", "set", "zeth1", "up"],
        &["link", "set", "br0", "up"],
    ] {
        let mut full = vec!["ip"];
        full.extend_from_slice(cmd);
        ns.exec(&full).unwrap_or_else(|e| panic!("{e}"));
    }
    let n = ns.name.clone();
    let server = Command::new("ip")
        .args(["netns", "exec", &n])
        .arg(&server_bin)
        .args(["--eth-if", "zeth0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("echo_server starts");
    ns.children.push(server);
    let start = Instant::now();
    let out = Command::new("ip")
        .args(["netns", "exec", &n])
        .arg(&client_bin)
        .args(["--eth-if", "zeth1", "--count", "2", "--sizes", "1,512,1232"])
        .stdin(Stdio::null())
        .output()
        .expect("echo_client runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "echo_client failed after {:?}:\n{text}",
        start.elapsed()
    );
    assert!(text.contains("all echoes came back"), "{text}");
    for (peer, len) in [
        ("192.0.2.1:4242", 1472),
        ("[2001:db8::1]:4242", 1232),
        ("192.0.2.1:4242", 1),
        ("[2001:db8::1]:4242", 512),
    ] {
        let line = format!("{peer}: {len} bytes back");
        assert_eq!(
            text.matches(&line).count(),
            2,
            "two rounds of `{line}` expected:\n{text}"
        );
    }
}
