//! Segment-by-segment tests of the state machine, in the style of smoltcp's socket tests:
//! `send!` feeds a segment from the peer, `recv!` collects what the connection transmits
//! and compares it with the expected segments.

use super::*;
use crate::ip::tcp::rtt;
use core::net::Ipv4Addr;
use std::boxed::Box;
use std::vec;
use std::vec::Vec;

const LOCAL_ADDR: IpAddress = IpAddress::V4(Ipv4Addr::new(192, 168, 1, 1));
const REMOTE_ADDR: IpAddress = IpAddress::V4(Ipv4Addr::new(192, 168, 1, 2));
const LOCAL_PORT: u16 = 80;
const REMOTE_PORT: u16 = 49500;
const LOCAL: Endpoint = Endpoint {
    addr: LOCAL_ADDR,
    port: LOCAL_PORT,
};
const REMOTE: Endpoint = Endpoint {
    addr: REMOTE_ADDR,
    port: REMOTE_PORT,
};
const LOCAL_SEQ: SeqNumber = SeqNumber(10_000);
const REMOTE_SEQ: SeqNumber = SeqNumber(-10_001i32 as u32);
const MTU: usize = 1500;
/// The MSS the tests' peer announces, so that segment counts stay small.
const PEER_MSS: u16 = 100;

type Sock = Tcb<1024, 1024>;

fn isn() -> IsnGenerator {
    IsnGenerator::new([7; 16])
}

/// A segment from the peer.
fn seg() -> TcpRepr<'static> {
    TcpRepr {
        src_port: REMOTE_PORT,
        dst_port: LOCAL_PORT,
        control: TcpControl::None,
        seq_number: REMOTE_SEQ + 1,
        ack_number: Some(LOCAL_SEQ + 1),
        window_len: 4096,
        window_scale: None,
        max_seg_size: None,
        sack_permitted: false,
        sack_ranges: [None; REPR_SACK_BLOCKS],
        timestamp: None,
        payload: &[],
    }
}

/// A segment from us, with the window of an empty 1024-byte buffer.
fn out() -> TcpRepr<'static> {
    TcpRepr {
        src_port: LOCAL_PORT,
        dst_port: REMOTE_PORT,
        control: TcpControl::None,
        seq_number: LOCAL_SEQ + 1,
        ack_number: Some(REMOTE_SEQ + 1),
        window_len: 1024,
        window_scale: None,
        max_seg_size: None,
        sack_permitted: false,
        sack_ranges: [None; REPR_SACK_BLOCKS],
        timestamp: None,
        payload: &[],
    }
}

fn own(seg: &TcpRepr<'_>) -> TcpRepr<'static> {
    TcpRepr {
        src_port: seg.src_port,
        dst_port: seg.dst_port,
        control: seg.control,
        seq_number: seg.seq_number,
        ack_number: seg.ack_number,
        window_len: seg.window_len,
        window_scale: seg.window_scale,
        max_seg_size: seg.max_seg_size,
        sack_permitted: seg.sack_permitted,
        sack_ranges: seg.sack_ranges,
        timestamp: seg.timestamp,
        payload: Box::leak(seg.payload.to_vec().into_boxed_slice()),
    }
}

/// Everything the connection transmits at `now`.
fn recv_all<const TX: usize, const RX: usize>(
    s: &mut Tcb<TX, RX>,
    now: u64,
) -> Vec<TcpRepr<'static>> {
    let mut buf = [0u8; 2048];
    let mut segs = Vec::new();
    for _ in 0..64 {
        match s.poll_transmit(now, MTU, &mut buf) {
            Some(seg) => {
                wire_roundtrip(&seg);
                segs.push(own(&seg));
            }
            None => break,
        }
    }
    segs
}

/// Feeds a segment from the peer; checks that any immediate reply survives the wire.
fn feed<const TX: usize, const RX: usize>(
    s: &mut Tcb<TX, RX>,
    now: u64,
    seg: &TcpRepr<'_>,
) -> Reaction {
    let r = s.on_segment(REMOTE_ADDR, LOCAL_ADDR, seg, now);
    if let Some(reply) = &r.reply {
        wire_roundtrip(reply);
    }
    r
}

macro_rules! send {
    ($s:expr, $t:expr, $seg:expr) => {
        feed(&mut $s, $t, &$seg)
    };
    ($s:expr, $t:expr, $seg:expr => $reply:expr) => {
        assert_eq!(feed(&mut $s, $t, &$seg).reply, $reply)
    };
}

macro_rules! recv {
    ($s:expr, $t:expr, [$($seg:expr),* $(,)?]) => {
        assert_eq!(recv_all(&mut $s, $t), vec![$($seg),*])
    };
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + 1) as u8).collect()
}

fn leak(v: Vec<u8>) -> &'static [u8] {
    Box::leak(v.into_boxed_slice())
}

/// The SYN-ACK our listening socket sends to a plain SYN with MSS [`PEER_MSS`].
fn syn_ack() -> TcpRepr<'static> {
    TcpRepr {
        control: TcpControl::Syn,
        seq_number: LOCAL_SEQ,
        max_seg_size: Some(1460),
        ..out()
    }
}

/// A socket in SYN-RECEIVED whose SYN-ACK has gone out; ISS forced to [`LOCAL_SEQ`].
fn syn_received<const TX: usize, const RX: usize>() -> Tcb<TX, RX> {
    let mut s = Tcb::<TX, RX>::new(isn());
    s.listen(LOCAL).unwrap();
    send!(s, 0, TcpRepr {
        control: TcpControl::Syn,
        seq_number: REMOTE_SEQ,
        ack_number: None,
        max_seg_size: Some(PEER_MSS),
        ..seg()
    } => None);
    assert_eq!(s.state(), State::SynReceived);
    assert_eq!(
        s.c.iss,
        isn().isn(LOCAL_ADDR, LOCAL_PORT, REMOTE_ADDR, REMOTE_PORT, 0)
    );
    s.start(LOCAL_SEQ);
    s
}

/// An established socket (passive open) at time 0, nothing outstanding.
fn established<const TX: usize, const RX: usize>() -> Tcb<TX, RX> {
    let mut s = syn_received::<TX, RX>();
    let segs = recv_all(&mut s, 0);
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].control, TcpControl::Syn);
    let r = send!(s, 0, seg());
    assert!(r.events.contains(Events::CONNECTED));
    assert_eq!(s.state(), State::Established);
    s
}

// ---- Opening ---------------------------------------------------------------------------

#[test]
fn passive_open() {
    let mut s = syn_received::<1024, 1024>();
    recv!(s, 0, [syn_ack()]);
    recv!(s, 0, []);
    let r = send!(s, 10, seg());
    assert_eq!(r.reply, None);
    assert_eq!(r.events, Events::CONNECTED | Events::WRITABLE);
    assert_eq!(s.state(), State::Established);
    assert_eq!(s.remote(), Some(REMOTE));
    assert_eq!(s.smss(), usize::from(PEER_MSS));
    // The handshake gave the first RTT sample.
    assert_eq!(s.rtt().srtt(), Some(10));
    recv!(s, 10, []);
}

#[test]
fn passive_open_negotiates_options() {
    let mut s = Sock::new(isn());
    s.listen(LOCAL).unwrap();
    send!(
        s,
        0,
        TcpRepr {
            control: TcpControl::Syn,
            seq_number: REMOTE_SEQ,
            ack_number: None,
            max_seg_size: Some(1000),
            window_scale: Some(3),
            sack_permitted: true,
            ..seg()
        }
    );
    s.start(LOCAL_SEQ);
    let ws = config::CONFIG_NET_TCP_WINDOW_SCALING;
    let sack = config::CONFIG_NET_TCP_SACK;
    recv!(
        s,
        0,
        [TcpRepr {
            window_scale: ws.then_some(0),
            sack_permitted: sack,
            ..syn_ack()
        }]
    );
    send!(
        s,
        0,
        TcpRepr {
            window_len: 100,
            ..seg()
        }
    );
    assert_eq!(s.send_window(), if ws { 800 } else { 100 });
    assert_eq!(s.c.sack_ok, sack);
}

#[test]
fn active_open() {
    let mut s = Sock::new(isn());
    s.connect(LOCAL, REMOTE, LOCAL_SEQ, 0).unwrap();
    assert_eq!(s.state(), State::SynSent);
    let syn = TcpRepr {
        control: TcpControl::Syn,
        seq_number: LOCAL_SEQ,
        ack_number: None,
        max_seg_size: Some(1460),
        window_scale: config::CONFIG_NET_TCP_WINDOW_SCALING.then_some(0),
        sack_permitted: config::CONFIG_NET_TCP_SACK,
        ..out()
    };
    recv!(s, 0, [syn]);
    assert_eq!(s.poll_at(), Some(rtt::INIT_RTO));
    let r = send!(
        s,
        50,
        TcpRepr {
            control: TcpControl::Syn,
            seq_number: REMOTE_SEQ,
            max_seg_size: Some(PEER_MSS),
            ..seg()
        }
    );
    assert_eq!(r.events, Events::CONNECTED | Events::WRITABLE);
    assert_eq!(s.state(), State::Established);
    recv!(s, 50, [out()]);
    assert_eq!(s.rtt().srtt(), Some(50));
    assert_eq!(s.poll_at(), None);
}

#[test]
fn active_open_syn_retransmitted_then_times_out() {
    let mut s = Sock::new(isn());
    s.connect(LOCAL, REMOTE, LOCAL_SEQ, 0).unwrap();
    let mut t = 0;
    let mut sent_at = Vec::new();
    loop {
        let segs = recv_all(&mut s, t);
        if !segs.is_empty() {
            assert_eq!(segs.len(), 1);
            assert_eq!(segs[0].control, TcpControl::Syn);
            sent_at.push(t);
        }
        match s.poll_at() {
            Some(next) => t = next,
            None => break,
        }
    }
    // 200 ms initial RTO, doubled each time: 9 retransmissions after the first SYN.
    let mut expect = vec![0u64];
    let mut rto = rtt::INIT_RTO;
    for _ in 0..RETRY_COUNT {
        expect.push(expect.last().unwrap() + rto);
        rto = (rto * 2).min(rtt::MAX_RTO);
    }
    assert_eq!(sent_at, expect);
    assert_eq!(s.state(), State::Closed);
    assert_eq!(s.error(), Some(TcpError::TimedOut));
    assert_eq!(s.take_events(), Events::TIMED_OUT | Events::CLOSED);
}

#[test]
fn syn_sent_rst_and_bad_ack() {
    let mut s = Sock::new(isn());
    s.connect(LOCAL, REMOTE, LOCAL_SEQ, 0).unwrap();
    recv_all(&mut s, 0);
    // An ACK that does not cover our SYN: RST with its ACK as sequence number.
    send!(s, 1, TcpRepr { ack_number: Some(LOCAL_SEQ + 5), ..seg() } => Some(TcpRepr {
        control: TcpControl::Rst,
        seq_number: LOCAL_SEQ + 5,
        ack_number: None,
        window_len: 0,
        ..out()
    }));
    // A RST without ACK, or with an unacceptable one, is ignored.
    send!(s, 1, TcpRepr { control: TcpControl::Rst, ack_number: None, ..seg() } => None);
    send!(s, 1, TcpRepr { control: TcpControl::Rst, ack_number: Some(LOCAL_SEQ), ..seg() } => None);
    assert_eq!(s.state(), State::SynSent);
    // A RST acknowledging the SYN: refused.
    let r = send!(
        s,
        1,
        TcpRepr {
            control: TcpControl::Rst,
            ..seg()
        }
    );
    assert_eq!(r.events, Events::RESET | Events::CLOSED);
    assert_eq!(s.state(), State::Closed);
    assert_eq!(s.error(), Some(TcpError::Refused));
}

#[test]
fn simultaneous_open() {
    let mut s = Sock::new(isn());
    s.connect(LOCAL, REMOTE, LOCAL_SEQ, 0).unwrap();
    recv_all(&mut s, 0);
    // The peer's own SYN crosses ours.
    send!(s, 5, TcpRepr {
        control: TcpControl::Syn,
        seq_number: REMOTE_SEQ,
        ack_number: None,
        max_seg_size: Some(PEER_MSS),
        ..seg()
    } => None);
    assert_eq!(s.state(), State::SynReceived);
    // Our SYN again, now with the ACK; options as negotiated (the peer offered none).
    recv!(
        s,
        5,
        [TcpRepr {
            control: TcpControl::Syn,
            seq_number: LOCAL_SEQ,
            max_seg_size: Some(1460),
            ..out()
        }]
    );
    // The peer's SYN-ACK.
    let r = send!(
        s,
        8,
        TcpRepr {
            control: TcpControl::Syn,
            seq_number: REMOTE_SEQ,
            ..seg()
        }
    );
    assert!(r.events.contains(Events::CONNECTED));
    assert_eq!(s.state(), State::Established);
    // Karn: the SYN was sent twice, no RTT sample.
    assert_eq!(s.rtt().srtt(), None);
}

#[test]
fn listen_rules() {
    let mut s = Sock::new(isn());
    s.listen(LOCAL).unwrap();
    assert_eq!(s.listen(LOCAL), Err(TcpError::InvalidState));
    // RST: ignored. ACK: RST. Neither SYN nor ACK: dropped.
    send!(s, 0, TcpRepr { control: TcpControl::Rst, ack_number: None, ..seg() } => None);
    send!(s, 0, seg() => Some(TcpRepr {
        control: TcpControl::Rst,
        seq_number: LOCAL_SEQ + 1,
        ack_number: None,
        window_len: 0,
        ..out()
    }));
    send!(s, 0, TcpRepr { ack_number: None, ..seg() } => None);
    // Another port: not ours.
    send!(s, 0, TcpRepr { control: TcpControl::Syn, ack_number: None, dst_port: 81, ..seg() } => None);
    assert_eq!(s.state(), State::Listen);
    recv!(s, 0, []);
    assert_eq!(s.poll_at(), None);
    s.close();
    assert_eq!(s.state(), State::Closed);
}

#[test]
fn closed_answers_rst() {
    let mut s = Sock::new(isn());
    send!(s, 0, TcpRepr { ack_number: None, payload: b"abc", ..seg() } => Some(TcpRepr {
        control: TcpControl::Rst,
        seq_number: SeqNumber(0),
        ack_number: Some(REMOTE_SEQ + 4),
        window_len: 0,
        ..out()
    }));
    send!(s, 0, TcpRepr { control: TcpControl::Rst, ..seg() } => None);
}

#[test]
fn syn_received_rst_returns_to_listen() {
    let mut s = syn_received::<1024, 1024>();
    recv_all(&mut s, 0);
    send!(s, 1, TcpRepr { control: TcpControl::Rst, ack_number: None, ..seg() } => None);
    assert_eq!(s.state(), State::Listen);
    assert_eq!(s.error(), None);
}

#[test]
fn syn_received_repeated_syn_and_bad_ack() {
    let mut s = syn_received::<1024, 1024>();
    recv!(s, 0, [syn_ack()]);
    // The SYN again (our SYN-ACK was lost): SYN-ACK again.
    send!(s, 100, TcpRepr {
        control: TcpControl::Syn,
        seq_number: REMOTE_SEQ,
        ack_number: None,
        ..seg()
    } => None);
    recv!(s, 100, [syn_ack()]);
    // An ACK for something we never sent: RST.
    send!(s, 101, TcpRepr { ack_number: Some(LOCAL_SEQ + 100), ..seg() } => Some(TcpRepr {
        control: TcpControl::Rst,
        seq_number: LOCAL_SEQ + 100,
        ack_number: None,
        window_len: 0,
        ..out()
    }));
    assert_eq!(s.state(), State::SynReceived);
    // A SYN with another sequence number in the window: back to LISTEN (passive open).
    send!(s, 101, TcpRepr {
        control: TcpControl::Syn,
        seq_number: REMOTE_SEQ + 5,
        ack_number: None,
        ..seg()
    } => None);
    assert_eq!(s.state(), State::Listen);
}

