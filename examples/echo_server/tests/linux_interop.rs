//! `echo_server` on `native_sim` against the Linux kernel: the test creates a network
//! namespace with a TAP (192.0.2.2/24, 2001:db8::2/64), runs the server inside it, and
//! checks ping over IPv4 and IPv6, Linux's neighbor table, byte-exact UDP echoes, a tshark
//! capture free of malformed packets and bad checksums, and the stack's statistics.
//!
//! Needs root (namespaces, TAP), `ip`, `ping` and `tshark`. Without them the test prints
//! why it skipped; with `NET_INTEROP_REQUIRED=1` it fails instead. It only talks to the
//! namespace it made, removes it afterwards, and stops only the processes it started.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn required() -> bool {
    std::env::var("NET_INTEROP_REQUIRED").is_ok_and(|v| v == "1")
}

/// Prints why the test cannot run, or fails when interop tests are required.
fn skip(why: &str) {
    assert!(!required(), "NET_INTEROP_REQUIRED=1 but: {why}");
    eprintln!("SKIP: {why}");
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run(cmd: &[&str]) -> (bool, String) {
    let out = Command::new(cmd[0])
        .args(&cmd[1..])
        .stdin(Stdio::null())
        .output()
        .expect("command runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// A network namespace with a TAP, removed (with everything the test started in it) on drop.
struct Netns {
    name: String,
    children: Vec<Child>,
}

impl Netns {
    fn create(tap: &str) -> Netns {
        let name = format!("netstk-echo-{}", std::process::id());
        let ns = Netns {
            name: name.clone(),
            children: Vec::new(),
        };
        for cmd in [
            vec!["ip", "netns", "add", &name],
            vec!["ip", "-n", &name, "link", "set", "lo", "up"],
            vec![
                "ip", "-n", &name, "tuntap", "add", "dev", tap, "mode", "tap",
            ],
            vec!["ip", "-n", &name, "addr", "add", "192.0.2.2/24", "dev", tap],
            vec![
                "ip",
                "-n",
                &name,
                "addr",
                "add",
                "2001:db8::2/64",
                "dev",
                tap,
                "nodad",
            ],
            vec!["ip", "-n", &name, "link", "set", tap, "up"],
        ] {
            let (ok, text) = run(&cmd);
            assert!(ok, "{cmd:?} failed: {text}");
        }
        ns
    }

    fn exec(&self, cmd: &[&str]) -> (bool, String) {
        let mut full = vec!["ip", "netns", "exec", &self.name];
        full.extend_from_slice(cmd);
        run(&full)
    }

    fn spawn(&mut self, cmd: &[&str], stdin: bool) -> usize {
        let child = Command::new("ip")
            .args(["netns", "exec", &self.name])
            .args(cmd)
            .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn in namespace");
        self.children.push(child);
        self.children.len() - 1
    }

    /// Runs `f` on a thread that has entered the namespace, so sockets it opens live there.
    fn within<R: Send + 'static>(&self, f: impl FnOnce() -> R + Send + 'static) -> R {
        let path = format!("/var/run/netns/{}", self.name);
        std::thread::spawn(move || {
            let file = std::fs::File::open(&path).expect("namespace handle");
            // SAFETY: setns on a valid namespace descriptor changes only this thread's
            // network namespace; the thread ends after `f`.
            let r = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(r, 0, "setns: {}", std::io::Error::last_os_error());
            f()
        })
        .join()
        .expect("namespace thread")
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for c in &mut self.children {
            // Only our own children, by PID.
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

/// The echo_server binary built with the sample's `prj.conf`, whatever configuration the
/// outer `cargo test` uses (a nested build in its own target directory).
fn echo_server_bin() -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = root.join("target/nested-echo-server");
    let out = Command::new(env!("CARGO"))
        .current_dir(&root)
        .args(["build", "-q", "-p", "echo_server", "--target-dir"])
        .arg(&target)
        .env("NET_CONFIG", "examples/echo_server/prj.conf")
        .env("NET_BOARD", "native_sim")
        .env_remove("NET_CONFIG_DEFINES")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(target.join("debug/echo_server"))
}

fn wait_for(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn udp_echo(ns: &Netns, server: SocketAddr, sizes: &'static [usize]) -> Result<(), String> {
    ns.within(move || {
        let bind: SocketAddr = if server.is_ipv4() {
            "0.0.0.0:0".parse().unwrap()
        } else {
            "[::]:0".parse().unwrap()
        };
        let sock = UdpSocket::bind(bind).map_err(|e| e.to_string())?;
        sock.set_read_timeout(Some(Duration::from_secs(2)))
            .map_err(|e| e.to_string())?;
        for &len in sizes {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let mut ok = false;
            for _ in 0..3 {
                sock.send_to(&data, server)
                    .map_err(|e| format!("send {len}: {e}"))?;
                let mut buf = vec![0u8; 2048];
                if let Ok((n, from)) = sock.recv_from(&mut buf) {
                    if from != server {
                        return Err(format!("echo of {len} bytes came from {from}"));
                    }
                    if buf[..n] != data[..] {
                        return Err(format!("echo of {len} bytes differs ({n} bytes back)"));
                    }
                    ok = true;
                    break;
                }
            }
            if !ok {
                return Err(format!("no echo of {len} bytes from {server}"));
            }
        }
        Ok(())
    })
}

/// The numbers after `name=` on the statistics line of `group`.
fn stat(stats: &str, group: &str, name: &str) -> Option<u64> {
    let line = stats
        .lines()
        .find(|l| l.starts_with(&format!("{group}: ")))?;
    let at = line.find(&format!(" {name}: "))? + name.len() + 3;
    line[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[test]
fn echo_server_against_linux() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return skip("needs root for network namespaces and TAP devices");
    }
    for tool in ["ip", "ping", "tshark"] {
        if !have(tool) {
            return skip(&format!(
                "{tool} is not installed (apt install iproute2 iputils-ping tshark)"
            ));
        }
    }
    let bin = echo_server_bin()
        .unwrap_or_else(|e| panic!("building echo_server with its prj.conf failed:\n{e}"));
    let tap = "zeth";
    let mut ns = Netns::create(tap);
    let pcap = std::env::temp_dir().join(format!("{}.pcap", ns.name));
    let pcap_s = pcap.display().to_string();
    let tshark = ns.spawn(&["tshark", "-i", tap, "-w", &pcap_s, "-q"], false);
    assert!(
        wait_for(Duration::from_secs(10), || pcap.exists()),
        "tshark did not start capturing"
    );
    let server = ns.spawn(&[bin.to_str().unwrap(), "--eth-if", tap], true);

    // Ready when the IPv6 address passed DAD and answers.
    let up = wait_for(Duration::from_secs(15), || {
        ns.exec(&["ping", "-6", "-c", "1", "-W", "1", "2001:db8::1"])
            .0
    });
    assert!(up, "echo_server never answered ping -6");

    let (ok4, out4) = ns.exec(&["ping", "-c", "5", "-i", "0.2", "192.0.2.1"]);
    assert!(
        ok4 && out4.contains("5 received"),
        "ping over IPv4:\n{out4}"
    );
    let (ok6, out6) = ns.exec(&["ping", "-6", "-c", "5", "-i", "0.2", "2001:db8::1"]);
    assert!(
        ok6 && out6.contains("5 received"),
        "ping over IPv6:\n{out6}"
    );

    let (_, neigh) = ns.exec(&["ip", "neigh", "show", "dev", tap]);
    assert!(
        neigh.contains("00:00:5e:00:53:01"),
        "Linux's neighbor table lacks the stack's MAC:\n{neigh}"
    );

    udp_echo(&ns, "192.0.2.1:4242".parse().unwrap(), &[1, 512, 1472]).unwrap();
    udp_echo(&ns, "[2001:db8::1]:4242".parse().unwrap(), &[1, 512, 1232]).unwrap();

    // Statistics: ask, read until the end marker.
    let child = &mut ns.children[server];
    child.stdin.as_mut().unwrap().write_all(b"stats\n").unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut stats = String::new();
    let mut in_block = false;
    for line in (&mut reader).lines() {
        let line = line.unwrap();
        if line == "--- statistics" {
            in_block = true;
            continue;
        }
        if in_block && line == "---" {
            break;
        }
        if in_block {
            stats.push_str(&line);
            stats.push('\n');
        }
    }
    assert_eq!(stat(&stats, "udp", "recv"), Some(6), "{stats}");
    assert_eq!(stat(&stats, "udp", "sent"), Some(6), "{stats}");
    assert_eq!(stat(&stats, "udp", "chkerr"), Some(0), "{stats}");
    assert!(stat(&stats, "icmp", "recv").unwrap() >= 10, "{stats}");
    assert!(stat(&stats, "icmp", "sent").unwrap() >= 10, "{stats}");
    assert_eq!(stat(&stats, "ip_errors", "chkerr"), Some(0), "{stats}");
    assert_eq!(
        stat(&stats, "ipv4", "recv"),
        stat(&stats, "ipv4", "sent"),
        "{stats}"
    );

    // Stop the capture (SIGINT flushes it) and check every frame.
    let t = &mut ns.children[tshark];
    let _ = Command::new("kill")
        .args(["-INT", &t.id().to_string()])
        .status();
    let _ = t.wait();
    let check = |filter: &str| -> usize {
        let (_, out) = run(&[
            "tshark",
            "-r",
            &pcap_s,
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "udp.check_checksum:TRUE",
            "-o",
            "icmpv6.checksum_verification:TRUE",
            "-Y",
            filter,
        ]);
        out.lines()
            .filter(|l| {
                !l.contains("Running as user") && !l.trim().is_empty() && !l.contains("tshark:")
            })
            .count()
    };
    let (_, all) = run(&["tshark", "-r", &pcap_s]);
    let frames = all
        .lines()
        .filter(|l| !l.contains("Running as user"))
        .count();
    assert!(frames > 20, "capture holds only {frames} frames");
    assert_eq!(
        check("_ws.malformed"),
        0,
        "malformed frames in the capture:\n{all}"
    );
    let bad = "ip.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\" || icmpv6.checksum.status == \"Bad\"";
    assert_eq!(check(bad), 0, "frames with bad checksums:\n{all}");
    let _ = std::fs::remove_file(Path::new(&pcap));
}
