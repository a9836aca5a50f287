//! The RISC-V firmware for `qemu_riscv32`: QEMU's riscv32 `virt` machine (RV32IMAC, RAM at
//! 0x80000000, no flash) with a virtio-net device on one of its virtio-mmio slots.
//!
//! Board support, all here: the reset entry and trap vector come from `riscv-rt` (QEMU,
//! with `-bios none`, jumps to the start of RAM in machine mode; the memory map is
//! `boards/qemu_riscv32/memory.x`, linked by `build.rs`); the stack's [`Clock`] reads the
//! CLINT's `mtime` (10 MHz on `virt`), whose compare register also raises a timer interrupt
//! every millisecond to wake the main loop; the PLIC routes the virtio-mmio interrupt of the
//! slot the driver found (sources 1-8) to hart 0's machine-mode context, where the external
//! interrupt handler claims it and lets the driver move received frames into the stack's RX
//! pool; the console and the exit status go through semihosting. The main loop is the
//! Cortex-M firmware's: it runs the stack ([`Stack::poll`]), echoes every UDP datagram sent
//! to port 4242 and sleeps (`wfi`) until the next interrupt.
#![allow(unsafe_code)]

use net_core::drivers::ethernet::virtio_net::VirtioNet;
use net_core::{AddrFamily, Clock};
use panic_halt as _;

use crate::echo::{self, PORT};
use riscv::interrupt::Interrupt;
use riscv_rt::{core_interrupt, entry};
use riscv_semihosting::{debug, hprintln};

/// The board's name, for the console.
const NAME: &str = "qemu_riscv32";
/// The CLINT (core-local interruptor) of QEMU's `virt`: the machine timer.
mod clint {
    /// `mtime`, the 64-bit machine timer.
    const MTIME: usize = 0x0200_bff8;
    /// `mtimecmp` of hart 0.
    const MTIMECMP0: usize = 0x0200_4000;
    /// `mtime` ticks per second on `virt` (`RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ`).
    pub const HZ: u64 = 10_000_000;

    fn read(addr: usize) -> u32 {
        // SAFETY: `addr` is a word of the CLINT's register block on QEMU's virt machine,
        // device memory no Rust object aliases.
        unsafe { core::ptr::read_volatile(addr as *const u32) }
    }

    fn write(addr: usize, value: u32) {
        // SAFETY: as in `read`.
        unsafe { core::ptr::write_volatile(addr as *mut u32, value) }
    }

    /// `mtime`, read as two halves without tearing (RV32 has no 64-bit loads).
    pub fn now() -> u64 {
        loop {
            let high = read(MTIME + 4);
            let low = read(MTIME);
            if read(MTIME + 4) == high {
                return u64::from(high) << 32 | u64::from(low);
            }
        }
    }

    /// Makes the timer interrupt of hart 0 fire at `at` (and stay pending until moved).
    pub fn set_compare(at: u64) {
        // High half first set to the maximum, so no intermediate value fires early.
        write(MTIMECMP0 + 4, u32::MAX);
        write(MTIMECMP0, at as u32);
        write(MTIMECMP0 + 4, (at >> 32) as u32);
    }
}

/// The PLIC (platform-level interrupt controller) of QEMU's `virt`, as seen by hart 0 in
/// machine mode (context 0).
mod plic {
    const BASE: usize = 0x0c00_0000;
    /// Source priorities, one word per source.
    const PRIORITY: usize = BASE;
    /// Context 0's enable bits, one per source.
    const ENABLE0: usize = BASE + 0x2000;
    /// Context 0's priority threshold.
    const THRESHOLD0: usize = BASE + 0x20_0000;
    /// Context 0's claim (read) and complete (write) register.
    const CLAIM0: usize = BASE + 0x20_0004;

    fn read(addr: usize) -> u32 {
        // SAFETY: `addr` is a word of the PLIC's register block on QEMU's virt machine,
        // device memory no Rust object aliases.
        unsafe { core::ptr::read_volatile(addr as *const u32) }
    }