#[test]
fn syn_received_times_out() {
    // A listener whose SYN-ACK is never answered: resent with backoff, then back to
    // LISTEN after NET_TCP_ACK_TIMEOUT.
    let mut s = syn_received::<1024, 1024>();
    let mut t = 0;
    let mut sent = Vec::new();
    loop {
        if let Some(seg) = recv_all(&mut s, t).first() {
            assert_eq!(seg.control, TcpControl::Syn);
            sent.push(t);
        }
        if s.state() != State::SynReceived {
            break;
        }
        t = s.poll_at().unwrap();
    }
    assert_eq!(t, ACK_TIMEOUT);
    let mut expect = vec![0];
    let mut rto = rtt::INIT_RTO;
    while expect.last().unwrap() + rto < ACK_TIMEOUT {
        expect.push(expect.last().unwrap() + rto);
        rto *= 2;
    }
    assert_eq!(sent, expect);
    assert_eq!(s.state(), State::Listen);
    assert_eq!(s.error(), None);
    assert_eq!(s.poll_at(), None);
}

#[test]
fn simultaneous_open_times_out() {
    let mut s = Sock::new(isn());
    s.connect(LOCAL, REMOTE, LOCAL_SEQ, 0).unwrap();
    recv_all(&mut s, 0);
    send!(
        s,
        5,
        TcpRepr {
            control: TcpControl::Syn,
            seq_number: REMOTE_SEQ,
            ack_number: None,
            ..seg()
        }
    );
    assert_eq!(s.state(), State::SynReceived);
    let mut t = 5;
    loop {
        recv_all(&mut s, t);
        if s.state() != State::SynReceived {
            break;
        }
        t = s.poll_at().unwrap();
    }
    assert_eq!(t, 5 + ACK_TIMEOUT);
    assert_eq!(s.error(), Some(TcpError::TimedOut));
}

#[test]
fn close_in_syn_received_sends_fin_after_handshake() {
    let mut s = syn_received::<1024, 1024>();
    recv!(s, 0, [syn_ack()]);
    s.close();
    assert_eq!(s.state(), State::FinWait1);
    recv!(s, 0, []);
    send!(s, 1, seg());
    recv!(
        s,
        1,
        [TcpRepr {
            control: TcpControl::Fin,
            ..out()
        }]
    );
    send!(
        s,
        2,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 2),
            ..seg()
        }
    );
    assert_eq!(s.state(), State::FinWait2);
}

// ---- Data --------------------------------------------------------------------------------

#[test]
fn send_data_and_ack() {
    let mut s = established::<1024, 1024>();
    assert_eq!(s.send(b"hello"), 5);
    recv!(
        s,
        0,
        [TcpRepr {
            control: TcpControl::Psh,
            payload: b"hello",
            ..out()
        }]
    );
    assert_eq!(s.poll_at(), Some(s.rto()));
    let r = send!(
        s,
        5,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 6),
            ..seg()
        }
    );
    assert_eq!(r.events, Events::WRITABLE);
    assert_eq!(s.send_queue(), 0);
    assert_eq!(s.poll_at(), None);
}

#[test]
fn send_respects_buffer() {
    let mut s = established::<64, 64>();
    assert_eq!(s.send(&data(100)), 64);
    assert_eq!(s.send(b"x"), 0);
}

#[test]
fn segments_split_at_mss_and_nagle_holds_a_second_small_segment() {
    let mut s = established::<1024, 1024>();
    let d = data(280);
    s.send(&d[..250]);
    // Two full segments and the 50-byte tail at once: only full segments are in flight,
    // so Nagle (Minshall's variant) does not hold the tail.
    recv!(
        s,
        0,
        [
            TcpRepr {
                payload: leak(d[..100].to_vec()),
                ..out()
            },
            TcpRepr {
                seq_number: LOCAL_SEQ + 101,
                payload: leak(d[100..200].to_vec()),
                ..out()
            },
            TcpRepr {
                seq_number: LOCAL_SEQ + 201,
                control: TcpControl::Psh,
                payload: leak(d[200..250].to_vec()),
                ..out()
            },
        ]
    );
    // A second small write waits while the small tail is unacknowledged, even once the
    // full segments before it are acknowledged.
    s.send(&d[250..]);
    recv!(s, 1, []);
    send!(
        s,
        5,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 201),
            ..seg()
        }
    );
    recv!(s, 5, []);
    send!(
        s,
        6,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 251),
            ..seg()
        }
    );
    recv!(
        s,
        6,
        [TcpRepr {
            seq_number: LOCAL_SEQ + 251,
            control: TcpControl::Psh,
            payload: leak(d[250..].to_vec()),
            ..out()
        }]
    );
}

#[test]
fn with_tso_whole_segments_are_joined_and_the_tail_and_retransmissions_go_alone() {
    let mut s = established::<1024, 1024>();
    // The device cuts up to 350 bytes (three 100-byte segments), but a packet carries at
    // most a quarter of the window (1024 / 4: two segments).
    s.set_tso_max(350);
    let d = data(730);
    s.send(&d);
    recv!(
        s,
        0,
        [
            TcpRepr {
                payload: leak(d[..200].to_vec()),
                ..out()
            },
            TcpRepr {
                seq_number: LOCAL_SEQ + 201,
                payload: leak(d[200..400].to_vec()),
                ..out()
            },
            TcpRepr {
                seq_number: LOCAL_SEQ + 401,
                payload: leak(d[400..600].to_vec()),
                ..out()
            },
            // What is left is one whole segment and a tail: the tail goes on its own.
            TcpRepr {
                seq_number: LOCAL_SEQ + 601,
                payload: leak(d[600..700].to_vec()),
                ..out()
            },
            TcpRepr {
                seq_number: LOCAL_SEQ + 701,
                control: TcpControl::Psh,
                payload: leak(d[700..].to_vec()),
                ..out()
            },
        ]
    );
    // The retransmission timeout resends one MSS from SND.UNA, not a joined segment.
    let rto = s.rto();
    recv!(
        s,
        rto,
        [TcpRepr {
            payload: leak(d[..100].to_vec()),
            ..out()
        }]
    );
    // A device limit below two segments joins nothing; without TSO, one MSS per segment.
    for tso in [150, 0] {
        let mut plain = established::<1024, 1024>();
        plain.set_tso_max(tso);
        plain.send(&d[..300]);
        assert_eq!(
            recv_all(&mut plain, 0)
                .iter()
                .map(|seg| seg.payload.len())
                .collect::<Vec<_>>(),
            [100, 100, 100]
        );
    }
}

/// A segment of many MSS (a device's merged segments) is taken whole: its data is
/// delivered in order and acknowledged at once.
#[test]
fn a_segment_longer_than_the_mss_is_taken_whole() {
    let mut s = established::<1024, 1024>();
    let d = data(900);
    let r = send!(
        s,
        1,
        TcpRepr {
            payload: leak(d.clone()),
            ..seg()
        }
    );
    assert!(r.events.contains(Events::READABLE));
    let mut buf = [0u8; 1024];
    assert_eq!(s.recv(&mut buf), 900);
    assert_eq!(&buf[..900], &d[..]);
    let acks = recv_all(&mut s, 1);
    assert_eq!(
        acks.last().and_then(|a| a.ack_number),
        Some(REMOTE_SEQ + 901)
    );
}

#[test]
fn nodelay_sends_small_segments_at_once() {
    let mut s = established::<1024, 1024>();
    s.set_nodelay(true);
    s.send(b"a");
    recv!(
        s,
        0,
        [TcpRepr {
            control: TcpControl::Psh,
            payload: b"a",
            ..out()
        }]
    );
    s.send(b"b");
    recv!(
        s,
        0,
        [TcpRepr {
            seq_number: LOCAL_SEQ + 2,
            control: TcpControl::Psh,
            payload: b"b",
            ..out()
        }]
    );
    s.set_nodelay(false);
    s.send(b"c");
    recv!(s, 0, []);
    send!(
        s,
        1,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 3),
            ..seg()
        }
    );
    recv!(
        s,
        1,
        [TcpRepr {
            seq_number: LOCAL_SEQ + 3,
            control: TcpControl::Psh,
            payload: b"c",
            ..out()
        }]
    );
}

#[test]
#[cfg(not(CONFIG_NET_TCP_ACK_DELAY = "0"))]
fn receive_data_delayed_ack() {
    let mut s = established::<1024, 1024>();
    let r = send!(
        s,
        0,
        TcpRepr {
            payload: b"abcdef",
            ..seg()
        }
    );
    assert_eq!(r.events, Events::READABLE);
    // One small segment: the ACK waits for the delay.
    recv!(s, 0, []);
    assert_eq!(s.poll_at(), Some(ACK_DELAY));
    recv!(s, ACK_DELAY - 1, []);
    recv!(
        s,
        ACK_DELAY,
        [TcpRepr {
            ack_number: Some(REMOTE_SEQ + 7),
            window_len: 1018,
            ..out()
        }]
    );
    let mut buf = [0u8; 16];
    assert_eq!(s.recv(&mut buf), 6);
    assert_eq!(&buf[..6], b"abcdef");
}

#[test]
#[cfg(not(CONFIG_NET_TCP_ACK_DELAY = "0"))]
fn every_second_full_segment_is_acked_at_once() {
    let mut s = established::<4096, 4096>();
    let d = data(1460);
    send!(
        s,
        0,
        TcpRepr {
            payload: leak(d.clone()),
            ..seg()
        }
    );
    recv!(s, 0, []);
    send!(
        s,
        1,
        TcpRepr {
            seq_number: REMOTE_SEQ + 1461,
            payload: leak(d),
            ..seg()
        }
    );
    let segs = recv_all(&mut s, 1);
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].ack_number, Some(REMOTE_SEQ + 2921));
}

#[test]
fn ack_piggybacks_on_data() {
    let mut s = established::<1024, 1024>();
    send!(
        s,
        0,
        TcpRepr {
            payload: b"ping",
            ..seg()
        }
    );
    s.send(b"pong");
    recv!(
        s,
        0,
        [TcpRepr {
            control: TcpControl::Psh,
            ack_number: Some(REMOTE_SEQ + 5),
            window_len: 1020,
            payload: b"pong",
            ..out()
        }]
    );
    // Nothing more: the delayed ACK went out with the data.
    assert_eq!(s.c.ack_deadline, None);
}

#[test]
fn duplicate_and_old_data() {
    let mut s = established::<1024, 1024>();
    send!(
        s,
        0,
        TcpRepr {
            payload: b"abc",
            ..seg()
        }
    );
    // The same again: acceptable (overlaps nothing new), answered at once.
    send!(s, 1, TcpRepr { payload: b"abc", ..seg() } => Some(TcpRepr {
        ack_number: Some(REMOTE_SEQ + 4),
        window_len: 1021,
        ..out()
    }));
    // Partly old data: only the new part is taken.
    send!(
        s,
        2,
        TcpRepr {
            seq_number: REMOTE_SEQ + 2,
            payload: b"bcdef",
            ..seg()
        }
    );
    let mut buf = [0u8; 16];
    assert_eq!(s.recv(&mut buf), 6);
    assert_eq!(&buf[..6], b"abcdef");
}

#[test]
fn data_beyond_window_is_trimmed() {
    let mut s = established::<64, 64>();
    let d = data(100);
    send!(
        s,
        0,
        TcpRepr {
            payload: leak(d.clone()),
            ..seg()
        }
    );
    assert_eq!(s.recv_queue(), 64);
    // The window is now zero: a probe byte is refused and answered with an ACK.
    send!(s, 1, TcpRepr { seq_number: REMOTE_SEQ + 65, payload: b"x", ..seg() } => Some(TcpRepr {
        ack_number: Some(REMOTE_SEQ + 65),
        window_len: 0,
        ..out()
    }));
    let mut buf = [0u8; 64];
    assert_eq!(s.recv(&mut buf), 64);
    assert_eq!(&buf[..], &d[..64]);
}

// ---- Closing -------------------------------------------------------------------------------

#[test]
#[cfg(not(CONFIG_NET_TCP_TIME_WAIT_DELAY = "0"))]
fn active_close_through_time_wait() {
    let mut s = established::<1024, 1024>();
    s.close();
    assert_eq!(s.state(), State::FinWait1);
    recv!(
        s,
        0,
        [TcpRepr {
            control: TcpControl::Fin,
            ..out()
        }]
    );
    send!(
        s,
        1,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 2),
            ..seg()
        }
    );
    assert_eq!(s.state(), State::FinWait2);
    // Data still arrives in FIN-WAIT-2.
    send!(
        s,
        2,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 2),
            payload: b"late",
            ..seg()
        }
    );
    assert_eq!(s.recv_queue(), 4);
    let r = send!(
        s,
        3,
        TcpRepr {
            control: TcpControl::Fin,
            seq_number: REMOTE_SEQ + 5,
            ack_number: Some(LOCAL_SEQ + 2),
            ..seg()
        }
    );
    assert!(r.events.contains(Events::PEER_CLOSED));
    assert_eq!(s.state(), State::TimeWait);
    recv!(
        s,
        3,
        [TcpRepr {
            seq_number: LOCAL_SEQ + 2,
            ack_number: Some(REMOTE_SEQ + 6),
            // The FIN took a sequence number but no buffer; receiver SWS avoidance keeps the
            // right edge where it was.
            window_len: 1019,
            ..out()
        }]
    );
    assert_eq!(s.poll_at(), Some(3 + TIME_WAIT_DELAY));
    recv!(s, 2 + TIME_WAIT_DELAY, []);
    assert_eq!(s.state(), State::TimeWait);
    recv!(s, 3 + TIME_WAIT_DELAY, []);
    assert_eq!(s.state(), State::Closed);
    assert_eq!(s.take_events(), Events::CLOSED);
    assert_eq!(s.error(), None);
}

#[test]
fn fin_with_data_queued_goes_after_data() {
    let mut s = established::<1024, 1024>();
    s.send(b"bye");
    s.close();
    assert_eq!(s.send(b"more"), 0);
    recv!(
        s,
        0,
        [TcpRepr {
            control: TcpControl::Fin,
            payload: b"bye",
            ..out()
        }]
    );
    send!(
        s,
        1,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 5),
            ..seg()
        }
    );
    assert_eq!(s.state(), State::FinWait2);
}

#[test]
#[cfg(not(CONFIG_NET_TCP_TIME_WAIT_DELAY = "0"))]
fn fin_wait_1_fin_ack_goes_to_time_wait() {
    let mut s = established::<1024, 1024>();
    s.close();
    recv_all(&mut s, 0);
    send!(
        s,
        1,
        TcpRepr {
            control: TcpControl::Fin,
            ack_number: Some(LOCAL_SEQ + 2),
            ..seg()
        }
    );
    assert_eq!(s.state(), State::TimeWait);
    recv!(
        s,
        1,
        [TcpRepr {
            seq_number: LOCAL_SEQ + 2,
            ack_number: Some(REMOTE_SEQ + 2),
            window_len: 1023,
            ..out()
        }]
    );
}

