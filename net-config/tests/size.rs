//! `netcfg size` end to end on `qemu_cortex_m3`: five firmware builds of echo_server (each
//! some 20-60 s the first time, reused afterwards from `target/netcfg/<board>-<hash>`) and
//! one of the smoltcp comparison firmware, in one test so the builds run one after another
//! and are shared by every format:
//!
//! - the JSON of every configuration agrees with the ELF section headers of its image, to
//!   the byte, and its rows add up to those totals;
//! - zero unused code, per subsystem: each subsystem a configuration turns off reports
//!   0 bytes of ROM and RAM in its row, while the echo-server build (everything on) shows
//!   the same rows non-zero, so the check could fail;
//! - the stack instance costs no flash for initialized data: in every image `NET` and
//!   its interfaces (only references) are in `.rodata` and their state
//!   (`NET::__NET_STATE`, `NET::__NET_IFACE_STATE`, `NET::__NET_TCP`) in `.bss`;
//! - text (with the tree), Markdown and HTML print the same comparison;
//! - `--smoltcp` builds examples/smoltcp_echo with the matching features.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use net_config::elf::Class;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("net-config sits in the workspace root")
        .to_path_buf()
}

fn netcfg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netcfg"))
        .current_dir(root())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("netcfg runs")
}

fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "netcfg size failed ({:?}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

const ECHO: &str = "configs/echo-server.conf";
const MINIMAL: &str = "configs/minimal-ipv6-udp.conf,configs/overlays/sockets.conf";
const IPV4_ONLY: &str = "net-core/tests/configs/ipv4-only.conf";
const NO_UDP: &str = "net-config/tests/fixtures/size/no-udp.conf";
const MAXIMAL: &str = "configs/maximal.conf,configs/overlays/pools-64k.conf";

fn row(config: &Value, name: &str) -> (u64, u64) {
    let r = &config["rows"][name];
    assert!(r.is_object(), "no row {name} in {}", config["name"]);
    (r["rom"].as_u64().unwrap(), r["ram"].as_u64().unwrap())
}

