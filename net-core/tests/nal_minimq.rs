//! An existing crates.io client on this stack: `minimq` 0.10, an MQTT 5 client written
//! against `embedded-nal` 0.9, runs over [`net_core::NalStack`] and talks to a real
//! mosquitto broker.
//!
//! The stack runs in this process on a TAP inside a network namespace the test creates
//! (its address 192.0.2.1 comes from `NET_CONFIG=configs/echo-server.conf`); Linux's side of
//! the TAP is 192.0.2.2, where mosquitto listens. minimq connects, subscribes to a topic,
//! publishes four messages to it (QoS 0 and QoS 1, two of them several KiB, so they span
//! many TCP segments and more than the stack's send buffer) and must get each back through
//! its subscription byte for byte. `mosquitto_sub`, started in the namespace before the
//! publications, is the independent witness of what minimq sent. Afterwards the socket is
//! closed and the stack must give every connection and buffer back.
//!
//! Needs root, `ip`, `mosquitto` and `mosquitto_sub`; without them the test prints `SKIP:`
//! (and fails under `NET_INTEROP_REQUIRED=1`). Under a configuration whose static IPv4
//! address is not 192.0.2.1 it says so and returns.
//!
//! ```sh
//! NET_CONFIG=configs/echo-server.conf cargo test -p net-core --test nal_minimq -- --nocapture
//! ```

#![cfg(all(
    CONFIG_NET_TCP,
    CONFIG_NET_IPV4,
    CONFIG_NET_ARP,
    CONFIG_NET_SOCKETS,
    CONFIG_ETH_NATIVE_TAP,
    target_os = "linux"
))]

use std::cell::RefCell;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use embedded_nal::{TcpClientStack, nb};
use minimq::broker::IpBroker;
use minimq::config::BufferConfig;
use minimq::types::{SubscriptionOptions, TopicFilter};
use minimq::{ConfigBuilder, Minimq, Publication, QoS};
use net_core::drivers::ethernet::native_tap::NativeTap;
use net_core::{Errno, Fd, NalSocket, NalStack};

#[macro_use]
mod support;
use support::netns::{Netns, missing, skip};

/// The stack's end of the TAP (a locally administered MAC).
static TAP: NativeTap = NativeTap::new([0x02, 0, 0, 0, 0x4d, 0x51]);

// The stack under test: one Ethernet interface on `TAP`, pools and tables sized by the
// configuration.
stack_on!(NET, TAP);

/// The stack's static address that the namespace's addressing assumes.
const MY_IPV4: &str = "192.0.2.1";
/// Linux's side of the TAP, where mosquitto listens (port 1883).
const BROKER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
/// The topic minimq subscribes to and publishes on.
const TOPIC: &str = "net-core/nal-minimq";
/// minimq's MQTT client identifier.
const CLIENT_ID: &str = "net-core-minimq";
/// `mosquitto_sub`'s client identifier (its SUBACK in the broker's log says it is ready).
const WITNESS_ID: &str = "nal-minimq-witness";
/// How long the MQTT exchange may take.
const DEADLINE: Duration = Duration::from_secs(20);
/// minimq's receive and transmit buffers: the largest MQTT packet either way (minimq
/// announces the receive size to the broker as its Maximum Packet Size).
const PACKET_MAX: usize = 16 * 1024;

/// minimq's clock: milliseconds since the client was made, from [`std::time::Instant`].
struct MonoClock(Instant);

impl embedded_time::Clock for MonoClock {
    type T = u32;
    const SCALING_FACTOR: embedded_time::fraction::Fraction =
        embedded_time::fraction::Fraction::new(1, 1000);

    fn try_now(&self) -> Result<embedded_time::Instant<Self>, embedded_time::clock::Error> {
        Ok(embedded_time::Instant::new(
            self.0.elapsed().as_millis() as u32
        ))
    }
}

/// What [`Tracked`] saw of minimq's use of the stack.
#[derive(Debug, Default)]
struct Seen {
    /// The socket minimq opened, while it is open.
    fd: Option<Fd>,
    /// Bytes the stack took from `send`.
    sent: usize,
    /// Bytes `receive` delivered.
    received: usize,
    /// `send` calls that took less than offered (the send buffer was full).
    short_sends: usize,
}

/// [`NalStack`] with a record of what minimq does with it. minimq 0.10 has no call that
/// disconnects or hands its socket back, so the test closes the socket through the record.
struct Tracked {
    /// The stack under test.
    nal: NalStack<'static>,
    /// The record, shared with the test.
    seen: Rc<RefCell<Seen>>,
}

