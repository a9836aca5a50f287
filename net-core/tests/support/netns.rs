//! A network namespace with a TAP for tests and benchmarks that run this stack in-process
//! against Linux (or a program started inside the namespace). The safety rules of the
//! project apply: traffic stays inside the namespace the test created, the namespace is
//! removed on drop, and only the processes started here are stopped, by PID.

use std::os::fd::AsRawFd;
use std::process::{Child, Command, Stdio};

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

fn run(cmd: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd[0])
        .args(&cmd[1..])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Moves the calling thread into the existing namespace `name` (for a child process of a
/// test that made it).
pub fn enter(name: &str) -> Result<(), String> {
    let path = format!("/var/run/netns/{name}");
    let file = std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?;
    // SAFETY: setns with a valid namespace descriptor changes only the calling thread's
    // network namespace.
    let r = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    if r == 0 {
        Ok(())
    } else {
        Err(format!("setns: {}", std::io::Error::last_os_error()))
    }
}

/// A namespace `<prefix>-<pid>` holding a TAP with Linux's side at 192.0.2.2/24 and
/// 2001:db8::2/64 (the peer addresses of `configs/echo-server.conf`).
pub struct Netns {
    /// The namespace's name.
    pub name: String,
    /// The TAP's name inside it.
    pub tap: String,
    children: Vec<Child>,
}

impl Netns {
    /// Creates the namespace and its TAP (up, addresses without DAD).
    pub fn create(prefix: &str, tap: &str) -> Result<Netns, String> {
        let name = format!("{prefix}-{}", std::process::id());
        let ns = Netns {
            name: name.clone(),
            tap: tap.to_string(),
            children: Vec::new(),
        };
        let n = name.as_str();
        for cmd in [
            vec!["ip", "netns", "add", n],
            vec!["ip", "-n", n, "link", "set", "lo", "up"],
            vec!["ip", "-n", n, "tuntap", "add", "dev", tap, "mode", "tap"],
            vec!["ip", "-n", n, "addr", "add", "192.0.2.2/24", "dev", tap],
            vec![
                "ip",
                "-n",
                n,
                "addr",
                "add",
                "2001:db8::2/64",
                "dev",
                tap,
                "nodad",
            ],
            vec!["ip", "-n", n, "link", "set", tap, "up"],
        ] {
            run(&cmd)?;
        }
        Ok(ns)
    }

    /// Moves the calling thread into the namespace. Threads it spawns afterwards start
    /// there too, and a TAP it opens is the namespace's.
    pub fn enter(&self) -> Result<(), String> {
        enter(&self.name)
    }

    /// Starts `cmd` inside the namespace (output discarded unless `piped`); it is stopped
    /// when the namespace is dropped. Returns its index for [`Netns::child`].
    pub fn spawn(&mut self, cmd: &[&str], piped: bool) -> Result<usize, String> {
        let out = || {
            if piped { Stdio::piped() } else { Stdio::null() }
        };
        let child = Command::new("ip")
            .args(["netns", "exec", &self.name])
            .args(cmd)
            .stdin(Stdio::null())
            .stdout(out())
            .stderr(out())
            .spawn()
            .map_err(|e| format!("{cmd:?}: {e}"))?;
        self.children.push(child);
        Ok(self.children.len() - 1)
    }

    /// A process started by [`Netns::spawn`].
    pub fn child(&mut self, index: usize) -> &mut Child {
        &mut self.children[index]
    }

    /// Runs `cmd` inside the namespace and waits for it.
    pub fn exec(&self, cmd: &[&str]) -> Result<(), String> {
        let mut full = vec!["ip", "netns", "exec", &self.name];
        full.extend_from_slice(cmd);
        run(&full)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for c in &mut self.children {
            // `ip netns exec` exec's the command, so the PID is the program's own.
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
