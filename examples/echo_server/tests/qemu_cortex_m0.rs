//! `echo_server` as `qemu_cortex_m0` firmware: `netcfg run -b qemu_cortex_m0
//! examples/echo_server` builds it for the micro:bit (thumbv6m, 16 KiB of RAM, no
//! compare-and-swap) and runs it under QEMU's `microbit` machine, which has no NIC. The
//! firmware echoes UDP datagrams of 1, 64 and MTU size to itself over the loopback driver,
//! prints a summary and the stack's statistics through semihosting, and exits. The test
//! checks the exit status 0, the summary and the statistics.
//!
//! Needs `qemu-system-arm` (no root). Without it the test prints why it skipped; with
//! `NET_INTEROP_REQUIRED=1` it fails instead.

mod common;

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{have, netcfg_bin, root, skip};

#[test]
fn echo_server_firmware_echoes_over_loopback() {
    if !have("qemu-system-arm") {
        return skip("needs qemu-system-arm (apt install qemu-system-arm)");
    }
    let netcfg = netcfg_bin().expect("netcfg builds");
    let child = Command::new(&netcfg)
        .current_dir(root())
        .args(["run", "-b", "qemu_cortex_m0", "examples/echo_server"])
        .env("CARGO", env!("CARGO"))
        .env_remove("NET_CONFIG")
        .env_remove("NET_BOARD")
        .env_remove("NET_CONFIG_DEFINES")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("netcfg run starts");
    // The build may take a minute, the run itself well under a second. netcfg exec's QEMU,
    // so on a timeout this PID is QEMU's (or netcfg's), and only it is killed.
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(300)) {
        Ok(out) => out.expect("netcfg run output"),
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("netcfg run -b qemu_cortex_m0 did not finish in 300 s");
        }
    };
    let status = out.status;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    println!("{stdout}");
    assert!(
        status.success(),
        "netcfg run -b qemu_cortex_m0 exited with {status}:\n{stdout}\n{stderr}"
    );
    // netcfg applied the board overlay and found the firmware within 16 KiB of RAM.
    assert!(
        stderr.contains("board overlay examples/echo_server/boards/qemu_cortex_m0.conf"),
        "{stderr}"
    );
    assert!(stderr.contains("of 16 KiB RAM"), "{stderr}");
    // examples/echo_server/prj.conf enables IPv4 and IPv6: three echoes each.
    for line in [
        "echo_server: 1 bytes to [::1]:4242 came back byte-exact",
        "echo_server: 64 bytes to [::1]:4242 came back byte-exact",
        "echo_server: 528 bytes to [::1]:4242 came back byte-exact",
        "echo_server: 1 bytes to 127.0.0.1:4242 came back byte-exact",
        "echo_server: 548 bytes to 127.0.0.1:4242 came back byte-exact",
        "echo_server: 6 UDP echoes over loopback came back byte-exact",
        "statistics:",
        "ipv4: IpSnapshot { recv: 6, sent: 6, forwarded: 0, drop: 0 }",
        "ipv6: IpSnapshot { recv: 6, sent: 6, forwarded: 0, drop: 0 }",
        "udp: UdpSnapshot { drop: 0, recv: 12, sent: 12, chkerr: 0 }",
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "no `{line}` in:\n{stdout}"
        );
    }
    assert!(
        stdout.lines().any(|l| l.starts_with("pools: ")),
        "no pool statistics in:\n{stdout}"
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
}
