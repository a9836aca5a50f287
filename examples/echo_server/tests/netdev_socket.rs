//! `netcfg run --netdev`, without root: the echo_server firmware runs with its NIC on QEMU's
//! `socket` backend in UDP mode (`--netdev socket,udp=127.0.0.1:P1,localaddr=127.0.0.1:P2`),
//! which carries one Ethernet frame per UDP datagram, and the test is the peer at the other
//! end of that link: it speaks raw Ethernet frames over a UDP socket on 127.0.0.1:P1. It
//! sends an ARP request for 192.0.2.1 and checks the reply (the firmware's MAC), then IPv4
//! UDP datagrams of 1, 512 and 1472 bytes to port 4242 and checks that each comes back
//! byte-exact with valid IPv4 and UDP checksums. ARP requests of the firmware for the peer
//! are answered; other frames (IPv6 neighbor discovery, MLD) are ignored.
//!
//! One test per board: `qemu_riscv32` (virtio-net attached with `-netdev ... -device`) and
//! `qemu_cortex_m3` (the on-board Stellaris NIC with `-nic ...,model=stellaris`). Needs the
//! board's QEMU (`qemu-system-riscv32` from qemu-system-misc, `qemu-system-arm`); without it
//! the test prints why it skipped, with `NET_INTEROP_REQUIRED=1` it fails. It stops only the
//! QEMU it started, by its PID.

mod common;

use std::net::{Ipv4Addr, UdpSocket};
use std::time::{Duration, Instant};

use common::{Firmware, READY, build_firmware, have, netcfg, skip};

/// The test's end of the link.
const PEER_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
const PEER_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
/// The firmware's addresses (`netcfg run` gives the NIC this MAC).
const FW_MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
const FW_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const ECHO_PORT: u16 = 4242;
const PEER_PORT: u16 = 40000;

const ETH_ARP: u16 = 0x0806;
const ETH_IPV4: u16 = 0x0800;

/// The one's-complement sum of `data` folded to 16 bits, complemented.
fn checksum(chunks: &[&[u8]]) -> u16 {
    let mut sum = 0u32;
    for chunk in chunks {
        for pair in chunk.chunks(2) {
            let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
            sum += u32::from(word);
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn ethernet(dst: [u8; 6], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + payload.len().max(46));
    f.extend_from_slice(&dst);
    f.extend_from_slice(&PEER_MAC);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    // Pad to the 60-byte minimum, as a NIC would.
    f.resize(f.len().max(60), 0);
    f
}

/// An ARP packet: `op` 1 (request) or 2 (reply).
fn arp(op: u16, sha: [u8; 6], spa: Ipv4Addr, tha: [u8; 6], tpa: Ipv4Addr) -> Vec<u8> {
    let mut p = vec![0, 1, 0x08, 0x00, 6, 4];
    p.extend_from_slice(&op.to_be_bytes());
    p.extend_from_slice(&sha);
    p.extend_from_slice(&spa.octets());
    p.extend_from_slice(&tha);
    p.extend_from_slice(&tpa.octets());
    p
}

/// An IPv4 packet holding a UDP datagram from the peer to the echo port.
fn ipv4_udp(id: u16, payload: &[u8]) -> Vec<u8> {
    let udp_len = (8 + payload.len()) as u16;
    let mut udp = Vec::with_capacity(usize::from(udp_len));
    udp.extend_from_slice(&PEER_PORT.to_be_bytes());
    udp.extend_from_slice(&ECHO_PORT.to_be_bytes());
    udp.extend_from_slice(&udp_len.to_be_bytes());
    udp.extend_from_slice(&[0, 0]);
    udp.extend_from_slice(payload);
    let pseudo = pseudo_header(PEER_IP, FW_IP, udp_len);
    let sum = checksum(&[&pseudo, &udp]);
    udp[6..8].copy_from_slice(&(if sum == 0 { 0xffff } else { sum }).to_be_bytes());

    let total = 20 + udp_len;
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&id.to_be_bytes());
    ip.extend_from_slice(&[0x40, 0, 64, 17, 0, 0]);
    ip.extend_from_slice(&PEER_IP.octets());
    ip.extend_from_slice(&FW_IP.octets());
    let sum = checksum(&[&ip]);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    ip.extend_from_slice(&udp);
    ip
}

fn pseudo_header(src: Ipv4Addr, dst: Ipv4Addr, udp_len: u16) -> Vec<u8> {
    let mut p = Vec::with_capacity(12);
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&dst.octets());
    p.extend_from_slice(&[0, 17]);
    p.extend_from_slice(&udp_len.to_be_bytes());
    p
}

/// A frame the firmware sent, split into its fields.
struct Frame<'a> {
    dst: [u8; 6],
    src: [u8; 6],
    ethertype: u16,
    payload: &'a [u8],
}

fn parse(f: &[u8]) -> Option<Frame<'_>> {
    if f.len() < 14 {
        return None;
    }
    Some(Frame {
        dst: f[0..6].try_into().ok()?,
        src: f[6..12].try_into().ok()?,
        ethertype: u16::from_be_bytes([f[12], f[13]]),
        payload: &f[14..],
    })
}

/// The peer's end of the socket link: a UDP socket QEMU sends frames to, and QEMU's port.
struct Link {
    sock: UdpSocket,
    qemu: std::net::SocketAddr,
}

impl Link {
    fn send(&self, frame: &[u8]) {
        self.sock.send_to(frame, self.qemu).expect("send a frame");
    }