impl TcpClientStack for Tracked {
    type TcpSocket = NalSocket;
    type Error = Errno;

    fn socket(&mut self) -> Result<NalSocket, Errno> {
        self.nal.socket()
    }

    fn connect(&mut self, socket: &mut NalSocket, remote: SocketAddr) -> nb::Result<(), Errno> {
        let r = self.nal.connect(socket, remote);
        self.seen.borrow_mut().fd = socket.fd();
        r
    }

    fn send(&mut self, socket: &mut NalSocket, buffer: &[u8]) -> nb::Result<usize, Errno> {
        let r = self.nal.send(socket, buffer);
        let mut seen = self.seen.borrow_mut();
        match r {
            Ok(n) => {
                seen.sent += n;
                if n < buffer.len() {
                    seen.short_sends += 1;
                }
            }
            Err(nb::Error::WouldBlock) => seen.short_sends += 1,
            Err(_) => {}
        }
        r
    }

    fn receive(&mut self, socket: &mut NalSocket, buffer: &mut [u8]) -> nb::Result<usize, Errno> {
        let r = self.nal.receive(socket, buffer);
        if let Ok(n) = r {
            self.seen.borrow_mut().received += n;
        }
        r
    }

    fn close(&mut self, socket: NalSocket) -> Result<(), Errno> {
        self.seen.borrow_mut().fd = None;
        self.nal.close(socket)
    }
}

/// A file removed on drop (the broker's configuration).
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Output of a child process, collected by [`drain`].
type Output = Arc<Mutex<Vec<u8>>>;

/// Appends everything `from` yields to `into` on a thread of its own, until end of file.
fn drain(mut from: impl Read + Send + 'static, into: Output) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    })
}

/// The text collected so far.
fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.lock().unwrap()).into_owned()
}

/// Checks `done` every 10 ms until it holds or `timeout` passes; whether it held.
fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if done() {
            return true;
        }
        if start.elapsed() >= timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `len` printable bytes (a base64 alphabet, no spaces or newlines, so `mosquitto_sub -v`
/// prints each message on one line) from [`support::pattern`].
fn printable(len: usize, seed: u32) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    support::pattern(len, seed)
        .into_iter()
        .map(|b| ALPHABET[usize::from(b % 64)])
        .collect()
}

/// Panics with where `got` first differs from `want` (not with kilobytes of both).
fn assert_same(what: &str, got: &[u8], want: &[u8]) {
    if got != want {
        let at = got
            .iter()
            .zip(want)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(want.len()));
        panic!(
            "{what}: {} bytes, expected {}; first difference at byte {at}",
            got.len(),
            want.len()
        );
    }
}

/// Starts the stack inside the namespace: the TAP is opened there, and the worker threads
/// (spawned from the entered thread) stay there.
fn start_stack(ns: &Netns) -> Result<(), String> {
    TAP.set_interface_name(&ns.tap);
    std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter()?;
            NET.start()
                .map_err(|e| format!("cannot start the stack: {e:?}"))?;
            if !NET.ifaces()[0].is_up() {
                return Err(format!(
                    "{} did not come up on TAP {}",
                    NET.ifaces()[0].name,
                    TAP.interface_name()
                ));
            }
            NET.spawn_workers()
                .map_err(|e| format!("cannot start the stack's threads: {e}"))
        })
        .join()
        .unwrap()
    })
}

/// Waits until a TCP connect to `addr` from inside the namespace succeeds.
fn wait_for_port(ns: &Netns, addr: SocketAddr, timeout: Duration) -> Result<(), String> {
    std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter()?;
            let start = Instant::now();
            loop {
                match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                    Ok(_) => return Ok(()),
                    Err(e) if start.elapsed() >= timeout => {
                        return Err(format!("{addr} does not accept after {timeout:?}: {e}"));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        })
        .join()
        .unwrap()
    })
}