#[test]
#[cfg(not(CONFIG_NET_TCP_TIME_WAIT_DELAY = "0"))]
fn simultaneous_close() {
    let mut s = established::<1024, 1024>();
    s.close();
    recv!(
        s,
        0,
        [TcpRepr {
            control: TcpControl::Fin,
            ..out()
        }]
    );
    // The peer's FIN crosses ours: CLOSING.
    send!(
        s,
        1,
        TcpRepr {
            control: TcpControl::Fin,
            ..seg()
        }
    );
    assert_eq!(s.state(), State::Closing);
    recv!(
        s,
        1,
        [TcpRepr {
            seq_number: LOCAL_SEQ + 2,
            ack_number: Some(REMOTE_SEQ + 2),
            window_len: 1023,
            ..out()
        }]
    );
    send!(
        s,
        2,
        TcpRepr {
            seq_number: REMOTE_SEQ + 2,
            ack_number: Some(LOCAL_SEQ + 2),
            ..seg()
        }
    );
    assert_eq!(s.state(), State::TimeWait);
}

#[test]
fn passive_close() {
    let mut s = established::<1024, 1024>();
    let r = send!(
        s,
        0,
        TcpRepr {
            control: TcpControl::Fin,
            ..seg()
        }
    );
    assert_eq!(r.events, Events::PEER_CLOSED);
    assert_eq!(s.state(), State::CloseWait);
    recv!(
        s,
        0,
        [TcpRepr {
            ack_number: Some(REMOTE_SEQ + 2),
            window_len: 1023,
            ..out()
        }]
    );
    // We may still send.
    s.send(b"last");
    s.close();
    assert_eq!(s.state(), State::LastAck);
    recv!(
        s,
        1,
        [TcpRepr {
            control: TcpControl::Fin,
            ack_number: Some(REMOTE_SEQ + 2),
            window_len: 1023,
            payload: b"last",
            ..out()
        }]
    );
    let r = send!(
        s,
        2,
        TcpRepr {
            seq_number: REMOTE_SEQ + 2,
            ack_number: Some(LOCAL_SEQ + 6),
            ..seg()
        }
    );
    assert_eq!(r.events, Events::WRITABLE | Events::CLOSED);
    assert_eq!(s.state(), State::Closed);
}

#[test]
fn fin_out_of_order_waits_for_the_hole() {
    let mut s = established::<1024, 1024>();
    send!(
        s,
        0,
        TcpRepr {
            control: TcpControl::Fin,
            seq_number: REMOTE_SEQ + 4,
            payload: b"def",
            ..seg()
        }
    );
    assert_eq!(s.state(), State::Established);
    send!(
        s,
        1,
        TcpRepr {
            payload: b"abc",
            ..seg()
        }
    );
    assert_eq!(s.state(), State::Established);
    // The retransmitted FIN now fits.
    send!(
        s,
        2,
        TcpRepr {
            control: TcpControl::Fin,
            seq_number: REMOTE_SEQ + 4,
            payload: b"def",
            ..seg()
        }
    );
    assert_eq!(s.state(), State::CloseWait);
    let mut buf = [0u8; 8];
    assert_eq!(s.recv(&mut buf), 6);
    assert_eq!(&buf[..6], b"abcdef");
}

#[test]
fn fin_retransmitted_until_acked() {
    let mut s = established::<1024, 1024>();
    s.close();
    recv!(
        s,
        0,
        [TcpRepr {
            control: TcpControl::Fin,
            ..out()
        }]
    );
    let t = s.poll_at().unwrap();
    recv!(
        s,
        t,
        [TcpRepr {
            control: TcpControl::Fin,
            ..out()
        }]
    );
}

#[test]
fn fin_wait_2_times_out_only_after_release() {
    // A half close waits in FIN-WAIT-2 as long as the peer likes.
    let mut s = established::<1024, 1024>();
    s.close();
    recv_all(&mut s, 0);
    send!(
        s,
        10,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 2),
            ..seg()
        }
    );
    assert_eq!(s.state(), State::FinWait2);
    assert_eq!(s.poll_at(), None);
    // Released, it gives the peer NET_TCP_ACK_TIMEOUT to finish.
    assert_eq!(s.release(20), None);
    assert_eq!(s.poll_at(), Some(20 + ACK_TIMEOUT));
    recv!(s, 20 + ACK_TIMEOUT, []);
    assert_eq!(s.state(), State::Closed);
}

#[test]
fn release_with_unread_or_new_data_resets() {
    // Unread data: RST at once (RFC 1122 4.2.2.13).
    let mut s = established::<1024, 1024>();
    send!(
        s,
        0,
        TcpRepr {
            payload: b"unread",
            ..seg()
        }
    );
    let rst = s.release(1).unwrap();
    assert_eq!(
        (rst.control, rst.seq_number),
        (TcpControl::Rst, LOCAL_SEQ + 1)
    );
    assert_eq!(s.state(), State::Closed);
    // Data after the release: RST.
    let mut s = established::<1024, 1024>();
    assert_eq!(s.release(1), None);
    assert_eq!(s.state(), State::FinWait1);
    recv!(
        s,
        1,
        [TcpRepr {
            control: TcpControl::Fin,
            ..out()
        }]
    );
    let r = send!(
        s,
        2,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 2),
            payload: b"more",
            ..seg()
        }
    );
    assert_eq!(
        r.reply.map(|r| (r.control, r.seq_number)),
        Some((TcpControl::Rst, LOCAL_SEQ + 2))
    );
    assert_eq!(r.events, Events::CLOSED);
    assert_eq!(s.state(), State::Closed);
    // Data after the release from a peer that has not received all of ours (its ACK is
    // behind SND.NXT): the RST takes the peer's ACK as its sequence number, the one value
    // a peer applying RFC 5961 accepts at once.
    let mut s = established::<1024, 1024>();
    s.send(b"hello world");
    assert_eq!(s.release(1), None);
    recv_all(&mut s, 1);
    let r = send!(
        s,
        2,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 1),
            payload: b"more",
            ..seg()
        }
    );
    assert_eq!(
        r.reply.map(|r| (r.control, r.seq_number)),
        Some((TcpControl::Rst, LOCAL_SEQ + 1))
    );
    assert_eq!(s.state(), State::Closed);
    // A FIN without data is fine.
    let mut s = established::<1024, 1024>();
    s.release(1);
    recv_all(&mut s, 1);
    send!(
        s,
        2,
        TcpRepr {
            control: TcpControl::Fin,
            ack_number: Some(LOCAL_SEQ + 2),
            ..seg()
        }
    );
    assert!(matches!(s.state(), State::TimeWait | State::Closed));
}

#[test]
#[cfg(not(CONFIG_NET_TCP_TIME_WAIT_DELAY = "0"))]
fn time_wait_rules() {
    let mut s = established::<1024, 1024>();
    s.close();
    recv_all(&mut s, 0);
    send!(
        s,
        1,
        TcpRepr {
            control: TcpControl::Fin,
            ack_number: Some(LOCAL_SEQ + 2),
            ..seg()
        }
    );
    recv_all(&mut s, 1);
    assert_eq!(s.state(), State::TimeWait);
    let ack = TcpRepr {
        seq_number: LOCAL_SEQ + 2,
        ack_number: Some(REMOTE_SEQ + 2),
        window_len: 1023,
        ..out()
    };
    // The FIN again: ACK again and restart the timer.
    send!(s, 500, TcpRepr { control: TcpControl::Fin, ack_number: Some(LOCAL_SEQ + 2), ..seg() } => Some(ack));
    assert_eq!(s.poll_at(), Some(500 + TIME_WAIT_DELAY));
    // An old SYN: challenge ACK.
    send!(s, 501, TcpRepr { control: TcpControl::Syn, seq_number: REMOTE_SEQ, ack_number: None, ..seg() } => Some(ack));
    assert_eq!(s.state(), State::TimeWait);
    // A new incarnation's SYN: TIME-WAIT ends so a listener can take it.
    let r = send!(
        s,
        502,
        TcpRepr {
            control: TcpControl::Syn,
            seq_number: REMOTE_SEQ + 1000,
            ack_number: None,
            ..seg()
        }
    );
    assert_eq!(r.events, Events::TIME_WAIT_SYN | Events::CLOSED);
    assert_eq!(s.state(), State::Closed);
}

#[test]
fn abort_sends_rst() {
    let mut s = established::<1024, 1024>();
    s.send(b"abc");
    recv_all(&mut s, 0);
    assert_eq!(
        s.abort(),
        Some(TcpRepr {
            control: TcpControl::Rst,
            seq_number: LOCAL_SEQ + 4,
            ack_number: None,
            window_len: 0,
            ..out()
        })
    );
    assert_eq!(s.state(), State::Closed);
    recv!(s, 0, []);
    let mut t = Sock::new(isn());
    t.connect(LOCAL, REMOTE, LOCAL_SEQ, 0).unwrap();
    assert_eq!(t.abort(), None);
}

// ---- RFC 5961 ----------------------------------------------------------------------------

#[test]
fn rst_exact_resets() {
    let mut s = established::<1024, 1024>();
    let r = send!(
        s,
        1,
        TcpRepr {
            control: TcpControl::Rst,
            ack_number: None,
            ..seg()
        }
    );
    assert_eq!(r.events, Events::RESET | Events::CLOSED);
    assert_eq!(s.error(), Some(TcpError::Reset));
    assert_eq!(s.state(), State::Closed);
}

#[test]
fn rst_in_window_gets_challenge_ack() {
    let mut s = established::<1024, 1024>();
    send!(s, 1, TcpRepr { control: TcpControl::Rst, seq_number: REMOTE_SEQ + 10, ..seg() } => Some(out()));
    assert_eq!(s.state(), State::Established);
    // Outside the window: silently dropped.
    send!(s, 1, TcpRepr { control: TcpControl::Rst, seq_number: REMOTE_SEQ + 5000, ..seg() } => None);
    send!(s, 1, TcpRepr { control: TcpControl::Rst, seq_number: REMOTE_SEQ - 1, ..seg() } => None);
    assert_eq!(s.state(), State::Established);
}

#[test]
fn syn_in_established_gets_challenge_ack() {
    let mut s = established::<1024, 1024>();
    send!(s, 1, TcpRepr { control: TcpControl::Syn, seq_number: REMOTE_SEQ + 100, ack_number: None, ..seg() } => Some(out()));
    send!(s, 1, TcpRepr { control: TcpControl::Syn, seq_number: REMOTE_SEQ - 100, ack_number: None, ..seg() } => Some(out()));
    assert_eq!(s.state(), State::Established);
}

#[test]
fn unacceptable_ack_gets_challenge_ack() {
    let mut s = established::<1024, 1024>();
    // ACK of data never sent.
    send!(s, 1, TcpRepr { ack_number: Some(LOCAL_SEQ + 100), payload: b"zz", ..seg() } => Some(out()));
    // The data of that segment was dropped.
    assert_eq!(s.recv_queue(), 0);
    // Far too old (more than the peer's max window behind).
    send!(s, 1, TcpRepr { ack_number: Some(LOCAL_SEQ - 100_000), ..seg() } => Some(out()));
    // Slightly old: ignored, but the segment is processed.
    send!(s, 1, TcpRepr { ack_number: Some(LOCAL_SEQ - 10), payload: b"ok", ..seg() } => None);
    assert_eq!(s.recv_queue(), 2);
}

#[test]
fn challenge_acks_are_rate_limited() {
    let mut s = established::<1024, 1024>();
    let rst = TcpRepr {
        control: TcpControl::Rst,
        seq_number: REMOTE_SEQ + 10,
        ..seg()
    };
    for _ in 0..CHALLENGE_ACK_LIMIT {
        send!(s, 5000, rst => Some(out()));
    }
    send!(s, 5000, rst => None);
    send!(s, 5999, rst => None);
    send!(s, 6000, rst => Some(out()));
}

#[test]
fn unacceptable_segment_gets_ack() {
    let mut s = established::<1024, 1024>();
    send!(s, 1, TcpRepr { seq_number: REMOTE_SEQ + 5000, payload: b"far", ..seg() } => Some(out()));
    send!(s, 1, TcpRepr { seq_number: REMOTE_SEQ - 10, payload: b"old", ..seg() } => Some(out()));
}

#[test]
fn segments_for_others_are_ignored() {
    let mut s = established::<1024, 1024>();
    send!(s, 1, TcpRepr { src_port: 1, control: TcpControl::Rst, ack_number: None, ..seg() } => None);
    let other = IpAddress::V4(Ipv4Addr::new(10, 0, 0, 9));
    assert_eq!(
        s.on_segment(
            other,
            LOCAL_ADDR,
            &TcpRepr {
                control: TcpControl::Rst,
                ack_number: None,
                ..seg()
            },
            1
        )
        .reply,
        None
    );
    assert_eq!(s.state(), State::Established);
}

// ---- Retransmission and RTT ----------------------------------------------------------------

/// An established socket whose RTT estimator has no sample yet (RTO = initial RTO).
fn established_fresh_rtt<const TX: usize, const RX: usize>() -> Tcb<TX, RX> {
    let mut s = established::<TX, RX>();
    s.c.rtt = Rtt::new();
    s
}

#[test]
fn data_retransmission_backoff_and_give_up() {
    let mut s = established_fresh_rtt::<1024, 1024>();
    s.send(b"lost");
    let seg = TcpRepr {
        control: TcpControl::Psh,
        payload: b"lost",
        ..out()
    };
    recv!(s, 0, [seg]);
    let mut t = 0;
    let mut times = Vec::new();
    let mut rto = rtt::INIT_RTO;
    for _ in 0..RETRY_COUNT {
        assert_eq!(s.poll_at(), Some(t + rto));
        recv!(s, t + rto - 1, []);
        t += rto;
        recv!(s, t, [seg]);
        times.push(t);
        rto = (rto * 2).min(rtt::MAX_RTO);
    }
    // 200, 600, 1400, ... : each wait twice the one before.
    assert_eq!(&times[..4], &[200, 600, 1400, 3000]);
    assert_eq!(s.poll_at(), Some(t + rto));
    recv!(s, t + rto, []);
    assert_eq!(s.state(), State::Closed);
    assert_eq!(s.error(), Some(TcpError::TimedOut));
    assert_eq!(s.take_events(), Events::TIMED_OUT | Events::CLOSED);
}

#[test]
#[cfg(CONFIG_NET_TCP_CONGESTION_AVOIDANCE)]
fn retransmission_timeout_resets_cwnd() {
    let mut s = established_fresh_rtt::<4096, 1024>();
    s.send(&data(1000));
    assert_eq!(recv_all(&mut s, 0).len(), 10);
    // Timeout: ssthresh = flight / 2, cwnd = 1 SMSS, go back to SND.UNA.
    let segs = recv_all(&mut s, 200);
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].seq_number, LOCAL_SEQ + 1);
    assert_eq!(s.congestion().cwnd(), 100);
    assert_eq!(s.congestion().ssthresh(), 500);
    // The ACK of the retransmission gives no RTT sample (Karn) and keeps the backoff.
    send!(
        s,
        250,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 101),
            ..seg()
        }
    );
    assert_eq!(s.rtt().srtt(), None);
    assert_eq!(s.rtt().rto(), 400);
    // Slow start from one segment: the ACK allowed two more.
    let segs = recv_all(&mut s, 250);
    assert_eq!(segs.len(), 2);
    assert_eq!(segs[0].seq_number, LOCAL_SEQ + 101);
    assert_eq!(s.congestion().cwnd(), 200);
}

