//! Resolves the configuration (`NET_CONFIG`, `NET_BOARD`, `NET_CONFIG_DEFINES`; see
//! `net_config::build`) and turns it into cfgs and typed consts for this crate.
//!
//! A configuration error fails the build with every diagnostic, each naming `file:line`.

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest)
        .parent()
        .expect("net-core sits in the workspace root");
    let request = net_config::build::request_from_env(root);
    match net_config::build::configure(&request) {
        Ok(generated) => {
            let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
            let out = Path::new(&out);
            std::fs::write(out.join("config.rs"), generated.rust).expect("OUT_DIR is writable");
            std::fs::write(out.join("config.json"), generated.json).expect("OUT_DIR is writable");
            print!("{}", generated.cargo);
        }
        Err(diagnostics) => {
            for line in diagnostics.lines() {
                println!("cargo::error={line}");
            }
            std::process::exit(1);
        }
    }
}
