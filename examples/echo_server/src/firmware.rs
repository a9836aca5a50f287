//! The Cortex-M3 firmware with an Ethernet NIC, for two boards, chosen by the `net_board`
//! cfg that `build.rs` sets from `NET_BOARD`:
//!
//! - `qemu_cortex_m3` (the default): the LM3S6965 with its on-chip Stellaris Ethernet MAC, as
//!   QEMU's `lm3s6965evb` machine emulates it (Ethernet on NVIC line 42, 12.5 MHz core);
//! - `mps2_an385`: Arm's MPS2 AN385 FPGA image with its SMSC LAN9220, QEMU's `mps2-an385`
//!   with the `lan9118` NIC model (Ethernet on NVIC line 13, 25 MHz core).
//!
//! Board support, all here: the reset entry and vector table come from `cortex-m-rt` (the
//! memory map is `boards/<board>/memory.x`, linked by `build.rs`); SysTick ticks a
//! millisecond counter that is the stack's [`Clock`]; the Ethernet interrupt moves received
//! frames into the stack's RX pool; the console and the exit status go through
//! semihosting. The main loop runs the stack ([`Stack::poll`]) and echoes every UDP
//! datagram sent to port 4242, then sleeps until the next interrupt.
#![allow(unsafe_code)]

use core::cell::Cell;

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use critical_section::Mutex;
use net_core::{AddrFamily, Clock};
use panic_halt as _;

use crate::echo::{self, PORT};

use board::{CORE_HZ, Nic};

/// The board's NIC, its interrupt line and the core clock.
#[cfg(not(net_board = "mps2_an385"))]
mod board {
    pub use net_core::drivers::ethernet::stellaris::{IRQ, Stellaris as Nic};
    /// The board's name, for the console.
    pub const NAME: &str = "qemu_cortex_m3";
    /// The core clock of QEMU's lm3s6965evb after reset: QEMU derives the period from RCC's
    /// SYSDIV field (reset value 0xf) as 5 ns x (SYSDIV + 1) = 80 ns, i.e. 12.5 MHz.
    pub const CORE_HZ: u32 = 12_500_000;
}

/// The board's NIC, its interrupt line and the core clock.
#[cfg(net_board = "mps2_an385")]
mod board {
    pub use net_core::drivers::ethernet::smsc911x::{IRQ, Smsc911x as Nic};
    /// The board's name, for the console.
    pub const NAME: &str = "mps2_an385";
    /// The MPS2 system clock (QEMU's `SYSCLK_FRQ`, 25 MHz), which clocks the core.
    pub const CORE_HZ: u32 = 25_000_000;
}

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
        /// The board's Ethernet NIC (Stellaris MAC or LAN9220).
        eth0: Ethernet(Nic) = Nic::new([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]),
    },
}

/// The Ethernet interrupt line, for the NVIC.
#[derive(Clone, Copy)]
struct EthernetIrq;

// SAFETY: `board::IRQ` is the board's Ethernet interrupt (42 on the LM3S6965, 13 on the
// AN385), a valid NVIC line of the device.
unsafe impl cortex_m::interrupt::InterruptNumber for EthernetIrq {
    fn number(self) -> u16 {
        board::IRQ
    }
}

#[exception]
fn SysTick() {
    critical_section::with(|cs| {
        let ms = MILLIS.borrow(cs);
        ms.set(ms.get() + 1);
    });
}

/// Device interrupts: without a peripheral access crate every line lands here.
#[exception]
unsafe fn DefaultHandler(irqn: i16) {
    if irqn == board::IRQ as i16 {
        NET_ETH0.on_interrupt();
    }
}

fn fail(msg: &str) -> ! {
    hprintln!("echo_server: {}", msg);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
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
    // A line left pending from before the driver configured its interrupt (the LAN9220's
    // line is active-low out of reset) would only cost one empty interrupt; drop it.
    cortex_m::peripheral::NVIC::unpend(EthernetIrq);
    // SAFETY: the handler only touches the driver, whose RX hook `start` has just set.
    unsafe { cortex_m::peripheral::NVIC::unmask(EthernetIrq) };

    let fds = [
        echo::open(&NET, AddrFamily::Inet, PORT),
        echo::open(&NET, AddrFamily::Inet6, PORT),
    ];
    if fds.iter().all(Option::is_none) {
        fail("no IPv4 or IPv6 socket could be opened");
    }
    hprintln!(
        "echo_server: listening on UDP port {} ({})",
        PORT,
        board::NAME
    );

    // TCP too when the configuration has it (overlay-tcp.conf).
    let mut tcp = echo::TcpEcho::<2>::open(&NET, PORT);
    if tcp.is_open() {
        hprintln!("echo_server: listening on TCP port {} too", PORT);
    }
    let mut buf = [0u8; 1500];
    loop {
        let mut work = NET.poll();
        for fd in fds.iter().flatten() {
            work += echo::echo_pending(&NET, *fd, &mut buf);
        }
        work += tcp.serve(&NET);
        if work == 0 {
            // SysTick wakes the loop at least every millisecond for the timers.
            cortex_m::asm::wfi();
        }
    }
}