#[test]
fn rtt_estimate_rfc6298_values() {
    let mut s = established_fresh_rtt::<1024, 1024>();
    s.set_nodelay(true);
    s.send(b"a");
    recv_all(&mut s, 0);
    send!(
        s,
        100,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 2),
            ..seg()
        }
    );
    // First sample: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR.
    assert_eq!(
        (s.rtt().srtt(), s.rtt().rttvar(), s.rtt().rto()),
        (Some(100), 50, 300)
    );
    s.send(b"b");
    recv_all(&mut s, 100);
    send!(
        s,
        300,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 3),
            ..seg()
        }
    );
    // R' = 200: RTTVAR = 3/4*50 + 1/4*100 = 62.5, SRTT = 7/8*100 + 1/8*200 = 112.5,
    // RTO = 112.5 + 250 = 362.5, rounded up.
    assert_eq!(
        (s.rtt().srtt(), s.rtt().rttvar(), s.rtt().rto()),
        (Some(112), 62, 363)
    );
    s.send(b"c");
    recv_all(&mut s, 300);
    assert_eq!(s.poll_at(), Some(300 + 363));
}

#[test]
fn timestamps_allow_samples_from_retransmissions() {
    let mut s = Sock::new(isn());
    s.set_timestamps(true);
    s.listen(LOCAL).unwrap();
    send!(
        s,
        0,
        TcpRepr {
            control: TcpControl::Syn,
            seq_number: REMOTE_SEQ,
            ack_number: None,
            max_seg_size: Some(PEER_MSS),
            timestamp: Some((5000, 0)),
            ..seg()
        }
    );
    s.start(LOCAL_SEQ);
    recv!(
        s,
        0,
        [TcpRepr {
            timestamp: Some((0, 5000)),
            ..syn_ack()
        }]
    );
    send!(
        s,
        0,
        TcpRepr {
            timestamp: Some((5001, 0)),
            ..seg()
        }
    );
    assert_eq!(s.state(), State::Established);
    assert_eq!(s.smss(), usize::from(PEER_MSS) - 12);
    s.c.rtt = Rtt::new();
    s.send(b"x");
    recv!(
        s,
        0,
        [TcpRepr {
            control: TcpControl::Psh,
            timestamp: Some((0, 5001)),
            payload: b"x",
            ..out()
        }]
    );
    recv!(
        s,
        200,
        [TcpRepr {
            control: TcpControl::Psh,
            timestamp: Some((200, 5001)),
            payload: b"x",
            ..out()
        }]
    );
    // The ACK echoes the retransmission's timestamp: an unambiguous 30 ms sample.
    send!(
        s,
        230,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 2),
            timestamp: Some((5100, 200)),
            ..seg()
        }
    );
    assert_eq!(s.rtt().srtt(), Some(30));
    assert_eq!(s.c.ts_recent, 5100);
    // PAWS: a segment with an older TSval is an old duplicate: ACKed, not taken.
    let r = send!(
        s,
        240,
        TcpRepr {
            timestamp: Some((5050, 200)),
            payload: b"old",
            ..seg()
        }
    );
    assert_eq!(r.reply.map(|a| a.ack_number), Some(Some(REMOTE_SEQ + 1)));
    assert_eq!(s.recv_queue(), 0);
    send!(
        s,
        241,
        TcpRepr {
            timestamp: Some((5101, 200)),
            payload: b"new",
            ..seg()
        }
    );
    assert_eq!(s.recv_queue(), 3);
    // A RST is exempt from PAWS.
    let r = send!(
        s,
        242,
        TcpRepr {
            control: TcpControl::Rst,
            seq_number: REMOTE_SEQ + 4,
            timestamp: Some((1, 0)),
            ..seg()
        }
    );
    assert_eq!(r.events, Events::RESET | Events::CLOSED);
}

// ---- Congestion control ----------------------------------------------------------------------

#[test]
#[cfg(CONFIG_NET_TCP_CONGESTION_AVOIDANCE)]
fn initial_window_and_slow_start() {
    let mut s = established::<4096, 1024>();
    s.send(&data(2000));
    // IW = min(10*MSS, max(2*MSS, 14600)) = 10 segments of 100 bytes.
    assert_eq!(recv_all(&mut s, 0).len(), 10);
    // Each ACK grows cwnd by one SMSS in slow start: two segments out per ACK.
    send!(
        s,
        10,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 101),
            ..seg()
        }
    );
    assert_eq!(s.congestion().cwnd(), 1100);
    let segs = recv_all(&mut s, 10);
    assert_eq!(
        segs.iter().map(|s| s.seq_number).collect::<Vec<_>>(),
        vec![LOCAL_SEQ + 1001, LOCAL_SEQ + 1101]
    );
    // An ACK of 5 segments still adds only one SMSS (byte counting with L = 1 SMSS).
    send!(
        s,
        11,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 601),
            ..seg()
        }
    );
    assert_eq!(s.congestion().cwnd(), 1200);
}

#[test]
#[cfg(CONFIG_NET_TCP_CONGESTION_AVOIDANCE)]
fn congestion_avoidance_growth() {
    let mut s = established::<4096, 1024>();
    s.c.cc = Cc::new(100, LOCAL_SEQ);
    s.c.cc.on_timeout(800, LOCAL_SEQ, 100); // ssthresh 400, cwnd 100
    for _ in 0..3 {
        s.c.cc.on_new_ack(LOCAL_SEQ + 1, 100, 0, 100);
    }
    assert_eq!(s.congestion().cwnd(), 400);
    s.send(&data(400));
    recv_all(&mut s, 0);
    send!(
        s,
        1,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 101),
            ..seg()
        }
    );
    // cwnd += SMSS*SMSS/cwnd = 25.
    assert_eq!(s.congestion().cwnd(), 425);
}

/// Sends 1000 bytes (10 segments) from an established socket; returns it.
#[cfg(all(CONFIG_NET_TCP_CONGESTION_AVOIDANCE, CONFIG_NET_TCP_FAST_RETRANSMIT))]
fn ten_segments_out() -> Sock {
    let mut s = established::<1024, 1024>();
    s.send(&data(1000));
    assert_eq!(recv_all(&mut s, 0).len(), 10);
    s
}

#[test]
#[cfg(all(CONFIG_NET_TCP_CONGESTION_AVOIDANCE, CONFIG_NET_TCP_FAST_RETRANSMIT))]
fn three_dupacks_fast_retransmit() {
    let mut s = ten_segments_out();
    let dup = TcpRepr {
        ack_number: Some(LOCAL_SEQ + 1),
        ..seg()
    };
    send!(s, 1, dup);
    send!(s, 1, dup);
    recv!(s, 1, []);
    send!(s, 1, dup);
    let segs = recv_all(&mut s, 1);
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].seq_number, LOCAL_SEQ + 1);
    assert_eq!(segs[0].payload, &data(1000)[..100]);
    // ssthresh = flight/2, cwnd = ssthresh + 3 SMSS.
    assert!(s.congestion().in_recovery());
    assert_eq!(
        (s.congestion().ssthresh(), s.congestion().cwnd()),
        (500, 800)
    );
    // Further duplicates inflate the window.
    send!(s, 2, dup);
    assert_eq!(s.congestion().cwnd(), 900);
    // A window update is not a duplicate ACK.
    send!(
        s,
        2,
        TcpRepr {
            window_len: 5000,
            ..dup
        }
    );
    assert_eq!(s.congestion().cwnd(), 900);
}

#[test]
#[cfg(all(CONFIG_NET_TCP_CONGESTION_AVOIDANCE, CONFIG_NET_TCP_FAST_RETRANSMIT))]
fn newreno_partial_ack() {
    let mut s = ten_segments_out();
    let dup = TcpRepr {
        ack_number: Some(LOCAL_SEQ + 1),
        ..seg()
    };
    for _ in 0..3 {
        send!(s, 1, dup);
    }
    assert_eq!(recv_all(&mut s, 1).len(), 1);
    // Segments 1 and 2 arrive, 3 was lost too: a partial ACK retransmits segment 3 at once.
    send!(
        s,
        2,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 201),
            ..seg()
        }
    );
    let segs = recv_all(&mut s, 2);
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].seq_number, LOCAL_SEQ + 201);
    assert!(s.congestion().in_recovery());
    // cwnd 800 - 200 acked + 100.
    assert_eq!(s.congestion().cwnd(), 700);
    // The full ACK ends recovery: cwnd = min(ssthresh, flight + SMSS).
    send!(
        s,
        3,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 1001),
            ..seg()
        }
    );
    assert!(!s.congestion().in_recovery());
    assert_eq!(s.congestion().cwnd(), 200);
    assert_eq!(s.poll_at(), None);
}

/// An established socket that negotiated SACK with the peer.
#[cfg(CONFIG_NET_TCP_SACK)]
fn established_sack<const TX: usize, const RX: usize>() -> Tcb<TX, RX> {
    let mut s = Tcb::<TX, RX>::new(isn());
    s.listen(LOCAL).unwrap();
    send!(
        s,
        0,
        TcpRepr {
            control: TcpControl::Syn,
            seq_number: REMOTE_SEQ,
            ack_number: None,
            max_seg_size: Some(PEER_MSS),
            sack_permitted: true,
            ..seg()
        }
    );
    s.start(LOCAL_SEQ);
    recv!(
        s,
        0,
        [TcpRepr {
            sack_permitted: config::CONFIG_NET_TCP_SACK,
            window_len: RX.min(65535) as u16,
            ..syn_ack()
        }]
    );
    send!(s, 0, seg());
    assert_eq!(s.state(), State::Established);
    s
}

#[test]
#[cfg(CONFIG_NET_TCP_SACK)]
fn sack_scoreboard_limits_retransmission_to_the_hole() {
    let mut s = established_sack::<1024, 1024>();
    s.send(&data(1000));
    assert_eq!(recv_all(&mut s, 0).len(), 10);
    // The peer got everything from +151 on (say the middle of segment 2 was corrupted
    // differently: any SACK edge works).
    let dup = TcpRepr {
        ack_number: Some(LOCAL_SEQ + 1),
        sack_ranges: [Some((LOCAL_SEQ + 151, LOCAL_SEQ + 1001)), None, None],
        ..seg()
    };
    for _ in 0..3 {
        send!(s, 1, dup);
    }
    let segs = recv_all(&mut s, 1);
    assert_eq!(segs.len(), 1);
    assert_eq!(
        (segs[0].seq_number, segs[0].payload.len()),
        (LOCAL_SEQ + 1, 100)
    );
    // Partial ACK: only the 50 bytes before the SACKed block go again.
    send!(
        s,
        2,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 101),
            ..dup
        }
    );
    let segs = recv_all(&mut s, 2);
    assert_eq!(segs.len(), 1);
    assert_eq!(
        (segs[0].seq_number, segs[0].payload.len()),
        (LOCAL_SEQ + 101, 50)
    );
    // Blocks outside SND.UNA..SND.MAX are ignored.
    s.note_sack((LOCAL_SEQ + 5000, LOCAL_SEQ + 6000));
    s.note_sack((LOCAL_SEQ - 50, LOCAL_SEQ + 10));
    assert_eq!(s.c.sack_board.iter().flatten().count(), 1);
}

#[test]
#[cfg(CONFIG_NET_TCP_SACK)]
fn out_of_order_queue_and_sack_blocks() {
    let mut s = established_sack::<1024, 1024>();
    let d = data(400);
    let part = |i: usize| TcpRepr {
        seq_number: REMOTE_SEQ + 1 + i * 100,
        payload: leak(d[i * 100..(i + 1) * 100].to_vec()),
        ..seg()
    };
    let ack = |n: usize| TcpRepr {
        ack_number: Some(REMOTE_SEQ + 1 + n),
        ..out()
    };
    // Segment 1 before 0: duplicate ACK at once with a SACK block.
    send!(s, 1, part(1));
    recv!(
        s,
        1,
        [TcpRepr {
            sack_ranges: [Some((REMOTE_SEQ + 101, REMOTE_SEQ + 201)), None, None],
            ..ack(0)
        }]
    );
    // Segment 3: the newest block comes first.
    send!(s, 2, part(3));
    recv!(
        s,
        2,
        [TcpRepr {
            sack_ranges: [
                Some((REMOTE_SEQ + 301, REMOTE_SEQ + 401)),
                Some((REMOTE_SEQ + 101, REMOTE_SEQ + 201)),
                None
            ],
            ..ack(0)
        }]
    );
    // Segment 0 fills the first hole: ACK at once, up to the end of segment 1.
    send!(s, 3, part(0));
    recv!(
        s,
        3,
        [TcpRepr {
            window_len: 824,
            sack_ranges: [Some((REMOTE_SEQ + 301, REMOTE_SEQ + 401)), None, None],
            ..ack(200)
        }]
    );
    assert_eq!(s.recv_queue(), 200);
    send!(s, 4, part(2));
    recv!(
        s,
        4,
        [TcpRepr {
            window_len: 624,
            ..ack(400)
        }]
    );
    let mut buf = [0u8; 512];
    assert_eq!(s.recv(&mut buf), 400);
    assert_eq!(&buf[..400], &d[..]);
}

#[test]
fn only_a_receiver_of_in_order_data_lets_its_ack_wait_for_the_batch() {
    let mut s = established_sack::<1024, 1024>();
    assert!(s.may_defer_output());
    let d = data(400);
    let part = |i: usize| TcpRepr {
        seq_number: REMOTE_SEQ + 1 + i * 100,
        payload: leak(d[i * 100..(i + 1) * 100].to_vec()),
        ..seg()
    };
    // In order: the ACK may be batched.
    send!(s, 1, part(0));
    assert!(s.may_defer_output());
    // Out of order: the duplicate ACK goes at once (RFC 5681 §4.2), until it is sent.
    send!(s, 2, part(2));
    assert!(!s.may_defer_output());
    recv_all(&mut s, 2);
    assert!(s.may_defer_output());
    // Filling the hole: at once as well.
    send!(s, 3, part(1));
    assert!(!s.may_defer_output());
    recv_all(&mut s, 3);
    // A duplicate of data already received is unacceptable: its ACK is the immediate
    // reply, which never waits.
    let r = send!(s, 4, part(0));
    assert_eq!(r.reply.map(|a| a.ack_number), Some(Some(REMOTE_SEQ + 301)));
    recv_all(&mut s, 4);
    assert!(s.may_defer_output());
    // A connection that sends as well answers at once: its data and the ACKs it carries
    // do not wait.
    assert_eq!(s.send(b"reply"), 5);
    assert!(!s.may_defer_output());
    recv_all(&mut s, 4);
    assert!(!s.may_defer_output(), "in flight, not yet acknowledged");
    // Outside ESTABLISHED nothing waits: after the peer's FIN.
    send!(
        s,
        5,
        TcpRepr {
            control: TcpControl::Fin,
            seq_number: REMOTE_SEQ + 301,
            ..seg()
        }
    );
    assert_eq!(s.state(), State::CloseWait);
    assert!(!s.may_defer_output());
}

