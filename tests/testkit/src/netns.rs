//! A network namespace with a TAP. The project's network-safety rules are built in: the
//! traffic stays inside a namespace the test created, the namespace is removed on drop,
//! and only the processes started here are stopped, by PID.

use std::os::fd::AsRawFd;
use std::process::{Child, Command, Stdio};

use crate::run;

/// Moves the calling thread into the existing namespace `name`: sockets and TAPs it opens
/// afterwards, and threads it spawns, are the namespace's (for a child process of a test
/// that made it, or a thread of the test itself).
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

/// A namespace `<prefix>-<pid>`, with a TAP whose Linux side is 192.0.2.2/24 and
/// 2001:db8::2/64 (the peer addresses of `configs/echo-server.conf` and of Zephyr's echo
/// samples) unless made [`bare`](Netns::bare).
pub struct Netns {
    /// The namespace's name.
    pub name: String,
    /// The TAP's name inside it (empty for a [`bare`](Netns::bare) namespace).
    pub tap: String,
    /// The processes started by [`Netns::spawn`], stopped (by PID) on drop. A test may
    /// take one out to wait for it, and put it back.
    pub children: Vec<Child>,
}

impl Netns {
    /// Creates the namespace with the TAP `tap` (up, addresses without DAD).
    pub fn create(prefix: &str, tap: &str) -> Result<Netns, String> {
        let mut ns = Netns::bare(prefix)?;
        ns.tap = tap.to_string();
        let n = ns.name.as_str();
        for cmd in [
            ["ip", "-n", n, "tuntap", "add", "dev", tap, "mode", "tap"].as_slice(),
            &["ip", "-n", n, "addr", "add", "192.0.2.2/24", "dev", tap],
            &[
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
            &["ip", "-n", n, "link", "set", tap, "up"],
        ] {
            run(cmd)?;
        }
        Ok(ns)
    }

    /// Creates the namespace with only its loopback up (the test adds its own links).
    pub fn bare(prefix: &str) -> Result<Netns, String> {
        let name = format!("{prefix}-{}", std::process::id());
        run(&["ip", "netns", "add", &name])?;
        // From here on, dropping the value removes the namespace.
        let ns = Netns {
            name,
            tap: String::new(),
            children: Vec::new(),
        };
        run(&["ip", "-n", &ns.name, "link", "set", "lo", "up"])?;
        Ok(ns)
    }

    /// Moves the calling thread into the namespace (see [`enter`]).
    pub fn enter(&self) -> Result<(), String> {
        enter(&self.name)
    }

    /// Starts `cmd` inside the namespace, with its stdout and stderr piped when `piped`
    /// (else discarded) and its stdin piped when `stdin` (else closed). It is stopped
    /// when the namespace is dropped. Returns its index in [`Netns::children`].
    pub fn spawn(&mut self, cmd: &[&str], piped: bool, stdin: bool) -> Result<usize, String> {
        let out = || {
            if piped { Stdio::piped() } else { Stdio::null() }
        };
        let child = Command::new("ip")
            .args(["netns", "exec", &self.name])
            .args(cmd)
            .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
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

    /// Runs `cmd` inside the namespace and waits for it: its stdout, or why it failed.
    pub fn exec(&self, cmd: &[&str]) -> Result<String, String> {
        let mut full = vec!["ip", "netns", "exec", &self.name];
        full.extend_from_slice(cmd);
        run(&full)
    }

    /// `cmd` made to run inside the namespace, with its arguments and environment
    /// (`ip netns exec` execs it, so the PID stays the program's own).
    pub fn command(&self, cmd: &Command) -> Command {
        let mut inside = Command::new("ip");
        inside
            .args(["netns", "exec", &self.name])
            .arg(cmd.get_program())
            .args(cmd.get_args())
            .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))));
        if let Some(dir) = cmd.get_current_dir() {
            inside.current_dir(dir);
        }
        inside
    }

    /// Runs `f` on a thread that has entered the namespace, so that sockets it opens live
    /// there.
    pub fn within<R: Send + 'static>(&self, f: impl FnOnce() -> R + Send + 'static) -> R {
        let name = self.name.clone();
        std::thread::spawn(move || {
            enter(&name).unwrap_or_else(|e| panic!("{e}"));
            f()
        })
        .join()
        .expect("namespace thread")
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for c in &mut self.children {
            // Only our own children, by PID (`ip netns exec` execs the command).
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
