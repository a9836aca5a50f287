//! What the firmware tests of echo_server share: skipping when a tool or root is missing,
//! building `netcfg` and the firmware, starting `netcfg run` and waiting for the firmware's
//! console, a network namespace with a TAP, and the interop checks against Linux (ping over
//! IPv4 and IPv6, UDP echoes). Each test binary uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The TAP inside a test's namespace.
pub const TAP: &str = "qtap0";

/// What the firmware prints once its sockets are open.
pub const READY: &str = "listening on UDP port 4242";

pub use net_testkit::{have, is_root, pattern, skip};

/// Runs `cmd`: whether it succeeded, and its stdout and stderr.
pub fn run(cmd: &[&str]) -> (bool, String) {
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

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// netcfg, built by a nested cargo in its own target directory.
pub fn netcfg_bin() -> Result<PathBuf, String> {
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
pub fn netcfg(bin: &Path, args: &[&str]) -> Command {
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

/// Builds netcfg, then echo_server for `board` with `netcfg build` (so that a later
/// `netcfg run` finds it up to date). Returns netcfg's path.
pub fn build_firmware(board: &str) -> PathBuf {
    build_firmware_with(board, &[])
}

/// [`build_firmware`] with more arguments for `netcfg build` (`-c FILE`, `-D`).
pub fn build_firmware_with(board: &str, extra: &[&str]) -> PathBuf {
    let bin = netcfg_bin().expect("netcfg builds");
    let mut args = vec!["build", "-b", board];
    args.extend_from_slice(extra);
    args.push("examples/echo_server");
    let build = netcfg(&bin, &args).output().expect("netcfg runs");
    assert!(
        build.status.success(),
        "netcfg build -b {board} failed:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    bin
}

/// A started firmware: QEMU (`netcfg run` exec's it, so the child's PID is QEMU's), killed
/// by that PID on drop, and the lines of its console.
pub struct Firmware {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Firmware {
    /// Spawns `cmd` with its stdout piped: each console line is echoed to stderr as
    /// `firmware: ...` and kept for [`Firmware::wait_for`].
    pub fn spawn(mut cmd: Command) -> Firmware {
        let mut child = cmd
            .env_remove("NET_CONFIG")
            .env_remove("NET_BOARD")
            .env_remove("NET_CONFIG_DEFINES")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("netcfg run starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                eprintln!("firmware: {line}");
                let _ = tx.send(line);
            }
        });
        Firmware { child, lines }
    }

    /// Waits up to `timeout` for a console line containing `needle`.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return true,
                Ok(_) => {}
                // QEMU exited or the time is up.
                Err(_) => return false,
            }
        }
        false
    }
}

impl Drop for Firmware {
    fn drop(&mut self) {
        // Only our own child, by its PID.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}

/// A network namespace with a TAP (192.0.2.2/24, 2001:db8::2/64), removed on drop after
/// the firmware and the processes started in it, which are stopped first, by PID
/// (`net_testkit::netns::Netns` with the firmware under test, panicking on setup errors).
pub struct Netns {
    /// The firmware under test; declared first, so that it is stopped first.
    pub firmware: Option<Firmware>,
    ns: net_testkit::netns::Netns,
}

impl std::ops::Deref for Netns {
    type Target = net_testkit::netns::Netns;
    fn deref(&self) -> &Self::Target {
        &self.ns
    }
}

impl std::ops::DerefMut for Netns {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.ns
    }
}

impl Netns {
    /// Creates the namespace `<prefix>-<pid>` with the TAP [`TAP`].
    pub fn create(prefix: &str) -> Netns {
        Netns::create_with_tap(prefix, TAP)
    }

    /// Creates the namespace `<prefix>-<pid>` with a TAP named `tap`.
    pub fn create_with_tap(prefix: &str, tap: &str) -> Netns {
        Netns {
            firmware: None,
            ns: net_testkit::netns::Netns::create(prefix, tap).unwrap_or_else(|e| panic!("{e}")),
        }
    }

