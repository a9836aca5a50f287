//! Links the firmware for bare-metal targets: copies the board's memory map
//! (`boards/<NET_BOARD>/memory.x`; by default `qemu_cortex_m0` for `thumbv6m`,
//! `qemu_riscv32` for `riscv32`, else `qemu_cortex_m3`) into OUT_DIR, where `cortex-m-rt`'s
//! `link.x` finds it, and passes `-Tlink.x` (for `riscv-rt`, whose `link.x` does not include
//! the memory map, `-Tmemory.x` first). It also sets the cfg `net_board = "<board>"`, by
//! which the firmware picks its board support. Host builds are untouched.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=NET_BOARD");
    println!(
        "cargo::rustc-check-cfg=cfg(net_board, values(\"qemu_cortex_m3\", \"mps2_an385\", \"qemu_cortex_m0\", \"qemu_riscv32\"))"
    );
    let target = std::env::var("TARGET").unwrap_or_default();
    let riscv = target.starts_with("riscv32");
    if !target.starts_with("thumb") && !riscv {
        return;
    }
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let board = std::env::var("NET_BOARD")
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| {
            if riscv {
                "qemu_riscv32"
            } else if target.starts_with("thumbv6m") {
                "qemu_cortex_m0"
            } else {
                "qemu_cortex_m3"
            }
            .to_string()
        });
    let map = Path::new(&manifest)
        .join("../../boards")
        .join(&board)
        .join("memory.x");
    println!("cargo:rerun-if-changed={}", map.display());
    println!("cargo:rustc-cfg=net_board=\"{board}\"");
    let text = std::fs::read(&map).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (board {board} has no memory map for {target})",
            map.display()
        )
    });
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("memory.x"), text).expect("OUT_DIR is writable");
    println!("cargo:rustc-link-search={out}");
    if riscv {
        println!("cargo:rustc-link-arg=-Tmemory.x");
    }
    println!("cargo:rustc-link-arg=-Tlink.x");
}
