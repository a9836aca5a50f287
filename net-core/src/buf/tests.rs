//! Tests of the buffer layer. Plain `core` + `Vec` only, so miri runs all of them.

use super::*;

type Small = PacketPools<4, 4, 16, 16, 128>;

fn fill(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn contents(p: &NetPkt<'_>) -> Vec<u8> {
    p.chunks().flatten().copied().collect()
}

fn assert_all_free(pools: &Pools<'_>) {
    let s = pools.stats();
    assert_eq!(s.rx_pkts.allocated, 0, "{s:?}");
    assert_eq!(s.tx_pkts.allocated, 0, "{s:?}");
    assert_eq!(s.rx_bufs.allocated, 0, "{s:?}");
    assert_eq!(s.tx_bufs.allocated, 0, "{s:?}");
}

#[test]
fn pools_are_static_friendly() {
    static RX_BUFS: BufPool<4, 64> = BufPool::new();
    static RX_PKTS: PktSlab<4> = PktSlab::new();
    static POOLS: Small = PacketPools::new();
    assert_eq!(RX_BUFS.stats().capacity, 4);
    assert_eq!(RX_BUFS.stats().low_water, 4);
    assert_eq!(RX_PKTS.stats().allocated, 0);
    let pools = POOLS.pools();
    let p = pools.alloc_rx(10, 0).unwrap();
    assert_eq!(POOLS.pools().stats().rx_pkts.allocated, 1);
    drop(p);
    assert_all_free(&POOLS.pools());
}

#[cfg(CONFIG_NET_BUF_FIXED_DATA_SIZE)]
#[test]
fn configured_pools_allocate() {
    let storage = ConfiguredPools::new();
    let pools = storage.pools();
    assert_eq!(pools.block_size(), crate::config::CONFIG_NET_BUF_DATA_SIZE);
    let p = pools.alloc_tx(100, 16).unwrap();
    assert_eq!(
        p.meta().priority as usize,
        crate::config::CONFIG_NET_TX_DEFAULT_PRIORITY
    );
    assert_eq!(p.headroom(), 16);
}

#[test]
fn ethernet_frame_block_counts() {
    let small: PacketPools<1, 1, 12, 1, 128> = PacketPools::new();
    let small = small.pools();
    let p = small.alloc_rx(1500, 0).unwrap();
    assert_eq!(p.block_count(), 12);
    assert_eq!(p.tailroom(), 12 * 128);
    drop(p);
    // 1500 + 36 = 1536 still fits in 12 blocks.
    let p = small.alloc_rx(1500, 36).unwrap();
    assert_eq!(
        (p.block_count(), p.headroom(), p.tailroom()),
        (12, 36, 1500)
    );
    drop(p);

    let big: PacketPools<1, 1, 2, 2, 1536> = PacketPools::new();
    let big_pools = big.pools();
    let mut p = big_pools.alloc_tx(1500, 14).unwrap();
    assert_eq!(p.block_count(), 1);
    p.append(&fill(1500, 1)).unwrap();
    p.push_header(14).unwrap().fill(0xee);
    assert_eq!(p.len(), 1514);
    assert_eq!(p.chunks().count(), 1);
    assert_eq!(big.pools().stats().tx_bufs.allocated, 1);
}

#[test]
fn allocation_is_all_or_nothing_and_counted() {
    let storage: PacketPools<2, 2, 4, 4, 64> = PacketPools::new();
    let pools = storage.pools();
    let held = pools.alloc_rx(64, 0).unwrap(); // 1 block
    assert_eq!(pools.alloc_rx(4 * 64, 0).unwrap_err(), PktError::NoBuffers);
    let s = pools.stats();
    assert_eq!((s.rx_bufs.allocated, s.rx_bufs.failures), (1, 1));
    assert_eq!(
        s.rx_pkts.allocated, 1,
        "descriptor of the failed request returned"
    );
    // TX is separate: RX exhaustion does not touch it.
    let t = pools.alloc_tx(4 * 64, 0).unwrap();
    assert_eq!(t.block_count(), 4);
    // Descriptors run out too.
    let held2 = pools.alloc_rx(0, 0).unwrap();
    assert_eq!(pools.alloc_rx(0, 0).unwrap_err(), PktError::NoDescriptor);
    assert_eq!(pools.stats().rx_pkts.failures, 1);
    assert_eq!(pools.stats().rx_pkts.low_water, 0);
    assert_eq!(
        pools.alloc_rx(1, 65).unwrap_err(),
        PktError::InvalidHeadroom
    );
    assert_eq!(
        pools.alloc_rx(usize::MAX, 1).unwrap_err(),
        PktError::NoBuffers
    );
    drop((held, held2, t));
    assert_all_free(&pools);
    assert_eq!(pools.stats().rx_bufs.low_water, 4 - 2);
}

#[test]
fn append_spans_blocks_and_reads_back() {
    let storage = Small::new();
    let pools = storage.pools();
    let mut p = pools.alloc_tx(10, 40).unwrap();
    let data = fill(300, 7);
    assert_eq!(p.append(&data[..50]), Ok(50));
    assert_eq!(p.append(&data[50..]), Ok(250));
    assert_eq!(p.len(), 300);
    assert_eq!(contents(&p), data);
    let sizes: Vec<usize> = p.chunks().map(<[u8]>::len).collect();
    assert_eq!(sizes, [88, 128, 84]);
    assert_eq!(p.first_chunk(), &data[..88]);

    let mut out = [0u8; 100];
    assert_eq!(p.copy_out(250, &mut out), 50);
    assert_eq!(&out[..50], &data[250..]);
    assert_eq!(p.copy_out(300, &mut out), 0);
    assert_eq!(p.copy_out(1000, &mut out), 0);

    let mut scratch = [0u8; 128];
    assert_eq!(p.linearize(20, &mut scratch).unwrap(), &data[..20]);
    assert_eq!(p.linearize(100, &mut scratch).unwrap(), &data[..100]);
    assert_eq!(
        p.linearize(200, &mut scratch),
        Err(PktError::ScratchTooSmall)
    );
    assert_eq!(p.linearize(301, &mut scratch), Err(PktError::OutOfRange));

    p.write_at(80, &[0xaa; 20]).unwrap();
    let mut expect = data.clone();
    expect[80..100].fill(0xaa);
    assert_eq!(contents(&p), expect);
    assert_eq!(p.write_at(290, &[0; 11]), Err(PktError::OutOfRange));
    assert_eq!(p.write_at(usize::MAX, &[0; 2]), Err(PktError::OutOfRange));
}

#[test]
fn append_failure_leaves_packet_unchanged() {
    let storage: PacketPools<2, 2, 3, 3, 32> = PacketPools::new();
    let pools = storage.pools();
    let mut p = pools.alloc_rx(10, 0).unwrap();
    p.append(&[1; 10]).unwrap();
    assert_eq!(p.append(&[2; 100]), Err(PktError::NoBuffers));
    assert_eq!(contents(&p), [1; 10]);
    assert_eq!(pools.stats().rx_bufs.allocated, 1);
    assert_eq!(p.append(&[3; 86]), Ok(86));
    assert_eq!(p.len(), 96);
    assert_eq!(p.tailroom(), 0);
    drop(p);
    assert_all_free(&pools);
}

#[test]
fn headers_push_and_pull() {
    let storage = Small::new();
    let pools = storage.pools();
    let mut p = pools.alloc_tx(8, 28).unwrap();
    p.append(b"payload!").unwrap();
    p.push_header(8).unwrap().copy_from_slice(b"UDPHDR__");
    p.push_header(20).unwrap().fill(b'4');
    assert_eq!(p.headroom(), 0);
    assert_eq!(p.block_count(), 1);
    // No headroom left: the Ethernet header goes into a new front block.
    p.push_header(14).unwrap().fill(b'E');
    assert_eq!(p.block_count(), 2);
    assert_eq!(p.first_chunk(), &[b'E'; 14]);
    assert_eq!(p.len(), 50);
    assert_eq!(p.push_header(129), Err(PktError::TooLong));

    // RX side of the same frame.
    let mut scratch = [0u8; 64];
    assert_eq!(&p.linearize(22, &mut scratch).unwrap()[14..], b"44444444");
    p.pull_header(14).unwrap();
    assert_eq!(p.block_count(), 1, "emptied front block freed");
    p.pull_header(20).unwrap();
    assert_eq!(p.first_chunk(), b"UDPHDR__payload!");
    assert_eq!(p.headroom(), 20);
    assert_eq!(p.pull_header(17), Err(PktError::OutOfRange));
    p.pull_header(16).unwrap();
    assert!(p.is_empty());
    assert_eq!(p.first_chunk(), b"");
    // The emptied packet still takes data.
    p.append(b"again").unwrap();
    assert_eq!(contents(&p), b"again");
}

#[test]
fn pull_across_blocks_frees_them() {
    let storage = Small::new();
    let pools = storage.pools();
    let mut p = pools.alloc_rx(400, 0).unwrap();
    let data = fill(400, 3);
    p.append(&data).unwrap();
    assert_eq!(p.block_count(), 4);
    p.pull_header(300).unwrap();
    assert_eq!(p.block_count(), 2);
    assert_eq!(contents(&p), &data[300..]);
    assert_eq!(pools.stats().rx_bufs.allocated, 2);
}

#[test]
fn truncate_keeps_capacity() {
    let storage = Small::new();
    let pools = storage.pools();
    let mut p = pools.alloc_rx(300, 10).unwrap();
    let data = fill(300, 9);
    p.append(&data).unwrap();
    p.truncate(500);
    assert_eq!(p.len(), 300);
    p.truncate(130);
    assert_eq!(contents(&p), &data[..130]);
    assert_eq!(p.block_count(), 3);
    p.append(&data[..50]).unwrap();
    assert_eq!(p.len(), 180);
    assert_eq!(&contents(&p)[130..], &data[..50]);
    assert_eq!(p.block_count(), 3, "refilled the spare capacity");
    p.truncate(0);
    assert!(p.is_empty());
    assert_eq!(p.headroom(), 10);
}

#[test]
fn chunks_mut_and_first_chunk_mut() {
    let storage = Small::new();
    let pools = storage.pools();
    let mut p = pools.alloc_rx(200, 0).unwrap();
    p.append(&[0; 200]).unwrap();
    for (i, c) in p.chunks_mut().enumerate() {
        c.fill(i as u8 + 1);
    }
    p.first_chunk_mut()[0] = 9;
    let all = contents(&p);
    assert_eq!(all[0], 9);
    assert_eq!(all[127], 1);
    assert_eq!(all[128], 2);
}

#[test]
fn cursor_reads_writes_and_extends() {
    let storage = Small::new();
    let pools = storage.pools();
    let mut p = pools.alloc_tx(0, 0).unwrap();
    let data = fill(200, 5);
    let mut expect = data[..50].to_vec();
    expect.extend_from_slice(&data[100..200]);
    {
        let mut c = p.cursor();
        assert_eq!(c.write(&data[..100]), Ok(100));
        assert_eq!(c.position(), 100);
        c.seek(50).unwrap();
        // Half overwrite, half append.
        assert_eq!(c.write(&data[100..200]), Ok(100));
        assert_eq!(c.position(), 150);
        assert_eq!(c.remaining(), 0);
        c.seek(0).unwrap();
        c.skip(40).unwrap();
        let mut buf = [0u8; 20];
        assert_eq!(c.read(&mut buf), 20);
        assert_eq!(&buf, &expect[40..60]);
        assert_eq!(c.skip(1000), Err(PktError::OutOfRange));
        assert_eq!(c.seek(151), Err(PktError::OutOfRange));
        c.seek(140).unwrap();
        assert_eq!(c.read(&mut buf), 10);
        assert_eq!(c.read_exact(&mut buf), Err(PktError::OutOfRange));
        assert_eq!(c.pkt().len(), 150);
    }
    assert_eq!(contents(&p), expect);
}

#[test]
fn raw_ids_yield_one_handle_only() {
    let storage = Small::new();
    let pools = storage.pools();
    let mut p = pools.alloc_tx(300, 20).unwrap();
    p.append(&fill(300, 2)).unwrap();
    p.meta_mut().iface = 3;
    p.meta_mut().family = Family::Ipv6;
    let id = p.into_raw();
    assert_eq!(id.direction(), Direction::Tx);
    assert_eq!(pools.stats().tx_pkts.allocated, 1);
    assert_eq!(pools.stats().tx_bufs.allocated, 3);
    let q = NetPkt::from_raw(&pools, id).unwrap();
    assert!(
        NetPkt::from_raw(&pools, id).is_none(),
        "second handle refused"
    );
    assert_eq!(q.len(), 300);
    assert_eq!(q.headroom(), 20);
    assert_eq!((q.meta().iface, q.meta().family), (3, Family::Ipv6));
    assert_eq!(contents(&q), fill(300, 2));
    drop(q);
    assert!(NetPkt::from_raw(&pools, id).is_none(), "stale id refused");
    // Ids that were never issued.
    assert!(NetPkt::from_raw(&pools, PktId::from_u16(0x7fff)).is_none());
    assert!(NetPkt::from_raw(&pools, PktId::from_u16(0)).is_none());
    assert_all_free(&pools);
}

/// xorshift32: deterministic, no dependencies.
struct Rng(u32);
impl Rng {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        self.next() as usize % n.max(1)
    }
}