#[test]
#[cfg(not(CONFIG_NET_TCP_RECV_QUEUE_TIMEOUT = "0"))]
fn out_of_order_queue_is_bounded_and_expires() {
    let mut s = established::<4096, 4096>();
    // One more hole than there are range slots: the last one is dropped.
    for i in 0..=OOO_SLOTS {
        send!(
            s,
            0,
            TcpRepr {
                seq_number: REMOTE_SEQ + 1 + (2 * i + 1) * 10,
                payload: b"0123456789",
                ..seg()
            }
        );
    }
    assert_eq!(s.c.ooo.iter().count(), OOO_SLOTS);
    // Dropped after NET_TCP_RECV_QUEUE_TIMEOUT.
    assert!(s.poll_at().unwrap() <= RECV_QUEUE_TIMEOUT);
    recv_all(&mut s, RECV_QUEUE_TIMEOUT);
    assert!(s.c.ooo.is_empty());
    send!(
        s,
        RECV_QUEUE_TIMEOUT,
        TcpRepr {
            payload: b"0123456789",
            ..seg()
        }
    );
    assert_eq!(s.recv_queue(), 10);
}

// ---- Windows -------------------------------------------------------------------------------

#[test]
#[cfg(CONFIG_NET_TCP_WINDOW_SCALING)]
fn window_scaling_both_ways() {
    let mut s = Tcb::<1024, 131072>::new(isn());
    s.listen(LOCAL).unwrap();
    send!(
        s,
        0,
        TcpRepr {
            control: TcpControl::Syn,
            seq_number: REMOTE_SEQ,
            ack_number: None,
            max_seg_size: Some(PEER_MSS),
            window_scale: Some(4),
            window_len: 1000,
            ..seg()
        }
    );
    s.start(LOCAL_SEQ);
    // 128 KiB need a shift of 2 (65535 << 1 falls 2 bytes short); the SYN-ACK's own
    // window is never scaled.
    recv!(
        s,
        0,
        [TcpRepr {
            window_scale: Some(2),
            window_len: 65535,
            ..syn_ack()
        }]
    );
    send!(
        s,
        0,
        TcpRepr {
            window_len: 1000,
            ..seg()
        }
    );
    assert_eq!(s.send_window(), 16000);
    // Our window from now on is in units of 4 bytes.
    send!(
        s,
        1,
        TcpRepr {
            payload: leak(data(1000)),
            ..seg()
        }
    );
    let segs = recv_all(&mut s, 1 + ACK_DELAY);
    assert_eq!(segs[0].window_len, ((131072 - 1000) >> 2) as u16);
    // A peer without the option: no scaling either way.
    let mut t = Tcb::<1024, 131072>::new(isn());
    t.listen(LOCAL).unwrap();
    send!(
        t,
        0,
        TcpRepr {
            control: TcpControl::Syn,
            seq_number: REMOTE_SEQ,
            ack_number: None,
            ..seg()
        }
    );
    let segs = recv_all(&mut t, 0);
    assert_eq!((segs[0].window_scale, segs[0].window_len), (None, 65535));
}

#[test]
fn window_update_after_reading() {
    let mut s = established::<64, 64>();
    send!(
        s,
        0,
        TcpRepr {
            payload: leak(data(64)),
            ..seg()
        }
    );
    recv!(
        s,
        ACK_DELAY,
        [TcpRepr {
            ack_number: Some(REMOTE_SEQ + 65),
            window_len: 0,
            ..out()
        }]
    );
    let mut buf = [0u8; 64];
    // Less than min(RCV.BUFF/2, MSS) = 32 bytes freed: no update (receiver SWS avoidance).
    assert_eq!(s.recv(&mut buf[..10]), 10);
    recv!(s, 200, []);
    assert_eq!(s.recv(&mut buf[..30]), 30);
    recv!(
        s,
        201,
        [TcpRepr {
            ack_number: Some(REMOTE_SEQ + 65),
            window_len: 40,
            ..out()
        }]
    );
}

#[test]
fn zero_window_probes_with_backoff() {
    let mut s = established::<1024, 1024>();
    // The peer closes its window.
    send!(
        s,
        0,
        TcpRepr {
            window_len: 0,
            ..seg()
        }
    );
    s.send(b"hello");
    recv!(s, 0, []);
    let rto = s.rtt().rto();
    assert_eq!(s.poll_at(), Some(rto));
    // One byte goes out as a probe.
    let probe = TcpRepr {
        payload: b"h",
        ..out()
    };
    recv!(s, rto, [probe]);
    assert_eq!(s.poll_at(), Some(rto + 2 * rto));
    // Refused (window still 0): the probe repeats with a doubled interval; the connection
    // is not given up however long this lasts.
    send!(
        s,
        rto + 1,
        TcpRepr {
            window_len: 0,
            ..seg()
        }
    );
    recv!(s, 3 * rto, [probe]);
    assert_eq!(s.poll_at(), Some(3 * rto + 4 * rto));
    for _ in 0..20 {
        let t = s.poll_at().unwrap();
        recv!(s, t, [probe]);
        send!(
            s,
            t + 1,
            TcpRepr {
                window_len: 0,
                ..seg()
            }
        );
    }
    assert_eq!(s.state(), State::Established);
    assert_eq!(s.poll_at().unwrap() - s.c.persist_deadline.unwrap(), 0);
    // The window opens: everything goes in one segment.
    let t = s.poll_at().unwrap() - 1;
    send!(
        s,
        t,
        TcpRepr {
            window_len: 1000,
            ..seg()
        }
    );
    recv!(
        s,
        t,
        [TcpRepr {
            control: TcpControl::Psh,
            payload: b"hello",
            ..out()
        }]
    );
    // Back on the retransmission timer, with the RTO of the estimator (no backoff).
    assert_eq!(s.poll_at(), Some(t + s.rtt().rto()));
    assert_eq!(s.c.persist_deadline, None);
}

#[test]
fn send_window_limits_data() {
    let mut s = established::<1024, 1024>();
    send!(
        s,
        0,
        TcpRepr {
            window_len: 250,
            ..seg()
        }
    );
    s.send(&data(1000));
    let segs = recv_all(&mut s, 0);
    // 100 + 100 + 50 would be sender SWS for the last 50: it waits (half the max window
    // is 125).
    assert_eq!(
        segs.iter().map(|s| s.payload.len()).collect::<Vec<_>>(),
        vec![100, 100]
    );
    send!(
        s,
        1,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 201),
            window_len: 250,
            ..seg()
        }
    );
    assert_eq!(recv_all(&mut s, 1).len(), 2);
}

// ---- Keep-alive ----------------------------------------------------------------------------

#[cfg(CONFIG_NET_TCP_KEEPALIVE)]
#[test]
fn keepalive_probes_and_timeout() {
    let mut s = established::<1024, 1024>();
    s.set_keepalive(Some(Keepalive {
        idle: 1000,
        interval: 100,
        count: 3,
    }));
    assert_eq!(s.poll_at(), Some(1000));
    let probe = TcpRepr {
        seq_number: LOCAL_SEQ,
        ..out()
    };
    recv!(s, 1000, [probe]);
    assert_eq!(s.poll_at(), Some(1100));
    // The peer answers: idle again from there.
    send!(s, 1050, seg());
    assert_eq!(s.poll_at(), Some(2050));
    recv!(s, 2050, [probe]);
    recv!(s, 2150, [probe]);
    recv!(s, 2250, [probe]);
    recv!(s, 2350, []);
    assert_eq!(s.error(), Some(TcpError::TimedOut));
    assert_eq!(s.state(), State::Closed);
}

#[cfg(CONFIG_NET_TCP_KEEPALIVE)]
#[test]
fn keepalive_default_comes_from_kconfig() {
    let ka = Keepalive::default();
    assert!(ka.idle >= ka.interval && ka.count > 0);
    let s = established::<64, 64>();
    assert_eq!(s.poll_at(), None);
}

// ---- Sequence numbers ------------------------------------------------------------------------

#[test]
#[cfg(not(CONFIG_NET_TCP_TIME_WAIT_DELAY = "0"))]
fn sequence_numbers_wrap_around() {
    let local = SeqNumber(u32::MAX - 150);
    let remote = SeqNumber(u32::MAX - 120);
    let mut s = Sock::new(isn());
    s.listen(LOCAL).unwrap();
    send!(
        s,
        0,
        TcpRepr {
            control: TcpControl::Syn,
            seq_number: remote,
            ack_number: None,
            max_seg_size: Some(PEER_MSS),
            ..seg()
        }
    );
    s.start(local);
    let segs = recv_all(&mut s, 0);
    assert_eq!(segs[0].seq_number, local);
    send!(
        s,
        0,
        TcpRepr {
            seq_number: remote + 1,
            ack_number: Some(local + 1),
            ..seg()
        }
    );
    assert_eq!(s.state(), State::Established);
    // 300 bytes each way cross 2^32.
    let d = data(300);
    s.send(&d);
    let segs = recv_all(&mut s, 0);
    assert_eq!(segs.len(), 3);
    assert_eq!(segs[2].seq_number, SeqNumber(50));
    send!(
        s,
        1,
        TcpRepr {
            seq_number: remote + 1,
            ack_number: Some(local + 301),
            ..seg()
        }
    );
    assert_eq!(s.send_queue(), 0);
    assert_eq!(s.poll_at(), None);
    for i in 0..3 {
        send!(
            s,
            2,
            TcpRepr {
                seq_number: remote + 1 + i * 100,
                ack_number: Some(local + 301),
                payload: leak(d[i * 100..(i + 1) * 100].to_vec()),
                ..seg()
            }
        );
    }
    let segs = recv_all(&mut s, 2 + ACK_DELAY);
    assert_eq!(segs.last().unwrap().ack_number, Some(SeqNumber(180)));
    let mut buf = [0u8; 400];
    assert_eq!(s.recv(&mut buf), 300);
    assert_eq!(&buf[..300], &d[..]);
    s.close();
    let segs = recv_all(&mut s, 3);
    assert_eq!(
        (segs[0].control, segs[0].seq_number),
        (TcpControl::Fin, SeqNumber(150))
    );
    send!(
        s,
        4,
        TcpRepr {
            control: TcpControl::Fin,
            seq_number: SeqNumber(180),
            ack_number: Some(SeqNumber(151)),
            ..seg()
        }
    );
    assert_eq!(s.state(), State::TimeWait);
}

// ---- Two control blocks back to back -------------------------------------------------------

/// xorshift64*: a small deterministic PRNG for the lossy link.
struct Prng(u64);

impl Prng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A segment in flight: header (with empty payload) and its payload.
struct Flying {
    at: u64,
    to_b: bool,
    header: TcpRepr<'static>,
    payload: Vec<u8>,
}

/// Every segment the state machine produces must survive the wire format: emitted with
/// its checksum, then parsed back, it is the same segment.
fn wire_roundtrip(seg: &TcpRepr<'_>) {
    use crate::ip::checksum::ChecksumPolicy;
    use crate::ip::tcp::wire::TcpPacket;
    let mut buf = vec![0u8; seg.buffer_len()];
    seg.emit(
        &mut TcpPacket::new_unchecked(&mut buf[..]),
        &A_ADDR,
        &B_ADDR,
        true,
    )
    .expect("emit");
    let packet = TcpPacket::new_checked(&buf[..]).expect("length");
    let parsed = TcpRepr::parse(&packet, &A_ADDR, &B_ADDR, ChecksumPolicy::Verify).expect("parse");
    assert_eq!(parsed, *seg);
}

/// A link that loses, duplicates and reorders (random delays of 1 to 8 ms) segments.
struct Link {
    rng: Prng,
    loss: u64,
    dup: u64,
    /// Delays are 1 to `jitter` ms.
    jitter: u64,
    queue: Vec<Flying>,
    sent: usize,
    lost: usize,
}

impl Link {
    fn put(&mut self, now: u64, to_b: bool, seg: &TcpRepr<'_>) {
        self.sent += 1;
        wire_roundtrip(seg);
        if self.rng.chance(self.loss) {
            self.lost += 1;
            return;
        }
        let copies = if self.rng.chance(self.dup) { 2 } else { 1 };
        for _ in 0..copies {
            let mut header = own(&TcpRepr {
                payload: &[],
                ..*seg
            });
            header.payload = &[];
            self.queue.push(Flying {
                at: now + 1 + self.rng.next() % self.jitter.max(1),
                to_b,
                header,
                payload: seg.payload.to_vec(),
            });
        }
    }
}

const A_ADDR: IpAddress = IpAddress::V4(Ipv4Addr::new(10, 0, 0, 1));
const B_ADDR: IpAddress = IpAddress::V4(Ipv4Addr::new(10, 0, 0, 2));

fn pump<const TX: usize, const RX: usize>(
    s: &mut Tcb<TX, RX>,
    now: u64,
    to_b: bool,
    link: &mut Link,
) {
    let mut buf = [0u8; 1600];
    while let Some(seg) = s.poll_transmit(now, MTU, &mut buf) {
        link.put(now, to_b, &seg);
    }
}

/// Moves `total` bytes from A to B over a link with `loss`% loss and `dup`% duplication,
/// then closes both ways. Returns (simulated ms, segments sent, segments lost, A's
/// loss-recovery counters).
#[cfg(all(
    CONFIG_NET_TCP_FAST_RETRANSMIT,
    not(CONFIG_NET_TCP_RECV_QUEUE_TIMEOUT = "0")
))]
fn transfer(
    total: usize,
    loss: u64,
    dup: u64,
    seed: u64,
    timestamps: bool,
) -> (u64, usize, usize, TcbStats) {
    let source: Vec<u8> = (0..total)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1])
        .collect();
    let mut sink = Vec::with_capacity(total);
    let mut link = Link {
        rng: Prng(seed),
        loss,
        dup,
        jitter: 8,
        queue: Vec::new(),
        sent: 0,
        lost: 0,
    };
    let mut a = Box::new(Tcb::<8192, 8192>::new(IsnGenerator::new([1; 16])));
    let mut b = Box::new(Tcb::<8192, 8192>::new(IsnGenerator::new([2; 16])));
    let a_end = Endpoint {
        addr: A_ADDR,
        port: 40000,
    };
    let b_end = Endpoint {
        addr: B_ADDR,
        port: 80,
    };
    a.set_timestamps(timestamps);
    b.set_timestamps(timestamps);
    a.set_rto_gain((seed >> 8) as u8);
    b.set_rto_gain((seed >> 16) as u8);
    b.listen(b_end).unwrap();
    // ISS close to 2^32 so that the transfer also wraps the sequence space.
    a.connect(a_end, b_end, SeqNumber(u32::MAX - 5000), 0)
        .unwrap();
    let mut written = 0;
    let mut now = 0u64;
    let mut a_closed = false;
    let mut b_closed = false;
    let mut buf = [0u8; 4096];
    while now < 3_600_000 {
        // Deliver what is due, in arrival order.
        link.queue.sort_by_key(|f| f.at);
        while link.queue.first().is_some_and(|f| f.at <= now) {
            let f = link.queue.remove(0);
            let seg = TcpRepr {
                payload: &f.payload,
                ..f.header
            };
            let r = if f.to_b {
                b.on_segment(A_ADDR, B_ADDR, &seg, now)
            } else {
                a.on_segment(B_ADDR, A_ADDR, &seg, now)
            };
            if let Some(reply) = r.reply {
                link.put(now, !f.to_b, &reply);
            }
            assert!(!r.events.contains(Events::RESET), "reset at {now}");
        }
        // Applications.
        if a.state() == State::Established && written < total {
            written += a.send(&source[written..]);
        }
        if written == total && !a_closed && a.state() == State::Established {
            a.close();
            a_closed = true;
        }
        loop {
            let n = b.recv(&mut buf);
            if n == 0 {
                break;
            }
            sink.extend_from_slice(&buf[..n]);
        }
        if b.state() == State::CloseWait && !b_closed {
            assert_eq!(sink.len(), total);
            b.close();
            b_closed = true;
        }
        pump(&mut a, now, true, &mut link);
        pump(&mut b, now, false, &mut link);
        assert_eq!(a.error(), None, "A failed at {now}");
        assert_eq!(b.error(), None, "B failed at {now}");
        if b.state() == State::Closed
            && b_closed
            && matches!(a.state(), State::TimeWait | State::Closed)
        {
            break;
        }
        // Jump to the next thing that can happen.
        let next = [
            a.poll_at(),
            b.poll_at(),
            link.queue.iter().map(|f| f.at).min(),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(now + 1);
        now = next.max(now + 1);
    }
    assert_eq!(
        sink.len(),
        total,
        "stalled at {now}: {:?} {:?}",
        a.state(),
        b.state()
    );
    if let Some(i) = (0..total).find(|&i| sink[i] != source[i]) {
        panic!(
            "data corrupted from byte {i}: {:?} vs {:?}",
            &sink[i..(i + 16).min(total)],
            &source[i..(i + 16).min(total)]
        );
    }
    assert_eq!(b.state(), State::Closed);
    (now, link.sent, link.lost, a.stats())
}

