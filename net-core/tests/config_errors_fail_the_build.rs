//! A configuration error fails the build of the stack, and the build output names every
//! problem with `file:line` and the fix. This runs a nested `cargo build` of this crate
//! with a broken configuration (in its own target directory, so it does not wait for the
//! outer build's lock).

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn build_with(config: &Path, board: &str) -> (bool, String) {
    let target_dir = workspace().join("target/nested-config-builds");
    let out = Command::new(env!("CARGO"))
        .current_dir(workspace())
        .args(["build", "-q", "-p", "net-core", "--target-dir"])
        .arg(&target_dir)
        .env("NET_CONFIG", config)
        .env("NET_BOARD", board)
        .env_remove("NET_CONFIG_DEFINES")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("cargo runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn errors_in_a_user_file_fail_the_build_with_locations() {
    let dir = std::env::temp_dir().join(format!("net-core-bad-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.conf");
    std::fs::write(
        &bad,
        "CONFIG_NET_IPV6=y\nCONFIG_NET_IPV5=y\nCONFIG_NET_TCP=maybe\nCONFIG_NET_IPV4=y\n\
         CONFIG_NET_CONFIG_SETTINGS=y\nCONFIG_NET_CONFIG_MY_IPV4_ADDR=\"192.0.2.300\"\n\
         CONFIG_NET_CONFIG_MY_IPV6_ADDR=\"2001:db8::g\"\n",
    )
    .unwrap();
    let (ok, stderr) = build_with(&bad, "native_sim");
    assert!(!ok, "the build must fail:\n{stderr}");
    let file = bad.display().to_string();
    assert!(
        stderr.contains(&format!("{file}:2: error: unknown symbol CONFIG_NET_IPV5")),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean CONFIG_NET_IPV4?"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{file}:3:16: error: `maybe` is not a valid value for the bool symbol NET_TCP"
        )),
        "{stderr}"
    );
    // Addresses are parsed at build time, so a mistyped one fails here, not at start-up.
    assert!(
        stderr.contains(&format!(
            "{file}:6: error: NET_CONFIG_MY_IPV4_ADDR = \"192.0.2.300\" is not an IPv4 address"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{file}:7: error: NET_CONFIG_MY_IPV6_ADDR = \"2001:db8::g\" is not an IPv6 address"
        )),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_unknown_board_fails_the_build() {
    let (ok, stderr) = build_with(
        &workspace().join("configs/echo-server.conf"),
        "qemu_cortex_m4",
    );
    assert!(!ok, "the build must fail:\n{stderr}");
    assert!(
        stderr.contains("error: unknown board `qemu_cortex_m4`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `qemu_cortex_m3`?") || stderr.contains("qemu_cortex_m0"),
        "{stderr}"
    );
}

#[test]
fn a_good_configuration_builds() {
    let (ok, stderr) = build_with(
        &workspace().join("configs/echo-server.conf"),
        "qemu_cortex_m3",
    );
    assert!(ok, "{stderr}");
}