#[test]
fn minimq_over_nal_stack_against_mosquitto() {
    let my = net_core::config::CONFIG_NET_CONFIG_MY_IPV4_ADDR;
    if my != MY_IPV4 {
        eprintln!(
            "SKIP: the stack's static IPv4 address is {my:?}, not {MY_IPV4:?} \
             (run with NET_CONFIG=configs/echo-server.conf)"
        );
        return;
    }
    if let Some(why) = missing(&["mosquitto", "mosquitto_sub"]) {
        skip(&why);
        return;
    }
    let mut ns = Netns::create("nal-minimq", "mqtap0").unwrap_or_else(|e| panic!("{e}"));

    // The broker, on Linux's side of the TAP, logging everything to its stderr.
    let conf =
        TempFile(std::env::temp_dir().join(format!("nal-minimq-{}.conf", std::process::id())));
    std::fs::write(
        &conf.0,
        "listener 1883 192.0.2.2\nallow_anonymous true\npersistence false\nlog_type all\n",
    )
    .unwrap();
    let broker = ns
        .spawn(&["mosquitto", "-c", conf.0.to_str().unwrap()], true, false)
        .unwrap_or_else(|e| panic!("{e}"));
    let log = Output::default();
    let child = ns.child(broker);
    drain(child.stdout.take().unwrap(), log.clone());
    drain(child.stderr.take().unwrap(), log.clone());
    let broker_addr = SocketAddr::new(IpAddr::V4(BROKER), minimq::MQTT_INSECURE_DEFAULT_PORT);
    if let Err(e) = wait_for_port(&ns, broker_addr, Duration::from_secs(10)) {
        panic!("mosquitto: {e}\nbroker log:\n{}", text(&log));
    }

    start_stack(&ns).unwrap_or_else(|e| panic!("{e}"));

    // What minimq publishes: QoS 0 and 1, small, and several KiB (many segments).
    let messages: Vec<(QoS, Vec<u8>)> = vec![
        (QoS::AtMostOnce, b"hello from net-core over minimq".to_vec()),
        (
            QoS::AtLeastOnce,
            b"at least once, through embedded-nal".to_vec(),
        ),
        (QoS::AtLeastOnce, printable(8 * 1024, 1)),
        (QoS::AtMostOnce, printable(5 * 1024, 2)),
    ];

    // The witness: mosquitto_sub prints each message on the topic as "topic payload", and
    // exits after as many as minimq publishes.
    let count = messages.len().to_string();
    let witness = ns
        .spawn(
            &[
                "mosquitto_sub",
                "-h",
                "192.0.2.2",
                "-t",
                TOPIC,
                "-C",
                &count,
                "-v",
                "-i",
                WITNESS_ID,
            ],
            true,
            false,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let witness_out = Output::default();
    let witness_err = Output::default();
    let child = ns.child(witness);
    let witness_reader = drain(child.stdout.take().unwrap(), witness_out.clone());
    drain(child.stderr.take().unwrap(), witness_err.clone());
    let suback = format!("Sending SUBACK to {WITNESS_ID}");
    assert!(
        wait_until(Duration::from_secs(10), || text(&log).contains(&suback)),
        "mosquitto_sub did not subscribe: {}\nbroker log:\n{}",
        text(&witness_err),
        text(&log)
    );

    // minimq over the stack.
    let seen = Rc::new(RefCell::new(Seen::default()));
    let stack = Tracked {
        nal: NalStack(&NET),
        seen: seen.clone(),
    };
    let mut memory = vec![0u8; 3 * PACKET_MAX];
    let config = ConfigBuilder::new(IpBroker::new(IpAddr::V4(BROKER)), &mut memory)
        .client_id(CLIENT_ID)
        .unwrap()
        .rx_buffer(BufferConfig::Exactly(PACKET_MAX))
        .tx_buffer(BufferConfig::Exactly(PACKET_MAX));
    let start = Instant::now();
    let mut mqtt: Minimq<'_, Tracked, MonoClock, IpBroker> =
        Minimq::new(stack, MonoClock(start), config);

    let mut received: Vec<(String, Vec<u8>)> = Vec::new();
    let mut subscribed = false;
    let mut next = 0;
    let (mut connected_at, mut subacked_at, mut published_at) = (None, None, None);
    loop {
        assert!(
            start.elapsed() < DEADLINE,
            "timed out after {DEADLINE:?}: connected {}, subscribed {subscribed}, \
             {next} of {} published, {} received, QoS 1 acknowledgements pending {}; \
             {:?}\nbroker log:\n{}",
            mqtt.client().is_connected(),
            messages.len(),
            received.len(),
            mqtt.client().pending_messages(),
            seen.borrow(),
            text(&log)
        );
        // Everything that arrived, until minimq has nothing more to do.
        loop {
            match mqtt
                .poll(|_client, topic, payload, _properties| (topic.to_string(), payload.to_vec()))
            {
                Ok(Some(message)) => received.push(message),
                Ok(None) => break,
                Err(e) => panic!("minimq: {e:?}\nbroker log:\n{}", text(&log)),
            }
        }
        let client = mqtt.client();
        if client.is_connected() {
            connected_at.get_or_insert_with(|| start.elapsed());
            if !subscribed {
                let filter = TopicFilter::new(TOPIC)
                    .options(SubscriptionOptions::default().maximum_qos(QoS::AtLeastOnce));
                match client.subscribe(&[filter], &[]) {
                    Ok(()) => subscribed = true,
                    // A packet is still being written: the next round.
                    Err(minimq::Error::NotReady) => {}
                    Err(e) => panic!("subscribe: {e:?}"),
                }
            } else if !client.subscriptions_pending() && next < messages.len() {
                subacked_at.get_or_insert_with(|| start.elapsed());
                let (qos, payload) = &messages[next];
                // One at a time: the next once the previous came back, and not while a
                // packet is still going into the send buffer (`can_publish`). minimq 0.10
                // panics (`assert!(self.pending_write.is_none())` in `send_packet`) when a
                // QoS 1 message arrives, which it must PUBACK, while its previous packet
                // is only partly written, as happens when a several-KiB publication meets
                // the stack's send buffer (about 1 KiB per connection with echo-server.conf).
                if received.len() == next && client.can_publish(*qos) {
                    client
                        .publish(Publication::new(TOPIC, &payload[..]).qos(*qos))
                        .unwrap_or_else(|e| panic!("publish {next}: {e:?}"));
                    next += 1;
                    if next == messages.len() {
                        published_at = Some(start.elapsed());
                    }
                }
            }
            if next == messages.len()
                && received.len() >= messages.len()
                && !client.pending_messages()
            {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let done_at = start.elapsed();

    // Each message came back through the subscription, byte for byte, in order.
    assert_eq!(received.len(), messages.len(), "messages received");
    for (i, ((topic, got), (_, want))) in received.iter().zip(&messages).enumerate() {
        assert_eq!(topic, TOPIC, "topic of message {i}");
        assert_same(&format!("message {i} received by minimq"), got, want);
    }

    // The witness saw the same.
    assert!(
        wait_until(Duration::from_secs(10), || {
            ns.child(witness).try_wait().ok().flatten().is_some()
        }),
        "mosquitto_sub did not exit after {count} messages; it printed:\n{}",
        text(&witness_out)
    );
    witness_reader.join().unwrap();
    let status = ns.child(witness).wait().unwrap();
    assert!(
        status.success(),
        "mosquitto_sub: {status}: {}",
        text(&witness_err)
    );
    let mut expected = Vec::new();
    for (_, payload) in &messages {
        expected.extend_from_slice(TOPIC.as_bytes());
        expected.push(b' ');
        expected.extend_from_slice(payload);
        expected.push(b'\n');
    }
    assert_same(
        "mosquitto_sub's output",
        &witness_out.lock().unwrap(),
        &expected,
    );

    // Close: minimq cannot, so the socket it opened is closed here; then every connection
    // (TIME-WAIT included) and every buffer goes back to the stack.
    let seen = std::mem::take(&mut *seen.borrow_mut());
    drop(mqtt);
    let fd = seen.fd.expect("minimq's socket");
    NET.close(fd).unwrap();
    let closed = Instant::now();
    let settled = wait_until(Duration::from_secs(10), || {
        let p = NET.pools().stats();
        NET.tcp_connections() == 0
            && p.rx_pkts.allocated == 0
            && p.tx_pkts.allocated == 0
            && p.rx_bufs.allocated == 0
            && p.tx_bufs.allocated == 0
    });
    assert!(
        settled,
        "after close: {} TCP connections, pools {:?}",
        NET.tcp_connections(),
        NET.pools().stats()
    );
    let released = closed.elapsed();
    let gone = format!("Client {CLIENT_ID} closed its connection");
    assert!(
        wait_until(Duration::from_secs(5), || text(&log).contains(&gone)),
        "the broker did not see the connection end\nbroker log:\n{}",
        text(&log)
    );

    let ms = |d: Option<Duration>| d.map_or(0, |d| d.as_millis());
    eprintln!(
        "minimq over NalStack: connected after {} ms, subscribed after {} ms, {} messages \
         ({} bytes of payload) published by {} ms and all received back by {} ms; \
         {} bytes sent ({} short sends), {} bytes received; \
         connection and buffers released {} ms after close",
        ms(connected_at),
        ms(subacked_at),
        messages.len(),
        messages.iter().map(|(_, p)| p.len()).sum::<usize>(),
        ms(published_at),
        done_at.as_millis(),
        seen.sent,
        seen.short_sends,
        seen.received,
        released.as_millis()
    );
    let mut stats = String::new();
    let _ = NET.write_stats(&mut stats);
    eprintln!("--- statistics\n{stats}---");
}
