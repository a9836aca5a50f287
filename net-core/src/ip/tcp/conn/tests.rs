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
            Some(seg) => segs.push(own(&seg)),
            None => break,
        }
    }
    segs
}

macro_rules! send {
    ($s:expr, $t:expr, $seg:expr) => {
        $s.on_segment(REMOTE_ADDR, &$seg, $t)
    };
    ($s:expr, $t:expr, $seg:expr => $reply:expr) => {
        assert_eq!($s.on_segment(REMOTE_ADDR, &$seg, $t).reply, $reply)
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
        s.iss,
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
    assert_eq!(s.sack_ok, sack);
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
    let mut s = syn_received::<1024, 1024>();
    let mut t = 0;
    while let Some(seg) = recv_all(&mut s, t).first() {
        assert_eq!(seg.control, TcpControl::Syn);
        t = s.poll_at().unwrap();
    }
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
    assert_eq!(s.poll_at(), Some(rtt::INIT_RTO.max(s.rtt().rto())));
    let r = send!(
        s,
        20,
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
fn segments_split_at_mss_and_nagle_holds_the_tail() {
    let mut s = established::<1024, 1024>();
    let d = data(250);
    s.send(&d);
    // Two full segments; the 50-byte tail waits while data is in flight (Nagle).
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
        ]
    );
    send!(
        s,
        5,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 101),
            ..seg()
        }
    );
    recv!(s, 5, []);
    send!(
        s,
        6,
        TcpRepr {
            ack_number: Some(LOCAL_SEQ + 201),
            ..seg()
        }
    );
    recv!(
        s,
        6,
        [TcpRepr {
            seq_number: LOCAL_SEQ + 201,
            control: TcpControl::Psh,
            payload: leak(d[200..].to_vec()),
            ..out()
        }]
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
    assert_eq!(s.ack_deadline, None);
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
fn fin_wait_2_times_out() {
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
    assert_eq!(s.poll_at(), Some(10 + FIN_WAIT_2_TIMEOUT));
    recv!(s, 10 + FIN_WAIT_2_TIMEOUT, []);
    assert_eq!(s.state(), State::Closed);
}

#[test]
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
