//! `netcfg build`, `run` and `new` end to end.
//!
//! The build tests run nested `cargo build --release` on the real workspace (into
//! `target/netcfg/<board>-<hash>`), so they are ordered inside one test to share builds:
//! echo_server with its `prj.conf` (built once, reused by the second build and by `run`),
//! and one variant with a `-D` override. The first build of each takes some 30-60 s. `run`
//! only passes `--help`/a bad argument to echo_server, which never opens the TAP.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The `artifact:` and `size:` lines of a successful `netcfg build`.
fn built(out: &Output) -> (PathBuf, String) {
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "netcfg build failed ({:?}):\n{stdout}\n{stderr}",
        out.status
    );
    let artifact = stdout
        .lines()
        .find_map(|l| l.strip_prefix("artifact: "))
        .unwrap_or_else(|| panic!("no artifact line in:\n{stdout}"));
    let size = stdout
        .lines()
        .find_map(|l| l.strip_prefix("size: "))
        .unwrap_or_else(|| panic!("no size line in:\n{stdout}"));
    (root().join(artifact), size.to_string())
}

/// The build directory (`target/netcfg/<board>-<hash>`) an artifact lives in.
fn build_dir(artifact: &Path) -> PathBuf {
    let netcfg = root().join("target/netcfg");
    let rel = artifact
        .strip_prefix(&netcfg)
        .unwrap_or_else(|_| panic!("{} is not under {}", artifact.display(), netcfg.display()));
    netcfg.join(rel.components().next().unwrap())
}