    /// Starts `cmd` inside the namespace with piped stdout and stderr (and stdin when
    /// `stdin`); returns its index in `children`. It is stopped on drop.
    pub fn spawn(&mut self, cmd: &[&str], stdin: bool) -> usize {
        self.ns
            .spawn(cmd, true, stdin)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs `cmd` inside the namespace: whether it succeeded, and its output (or why not).
    pub fn exec(&self, cmd: &[&str]) -> (bool, String) {
        match self.ns.exec(cmd) {
            Ok(out) => (true, out),
            Err(why) => (false, why),
        }
    }

    /// `cmd` run inside the namespace, from the workspace root.
    pub fn command(&self, cmd: &Command) -> Command {
        let mut inside = self.ns.command(cmd);
        inside.current_dir(root());
        inside
    }
}

/// UDP datagrams of each size in `sizes` to `server` from inside `ns`; each must come back
/// byte-exact from `server` (three tries each).
pub fn udp_echo(ns: &Netns, server: SocketAddr, sizes: &'static [usize]) -> Result<(), String> {
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

/// The interop test of one QEMU board against Linux: builds echo_server for `board`, runs
/// it with `netcfg run -b BOARD examples/echo_server --eth-if TAP` inside a fresh namespace
/// `<ns_prefix>-<pid>` (`qemu` is the QEMU binary it needs), and checks that `ping -c 5`
/// over IPv4 and IPv6 gets every reply and that UDP echoes of 1, 512 and 1472 bytes (IPv4)
/// and 1, 512 and 1232 bytes (IPv6) come back byte-exact.
pub fn firmware_against_linux(board: &str, ns_prefix: &str, qemu: &str, tcp: bool) {
    if !is_root() {
        return skip("needs root for network namespaces and TAP devices");
    }
    for tool in ["ip", "ping", qemu] {
        if !have(tool) {
            let package = if qemu == "qemu-system-arm" {
                "qemu-system-arm"
            } else {
                "qemu-system-misc"
            };
            return skip(&format!(
                "needs {tool} (apt install iproute2 iputils-ping {package})"
            ));
        }
    }
    // With `tcp`, the sample's TCP overlay on top of prj.conf.
    let extra: &[&str] = if tcp {
        &["-c", "examples/echo_server/overlay-tcp.conf"]
    } else {
        &[]
    };
    // Build outside the namespace first; `run` then finds the firmware up to date.
    let netcfg_path = build_firmware_with(board, extra);

    let mut ns = Netns::create(ns_prefix);
    let mut args = vec!["run", "-b", board];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["examples/echo_server", "--eth-if", TAP]);
    let cmd = netcfg(&netcfg_path, &args);
    let firmware = ns.firmware.insert(Firmware::spawn(ns.command(&cmd)));
    assert!(
        firmware.wait_for(READY, Duration::from_secs(60)),
        "the firmware did not announce its sockets"
    );

    let (ok, text) = ns.exec(&["ping", "-c", "5", "-i", "0.2", "-W", "2", "192.0.2.1"]);
    assert!(ok && text.contains(" 0% packet loss"), "ping:\n{text}");
    eprintln!("{}", text.lines().rev().nth(1).unwrap_or_default());
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
    eprintln!("{}", text.lines().rev().nth(1).unwrap_or_default());

    udp_echo(&ns, "192.0.2.1:4242".parse().unwrap(), &[1, 512, 1472]).expect("IPv4 UDP echo");
    // 1232 bytes: IPv6's minimum MTU less headers (1472 would need IPv6 fragments).
    udp_echo(&ns, "[2001:db8::1]:4242".parse().unwrap(), &[1, 512, 1232]).expect("IPv6 UDP echo");
    if tcp {
        // The firmware announced its TCP listeners right after the UDP ones.
        let firmware = ns.firmware.as_ref().expect("firmware");
        assert!(
            firmware.wait_for("listening on TCP", Duration::from_secs(5)),
            "the firmware has no TCP echo"
        );
        // A capture of the TCP phase, summarized if it fails (CI shows little else).
        let capture = Capture::start(&mut ns);
        let report = ns
            .within(|| -> Result<String, String> {
                let mut report = String::new();
                for (server, len) in [("192.0.2.1:4242", 1 << 20), ("[2001:db8::1]:4242", 256 << 10)] {
                    let server: std::net::SocketAddr = server.parse().unwrap();
                    let secs = tcp_round_trip(server, len, 3)?;
                    report += &format!(
                        "TCP {len} bytes each way with {server}: {secs:.2} s ({:.0} kB/s each way)\n",
                        len as f64 / secs / 1e3
                    );
                }
                Ok(report)
            })
            .unwrap_or_else(|e| {
                let frames = capture
                    .as_ref()
                    .map(|c| c.summary(&mut ns))
                    .unwrap_or_default();
                panic!("TCP echo: {e}\nthe last frames on {TAP}:\n{frames}")
            });
        eprint!("{report}");
    }
}

/// `dumpcap` on [`TAP`] inside a test's namespace (headers only), when it is installed.
pub struct Capture {
    file: PathBuf,
    /// dumpcap's index among the namespace's children.
    child: usize,
}

impl Capture {
    /// Starts capturing; `None` (and nothing to show on failure) without dumpcap.
    pub fn start(ns: &mut Netns) -> Option<Capture> {
        if !have("dumpcap") || !have("tshark") {
            return None;
        }
        let file = std::env::temp_dir().join(format!("{}.pcap", ns.name));
        let path = file.display().to_string();
        let child = ns
            .ns
            .spawn(
                &["dumpcap", "-q", "-i", TAP, "-s", "128", "-w", &path],
                false,
                false,
            )
            .ok()?;
        let started = Instant::now();
        while !file.exists() && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Capture { file, child })
    }