    fn write(addr: usize, value: u32) {
        // SAFETY: as in `read`.
        unsafe { core::ptr::write_volatile(addr as *mut u32, value) }
    }

    /// Routes source `irq` (1..1023) to context 0 with priority 1 and threshold 0.
    pub fn enable(irq: u32) {
        let irq = irq as usize;
        write(PRIORITY + 4 * irq, 1);
        let word = ENABLE0 + 4 * (irq / 32);
        write(word, read(word) | 1 << (irq % 32));
        write(THRESHOLD0, 0);
    }

    /// The highest-priority pending source (0: none), now claimed.
    pub fn claim() -> u32 {
        read(CLAIM0)
    }

    /// Ends the handling of a claimed source.
    pub fn complete(irq: u32) {
        write(CLAIM0, irq);
    }
}

/// Timer ticks per millisecond.
const TICKS_PER_MS: u64 = clint::HZ / 1000;

/// The stack's clock: the CLINT's `mtime` in milliseconds.
pub struct MtimeClock;

impl Clock for MtimeClock {
    fn now_ms(&self) -> u64 {
        clint::now() / TICKS_PER_MS
    }
}

net_macros::net_stack! {
    /// The stack: pools, queues, tables and interfaces sized by the resolved configuration.
    static NET: Stack;
    clock: MtimeClock = MtimeClock,
    interfaces: {
        /// The virtio-net device (found on one of the virtio-mmio slots at start).
        eth0: Ethernet(VirtioNet) = VirtioNet::new([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]),
    },
}

/// The machine timer: the next tick in a millisecond, so `wfi` in the main loop wakes at
/// least that often for the stack's timers.
#[core_interrupt(Interrupt::MachineTimer)]
fn machine_timer() {
    clint::set_compare(clint::now() + TICKS_PER_MS);
}

/// External interrupts through the PLIC: the virtio-net device's line goes to the driver.
#[core_interrupt(Interrupt::MachineExternal)]
fn machine_external() {
    let nic = NET_ETH0.irq();
    // Bounded: each claim takes one pending source.
    for _ in 0..8 {
        let irq = plic::claim();
        if irq == 0 {
            break;
        }
        if Some(irq) == nic {
            NET_ETH0.on_interrupt();
        }
        plic::complete(irq);
    }
}

fn fail(msg: &str) -> ! {
    hprintln!("echo_server: {}", msg);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        riscv::asm::wfi();
    }
}

#[entry]
fn main() -> ! {
    if !net_core::config::CONFIG_NET_UDP || !net_core::config::CONFIG_NET_SOCKETS {
        fail("built without UDP sockets; build with examples/echo_server/prj.conf");
    }
    if NET.start().is_err() {
        fail("cannot start the stack");
    }
    let Some(irq) = NET_ETH0.irq() else {
        fail("no virtio-net device on the virtio-mmio slots (run with netcfg run)");
    };
    plic::enable(irq);
    clint::set_compare(clint::now() + TICKS_PER_MS);
    // SAFETY: the handlers only touch the driver, whose RX hook `start` has just set, and
    // the timer; nothing here runs inside a critical section yet.
    unsafe {
        riscv::interrupt::enable_interrupt(Interrupt::MachineTimer);
        riscv::interrupt::enable_interrupt(Interrupt::MachineExternal);
        riscv::interrupt::enable();
    }

    let fds = [
        echo::open(&NET, AddrFamily::Inet, PORT),
        echo::open(&NET, AddrFamily::Inet6, PORT),
    ];
    if fds.iter().all(Option::is_none) {
        fail("no IPv4 or IPv6 socket could be opened");
    }
    hprintln!("echo_server: listening on UDP port {} ({})", PORT, NAME);

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
            // The timer wakes the loop at least every millisecond for the stack's timers.
            riscv::asm::wfi();
        }
    }
}
