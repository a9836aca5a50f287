//! The `qemu_cortex_m0` firmware: the nRF51822 (Cortex-M0, 16 KiB of RAM) of the BBC
//! micro:bit, as QEMU's `microbit` machine emulates it. QEMU gives it no NIC, so the only
//! interface is the loopback driver (dummy L2) and the sample talks to itself.
//!
//! Board support, all here: the reset entry and vector table come from `cortex-m-rt` (the
//! memory map is `boards/qemu_cortex_m0/memory.x`, linked by `build.rs`); SysTick ticks a
//! millisecond counter that is the stack's [`Clock`]; the console and the exit status go
//! through semihosting. `thumbv6m` has no compare-and-swap: the stack's pools and queues run
//! on critical sections (`cortex-m`'s `critical-section-single-core`).
//!
//! The firmware gives the loopback interface `::1` and `127.0.0.1` (for the families the
//! configuration enables), opens the echo sockets on port 4242 and one client socket per
//! family, sends itself datagrams of 1, 64 and the largest size the loopback MTU carries,
//! runs the stack ([`Stack::poll`]) and the echo loop until each comes back, checks them
//! byte for byte, prints a summary and the stack's statistics, and exits 0 (1 on any
//! mismatch or timeout).
#![allow(unsafe_code)]

use core::cell::Cell;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::{debug, hio, hprintln};
use critical_section::Mutex;
use net_core::drivers::loopback::Loopback;
use net_core::ip::mgmt::NET_REQUEST_IF_ADDR_ADD;
use net_core::{AddrFamily, Clock, Fd};
use panic_halt as _;

use crate::echo::{self, PORT};

/// The core clock of QEMU's nRF51 (HCLK): 16 MHz.
const CORE_HZ: u32 = 16_000_000;
/// The loopback MTU: the largest IP packet the interface carries.
const MTU: usize = net_core::config::CONFIG_NET_LOOPBACK_MTU;
/// How long one echo may take, in SysTick milliseconds.
const TIMEOUT_MS: u64 = 2_000;
/// A bound on polling rounds per echo, in case the clock does not run.
const MAX_ROUNDS: u32 = 200_000;

/// Milliseconds since boot, bumped by SysTick.
static MILLIS: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));

/// The stack's clock: the SysTick millisecond counter.
pub struct SysTickClock;

impl Clock for SysTickClock {
    fn now_ms(&self) -> u64 {
        critical_section::with(|cs| MILLIS.borrow(cs).get())
    }
}

net_macros::net_stack! {
    /// The stack: pools, queues, tables and interfaces sized by the resolved configuration.
    static NET: Stack;
    clock: SysTickClock = SysTickClock,
    interfaces: {
        /// The loopback device: what is sent comes back as received.
        lo: Dummy(Loopback) = Loopback::new(),
    },
}

#[exception]
fn SysTick() {
    critical_section::with(|cs| {
        let ms = MILLIS.borrow(cs);
        ms.set(ms.get() + 1);
    });
}

fn fail(msg: &str) -> ! {
    hprintln!("echo_server: FAIL: {}", msg);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

/// Byte `i` of the test datagram of `len` bytes.
fn pattern(i: usize, len: usize) -> u8 {
    (i.wrapping_mul(7).wrapping_add(len)) as u8
}

/// One echo: `client` sends `len` bytes to `server`; the loop polls the stack and serves
/// the echo socket `echo` until the reply reaches `client`. `Err` says what went wrong.
fn echo_once(
    client: Fd,
    echo: Fd,
    server: SocketAddr,
    len: usize,
    buf: &mut [u8; MTU],
) -> Result<(), &'static str> {
    let data = buf
        .get_mut(..len)
        .ok_or("datagram larger than the buffer")?;
    for (i, b) in data.iter_mut().enumerate() {
        *b = pattern(i, len);
    }
    NET.sendto(client, data, Some(server))
        .map_err(|_| "sendto failed")?;
    let start = SysTickClock.now_ms();
    for _ in 0..MAX_ROUNDS {
        NET.poll();
        // The echo server: every datagram on port 4242 goes back where it came from.
        echo::echo_pending(&NET, echo, buf);
        NET.poll();
        if let Ok((n, from)) = NET.recvfrom(client, buf) {
            if from != server {
                return Err("echo came from another address");
            }
            if n != len {
                return Err("echo has another length");
            }
            let exact = buf
                .get(..n)
                .unwrap_or_default()
                .iter()
                .enumerate()
                .all(|(i, &b)| b == pattern(i, len));
            return if exact { Ok(()) } else { Err("echo differs") };
        }
        if SysTickClock.now_ms().saturating_sub(start) > TIMEOUT_MS {
            break;
        }
    }
    Err("no echo (timeout)")
}

