//! Replays the `rx_frame` fuzz corpus (`tests/fuzz_corpus/rx_frame/`, a minimized pick of
//! the cargo-fuzz corpus plus any input that ever crashed) through the same harness as the
//! fuzz target (`fuzz/harness.rs`): no input may panic or leak a packet.
//!
//! The inputs were found with `configs/maximal.conf`; they replay under every
//! configuration (parts of the stack that are off just drop the frames).

#[allow(dead_code)]
mod harness {
    include!("../fuzz/harness.rs");
}

#[test]
fn rx_frame_corpus_replays_clean() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_corpus/rx_frame");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "empty corpus in {}", dir.display());
    let mut delivered = 0;
    for f in &files {
        let data = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        eprintln!("{} ({} bytes)", f.display(), data.len());
        delivered += harness::rx_frame(&data);
    }
    // The corpus holds valid datagrams to the harness's sockets (the seeds).
    #[cfg(CONFIG_NET_UDP)]
    assert!(delivered > 0, "no input of the corpus reached a socket");
    let _ = delivered;
    let p = harness::harness_stack().pools().stats();
    assert_eq!(p.rx_pkts.allocated + p.tx_pkts.allocated, 0, "{p:?}");
}