#[test]
#[cfg(all(
    CONFIG_NET_TCP_FAST_RETRANSMIT,
    not(CONFIG_NET_TCP_RECV_QUEUE_TIMEOUT = "0")
))]
fn back_to_back_clean_link() {
    let (ms, sent, _, stats) = transfer(200_000, 0, 0, 1, false);
    assert_eq!(stats.timeouts, 0);
    // Without loss nothing is retransmitted: about 200000 / 1460 data segments plus ACKs.
    assert!(sent < 600, "{sent} segments");
    assert!(ms < 1000, "{ms} ms");
}

#[test]
#[cfg(all(
    CONFIG_NET_TCP_FAST_RETRANSMIT,
    not(CONFIG_NET_TCP_RECV_QUEUE_TIMEOUT = "0")
))]
fn back_to_back_1mb_with_loss_duplication_and_reordering() {
    let (ms, sent, lost, stats) = transfer(1 << 20, 10, 5, 0x9e37_79b9_7f4a_7c15, false);
    std::println!("1 MiB: {ms} ms simulated, {sent} segments sent, {lost} lost, {stats:?}");
    // Both recovery paths were exercised.
    assert!(stats.fast_retransmits > 0 && stats.timeouts > 0);
    assert!(
        lost > sent / 20,
        "the link did lose segments: {lost} of {sent}"
    );
    assert!(ms < 3_600_000);
}

#[test]
#[cfg(all(
    CONFIG_NET_TCP_FAST_RETRANSMIT,
    not(CONFIG_NET_TCP_RECV_QUEUE_TIMEOUT = "0")
))]
fn back_to_back_many_seeds() {
    for seed in 1..=12u64 {
        for (loss, dup) in [(2, 2), (20, 10)] {
            transfer(
                64 * 1024,
                loss,
                dup,
                seed.wrapping_mul(0x1234_5678_9abc_def1),
                seed % 2 == 0,
            );
        }
    }
}

#[test]
fn back_to_back_simultaneous_open_and_close() {
    let mut link = Link {
        rng: Prng(5),
        loss: 0,
        dup: 0,
        jitter: 8,
        queue: Vec::new(),
        sent: 0,
        lost: 0,
    };
    let mut a = Sock::new(IsnGenerator::new([1; 16]));
    let mut b = Sock::new(IsnGenerator::new([2; 16]));
    let a_end = Endpoint {
        addr: A_ADDR,
        port: 5000,
    };
    let b_end = Endpoint {
        addr: B_ADDR,
        port: 6000,
    };
    a.connect(a_end, b_end, a.generate_isn(a_end, b_end, 0), 0)
        .unwrap();
    b.connect(b_end, a_end, b.generate_isn(b_end, a_end, 0), 0)
        .unwrap();
    let mut seen_a = Vec::new();
    let mut seen_b = Vec::new();
    let mut closed = false;
    for now in 0..5000u64 {
        link.queue.sort_by_key(|f| f.at);
        while link.queue.first().is_some_and(|f| f.at <= now) {
            let f = link.queue.remove(0);
            let seg = TcpRepr {
                payload: &f.payload,
                ..f.header
            };
            let (s, from, to) = if f.to_b {
                (&mut b, A_ADDR, B_ADDR)
            } else {
                (&mut a, B_ADDR, A_ADDR)
            };
            if let Some(reply) = s.on_segment(from, to, &seg, now).reply {
                link.put(now, !f.to_b, &reply);
            }
        }
        for (s, seen) in [(&a, &mut seen_a), (&b, &mut seen_b)] {
            if seen.last() != Some(&s.state()) {
                seen.push(s.state());
            }
        }
        if !closed && a.state() == State::Established && b.state() == State::Established {
            // Both close in the same millisecond: the FINs cross.
            a.close();
            b.close();
            closed = true;
        }
        pump(&mut a, now, true, &mut link);
        pump(&mut b, now, false, &mut link);
    }
    let expect = [State::SynSent, State::SynReceived, State::Established];
    // Link delays are random, so the FINs may or may not cross exactly.
    for seen in [&seen_a, &seen_b] {
        assert_eq!(&seen[..3], &expect[..], "{seen:?}");
        assert_eq!(seen.last(), Some(&State::Closed), "{seen:?}");
        assert!(
            TIME_WAIT_DELAY == 0 || seen.contains(&State::TimeWait),
            "{seen:?}"
        );
    }
    assert!(seen_a.contains(&State::Closing) || seen_b.contains(&State::Closing));
}

#[test]
fn ipv6_default_mss_and_mtu() {
    use core::net::Ipv6Addr;
    let l6 = IpAddress::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1));
    let r6 = IpAddress::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2));
    let mut s = Tcb::<4096, 1024>::new(isn());
    s.listen(Endpoint {
        addr: l6,
        port: LOCAL_PORT,
    })
    .unwrap();
    let syn = TcpRepr {
        control: TcpControl::Syn,
        seq_number: REMOTE_SEQ,
        ack_number: None,
        ..seg()
    };
    assert_eq!(s.on_segment(r6, l6, &syn, 0).reply, None);
    let segs = recv_all(&mut s, 0);
    // MSS = 1500 - 40 - 20; the peer sent no MSS option: 1220 for IPv6.
    assert_eq!(segs[0].max_seg_size, Some(1440));
    assert_eq!(s.smss(), DEFAULT_MSS_V6);
    // A smaller MTU limits the segments further.
    let mut buf = [0u8; 2048];
    let ack = TcpRepr {
        ack_number: Some(segs[0].seq_number + 1),
        ..seg()
    };
    s.on_segment(r6, l6, &ack, 0);
    s.set_nodelay(true);
    s.send(&data(3000));
    let seg = s.poll_transmit(0, 1280, &mut buf).unwrap();
    assert_eq!(seg.payload.len(), 1220);
    let seg = s.poll_transmit(0, 1000, &mut buf).unwrap();
    assert_eq!(seg.payload.len(), 1000 - 60);
    let mut small = [0u8; 100];
    let mut t = established::<1024, 1024>();
    t.set_nodelay(true);
    t.send(&data(300));
    // A short buffer shortens the segment rather than dropping it.
    assert_eq!(
        t.poll_transmit(0, MTU, &mut small).unwrap().payload.len(),
        100
    );
    assert_eq!(
        t.poll_transmit(0, MTU, &mut small[..40])
            .unwrap()
            .payload
            .len(),
        40
    );
}

/// Random segments, user calls and clock jumps in every state: nothing panics and the
/// sequence-space invariants hold.
#[test]
fn random_input_never_panics() {
    let mut rng = Prng(0xdead_beef_cafe_f00d);
    let mut buf = [0u8; 1600];
    let mut payload = [0u8; 300];
    let mut visited = Vec::new();
    for round in 0..1500u64 {
        let mut s: Tcb<256, 256> = match round % 4 {
            0 => established(),
            1 => syn_received(),
            2 => {
                let mut s = Tcb::new(isn());
                s.connect(LOCAL, REMOTE, LOCAL_SEQ, 0).unwrap();
                recv_all(&mut s, 0);
                s
            }
            _ => {
                let mut s = Tcb::new(isn());
                s.listen(LOCAL).unwrap();
                s
            }
        };
        let mut now = 0u64;
        for _ in 0..200 {
            let r = rng.next();
            let near = |base: SeqNumber, r: u64| base + (r % 600) as usize - 300;
            let control = match r % 11 {
                0 => TcpControl::Syn,
                1 => TcpControl::Fin,
                2 => TcpControl::Rst,
                3 => TcpControl::Psh,
                _ => TcpControl::None,
            };
            let r2 = rng.next();
            let seq = match r2 % 5 {
                0 => SeqNumber(r2 as u32),
                1 | 2 => s.c.rcv_nxt,
                _ => near(s.c.rcv_nxt, r2 >> 8),
            };
            let r3 = rng.next();
            let ack = match r3 % 6 {
                0 => None,
                1 => Some(SeqNumber(r3 as u32)),
                2 | 3 => Some(s.c.snd_max),
                _ => Some(near(s.c.snd_una, r3 >> 8)),
            };
            let len = (rng.next() % 300) as usize;
            let r4 = rng.next();
            let sack = [
                r4.is_multiple_of(3)
                    .then(|| (near(s.c.snd_una, r4 >> 4), near(s.c.snd_una, r4 >> 20))),
                None,
                None,
            ];
            let seg = TcpRepr {
                control,
                seq_number: seq,
                ack_number: ack,
                window_len: (rng.next() % 3000) as u16,
                window_scale: r4.is_multiple_of(7).then_some((r4 >> 40) as u8 % 20),
                max_seg_size: r4.is_multiple_of(5).then_some((r4 >> 30) as u16),
                sack_permitted: r4.is_multiple_of(2),
                sack_ranges: sack,
                timestamp: r4
                    .is_multiple_of(4)
                    .then_some(((r4 >> 8) as u32, (r4 >> 24) as u32)),
                payload: &payload[..len],
                ..seg()
            };
            now += rng.next() % 400;
            s.on_segment(REMOTE_ADDR, LOCAL_ADDR, &seg, now);
            match rng.next() % 12 {
                0 => {
                    s.send(&payload[..len]);
                }
                1 => {
                    s.recv(&mut buf[..len]);
                }
                2 => s.close(),
                3 if round % 50 == 0 => {
                    s.abort();
                }
                4 => s.set_nodelay(len.is_multiple_of(2)),
                #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
                5 => s.set_keepalive(Some(Keepalive {
                    idle: 500,
                    interval: 100,
                    count: 2,
                })),
                _ => {}
            }
            if let Some(t) = s.poll_at()
                && rng.next().is_multiple_of(2)
            {
                now = now.max(t);
            }
            let mtu = 60 + (rng.next() % 1500) as usize;
            for _ in 0..20 {
                if s.poll_transmit(now, mtu, &mut buf).is_none() {
                    break;
                }
            }
            if !visited.contains(&s.state()) {
                visited.push(s.state());
            }
            let c = &s.c;
            if !matches!(c.state, State::Closed | State::Listen) {
                assert!(c.snd_una <= c.snd_nxt && c.snd_nxt <= c.snd_max, "{c:?}");
                assert!(c.rcv_nxt <= c.rcv_adv);
                assert!(s.rx.len() <= 256 && s.tx.len() <= 256);
            }
            payload.iter_mut().for_each(|b| *b = b.wrapping_add(1));
        }
    }
    std::println!("states visited: {visited:?}");
    assert_eq!(
        visited.len(),
        if TIME_WAIT_DELAY == 0 { 10 } else { 11 },
        "{visited:?}"
    );
}

#[test]
fn zero_window_still_takes_acks() {
    let mut s = established::<1024, 64>();
    send!(
        s,
        0,
        TcpRepr {
            payload: leak(data(64)),
            ..seg()
        }
    );
    recv_all(&mut s, ACK_DELAY);
    s.send(b"abc");
    recv_all(&mut s, ACK_DELAY);
    // Our window is 0; the peer probes with a byte that also acknowledges our data.
    let r = send!(
        s,
        150,
        TcpRepr {
            seq_number: REMOTE_SEQ + 65,
            ack_number: Some(LOCAL_SEQ + 4),
            window_len: 777,
            payload: b"p",
            ..seg()
        }
    );
    assert_eq!(r.reply.unwrap().window_len, 0);
    assert!(r.events.contains(Events::WRITABLE));
    assert_eq!(s.send_queue(), 0);
    assert_eq!(s.send_window(), 777);
    assert_eq!(s.recv_queue(), 64);
}

#[test]
fn old_ack_does_not_update_window() {
    let mut s = established::<1024, 1024>();
    s.send(b"abc");
    recv_all(&mut s, 0);
    send!(
        s,
        1,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 4),
            window_len: 500,
            ..seg()
        }
    );
    // A reordered older segment with a newer sequence number (peer data) but an old ACK.
    send!(
        s,
        2,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 1),
            window_len: 9,
            payload: b"x",
            ..seg()
        }
    );
    assert_eq!(s.send_window(), 500);
    assert_eq!(s.recv_queue(), 1);
}

#[test]
fn sender_sws_override_timeout() {
    let mut s = established::<1024, 1024>();
    // The peer offered 4096 once; now it offers 30 bytes.
    send!(
        s,
        0,
        TcpRepr {
            window_len: 30,
            ..seg()
        }
    );
    s.send(&data(500));
    // 30 bytes is less than a segment and less than half the largest window: wait.
    recv!(s, 0, []);
    let t = s.poll_at().unwrap();
    assert_eq!(t, s.rtt().rto());
    // The override timeout sends what fits.
    let segs = recv_all(&mut s, t);
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].payload.len(), 30);
    // And the retransmission timer now covers it.
    assert_eq!(s.poll_at(), Some(t + s.rtt().rto()));
}

// ---- Every state -------------------------------------------------------------------------

/// A socket driven into `state` (ISS [`LOCAL_SEQ`], peer ISS [`REMOTE_SEQ`], nothing in
/// flight), and the peer's next sequence number.
fn in_state(state: State) -> (Sock, SeqNumber) {
    let fin = |s: &mut Sock, seq: SeqNumber, ack: SeqNumber| {
        send!(
            *s,
            1,
            TcpRepr {
                control: TcpControl::Fin,
                seq_number: seq,
                ack_number: Some(ack),
                ..seg()
            }
        );
        recv_all(s, 1);
    };
    let mut s = Sock::new(isn());
    let peer = REMOTE_SEQ + 1;
    match state {
        State::Closed => (s, peer),
        State::Listen => {
            s.listen(LOCAL).unwrap();
            (s, peer)
        }
        State::SynSent => {
            s.connect(LOCAL, REMOTE, LOCAL_SEQ, 0).unwrap();
            recv_all(&mut s, 0);
            (s, peer)
        }
        State::SynReceived => {
            let mut s = syn_received();
            recv_all(&mut s, 0);
            (s, peer)
        }
        State::Established => (established(), peer),
        State::FinWait1 => {
            let mut s = established();
            s.close();
            recv_all(&mut s, 0);
            (s, peer)
        }
        State::FinWait2 => {
            let (mut s, _) = in_state(State::FinWait1);
            send!(
                s,
                1,
                TcpRepr {
                    ack_number: Some(LOCAL_SEQ + 2),
                    ..seg()
                }
            );
            (s, peer)
        }
        State::CloseWait => {
            let mut s = established();
            fin(&mut s, peer, LOCAL_SEQ + 1);
            (s, peer + 1)
        }
        State::LastAck => {
            let (mut s, p) = in_state(State::CloseWait);
            s.close();
            recv_all(&mut s, 1);
            (s, p)
        }
        State::Closing => {
            let (mut s, _) = in_state(State::FinWait1);
            fin(&mut s, peer, LOCAL_SEQ + 1);
            (s, peer + 1)
        }
        State::TimeWait => {
            let (mut s, _) = in_state(State::FinWait2);
            fin(&mut s, peer, LOCAL_SEQ + 2);
            (s, peer + 1)
        }
    }
}