/// Random operations on several packets, checked against a `Vec` model; nothing may
/// panic, and the pools must be full again at the end.
#[test]
fn random_operations_never_leak() {
    const ROUNDS: usize = if cfg!(miri) { 300 } else { 20_000 };
    let storage: PacketPools<4, 4, 24, 24, 32> = PacketPools::new();
    let pools = storage.pools();
    let mut rng = Rng(0x1234_5678);
    let mut live: Vec<(NetPkt<'_>, Vec<u8>)> = Vec::new();
    let mut parked: Vec<(PktId, Vec<u8>)> = Vec::new();
    let mut buf = [0u8; 200];
    for _ in 0..ROUNDS {
        match rng.below(11) {
            0 => {
                let dir = if rng.below(2) == 0 {
                    Direction::Rx
                } else {
                    Direction::Tx
                };
                if let Ok(p) = pools.alloc(dir, rng.below(300), rng.below(40)) {
                    live.push((p, Vec::new()));
                }
            }
            1 if !live.is_empty() => {
                let i = rng.below(live.len());
                live.swap_remove(i);
            }
            2 if !live.is_empty() => {
                let i = rng.below(live.len());
                let n = rng.below(120);
                let data = fill(n, rng.next() as u8);
                let (p, m) = &mut live[i];
                if p.append(&data).is_ok() {
                    m.extend_from_slice(&data);
                }
            }
            3 if !live.is_empty() => {
                let i = rng.below(live.len());
                let n = rng.below(40);
                let v = rng.next() as u8;
                let (p, m) = &mut live[i];
                if let Ok(h) = p.push_header(n) {
                    h.fill(v);
                    m.splice(0..0, core::iter::repeat_n(v, n));
                }
            }
            4 if !live.is_empty() => {
                let i = rng.below(live.len());
                let n = rng.below(60);
                let (p, m) = &mut live[i];
                match p.pull_header(n) {
                    Ok(()) => drop(m.drain(..n)),
                    Err(_) => assert!(n > m.len()),
                }
            }
            5 if !live.is_empty() => {
                let i = rng.below(live.len());
                let n = rng.below(300);
                let (p, m) = &mut live[i];
                p.truncate(n);
                m.truncate(n);
            }
            6 if !live.is_empty() => {
                let i = rng.below(live.len());
                let (p, _) = live.swap_remove(i);
                let m = contents(&p);
                parked.push((p.into_raw(), m));
            }
            7 if !parked.is_empty() => {
                let i = rng.below(parked.len());
                let (id, m) = parked.swap_remove(i);
                let p = NetPkt::from_raw(&pools, id).unwrap();
                assert!(NetPkt::from_raw(&pools, id).is_none());
                live.push((p, m));
            }
            8 if !live.is_empty() => {
                let i = rng.below(live.len());
                let off = rng.below(300);
                let n = rng.below(buf.len());
                let (p, m) = &mut live[i];
                let got = p.copy_out(off, &mut buf[..n]);
                let want = m.get(off..).unwrap_or(&[]);
                assert_eq!(&buf[..got], &want[..got.min(want.len())]);
                assert_eq!(got, n.min(want.len()));
                let mut scratch = [0u8; 64];
                let k = rng.below(80);
                match p.linearize(k, &mut scratch) {
                    Ok(s) => assert_eq!(s, &m[..k]),
                    Err(_) => assert!(k > m.len() || k > 64),
                }
            }
            9 if !live.is_empty() => {
                let i = rng.below(live.len());
                let off = rng.below(300);
                let n = rng.below(60);
                let v = rng.next() as u8;
                let (p, m) = &mut live[i];
                let mut c = p.cursor();
                if c.seek(off.min(m.len())).is_ok() {
                    let start = c.position();
                    if c.write(&vec![v; n]).is_ok() {
                        let end = start + n;
                        if end > m.len() {
                            m.resize(end, 0);
                        }
                        m[start..end].fill(v);
                    }
                }
            }
            _ => {}
        }
        for (p, m) in &live {
            assert_eq!(p.len(), m.len());
            assert!(p.first_chunk().len() <= p.len());
        }
    }
    for (p, m) in &live {
        assert_eq!(&contents(p), m);
    }
    drop(live);
    for (id, m) in parked {
        let p = NetPkt::from_raw(&pools, id).unwrap();
        assert_eq!(contents(&p), m);
    }
    assert_all_free(&pools);
    let s = pools.stats();
    assert!(
        s.rx_bufs.failures + s.tx_bufs.failures > 0,
        "the test exercised exhaustion"
    );
}

#[cfg(feature = "std")]
#[test]
fn alloc_with_timeout_waits_for_a_free() {
    use std::time::Duration;
    static POOLS: PacketPools<1, 1, 2, 2, 64> = PacketPools::new();
    let pools = POOLS.pools();
    let held = pools.alloc_rx(10, 0).unwrap();
    let t0 = std::time::Instant::now();
    let err = pools.alloc_with_timeout(Direction::Rx, 10, 0, Duration::from_millis(30));
    assert_eq!(err.unwrap_err(), PktError::NoDescriptor);
    assert!(t0.elapsed() >= Duration::from_millis(30));
    assert_eq!(
        pools.stats().rx_pkts.failures,
        1,
        "one failure for the whole wait"
    );
    let id = held.into_raw();
    let freer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        drop(NetPkt::from_raw(&POOLS.pools(), id));
    });
    let p = pools.alloc_with_timeout(Direction::Rx, 10, 0, Duration::from_secs(10));
    assert!(p.is_ok());
    freer.join().unwrap();
}

