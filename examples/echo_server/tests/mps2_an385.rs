//! `echo_server` as `mps2_an385` firmware against the Linux kernel: the test builds the
//! firmware with `netcfg build`, creates a network namespace with a TAP (192.0.2.2/24,
//! 2001:db8::2/64), starts `netcfg run -b mps2_an385 examples/echo_server --eth-if TAP`
//! inside it (QEMU's mps2-an385 with the lan9118 NIC, the SMSC911x driver, on the TAP), and
//! checks that `ping -c 5` over IPv4 and IPv6 gets every reply and that UDP echoes of 1, 512
//! and 1472 bytes (IPv4) and 1, 512 and 1232 bytes (IPv6) come back byte-exact.
//!
//! Needs root (namespaces, TAP), `ip`, `ping` and `qemu-system-arm`. Without them the test
//! prints why it skipped; with `NET_INTEROP_REQUIRED=1` it fails instead. It only talks to
//! the namespace it made, removes it afterwards, and stops only QEMU, by its PID.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const TAP: &str = "qtap0";
const BOARD: &str = "mps2_an385";

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

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A network namespace with a TAP, removed (after QEMU, killed by PID) on drop.
struct Netns {
    name: String,
    qemu: Option<Child>,
}

impl Netns {
    fn create() -> Netns {
        let name = format!("netstk-an385-{}", std::process::id());
        let ns = Netns {
            name: name.clone(),
            qemu: None,
        };
        for cmd in [
            vec!["ip", "netns", "add", &name],
            vec!["ip", "-n", &name, "link", "set", "lo", "up"],
            vec![
                "ip", "-n", &name, "tuntap", "add", "dev", TAP, "mode", "tap",
            ],
            vec!["ip", "-n", &name, "addr", "add", "192.0.2.2/24", "dev", TAP],
            vec![
                "ip",
                "-n",
                &name,
                "addr",
                "add",
                "2001:db8::2/64",
                "dev",
                TAP,
                "nodad",
            ],
            vec!["ip", "-n", &name, "link", "set", TAP, "up"],
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
        if let Some(c) = &mut self.qemu {
            // Only our own child (netcfg run exec's QEMU, so this PID is QEMU's).
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

/// netcfg, built by a nested cargo in its own target directory.
fn netcfg_bin() -> Result<PathBuf, String> {
    let target = root().join("target/nested-netcfg");
    let out = Command::new(env!("CARGO"))
        .current_dir(root())
        .args([
            "build",
            "-q",
            "-p",
            "net-config",
            "--bin",
            "netcfg",
            "--target-dir",
        ])
        .arg(&target)
        .env_remove("NET_CONFIG")
        .env_remove("NET_BOARD")
        .env_remove("NET_CONFIG_DEFINES")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(target.join("debug/netcfg"))
}

/// `netcfg ARGS` as a command run from the workspace root.
fn netcfg(bin: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.current_dir(root())
        .args(args)
        .env("CARGO", env!("CARGO"))
        .env_remove("NET_CONFIG")
        .env_remove("NET_BOARD")
        .env_remove("NET_CONFIG_DEFINES")
        .stdin(Stdio::null());
    cmd
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

#[test]
fn echo_server_firmware_against_linux() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return skip("needs root for network namespaces and TAP devices");
    }
    for tool in ["ip", "ping", "qemu-system-arm"] {
        if !have(tool) {
            return skip(&format!(
                "needs {tool} (apt install iproute2 iputils-ping qemu-system-arm)"
            ));
        }
    }
    let netcfg_path = netcfg_bin().expect("netcfg builds");
    // Build outside the namespace first; `run` then finds the firmware up to date.
    let build = netcfg(
        &netcfg_path,
        &["build", "-b", BOARD, "examples/echo_server"],
    )
    .output()
    .expect("netcfg runs");
    assert!(
        build.status.success(),
        "netcfg build failed:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );

    let mut ns = Netns::create();
    let cmd = netcfg(
        &netcfg_path,
        &["run", "-b", BOARD, "examples/echo_server", "--eth-if", TAP],
    );
    // `ip netns exec` exec's netcfg, which exec's QEMU: the child's PID stays QEMU's.
    let mut child = Command::new("ip")
        .args(["netns", "exec", &ns.name])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .current_dir(root())
        .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .env_remove("NET_CONFIG")
        .env_remove("NET_BOARD")
        .env_remove("NET_CONFIG_DEFINES")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("netcfg run starts");
    let stdout = child.stdout.take().expect("piped stdout");
    ns.qemu = Some(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            eprintln!("firmware: {line}");
            let _ = tx.send(line);
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut ready = false;
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) if line.contains("listening on UDP port 4242") => {
                ready = true;
                break;
            }
            Ok(_) => {}
            // QEMU exited or the time is up.
            Err(_) => break,
        }
    }
    assert!(ready, "the firmware did not announce its sockets");

    let (ok, text) = ns.exec(&["ping", "-c", "5", "-i", "0.2", "-W", "2", "192.0.2.1"]);
    assert!(ok && text.contains(" 0% packet loss"), "ping:\n{text}");
    let (ok, text) = ns.exec(&[
        "ping",
        "-6",
        "-c",
        "5",
        "-i",
        "0.2",
        "-W",
        "2",
        "2001:db8::1",
    ]);
    assert!(ok && text.contains(" 0% packet loss"), "ping -6:\n{text}");

    udp_echo(&ns, "192.0.2.1:4242".parse().unwrap(), &[1, 512, 1472]).expect("IPv4 UDP echo");
    // 1232 bytes: IPv6's minimum MTU less headers (1472 would need IPv6 fragments).
    udp_echo(&ns, "[2001:db8::1]:4242".parse().unwrap(), &[1, 512, 1232]).expect("IPv6 UDP echo");
}
