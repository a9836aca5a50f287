//! Emits the same `CONFIG_*` cfgs as net-core's build script (from `NET_CONFIG`,
//! `NET_BOARD`, `NET_CONFIG_DEFINES`), so the shared harness sees the configuration
//! net-core was built with.

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest)
        .parent()
        .and_then(Path::parent)
        .expect("net-core/fuzz sits two levels below the repository root");
    let request = net_config::build::request_from_env(root);
    match net_config::build::configure(&request) {
        Ok(generated) => print!("{}", generated.cargo),
        Err(diagnostics) => {
            for line in diagnostics.lines() {
                println!("cargo::error={line}");
            }
            std::process::exit(1);
        }
    }
}