#[test]
fn append_chunks_streams_parts_across_blocks_all_or_nothing() {
    let storage = Small::new();
    let pools = storage.pools();
    // A source packet spread over blocks, with a header pushed in front (a partial
    // first block), so its chunks are of uneven sizes.
    let mut src = pools.alloc_tx(300, 20).unwrap();
    let body = fill(300, 7);
    src.append(&body).unwrap();
    src.push_header(14).unwrap().copy_from_slice(&fill(14, 99));
    let want: Vec<u8> = contents(&src);
    assert!(src.chunks().count() >= 3);

    // Into a packet that already holds a few bytes, with odd part boundaries.
    let mut dst = pools.alloc_rx(5, 3).unwrap();
    dst.append(b"abcde").unwrap();
    let n = dst.append_chunks(src.chunks()).unwrap();
    assert_eq!(n, want.len());
    let mut expect = b"abcde".to_vec();
    expect.extend_from_slice(&want);
    assert_eq!(contents(&dst), expect);
    assert_eq!(dst.len(), expect.len());
    assert_eq!(dst.headroom(), 3);

    // Empty parts are skipped; an all-empty input appends nothing.
    let parts: [&[u8]; 4] = [b"", b"xy", b"", b"z"];
    dst.append_chunks(parts.iter().copied()).unwrap();
    expect.extend_from_slice(b"xyz");
    assert_eq!(contents(&dst), expect);
    assert_eq!(dst.append_chunks([&b""[..]].into_iter()), Ok(0));

    // More than the pool has left: refused, the packet unchanged, the failure counted.
    let before = pools.stats().rx_bufs.failures;
    let huge = fill(16 * 128, 3);
    let parts: [&[u8]; 2] = [&huge[..1000], &huge[1000..]];
    assert_eq!(
        dst.append_chunks(parts.iter().copied()),
        Err(PktError::NoBuffers)
    );
    assert_eq!(contents(&dst), expect);
    assert_eq!(pools.stats().rx_bufs.failures, before + 1);
    drop((src, dst));
    assert_all_free(&pools);
}