#[test]
fn build_reuse_variants_and_run() {
    // 1. Build: an artifact that exists and a size line.
    let first = netcfg(&["build", "-b", "native_sim", "examples/echo_server"]);
    let (artifact, size) = built(&first);
    assert!(artifact.is_file(), "{} does not exist", artifact.display());
    assert!(
        artifact.ends_with("release/echo_server"),
        "{}",
        artifact.display()
    );
    let dir = build_dir(&artifact);
    let name = dir.file_name().unwrap().to_str().unwrap();
    let hash = name
        .strip_prefix("native_sim-")
        .expect("named after the board");
    assert_eq!(hash.len(), 12, "{name}");
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{name}");
    assert!(
        size.starts_with("ROM ") && size.contains(" B (text "),
        "{size}"
    );
    assert!(
        size.contains(", RAM ") && size.contains(" + bss "),
        "{size}"
    );

    // 2. The same configuration again: the same directory, nothing rebuilt.
    let second = netcfg(&["build", "-b", "native_sim", "examples/echo_server"]);
    let (again, size_again) = built(&second);
    assert_eq!(again, artifact);
    assert_eq!(size_again, size);
    let stderr = text(&second.stderr);
    assert!(
        !stderr.contains("Compiling echo_server"),
        "rebuilt:\n{stderr}"
    );

    // 3. Another -D: another directory; the first stays as it was.
    let variant = netcfg(&[
        "build",
        "-b",
        "native_sim",
        "-D",
        "NET_BUF_RX_COUNT=64",
        "examples/echo_server",
    ]);
    let (other, _) = built(&variant);
    assert!(other.is_file());
    assert_ne!(build_dir(&other), dir);
    assert!(artifact.is_file());

    // 4. run: the exit status is the program's (echo_server: 0 for --help, 2 for a bad
    //    argument); the build summary goes to stderr, the program's console is its own.
    let help = netcfg(&[
        "run",
        "-b",
        "native_sim",
        "examples/echo_server",
        "--",
        "--help",
    ]);
    let stderr = text(&help.stderr);
    assert_eq!(help.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("usage: echo_server"), "{stderr}");
    assert!(stderr.contains("netcfg: artifact: "), "{stderr}");
    assert!(!text(&help.stdout).contains("artifact:"));
    let bad = netcfg(&[
        "run",
        "-b",
        "native_sim",
        "examples/echo_server",
        "--",
        "--bogus",
    ]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
    assert!(text(&bad.stderr).contains("unknown argument --bogus"));
}

#[test]
fn qemu_cortex_m3_firmware_builds_and_fits() {
    let out = netcfg(&["build", "-b", "qemu_cortex_m3", "examples/echo_server"]);
    let (artifact, size) = built(&out);
    assert!(artifact.is_file(), "{} does not exist", artifact.display());
    assert!(
        artifact.ends_with("thumbv7m-none-eabi/release/echo_server"),
        "{}",
        artifact.display()
    );
    assert!(
        build_dir(&artifact)
            .to_string_lossy()
            .contains("qemu_cortex_m3-"),
        "{}",
        artifact.display()
    );
    assert!(
        size.contains("of 256 KiB flash") && size.contains("of 64 KiB RAM"),
        "{size}"
    );
}

#[test]
fn qemu_riscv32_firmware_builds_and_fits() {
    let out = netcfg(&["build", "-b", "qemu_riscv32", "examples/echo_server"]);
    let (artifact, size) = built(&out);
    assert!(
        artifact.ends_with("riscv32imac-unknown-none-elf/release/echo_server"),
        "{}",
        artifact.display()
    );
    assert!(
        build_dir(&artifact)
            .to_string_lossy()
            .contains("qemu_riscv32-"),
        "{}",
        artifact.display()
    );
    // No flash: the whole image counts against the 128 MiB of RAM.
    assert!(
        size.contains("of 128 MiB RAM (no flash: the whole image loads into RAM)"),
        "{size}"
    );
}

#[test]
fn bad_configuration_fails_with_file_and_line() {
    let dir = root().join("target/tmp/netcfg-build-run");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.conf");
    std::fs::write(&bad, "CONFIG_NET_UDP=y\nCONFIG_NET_IPV5=y\n").unwrap();
    let out = netcfg(&[
        "build",
        "-b",
        "native_sim",
        "-c",
        "target/tmp/netcfg-build-run/bad.conf",
        "examples/echo_server",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "target/tmp/netcfg-build-run/bad.conf:2: error: unknown symbol CONFIG_NET_IPV5"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("building"), "cargo ran: {stderr}");

    // A bad -D is reported the same way, naming the command line.
    let out = netcfg(&["build", "-D", "NET_TC_TX_COUNT=99", "examples/echo_server"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("<command line>:1: error: NET_TC_TX_COUNT = 99 is outside its range"),
        "{stderr}"
    );
    assert!(!stderr.contains("building"), "cargo ran: {stderr}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["build"][..],
        &["build", "examples/echo_server", "examples/echo_server"],
        &["build", "--eth-if", "zeth", "examples/echo_server"],
        &[
            "build",
            "--netdev",
            "socket,udp=127.0.0.1:1",
            "examples/echo_server",
        ],
        &[
            "run",
            "--eth-if",
            "t",
            "--netdev",
            "socket,udp=127.0.0.1:1",
            "examples/echo_server",
        ],
        &["run", "--netdev", "udp=127.0.0.1:1", "examples/echo_server"],
        &["run", "--netdev", "socket,id=x", "examples/echo_server"],
        &["run", "--netdev"],
        &["build", "--lenient", "examples/echo_server"],
        &["new", "-D", "X=1", "target/tmp/x"],
        &["check", "-c", "configs/echo-server.conf"],
        &["check", "configs/echo-server.conf", "--", "x"],
    ] {
        let out = netcfg(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    // An application directory that does not exist is an error in the input (1).
    let out = netcfg(&["build", "examples/no_such_app"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("examples/no_such_app: no such application directory"),
        "{stderr}"
    );
}

#[test]
fn new_scaffolds_an_application() {
    let base = root().join(format!("target/tmp/netcfg-new-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let rel = format!("target/tmp/netcfg-new-{}/my_app", std::process::id());
    let app = root().join(&rel);

    let out = netcfg(&["new", &rel, "-b", "native_sim"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains(&format!("created {rel}")), "{stdout}");
    // Not added to the workspace unless asked: the line to add is printed.
    assert!(
        stdout.contains(&format!("next: add \"{rel}\" to `members` in Cargo.toml")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("netcfg build -b native_sim {rel}")),
        "{stdout}"
    );
    let workspace = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(!workspace.contains("my_app"));

    // Cargo.toml: named after the directory, path dependencies that lead to the crates.
    let cargo = std::fs::read_to_string(app.join("Cargo.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&cargo).unwrap();
    assert_eq!(manifest["package"]["name"].as_str(), Some("my_app"));
    for dep in ["net-core", "net-macros"] {
        let path = manifest["dependencies"][dep]["path"].as_str().unwrap();
        assert!(path.starts_with("../"), "{dep}: {path}");
        let dep_manifest = app.join(path).join("Cargo.toml");
        let dep_text = std::fs::read_to_string(&dep_manifest)
            .unwrap_or_else(|e| panic!("{}: {e}", dep_manifest.display()));
        assert!(dep_text.contains(&format!("name = \"{dep}\"")));
    }

    // prj.conf: Zephyr style, commented, and `netcfg check` accepts it.
    let prj = std::fs::read_to_string(app.join("prj.conf")).unwrap();
    assert!(prj.lines().any(|l| l == "CONFIG_NET_UDP=y"), "{prj}");
    assert!(prj.lines().any(|l| l == "CONFIG_NET_SOCKETS=y"), "{prj}");
    assert!(
        prj.lines().filter(|l| l.starts_with("# ")).count() >= 3,
        "{prj}"
    );
    let check = netcfg(&["check", "-b", "native_sim", &format!("{rel}/prj.conf")]);
    assert!(
        check.status.success(),
        "{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );
    assert!(
        text(&check.stderr).is_empty(),
        "warnings: {}",
        text(&check.stderr)
    );

    // src/main.rs: the net_stack! pattern with the native_sim TAP driver.
    let main = std::fs::read_to_string(app.join("src/main.rs")).unwrap();
    for needle in [
        "net_macros::net_stack! {",
        "Ethernet(NativeTap) = NativeTap::new(",
        "NET.start()",
        "NET.spawn_workers()",
        "NET.recvfrom(",
        "NET.sendto(",
        "\"--eth-if\"",
    ] {
        assert!(main.contains(needle), "main.rs lacks {needle}");
    }

    // An existing, non-empty directory is never overwritten.
    let again = netcfg(&["new", &rel]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("refusing to overwrite"));
    // A name that cannot be a package, and boards without firmware, are refused.
    let bad = netcfg(&["new", &format!("{rel}/../9lives")]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
    let qemu = netcfg(&["new", &format!("{rel}/../m3_app"), "-b", "qemu_cortex_m3"]);
    assert_eq!(qemu.status.code(), Some(1), "{}", text(&qemu.stderr));
    assert!(text(&qemu.stderr).contains("not available yet"));
    assert!(!base.join("m3_app").exists());

    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn qemu_cortex_m0_firmware_applies_the_board_overlay_and_fits_16k() {
    let out = netcfg(&["build", "-b", "qemu_cortex_m0", "examples/echo_server"]);
    let stderr = text(&out.stderr);
    let (artifact, size) = built(&out);
    assert!(
        artifact.ends_with("thumbv6m-none-eabi/release/echo_server"),
        "{}",
        artifact.display()
    );
    // prj.conf alone asks for Ethernet-sized pools and ARP; the overlay undoes both.
    assert!(
        stderr.contains("netcfg: board overlay examples/echo_server/boards/qemu_cortex_m0.conf"),
        "{stderr}"
    );
    assert!(
        size.contains("of 256 KiB flash") && size.contains("of 16 KiB RAM"),
        "{size}"
    );
    // The overlay comes before -c files and -D, which still win over it.
    let out = netcfg(&[
        "build",
        "-b",
        "qemu_cortex_m0",
        "-D",
        "NET_BUF_RX_COUNT=4096",
        "examples/echo_server",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // The linker refuses first (memory.x maps 16 KiB), else netcfg's own size check.
    assert!(
        stderr.contains("will not fit in region 'RAM'")
            || stderr.contains("the firmware does not fit qemu_cortex_m0"),
        "{stderr}"
    );
}
