//! `echo_client` against `echo_server`, two `native_sim` instances: a network namespace the
//! test creates holds a Linux bridge with one TAP for each; the client's echoes over IPv4
//! and IPv6 must all come back.
//!
//! Needs root and `ip`; without them it prints why it skipped, or fails under
//! `NET_INTEROP_REQUIRED=1`. It removes the namespace and stops only its own processes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

fn skip(why: &str) {
    let required = std::env::var("NET_INTEROP_REQUIRED").is_ok_and(|v| v == "1");
    assert!(!required, "NET_INTEROP_REQUIRED=1 but: {why}");
    eprintln!("SKIP: {why}");
}

fn run(cmd: &[&str]) -> bool {
    Command::new(cmd[0])
        .args(&cmd[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

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

/// The namespace, removed with the processes started in it when dropped.
struct Netns {
    name: String,
    children: Vec<Child>,
}

impl Drop for Netns {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = Command::new("kill")
                .arg(c.id().to_string())
                .stderr(Stdio::null())
                .status();
            let _ = c.wait();
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

#[test]
fn echo_client_against_echo_server() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return skip("needs root for network namespaces and TAP devices");
    }
    if !run(&["ip", "-V"]) {
        return skip("ip (iproute2) is not installed");
    }
    let server_bin = build("echo_server");
    let client_bin = build("echo_client");
    let mut ns = Netns {
        name: format!("netstk-client-{}", std::process::id()),
        children: Vec::new(),
    };
    let n = ns.name.clone();
    for cmd in [
        vec!["ip", "netns", "add", &n],
        vec!["ip", "-n", &n, "link", "set", "lo", "up"],
        vec!["ip", "-n", &n, "link", "add", "br0", "type", "bridge"],
        vec![
            "ip", "-n", &n, "tuntap", "add", "dev", "zeth0", "mode", "tap",
        ],
        vec![
            "ip", "-n", &n, "tuntap", "add", "dev", "zeth1", "mode", "tap",
        ],
        vec!["ip", "-n", &n, "link", "set", "zeth0", "master", "br0"],
        vec!["ip", "-n", &n, "link", "set", "zeth1", "master", "br0"],
        vec!["ip", "-n", &n, "link", "set", "zeth0", "up"],
        vec!["ip", "-n", &n, "link", "set", "zeth1", "up"],
        vec!["ip", "-n", &n, "link", "set", "br0", "up"],
    ] {
        assert!(run(&cmd), "{cmd:?} failed");
    }
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
