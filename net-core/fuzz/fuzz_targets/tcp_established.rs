//! Arbitrary segments on an established TCP connection, interleaved with the
//! application's calls and the passing of time: no panic, and the connection's accounting
//! stays consistent (the send and receive queues never exceed their buffers).
//!
//! The control block is driven sans-IO, as the stack drives it: two blocks complete a
//! handshake, then the input is read as a script. Each step is a tag byte followed by its
//! arguments: a segment (header bytes and payload from the input, with the connection's
//! ports and a sequence number near RCV.NXT or SND.UNA so that most are in the window), an
//! application `send`, `recv`, `close`, or a jump of the clock, after which the block's
//! output is drained as the stack drains it.
//!
//! Run (a configuration with TCP): `NET_CONFIG=configs/maximal.conf cargo +nightly fuzz run tcp_established`

#![no_main]

use net_core::ip::checksum::{ChecksumPolicy, IpAddress};
use net_core::ip::tcp::conn::{Endpoint, Tcb};
use net_core::ip::tcp::isn::IsnGenerator;
use net_core::ip::tcp::wire::{TcpPacket, TcpRepr};

type Block = Tcb<4096, 4096>;

const A: IpAddress = IpAddress::V4(core::net::Ipv4Addr::new(192, 0, 2, 1));
const B: IpAddress = IpAddress::V4(core::net::Ipv4Addr::new(192, 0, 2, 2));

/// Passes every segment `from` wants to send to `to`, a bounded number of times.
fn exchange(from: &mut Block, to: &mut Block, from_addr: IpAddress, to_addr: IpAddress, now: u64) {
    let mut buf = [0u8; 1500];
    for _ in 0..64 {
        let Some(seg) = from.poll_transmit(now, 1500, &mut buf) else {
            break;
        };
        let _ = to.on_segment(from_addr, to_addr, &seg, now);
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut server = Block::new(IsnGenerator::new([7; 16]));
    let mut client = Block::new(IsnGenerator::new([9; 16]));
    let server_ep = Endpoint { addr: A, port: 4242 };
    let client_ep = Endpoint { addr: B, port: 50000 };
    server.listen(server_ep).unwrap();
    let iss = client.generate_isn(client_ep, server_ep, 0);
    client.connect(client_ep, server_ep, iss, 0).unwrap();
    let mut now = 1;
    for _ in 0..4 {
        exchange(&mut client, &mut server, B, A, now);
        exchange(&mut server, &mut client, A, B, now);
    }
    let mut input = data;
    let mut out = [0u8; 1500];
    let mut bytes = [0u8; 2048];
    while let Some(&[tag]) = take(&mut input, 1) {
        match tag % 6 {
            // A segment from the client's side: header fields from the input.
            0 | 1 => {
                let Some(header) = take(&mut input, 20) else { break };
                let Some(&[len]) = take(&mut input, 1) else { break };
                let payload_len = usize::from(len) * 5;
                let avail = input.len();
                let Some(payload) = take(&mut input, payload_len.min(avail)) else {
                    break;
                };
                let mut raw = [0u8; 60];
                raw[..20].copy_from_slice(header);
                // A valid data offset (options from the input when it says so).
                let offset = usize::from(raw[12] >> 4).clamp(5, 15) * 4;
                if offset > 20 {
                    let Some(options) = take(&mut input, offset - 20) else { break };
                    raw[20..offset].copy_from_slice(options);
                }
                raw[12] = ((offset / 4) as u8) << 4 | (raw[12] & 0x0f);
                let total = offset + payload.len();
                bytes[..offset].copy_from_slice(&raw[..offset]);
                bytes[offset..total].copy_from_slice(payload);
                // The connection's ports, and sequence numbers near the window edges.
                bytes[0..2].copy_from_slice(&50000u16.to_be_bytes());
                bytes[2..4].copy_from_slice(&4242u16.to_be_bytes());
                if tag % 6 == 0 {
                    let rel = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) % 8192;
                    let seq = client_next(&client).wrapping_add(rel).wrapping_sub(4096);
                    bytes[4..8].copy_from_slice(&seq.to_be_bytes());
                }
                let Ok(packet) = TcpPacket::new_checked(&bytes[..total]) else {
                    continue;
                };
                let Ok(repr) = TcpRepr::parse(&packet, &B, &A, ChecksumPolicy::Trust) else {
                    continue;
                };
                let _ = server.on_segment(B, A, &repr, now);
            }
            2 => {
                let Some(&[n]) = take(&mut input, 1) else { break };
                let data = [0x5a; 2048];
                let _ = server.send(&data[..usize::from(n) * 8]);
            }
            3 => {
                let Some(&[n]) = take(&mut input, 1) else { break };
                let _ = server.recv(&mut out[..usize::from(n) * 4]);
            }
            4 => {
                let Some(&[n]) = take(&mut input, 1) else { break };
                match n % 8 {
                    0 => server.close(),
                    1 => {
                        let _ = server.abort();
                    }
                    _ => {}
                }
            }
            _ => {
                let Some(&[n]) = take(&mut input, 1) else { break };
                now += u64::from(n) * u64::from(n) * 4;
            }
        }
        // The stack drains the block after every event; the client answers.
        exchange(&mut server, &mut client, A, B, now);
        exchange(&mut client, &mut server, B, A, now);
        assert!(server.send_queue() + server.send_capacity() <= 4096);
        assert!(server.recv_queue() <= 4096);
        let _ = server.poll_at();
    }
});

/// The next `n` bytes of the script.
fn take<'a>(input: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, rest) = input.split_at_checked(n)?;
    *input = rest;
    Some(head)
}

/// The sequence number the client sends next (its SND.NXT, as the server expects it).
fn client_next(client: &Block) -> u32 {
    client.send_next().0
}