    /// Stops the capture (dumpcap writes out what it buffered) and returns its last 60
    /// TCP, ARP and neighbor-discovery frames, one line each.
    pub fn summary(&self, ns: &mut Netns) -> String {
        // The kernel hands frames to dumpcap in blocks, up to a second late.
        std::thread::sleep(Duration::from_secs(2));
        let dumpcap = ns.ns.child(self.child);
        let _ = Command::new("kill")
            .args(["-INT", &dumpcap.id().to_string()])
            .status();
        let _ = dumpcap.wait();
        let (_, text) = run(&[
            "tshark",
            "-r",
            &self.file.display().to_string(),
            "-Y",
            "tcp || arp || icmpv6.type >= 133",
        ]);
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("Running as user"))
            .collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.file);
    }
}

/// FNV-1a over `data`: a digest to report, next to the byte-exact comparison.
pub fn digest(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Sends `len` bytes to the TCP echo at `server` while reading the echo, half-closes, and
/// checks that exactly the same bytes came back. Returns the seconds it took.
pub fn tcp_round_trip(server: SocketAddr, len: usize, seed: u32) -> Result<f64, String> {
    let start = Instant::now();
    let stream = std::net::TcpStream::connect_timeout(&server, Duration::from_secs(10))
        .map_err(|e| format!("connect {server}: {e}"))?;
    round_trip_on(stream, server, len, seed)?;
    Ok(start.elapsed().as_secs_f64())
}

/// [`tcp_round_trip`] over a connection already open.
pub fn round_trip_on(
    mut stream: std::net::TcpStream,
    server: SocketAddr,
    len: usize,
    seed: u32,
) -> Result<f64, String> {
    use std::io::{Read, Write};
    let start = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let data = pattern(len, seed);
    let sent = digest(&data);
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let sender = std::thread::spawn(move || -> std::io::Result<()> {
        writer.write_all(&data)?;
        writer.shutdown(std::net::Shutdown::Write)
    });
    let mut got = Vec::with_capacity(len);
    stream
        .read_to_end(&mut got)
        .map_err(|e| format!("{server}: read after {} of {len} bytes: {e}", got.len()))?;
    sender
        .join()
        .map_err(|_| "sender panicked".to_string())?
        .map_err(|e| format!("{server}: write: {e}"))?;
    if got.len() != len || digest(&got) != sent || got != pattern(len, seed) {
        return Err(format!(
            "{server}: {} of {len} bytes came back, digest {:016x} instead of {sent:016x}",
            got.len(),
            digest(&got)
        ));
    }
    Ok(start.elapsed().as_secs_f64())
}
