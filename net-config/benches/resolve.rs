//! Time to resolve the full option tree: read every Kconfig file, the board defconfig and
//! a user file, then evaluate every symbol. Target: under 20 ms in release.
//!
//! Run with `cargo bench -p net-config --bench resolve`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use net_config::{Request, output};

fn measure(label: &str, iterations: u32, mut f: impl FnMut() -> usize) {
    let mut samples: Vec<Duration> = (0..iterations)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    samples.sort();
    let median = samples[samples.len() / 2];
    let p95 = samples[samples.len() * 95 / 100];
    println!(
        "{label:58} median {:7.3} ms   min {:7.3} ms   p95 {:7.3} ms",
        median.as_secs_f64() * 1e3,
        samples[0].as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3
    );
}

fn main() {
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let mut req = Request::new(root.join("Kconfig"));
    req.board = Some("qemu_cortex_m3".into());
    req.files.push(root.join("configs/echo-server.conf"));

    let loaded = req.load().expect("tree reads");
    let symbols = loaded.kconfig.defined_syms().count();
    println!(
        "our tree: {symbols} symbols in {} Kconfig files",
        loaded.kconfig.files.len()
    );

    measure(
        "read tree + board + config, resolve all (end to end)",
        200,
        || {
            let loaded = req.load().unwrap();
            let res = loaded.resolve();
            output::values(&res).len()
        },
    );
    measure("resolve only (tree already read)", 500, || {
        let res = loaded.resolve();
        res.diagnostics.iter().count()
    });
    measure("resolve + generate build.rs output", 200, || {
        net_config::build::configure(&req).unwrap().rust.len()
    });

    let corpus = root.join("../shared/corpus/zephyr");
    if corpus.is_dir() {
        let mut z = Request::new(corpus.join("tree/Kconfig"));
        z.files.push(corpus.join("conf/echo_server.prj.conf"));
        z.lenient = true;
        measure(
            "Zephyr corpus tree + echo_server prj.conf (end to end)",
            200,
            || {
                let loaded = z.load().unwrap();
                output::values(&loaded.resolve()).len()
            },
        );
    }
}