#[test]
fn size_matches_the_elf_and_unused_subsystems_are_zero() {
    let json = ok(&netcfg(&[
        "size",
        "-b",
        "qemu_cortex_m3",
        "--format",
        "json",
        ECHO,
        MINIMAL,
        IPV4_ONLY,
        NO_UDP,
        MAXIMAL,
    ]));
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["schema"], "netcfg-size/1");
    assert_eq!(v["board"]["flash"], 262_144);
    let configs = v["configs"].as_array().unwrap();
    assert_eq!(configs.len(), 5);

    // The JSON against the ELF section headers, to the byte; the rows add up.
    for c in configs {
        let artifact = root().join(c["artifact"].as_str().unwrap());
        let elf = net_config::elf::read(&artifact).unwrap();
        let s = &c["sections"];
        assert_eq!(
            (s["text"].as_u64(), s["rodata"].as_u64()),
            (Some(elf.text), Some(elf.rodata)),
            "{}",
            c["name"]
        );
        assert_eq!(
            (s["data"].as_u64(), s["bss"].as_u64()),
            (Some(elf.data), Some(elf.bss)),
            "{}",
            c["name"]
        );
        assert_eq!(c["rom"].as_u64(), Some(elf.rom()));
        assert_eq!(c["ram"].as_u64(), Some(elf.ram()));
        let rows = c["rows"].as_object().unwrap();
        let rom: u64 = rows.values().map(|r| r["rom"].as_u64().unwrap()).sum();
        let ram: u64 = rows.values().map(|r| r["ram"].as_u64().unwrap()).sum();
        assert_eq!((rom, ram), (elf.rom(), elf.ram()), "{}", c["name"]);
        assert!(
            !c["instance_ram"].as_array().unwrap().is_empty(),
            "{}",
            c["name"]
        );
    }

    // The instance costs no flash for initialized data: `NET` and its interfaces hold only
    // references (`.rodata`), their mutable state starts all zero (`.bss`), and none of the
    // instance's statics is in `.data` (only the drivers `NET_<IFACE>`, which hold their MAC
    // addresses, are). A firmware without sockets (no-udp) stops at start-up and keeps no
    // instance at all; the other builds must have one.
    for c in configs {
        let artifact = root().join(c["artifact"].as_str().unwrap());
        let img = net_config::elf::read_image(&artifact).unwrap();
        let class_of = |path: &str| {
            let found: Vec<Class> = img
                .symbols
                .iter()
                .filter(|s| net_config::size::demangle(&s.name) == path)
                .map(|s| img.sections[s.section].class)
                .collect();
            assert!(found.len() <= 1, "{path} in {}: {found:?}", c["name"]);
            found.first().copied()
        };
        for (name, class) in [
            ("NET", Class::Rodata),
            ("NET::__NET_IFACES", Class::Rodata),
            ("NET::__NET_STATE", Class::Bss),
            ("NET::__NET_IFACE_STATE", Class::Bss),
        ] {
            let found = class_of(&format!("echo_server::firmware::{name}"));
            let expected = if c["name"] == NO_UDP && found.is_none() {
                None
            } else {
                Some(class)
            };
            assert_eq!(found, expected, "{name} in {}", c["name"]);
        }
        let data: Vec<String> = img
            .symbols
            .iter()
            .filter(|s| img.sections[s.section].class == Class::Data)
            .map(|s| net_config::size::demangle(&s.name))
            .filter(|d| {
                d == "echo_server::firmware::NET" || d.starts_with("echo_server::firmware::NET::")
            })
            .collect();
        assert!(data.is_empty(), "{}: in .data: {data:?}", c["name"]);
    }

    // Zero unused code, per subsystem: off means 0 bytes of ROM and RAM in its row; the
    // echo-server build (all of them on) is the positive control.
    let (echo, minimal, ipv4_only, no_udp) = (&configs[0], &configs[1], &configs[2], &configs[3]);
    for (off, rows) in [
        (
            minimal,
            &["IPv4", "ICMPv4", "ARP", "net_mgmt", "statistics", "TCP"][..],
        ),
        (ipv4_only, &["IPv6", "ICMPv6/NDP"][..]),
        (no_udp, &["UDP", "sockets"][..]),
    ] {
        for name in rows {
            assert_eq!(
                row(off, name),
                (0, 0),
                "{name} is off in {}, yet its row is not empty",
                off["name"]
            );
            // statistics and TCP have no out-of-line code even when on (the counters are
            // inlined; TCP is not in net-core's echo path), so they have no control.
            if !matches!(*name, "statistics" | "TCP") {
                assert!(
                    row(echo, name).0 > 0,
                    "positive control: {name} is on in {ECHO} but its row is empty"
                );
            }
        }
    }

    // The other formats, from the same builds.
    let three = ["size", "-b", "qemu_cortex_m3", MINIMAL, ECHO, MAXIMAL];
    let text = ok(&netcfg(&[&three[..], &["--tree"]].concat()));
    let total = |c: &Value| c["rom"].as_u64().unwrap().to_string();
    assert!(text.starts_with("echo_server on qemu_cortex_m3 (256 KiB flash, 64 KiB RAM)"));
    assert!(text.contains("\nIPv4 "), "{text}");
    assert!(text.contains(&total(echo)), "{text}");
    assert!(text.contains("ROM of configs/echo-server.conf ("), "{text}");
    assert!(text.contains("├── net_core"), "{text}");
    let md = ok(&netcfg(&[&three[..], &["--format", "markdown"]].concat()));
    assert!(md.contains("| module | [1] ROM |"), "{md}");
    assert!(
        md.contains(&format!("| **total** | {} (", total(minimal))),
        "{md}"
    );
    let html = ok(&netcfg(&[&three[..], &["--format", "html"]].concat()));
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(!html.contains("<script"));
    assert!(html.contains("<code>configs/maximal.conf,configs/overlays/pools-64k.conf</code>"));

    // smoltcp with the matching features.
    let out = ok(&netcfg(&[
        "size",
        "-b",
        "qemu_cortex_m3",
        "--smoltcp",
        "--format",
        "json",
        MINIMAL,
    ]));
    let v: Value = serde_json::from_str(&out).unwrap();
    let s = &v["configs"][0]["smoltcp"];
    assert_eq!(
        s["features"],
        serde_json::json!(["medium-ethernet", "proto-ipv6", "socket-udp"])
    );
    assert!(s["rom"].as_u64().unwrap() > 10_000, "{s}");
}

#[test]
fn size_usage_errors() {
    for args in [
        &["size", "-b", "qemu_cortex_m3"][..],
        &[
            "size",
            "-b",
            "qemu_cortex_m3",
            "--format",
            "xml",
            "configs/echo-server.conf",
        ],
        &[
            "size",
            "-b",
            "qemu_cortex_m3",
            "--format",
            "json",
            "--tree",
            "configs/echo-server.conf",
        ],
        &["build", "--tree", "examples/echo_server"],
    ] {
        let out = netcfg(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
