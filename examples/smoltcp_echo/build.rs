//! Links the firmware for bare-metal targets with the board's memory map
//! (`boards/<NET_BOARD>/memory.x`, `qemu_cortex_m3` by default), as echo_server's
//! build script does. Host builds are untouched.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=NET_BOARD");
    let target = std::env::var("TARGET").unwrap_or_default();
    if !target.starts_with("thumb") {
        return;
    }
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let board = std::env::var("NET_BOARD")
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| "qemu_cortex_m3".to_string());
    let map = Path::new(&manifest)
        .join("../../boards")
        .join(&board)
        .join("memory.x");
    println!("cargo:rerun-if-changed={}", map.display());
    let text = std::fs::read(&map).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (board {board} has no memory map for {target})",
            map.display()
        )
    });
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("memory.x"), text).expect("OUT_DIR is writable");
    println!("cargo:rustc-link-search={out}");
    println!("cargo:rustc-link-arg=-Tlink.x");
}