    /// Frames from the firmware until `pick` returns something or `timeout` passes. ARP
    /// requests for the peer are answered on the way.
    fn expect<R>(
        &self,
        timeout: Duration,
        mut pick: impl FnMut(&Frame<'_>) -> Option<R>,
    ) -> Option<R> {
        let deadline = Instant::now() + timeout;
        let mut buf = vec![0u8; 65536];
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            self.sock
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .unwrap();
            let Ok((n, _)) = self.sock.recv_from(&mut buf) else {
                continue;
            };
            let Some(frame) = parse(&buf[..n]) else {
                continue;
            };
            if frame.ethertype == ETH_ARP
                && frame.payload.len() >= 28
                && frame.payload[6..8] == [0, 1]
                && frame.payload[24..28] == PEER_IP.octets()
            {
                let sha: [u8; 6] = frame.payload[8..14].try_into().unwrap();
                let spa = Ipv4Addr::new(
                    frame.payload[14],
                    frame.payload[15],
                    frame.payload[16],
                    frame.payload[17],
                );
                self.send(&ethernet(
                    sha,
                    ETH_ARP,
                    &arp(2, PEER_MAC, PEER_IP, sha, spa),
                ));
                continue;
            }
            if let Some(r) = pick(&frame) {
                return Some(r);
            }
        }
        None
    }
}

/// A free UDP port on 127.0.0.1 (bound, then released for QEMU to take).
fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free port")
        .port()
}

fn socket_link_echo(board: &str, qemu: &str) {
    if !have(qemu) {
        let package = if qemu == "qemu-system-arm" {
            "qemu-system-arm"
        } else {
            "qemu-system-misc"
        };
        return skip(&format!("needs {qemu} (apt install {package})"));
    }
    let netcfg_path = build_firmware(board);
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind the peer's socket");
    let ours = sock.local_addr().unwrap().port();
    let theirs = free_port();
    let link = Link {
        sock,
        qemu: format!("127.0.0.1:{theirs}").parse().unwrap(),
    };
    let netdev = format!("socket,udp=127.0.0.1:{ours},localaddr=127.0.0.1:{theirs}");
    let firmware = Firmware::spawn(netcfg(
        &netcfg_path,
        &[
            "run",
            "-b",
            board,
            "examples/echo_server",
            "--netdev",
            &netdev,
        ],
    ));
    assert!(
        firmware.wait_for(READY, Duration::from_secs(60)),
        "{board}: the firmware did not announce its sockets"
    );

    // ARP: who has 192.0.2.1?
    let request = ethernet(
        [0xff; 6],
        ETH_ARP,
        &arp(1, PEER_MAC, PEER_IP, [0; 6], FW_IP),
    );
    let mut mac = None;
    for _ in 0..3 {
        link.send(&request);
        mac = link.expect(Duration::from_secs(2), |f| {
            let p = f.payload;
            (f.ethertype == ETH_ARP
                && f.dst == PEER_MAC
                && p.len() >= 28
                && p[6..8] == [0, 2]
                && p[14..18] == FW_IP.octets()
                && p[18..24] == PEER_MAC
                && p[24..28] == PEER_IP.octets())
            .then(|| <[u8; 6]>::try_from(&p[8..14]).unwrap())
        });
        if mac.is_some() {
            break;
        }
    }
    assert_eq!(mac, Some(FW_MAC), "{board}: ARP reply for {FW_IP}");
    eprintln!("{board}: ARP reply: {FW_IP} is at {FW_MAC:02x?}");

    // UDP echoes, byte-exact, with valid checksums.
    for (n, len) in [1usize, 512, 1472].into_iter().enumerate() {
        let data: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
        let frame = ethernet(FW_MAC, ETH_IPV4, &ipv4_udp(n as u16 + 1, &data));
        let mut echoed = None;
        for _ in 0..3 {
            link.send(&frame);
            echoed = link.expect(Duration::from_secs(2), |f| {
                let ip = f.payload;
                let ok = f.ethertype == ETH_IPV4
                    && f.dst == PEER_MAC
                    && f.src == FW_MAC
                    && ip.len() >= 28
                    && ip[0] == 0x45
                    && ip[9] == 17
                    && ip[12..16] == FW_IP.octets()
                    && ip[16..20] == PEER_IP.octets();
                if !ok {
                    return None;
                }
                let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
                let ip = ip.get(..total)?;
                let udp = &ip[20..];
                (u16::from_be_bytes([udp[0], udp[1]]) == ECHO_PORT
                    && u16::from_be_bytes([udp[2], udp[3]]) == PEER_PORT)
                    .then(|| ip.to_vec())
            });
            if echoed.is_some() {
                break;
            }
        }
        let ip = echoed.unwrap_or_else(|| panic!("{board}: no echo of {len} bytes"));
        assert_eq!(checksum(&[&ip[..20]]), 0, "{board}: IPv4 header checksum");
        let udp = &ip[20..];
        let udp_len = u16::from_be_bytes([udp[4], udp[5]]);
        assert_eq!(usize::from(udp_len), udp.len(), "{board}: UDP length");
        let pseudo = pseudo_header(FW_IP, PEER_IP, udp_len);
        assert!(
            udp[6..8] == [0, 0] || checksum(&[&pseudo, udp]) == 0,
            "{board}: UDP checksum of the {len}-byte echo"
        );
        assert_eq!(&udp[8..], &data[..], "{board}: echo of {len} bytes differs");
        eprintln!("{board}: UDP echo of {len} bytes is byte-exact");
    }
    drop(firmware);
}

#[test]
fn qemu_riscv32_over_a_socket_netdev() {
    socket_link_echo("qemu_riscv32", "qemu-system-riscv32");
}

#[test]
fn qemu_cortex_m3_over_a_socket_netdev() {
    socket_link_echo("qemu_cortex_m3", "qemu-system-arm");
}