const ALL_STATES: [State; 11] = [
    State::Closed,
    State::Listen,
    State::SynSent,
    State::SynReceived,
    State::Established,
    State::FinWait1,
    State::FinWait2,
    State::CloseWait,
    State::Closing,
    State::LastAck,
    State::TimeWait,
];

#[test]
#[cfg(not(CONFIG_NET_TCP_TIME_WAIT_DELAY = "0"))]
fn every_state_is_reachable() {
    for state in ALL_STATES {
        assert_eq!(in_state(state).0.state(), state);
    }
}

#[test]
#[cfg(not(CONFIG_NET_TCP_TIME_WAIT_DELAY = "0"))]
fn rst_in_every_state() {
    use State::*;
    // (state, state after an exact RST, error)
    let table = [
        (Listen, Listen, None),
        (SynReceived, Listen, None),
        (Established, Closed, Some(TcpError::Reset)),
        (FinWait1, Closed, Some(TcpError::Reset)),
        (FinWait2, Closed, Some(TcpError::Reset)),
        (CloseWait, Closed, Some(TcpError::Reset)),
        (Closing, Closed, None),
        (LastAck, Closed, None),
        (TimeWait, Closed, None),
    ];
    for (state, after, error) in table {
        let (mut s, peer) = in_state(state);
        // In the window but not exact: challenge ACK, nothing changes.
        if state != Listen {
            let r = send!(
                s,
                2,
                TcpRepr {
                    control: TcpControl::Rst,
                    seq_number: peer + 1,
                    ack_number: None,
                    ..seg()
                }
            );
            assert!(r.reply.is_some(), "{state:?}");
            assert_eq!(s.state(), state);
        }
        let r = send!(
            s,
            2,
            TcpRepr {
                control: TcpControl::Rst,
                seq_number: peer,
                ack_number: None,
                ..seg()
            }
        );
        assert_eq!(r.reply, None, "{state:?}");
        assert_eq!((s.state(), s.error()), (after, error), "{state:?}");
    }
}

#[test]
#[cfg(not(CONFIG_NET_TCP_TIME_WAIT_DELAY = "0"))]
fn syn_in_every_synchronized_state_gets_challenge_ack() {
    for state in ALL_STATES.into_iter().filter(|s| s.is_synchronized()) {
        let (mut s, peer) = in_state(state);
        let r = send!(
            s,
            2,
            TcpRepr {
                control: TcpControl::Syn,
                seq_number: peer,
                ack_number: None,
                ..seg()
            }
        );
        if state == State::TimeWait {
            // Not above RCV.NXT: TIME-WAIT answers like the others (a higher one would
            // reopen, see time_wait_rules).
            assert!(r.reply.is_some());
        } else {
            let ack = r.reply.unwrap_or_else(|| panic!("{state:?}"));
            assert_eq!(
                (ack.control, ack.ack_number),
                (TcpControl::None, Some(peer)),
                "{state:?}"
            );
        }
        assert_eq!(s.state(), state);
    }
}

#[test]
#[cfg(not(CONFIG_NET_TCP_TIME_WAIT_DELAY = "0"))]
fn close_and_abort_in_every_state() {
    use State::*;
    let close = [
        (Closed, Closed),
        (Listen, Closed),
        (SynSent, Closed),
        (SynReceived, FinWait1),
        (Established, FinWait1),
        (FinWait1, FinWait1),
        (FinWait2, FinWait2),
        (CloseWait, LastAck),
        (Closing, Closing),
        (LastAck, LastAck),
        (TimeWait, TimeWait),
    ];
    for (state, after) in close {
        let (mut s, _) = in_state(state);
        s.close();
        assert_eq!(s.state(), after, "close in {state:?}");
        let (mut s, _) = in_state(state);
        let rst = s.abort();
        assert_eq!(s.state(), Closed);
        let sends_rst = matches!(
            state,
            SynReceived | Established | FinWait1 | FinWait2 | CloseWait
        );
        assert_eq!(rst.is_some(), sends_rst, "abort in {state:?}");
        if let Some(rst) = rst {
            assert_eq!((rst.control, rst.ack_number), (TcpControl::Rst, None));
        }
        assert_eq!(s.poll_at(), None);
    }
}

#[test]
#[cfg(not(CONFIG_NET_TCP_TIME_WAIT_DELAY = "0"))]
fn data_after_peer_fin_is_ignored() {
    for state in [
        State::CloseWait,
        State::LastAck,
        State::Closing,
        State::TimeWait,
    ] {
        let (mut s, peer) = in_state(state);
        send!(
            s,
            2,
            TcpRepr {
                seq_number: peer,
                payload: b"late",
                ..seg()
            }
        );
        assert_eq!(s.recv_queue(), 0, "{state:?}");
        assert_eq!(s.state(), state);
    }
}

#[test]
fn send_only_where_allowed() {
    for state in ALL_STATES {
        let (mut s, _) = in_state(state);
        let allowed = matches!(
            state,
            State::SynSent | State::SynReceived | State::Established | State::CloseWait
        );
        assert_eq!(s.send(b"x") == 1, allowed, "{state:?}");
    }
}

#[test]
fn randomized_rto_stretches_the_timer() {
    let mut s = Sock::new(isn());
    s.set_rto_gain(255);
    s.connect(LOCAL, REMOTE, LOCAL_SEQ, 0).unwrap();
    recv_all(&mut s, 0);
    let expect = if config::CONFIG_NET_TCP_RANDOMIZED_RTO {
        // 200 * (512 + 255) / 512 = 299.6, rounded down.
        rtt::INIT_RTO * 767 / 512
    } else {
        rtt::INIT_RTO
    };
    assert_eq!(s.poll_at(), Some(expect));
    assert_eq!(s.rto(), expect);
    s.set_rto_gain(0);
    assert_eq!(s.rto(), rtt::INIT_RTO);
}

#[test]
#[cfg(all(CONFIG_NET_TCP_SACK, CONFIG_NET_TCP_FAST_RETRANSMIT))]
fn sack_recovery_resends_each_hole_once() {
    let mut s = established_sack::<1024, 1024>();
    s.send(&data(1000));
    assert_eq!(recv_all(&mut s, 0).len(), 10);
    // Segments 0 and 4 were lost; the peer SACKs the rest as it arrives.
    let dup = |blocks: [Option<(SeqNumber, SeqNumber)>; 3]| TcpRepr {
        ack_number: Some(LOCAL_SEQ + 1),
        sack_ranges: blocks,
        ..seg()
    };
    let b1 = Some((LOCAL_SEQ + 101, LOCAL_SEQ + 401));
    let b2 = Some((LOCAL_SEQ + 501, LOCAL_SEQ + 1001));
    send!(s, 1, dup([b1, None, None]));
    send!(s, 1, dup([b2, b1, None]));
    recv!(s, 1, []);
    send!(s, 1, dup([b2, b1, None]));
    // Third duplicate: fast retransmit of segment 0.
    let segs = recv_all(&mut s, 1);
    assert_eq!(
        segs.iter()
            .map(|s| (s.seq_number, s.payload.len()))
            .collect::<Vec<_>>(),
        vec![(LOCAL_SEQ + 1, 100)]
    );
    // The next duplicate resends the second hole at once, without waiting for a partial
    // ACK; later ones find nothing left to resend.
    send!(s, 2, dup([b2, b1, None]));
    let segs = recv_all(&mut s, 2);
    assert_eq!(
        segs.iter()
            .map(|s| (s.seq_number, s.payload.len()))
            .collect::<Vec<_>>(),
        vec![(LOCAL_SEQ + 401, 100)]
    );
    // That duplicate's inflation paid for the retransmission: cwnd stays at 800.
    assert_eq!(s.congestion().cwnd(), 800);
    send!(s, 3, dup([b2, b1, None]));
    recv!(s, 3, []);
    // The partial ACK for segment 0 finds no new hole to resend either.
    send!(
        s,
        4,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 401),
            sack_ranges: [b2, None, None],
            ..seg()
        }
    );
    recv!(s, 4, []);
    send!(
        s,
        5,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 1001),
            ..seg()
        }
    );
    assert!(!s.congestion().in_recovery());
    assert_eq!(s.poll_at(), None);
}

#[test]
fn data_queued_before_the_handshake_goes_with_the_ack() {
    let mut s = Sock::new(isn());
    s.connect(LOCAL, REMOTE, LOCAL_SEQ, 0).unwrap();
    assert_eq!(s.send(b"early"), 5);
    let segs = recv_all(&mut s, 0);
    assert_eq!(segs.len(), 1);
    assert!(segs[0].payload.is_empty(), "no data on the SYN");
    send!(
        s,
        10,
        TcpRepr {
            control: TcpControl::Syn,
            seq_number: REMOTE_SEQ,
            max_seg_size: Some(PEER_MSS),
            ..seg()
        }
    );
    recv!(
        s,
        10,
        [TcpRepr {
            control: TcpControl::Psh,
            payload: b"early",
            ..out()
        }]
    );
}

#[test]
#[cfg(all(
    CONFIG_NET_TCP_FAST_RETRANSMIT,
    not(CONFIG_NET_TCP_RECV_QUEUE_TIMEOUT = "0")
))]
fn back_to_back_1mb_with_timestamps() {
    let (_, sent, lost, _) = transfer(1 << 20, 10, 5, 0x0123_4567_89ab_cdef, true);
    assert!(lost > sent / 20);
}

#[test]
fn control_blocks_can_be_statics() {
    static TCB: std::sync::Mutex<Tcb<512, 512>> =
        std::sync::Mutex::new(Tcb::new(IsnGenerator::new([3; 16])));
    let mut s = TCB.lock().unwrap();
    assert_eq!(s.state(), State::Closed);
    s.listen(LOCAL).unwrap();
    assert_eq!(s.state(), State::Listen);
}

/// Random overlapping, duplicated and reordered pieces of a stream, fed straight to a
/// receiver: the bytes come out intact and in order, and every SACK block describes data
/// held past RCV.NXT.
#[test]
#[cfg(all(CONFIG_NET_TCP_SACK, not(CONFIG_NET_TCP_RECV_QUEUE_TIMEOUT = "0")))]
fn reassembly_of_random_pieces() {
    let mut rng = Prng(77);
    let stream: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(31) >> 3) as u8)
        .collect();
    let mut s = established_sack::<256, 2048>();
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    let mut now = 1;
    let mut sack_blocks_seen = 0;
    while out.len() < stream.len() {
        now += 1;
        let delivered = s.c.rcv_nxt.checked_sub(REMOTE_SEQ + 1).unwrap();
        // A piece starting somewhere in the next 2500 bytes (past the window too).
        let start = (delivered + (rng.next() % 2500) as usize).min(stream.len() - 1);
        let start = if rng.chance(30) { delivered } else { start };
        let len = (1 + rng.next() % 700) as usize;
        let end = (start + len).min(stream.len());
        let seg = TcpRepr {
            seq_number: REMOTE_SEQ + 1 + start,
            payload: &stream[start..end],
            ..seg()
        };
        let r = s.on_segment(REMOTE_ADDR, LOCAL_ADDR, &seg, now);
        let mut acks: Vec<TcpRepr<'static>> = r.reply.into_iter().collect();
        acks.extend(recv_all(&mut s, now));
        for ack in acks {
            let rcv_nxt = ack.ack_number.unwrap();
            let mut blocks: Vec<_> = ack.sack_ranges.iter().flatten().copied().collect();
            sack_blocks_seen += blocks.len();
            for (l, r) in &blocks {
                assert!(rcv_nxt < *l && l < r, "block {l}..{r} vs {rcv_nxt}");
                assert!(r.checked_sub(rcv_nxt).unwrap() <= 2048);
            }
            blocks.sort_by_key(|(l, _)| l.checked_sub(rcv_nxt).unwrap());
            for w in blocks.windows(2) {
                assert!(w[0].1 < w[1].0, "overlapping blocks {blocks:?}");
            }
        }
        if rng.chance(60) {
            let n = s.recv(&mut buf[..(rng.next() % 512) as usize]);
            out.extend_from_slice(&buf[..n]);
        }
        assert!(now < 100_000, "no progress");
    }
    assert!(out == stream);
    assert!(sack_blocks_seen > 100, "{sack_blocks_seen}");
}

#[test]
fn syn_ack_acking_the_isn_itself_is_refused() {
    let mut s = Sock::new(isn());
    s.connect(LOCAL, REMOTE, LOCAL_SEQ, 0).unwrap();
    recv_all(&mut s, 0);
    // SEG.ACK = ISS does not cover the SYN: RST <SEQ=SEG.ACK>.
    let r = send!(
        s,
        1,
        TcpRepr {
            control: TcpControl::Syn,
            seq_number: REMOTE_SEQ,
            ack_number: Some(LOCAL_SEQ),
            ..seg()
        }
    );
    assert_eq!(
        r.reply.map(|r| (r.control, r.seq_number)),
        Some((TcpControl::Rst, LOCAL_SEQ))
    );
    assert_eq!(s.state(), State::SynSent);
}

#[test]
fn syn_received_fin_goes_to_close_wait() {
    let mut s = syn_received::<1024, 1024>();
    recv_all(&mut s, 0);
    let r = send!(
        s,
        1,
        TcpRepr {
            control: TcpControl::Fin,
            payload: b"hi",
            ..seg()
        }
    );
    assert_eq!(
        r.events,
        Events::CONNECTED | Events::WRITABLE | Events::READABLE | Events::PEER_CLOSED
    );
    assert_eq!(s.state(), State::CloseWait);
    assert_eq!(s.recv_queue(), 2);
    recv!(
        s,
        1,
        [TcpRepr {
            ack_number: Some(REMOTE_SEQ + 4),
            window_len: 1021,
            ..out()
        }]
    );
}

#[test]
fn no_window_updates_after_the_peer_fin() {
    let mut s = established::<64, 64>();
    send!(
        s,
        0,
        TcpRepr {
            control: TcpControl::Fin,
            payload: leak(data(63)),
            ..seg()
        }
    );
    recv_all(&mut s, 0);
    let mut buf = [0u8; 64];
    assert_eq!(s.recv(&mut buf), 63);
    // The peer sends no more: opening the window is pointless.
    recv!(s, 1, []);
}

#[test]
fn fin_into_a_zero_window_goes_as_a_probe() {
    let mut s = established::<1024, 1024>();
    send!(
        s,
        0,
        TcpRepr {
            window_len: 0,
            ..seg()
        }
    );
    s.close();
    recv!(s, 0, []);
    let fin = TcpRepr {
        control: TcpControl::Fin,
        ..out()
    };
    let t = s.poll_at().unwrap();
    assert_eq!(t, s.rto());
    recv!(s, t, [fin]);
    // Answered probes go on for as long as the peer keeps its window shut.
    for _ in 0..(RETRY_COUNT + 5) {
        let t = s.poll_at().unwrap();
        recv!(s, t, [fin]);
        send!(
            s,
            t + 1,
            TcpRepr {
                window_len: 0,
                ..seg()
            }
        );
    }
    assert_eq!(s.state(), State::FinWait1);
    // The window opens: the FIN is taken and acknowledged.
    let t = s.poll_at().unwrap() - 1;
    send!(
        s,
        t,
        TcpRepr {
            window_len: 100,
            ..seg()
        }
    );
    recv!(s, t, [fin]);
    send!(
        s,
        t + 1,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 2),
            window_len: 100,
            ..seg()
        }
    );
    assert_eq!(s.state(), State::FinWait2);
}