/// Echoes 1, 64 and `max` bytes through `family`'s sockets to `addr`:4242; returns how many
/// came back.
fn exchange(family: AddrFamily, addr: IpAddr, max: usize, buf: &mut [u8; MTU]) -> u32 {
    let Some(echo) = echo::open(&NET, family, PORT) else {
        fail("cannot open the echo socket");
    };
    let Some(client) = echo::open(&NET, family, 0) else {
        fail("cannot open the client socket");
    };
    let server = SocketAddr::new(addr, PORT);
    let mut done = 0;
    for len in [1, 64, max] {
        if let Err(why) = echo_once(client, echo, server, len, buf) {
            hprintln!("echo_server: {} bytes to {}: {}", len, server, why);
            fail(why);
        }
        hprintln!(
            "echo_server: {} bytes to {} came back byte-exact",
            len,
            server
        );
        done += 1;
    }
    let _ = NET.close(client);
    let _ = NET.close(echo);
    done
}

#[entry]
fn main() -> ! {
    let Some(mut cp) = cortex_m::Peripherals::take() else {
        fail("core peripherals already taken");
    };
    cp.SYST.set_clock_source(SystClkSource::Core);
    cp.SYST.set_reload(CORE_HZ / 1000 - 1);
    cp.SYST.clear_current();
    cp.SYST.enable_counter();
    cp.SYST.enable_interrupt();

    if !net_core::config::CONFIG_NET_UDP || !net_core::config::CONFIG_NET_SOCKETS {
        fail("built without UDP sockets; build with examples/echo_server/prj.conf");
    }
    if NET.start().is_err() {
        fail("cannot start the stack");
    }
    hprintln!(
        "echo_server: UDP echo over loopback on port {} (qemu_cortex_m0)",
        PORT
    );

    let mut buf = [0u8; MTU];
    let mut echoes = 0;
    // Each family the configuration enables: the loopback address with its prefix, and the
    // largest UDP payload of the MTU (IPv6 header 40 bytes, IPv4 20, UDP 8).
    let families = [
        (
            net_core::config::CONFIG_NET_IPV6,
            AddrFamily::Inet6,
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            128,
            MTU - 48,
        ),
        (
            net_core::config::CONFIG_NET_IPV4,
            AddrFamily::Inet,
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            8,
            MTU - 28,
        ),
    ];
    for (enabled, family, addr, prefix, max) in families {
        if !enabled {
            continue;
        }
        // No link-layer address: the interface skips DAD, so the address is usable at once.
        if NET
            .mgmt_request(NET_REQUEST_IF_ADDR_ADD, 0, Some(addr), prefix)
            .is_err()
        {
            fail("cannot add the loopback address to the interface");
        }
        echoes += exchange(family, addr, max, &mut buf);
    }
    if echoes == 0 {
        fail("neither IPv4 nor IPv6 is configured");
    }
    hprintln!(
        "echo_server: {} UDP echoes over loopback came back byte-exact",
        echoes
    );
    hprintln!("statistics:");
    match hio::hstdout() {
        Ok(mut out) => {
            if NET.write_stats(&mut out).is_err() {
                fail("cannot write the statistics");
            }
        }
        Err(()) => fail("no semihosting console"),
    }
    debug::exit(debug::EXIT_SUCCESS);
    loop {
        cortex_m::asm::wfi();
    }
}