#[test]
fn unanswered_zero_window_probes_give_up() {
    let mut s = established::<1024, 1024>();
    send!(
        s,
        0,
        TcpRepr {
            window_len: 0,
            ..seg()
        }
    );
    s.send(b"hello");
    recv!(s, 0, []);
    let mut probes = 0;
    while let Some(t) = s.poll_at() {
        probes += recv_all(&mut s, t).len();
    }
    assert_eq!(probes as u32, RETRY_COUNT);
    assert_eq!(s.error(), Some(TcpError::TimedOut));
}

#[test]
fn listening_on_any_address_binds_to_the_syn_destination() {
    use core::net::Ipv6Addr;
    let l6 = IpAddress::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1));
    let r6 = IpAddress::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2));
    let any = Endpoint {
        addr: IpAddress::V4(Ipv4Addr::UNSPECIFIED),
        port: LOCAL_PORT,
    };
    let mut s = Sock::new(isn());
    s.listen(any).unwrap();
    let syn = TcpRepr {
        control: TcpControl::Syn,
        seq_number: REMOTE_SEQ,
        ack_number: None,
        ..seg()
    };
    s.on_segment(r6, l6, &syn, 0);
    assert_eq!(
        s.local(),
        Endpoint {
            addr: l6,
            port: LOCAL_PORT
        }
    );
    // The ISN is that of the real 4-tuple, the MSS that of IPv6.
    assert_eq!(s.c.iss, isn().isn(l6, LOCAL_PORT, r6, REMOTE_PORT, 0));
    assert_eq!(recv_all(&mut s, 0)[0].max_seg_size, Some(1440));
    // A segment to another local address is not for this connection.
    let rst = TcpRepr {
        control: TcpControl::Rst,
        ack_number: None,
        ..seg()
    };
    assert_eq!(
        s.on_segment(r6, LOCAL_ADDR, &rst, 1).events,
        Events::empty()
    );
    assert_eq!(s.state(), State::SynReceived);
    // A RST sends it back to listening on any address.
    s.on_segment(r6, l6, &rst, 1);
    assert_eq!((s.state(), s.local()), (State::Listen, any));
    // A listener on a specific address ignores SYNs to others.
    let mut t = Sock::new(isn());
    t.listen(LOCAL).unwrap();
    t.on_segment(
        REMOTE_ADDR,
        IpAddress::V4(Ipv4Addr::new(192, 168, 1, 99)),
        &syn,
        0,
    );
    assert_eq!(t.state(), State::Listen);
}

/// Both ends send a stream to each other at once over a lossy, reordering link, with
/// small buffers, a small MTU and applications that read late and in small bites (so
/// windows close and reopen): both streams arrive intact and both ends close cleanly.
fn bidirectional<const TX: usize, const RX: usize>(
    total: usize,
    (loss, dup, jitter): (u64, u64, u64),
    seed: u64,
    mtu: usize,
) {
    let mut link = Link {
        rng: Prng(seed),
        loss,
        dup,
        jitter,
        queue: Vec::new(),
        sent: 0,
        lost: 0,
    };
    let mut app = Prng(seed ^ 0x5555);
    let mut a = Box::new(Tcb::<TX, RX>::new(IsnGenerator::new([1; 16])));
    let mut b = Box::new(Tcb::<TX, RX>::new(IsnGenerator::new([2; 16])));
    let a_end = Endpoint {
        addr: A_ADDR,
        port: 1234,
    };
    let b_end = Endpoint {
        addr: B_ADDR,
        port: 80,
    };
    a.set_timestamps(seed.is_multiple_of(2));
    b.set_timestamps(seed.is_multiple_of(3));
    a.set_nodelay(seed.is_multiple_of(5));
    b.listen(b_end).unwrap();
    a.connect(a_end, b_end, SeqNumber(seed as u32), 0).unwrap();
    let src = |side: u8| -> Vec<u8> {
        (0..total)
            .map(|i| (i as u8).wrapping_mul(7) ^ side)
            .collect()
    };
    let (src_a, src_b) = (src(1), src(2));
    let (mut got_a, mut got_b) = (Vec::new(), Vec::new());
    let (mut sent_a, mut sent_b) = (0, 0);
    let mut buf = [0u8; 2048];
    let mut now = 0u64;
    while now < 20_000_000 {
        link.queue.sort_by_key(|f| f.at);
        while link.queue.first().is_some_and(|f| f.at <= now) {
            let f = link.queue.remove(0);
            let seg = TcpRepr {
                payload: &f.payload,
                ..f.header
            };
            let (s, from, to) = if f.to_b {
                (&mut b, A_ADDR, B_ADDR)
            } else {
                (&mut a, B_ADDR, A_ADDR)
            };
            if let Some(reply) = s.on_segment(from, to, &seg, now).reply {
                link.put(now, !f.to_b, &reply);
            }
        }
        for (s, src, sent, got) in [
            (&mut a, &src_a, &mut sent_a, &mut got_a),
            (&mut b, &src_b, &mut sent_b, &mut got_b),
        ] {
            if matches!(s.state(), State::Established | State::CloseWait) && *sent < total {
                *sent += s.send(&src[*sent..(*sent + (app.next() % 3000) as usize).min(total)]);
                if *sent == total {
                    s.close();
                }
            }
            if app.chance(30) {
                let n = s.recv(&mut buf[..(app.next() % 700) as usize]);
                got.extend_from_slice(&buf[..n]);
            }
            assert_eq!(
                s.error(),
                None,
                "TX={TX} RX={RX} total={total} loss={loss} seed={seed} mtu={mtu}: failed at {now}"
            );
        }
        let mut out = [0u8; 2048];
        for (s, to_b) in [(&mut a, true), (&mut b, false)] {
            while let Some(seg) = s.poll_transmit(now, mtu, &mut out) {
                link.put(now, to_b, &seg);
            }
        }
        let done = |s: &Tcb<TX, RX>| matches!(s.state(), State::Closed | State::TimeWait);
        if done(&a) && done(&b) && link.queue.is_empty() {
            break;
        }
        let next = [
            a.poll_at(),
            b.poll_at(),
            link.queue.iter().map(|f| f.at).min(),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(now + 1);
        now = next.max(now + 1).min(now + 50);
    }
    // Whatever is still buffered.
    for (s, got) in [(&mut a, &mut got_a), (&mut b, &mut got_b)] {
        loop {
            let n = s.recv(&mut buf);
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
    }
    assert_eq!(
        (got_b.len(), got_a.len()),
        (total, total),
        "stalled at {now}: {:?} {:?}",
        a.state(),
        b.state()
    );
    assert!(got_b == src_a && got_a == src_b, "data corrupted");
}

#[test]
#[cfg(all(
    CONFIG_NET_TCP_FAST_RETRANSMIT,
    not(CONFIG_NET_TCP_RECV_QUEUE_TIMEOUT = "0")
))]
fn bidirectional_small_buffers_and_mtu() {
    for seed in 1..=12u64 {
        bidirectional::<512, 700>(60_000, (10, 3, 8), seed, 300);
        bidirectional::<2048, 1500>(100_000, (15, 3, 8), seed * 7, 576);
        bidirectional::<64, 64>(5_000, (5, 3, 8), seed * 13, 1500);
        // Heavy loss, duplication and reordering, a tiny MTU.
        bidirectional::<1024, 1024>(20_000, (20, 20, 60), seed * 17, 100);
    }
}

#[test]
fn unread_data_survives_a_normal_close() {
    // LAST-ACK → CLOSED with data still unread.
    let mut s = established::<1024, 1024>();
    send!(
        s,
        0,
        TcpRepr {
            control: TcpControl::Fin,
            payload: b"tail",
            ..seg()
        }
    );
    s.close();
    recv_all(&mut s, 0);
    send!(
        s,
        1,
        TcpRepr {
            seq_number: REMOTE_SEQ + 6,
            ack_number: Some(LOCAL_SEQ + 2),
            ..seg()
        }
    );
    assert_eq!(s.state(), State::Closed);
    let mut buf = [0u8; 8];
    assert_eq!(s.recv(&mut buf), 4);
    assert_eq!(&buf[..4], b"tail");
    // A reset flushes it (RFC 9293: "all segment queues should be flushed").
    let mut s = established::<1024, 1024>();
    send!(
        s,
        0,
        TcpRepr {
            payload: b"lost",
            ..seg()
        }
    );
    send!(
        s,
        1,
        TcpRepr {
            control: TcpControl::Rst,
            seq_number: REMOTE_SEQ + 5,
            ack_number: None,
            ..seg()
        }
    );
    assert_eq!(s.recv(&mut buf), 0);
    // A new connection starts empty.
    let mut s = established::<1024, 1024>();
    send!(
        s,
        0,
        TcpRepr {
            control: TcpControl::Fin,
            payload: b"tail",
            ..seg()
        }
    );
    s.close();
    recv_all(&mut s, 0);
    send!(
        s,
        1,
        TcpRepr {
            seq_number: REMOTE_SEQ + 6,
            ack_number: Some(LOCAL_SEQ + 2),
            ..seg()
        }
    );
    s.listen(LOCAL).unwrap();
    assert_eq!(s.recv(&mut buf), 0);
}

#[test]
#[cfg(CONFIG_NET_TCP_CONGESTION_AVOIDANCE)]
fn pure_acks_after_a_timeout_carry_snd_max() {
    let mut s = established_fresh_rtt::<1024, 1024>();
    s.send(&data(300));
    assert_eq!(recv_all(&mut s, 0).len(), 3);
    // Timeout: SND.NXT goes back to resend from SND.UNA...
    let segs = recv_all(&mut s, rtt::INIT_RTO);
    assert_eq!(segs[0].seq_number, LOCAL_SEQ + 1);
    assert_eq!(s.c.snd_nxt, LOCAL_SEQ + 101);
    // ...but an ACK for the peer's data is numbered SND.MAX, which the peer, holding all
    // 300 bytes, finds acceptable (an ACK at SND.NXT would be dropped as old, its ACK
    // field with it: both ends could then retransmit forever).
    send!(
        s,
        201,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 1),
            payload: b"x",
            ..seg()
        }
    );
    let acks = recv_all(&mut s, 201 + ACK_DELAY);
    assert_eq!(
        acks.last().map(|a| (a.seq_number, a.payload.len())),
        Some((LOCAL_SEQ + 301, 0))
    );
    // So is a RST.
    assert_eq!(s.abort().map(|r| r.seq_number), Some(LOCAL_SEQ + 301));
}

#[test]
#[ignore = "stress: run by hand"]
#[cfg(all(
    CONFIG_NET_TCP_FAST_RETRANSMIT,
    not(CONFIG_NET_TCP_RECV_QUEUE_TIMEOUT = "0")
))]
fn bidirectional_stress() {
    for seed in 1..=300u64 {
        bidirectional::<512, 700>(60_000, (10, 3, 8), seed, 300);
        bidirectional::<1024, 1024>(20_000, (20, 20, 60), seed * 17, 100);
        bidirectional::<4096, 131_072>(300_000, (5, 5, 30), seed * 19, 1500);
        bidirectional::<200, 100>(10_000, (20, 10, 20), seed * 23, 80);
    }
}

/// Hands every segment `from` transmits at `now` to `to`, except those `drop` selects;
/// returns how many were delivered.
fn deliver<const TX: usize, const RX: usize>(
    from: &mut Tcb<TX, RX>,
    to: &mut Tcb<TX, RX>,
    now: u64,
    mut drop: impl FnMut(usize) -> bool,
) -> usize {
    let (src, dst) = (from.local().addr, to.local().addr);
    let segs = recv_all(from, now);
    let mut n = 0;
    for (i, seg) in segs.iter().enumerate() {
        if drop(i) {
            continue;
        }
        if let Some(reply) = to.on_segment(src, dst, seg, now).reply {
            from.on_segment(dst, src, &reply, now);
        }
        n += 1;
    }
    n
}

#[test]
fn abort_reaches_a_peer_missing_data_through_a_challenge_ack() {
    let a_end = Endpoint {
        addr: A_ADDR,
        port: 1000,
    };
    let b_end = Endpoint {
        addr: B_ADDR,
        port: 2000,
    };
    let mut a = Box::new(Tcb::<8192, 8192>::new(IsnGenerator::new([1; 16])));
    let mut b = Box::new(Tcb::<8192, 8192>::new(IsnGenerator::new([2; 16])));
    b.listen(b_end).unwrap();
    a.connect(a_end, b_end, SeqNumber(7), 0).unwrap();
    deliver(&mut a, &mut b, 0, |_| false);
    deliver(&mut b, &mut a, 0, |_| false);
    deliver(&mut a, &mut b, 0, |_| false);
    assert_eq!(
        (a.state(), b.state()),
        (State::Established, State::Established)
    );
    a.set_nodelay(true);
    a.send(&data(3000));
    // The first segment is lost: B holds the rest out of order, RCV.NXT stays behind.
    assert_eq!(deliver(&mut a, &mut b, 1, |i| i == 0), 2);
    // A RST at SND.MAX (RFC 9293's SND.NXT): the end of the 3000 bytes.
    let rst = a.abort().unwrap();
    assert_eq!(rst.seq_number, SeqNumber(8 + 3000));
    // In B's window but not at RCV.NXT: a challenge ACK (RFC 5961 3.2)...
    let challenge = b.on_segment(A_ADDR, B_ADDR, &rst, 2).reply.unwrap();
    assert_eq!(b.state(), State::Established);
    // ...which A, now closed, answers with a RST at exactly that ACK number.
    let rst2 = a.on_segment(B_ADDR, A_ADDR, &challenge, 3).reply.unwrap();
    assert_eq!(Some(rst2.seq_number), challenge.ack_number);
    let r = b.on_segment(A_ADDR, B_ADDR, &rst2, 4);
    assert_eq!(r.events, Events::RESET | Events::CLOSED);
    assert_eq!(b.error(), Some(TcpError::Reset));
}

#[test]
fn bidirectional_in_order_link() {
    // No reordering: works without the out-of-order queue and fast retransmit too.
    for seed in 1..=6u64 {
        bidirectional::<512, 700>(30_000, (5, 2, 1), seed, 300);
        bidirectional::<2048, 2048>(50_000, (10, 0, 1), seed * 3, 1500);
    }
}

#[test]
#[cfg(not(CONFIG_NET_TCP_ACK_DELAY = "0"))]
fn every_second_segment_of_a_small_mss_peer_is_acked_at_once() {
    let mut s = established::<4096, 4096>();
    send!(
        s,
        0,
        TcpRepr {
            payload: leak(data(100)),
            ..seg()
        }
    );
    recv!(s, 0, []);
    send!(
        s,
        1,
        TcpRepr {
            seq_number: REMOTE_SEQ + 101,
            payload: leak(data(100)),
            ..seg()
        }
    );
    let segs = recv_all(&mut s, 1);
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].ack_number, Some(REMOTE_SEQ + 201));
}
