//! The firmware: board support, a polling Stellaris Ethernet driver for smoltcp, and the
//! UDP echo loop.
#![allow(unsafe_code)]

use core::cell::Cell;

use cortex_m::interrupt::Mutex;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::hprintln;
use panic_halt as _;
use smoltcp::iface::{Config, Interface, SocketSet, SocketStorage};
use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
use smoltcp::socket::udp;
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr};

#[cfg(not(all(feature = "medium-ethernet", feature = "socket-udp")))]
compile_error!("smoltcp_echo needs the features medium-ethernet and socket-udp");
#[cfg(not(any(feature = "proto-ipv4", feature = "proto-ipv6")))]
compile_error!("smoltcp_echo needs proto-ipv4 or proto-ipv6");

/// The port of Zephyr's echo sample.
const PORT: u16 = 4242;
/// QEMU's lm3s6965evb core clock after reset (12.5 MHz).
const CORE_HZ: u32 = 12_500_000;
/// The MAC address QEMU gives the NIC.
const MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

/// Milliseconds since boot, bumped by SysTick.
static MILLIS: Mutex<Cell<i64>> = Mutex::new(Cell::new(0));

#[exception]
fn SysTick() {
    cortex_m::interrupt::free(|cs| {
        let ms = MILLIS.borrow(cs);
        ms.set(ms.get() + 1);
    });
}

fn now() -> Instant {
    Instant::from_millis(cortex_m::interrupt::free(|cs| MILLIS.borrow(cs).get()))
}

/// The LM3S6965's Ethernet controller (base 0x4004_8000), polled.
mod stellaris {
    const BASE: usize = 0x4004_8000;
    const RIS_IACK: usize = 0x00;
    const IM: usize = 0x04;
    const RCTL: usize = 0x08;
    const TCTL: usize = 0x0c;
    const DATA: usize = 0x10;
    const IA0: usize = 0x14;
    const IA1: usize = 0x18;
    const NP: usize = 0x34;
    const TR: usize = 0x38;
    /// Largest frame: 1500 bytes of payload and a tagged header.
    pub const MAX_FRAME: usize = 1518;
    const TX_SPIN_LIMIT: u32 = 100_000;

    fn read(offset: usize) -> u32 {
        // SAFETY: an aligned register of the controller's MMIO block, which no Rust object
        // aliases; reading it has no effect on memory.
        unsafe { core::ptr::read_volatile((BASE + offset) as *const u32) }
    }

    fn write(offset: usize, value: u32) {
        // SAFETY: as in `read`.
        unsafe { core::ptr::write_volatile((BASE + offset) as *mut u32, value) }
    }

    /// Programs the MAC address, resets the RX FIFO, enables RX (with multicast) and TX
    /// (padding, CRC), interrupts masked.
    pub fn init(mac: [u8; 6]) {
        write(IA0, u32::from_le_bytes([mac[0], mac[1], mac[2], mac[3]]));
        write(IA1, u32::from_le_bytes([mac[4], mac[5], 0, 0]));
        write(RCTL, 1 << 4);
        write(RCTL, (1 << 0) | (1 << 1));
        write(TCTL, (1 << 0) | (1 << 1) | (1 << 2));
        write(IM, 0);
        write(RIS_IACK, u32::MAX);
    }

    /// Reads the next waiting frame into `out`; its length, or `None` when none waits or it
    /// did not fit (the frame's FIFO words are consumed either way).
    pub fn recv(out: &mut [u8; MAX_FRAME]) -> Option<usize> {
        if read(NP) == 0 {
            return None;
        }
        let first = read(DATA);
        let fifo_len = (first & 0xffff) as usize;
        let words = fifo_len.div_ceil(4).max(1);
        let len = fifo_len.saturating_sub(6);
        let ok = (14..=MAX_FRAME).contains(&len);
        let mut put = |at: usize, b: u8| {
            if ok && at < len {
                out[at] = b;
            }
        };
        put(0, (first >> 16) as u8);
        put(1, (first >> 24) as u8);
        for i in 1..words {
            for (k, b) in read(DATA).to_le_bytes().into_iter().enumerate() {
                put(4 * i + k - 2, b);
            }
        }
        ok.then_some(len)
    }

    /// Sends `frame` (at least 14 bytes): payload length and the first two bytes in the
    /// first word, then the rest; gives up when the TX FIFO stays busy.
    pub fn send(frame: &[u8]) {
        let mut spins = 0;
        while read(TR) & 1 != 0 {
            spins += 1;
            if spins == TX_SPIN_LIMIT {
                return;
            }
        }
        let mut word = (frame.len().saturating_sub(14) as u32) & 0xffff;
        let mut fill = 2;
        for &b in frame {
            word |= u32::from(b) << (8 * fill);
            fill += 1;
            if fill == 4 {
                write(DATA, word);
                word = 0;
                fill = 0;
            }
        }
        if fill != 0 {
            write(DATA, word);
        }
        write(TR, 1);
    }
}

/// The NIC as a smoltcp device: one RX and one TX frame buffer.
struct Nic {
    rx: [u8; stellaris::MAX_FRAME],
    tx: [u8; stellaris::MAX_FRAME],
}

struct RxToken<'a>(&'a [u8]);
struct TxToken<'a>(&'a mut [u8; stellaris::MAX_FRAME]);

impl phy::RxToken for RxToken<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(self.0)
    }
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let len = len.min(stellaris::MAX_FRAME);
        let r = f(&mut self.0[..len]);
        if len >= 14 {
            stellaris::send(&self.0[..len]);
        }
        r
    }
}

impl Device for Nic {
    type RxToken<'a> = RxToken<'a>;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _: Instant) -> Option<(RxToken<'_>, TxToken<'_>)> {
        let n = stellaris::recv(&mut self.rx)?;
        Some((RxToken(&self.rx[..n]), TxToken(&mut self.tx)))
    }

    fn transmit(&mut self, _: Instant) -> Option<TxToken<'_>> {
        Some(TxToken(&mut self.tx))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = 1514;
        caps.max_burst_size = Some(1);
        caps
    }
}

#[entry]
fn main() -> ! {
    // Statics (`#[entry]` makes these `&'static mut`): the driver's frames and the socket's
    // buffers live in .bss, as echo_server's pools do.
    static mut NIC: Nic = Nic {
        rx: [0; stellaris::MAX_FRAME],
        tx: [0; stellaris::MAX_FRAME],
    };
    static mut SOCKETS: [SocketStorage<'static>; 1] = [SocketStorage::EMPTY];
    static mut RX_META: [udp::PacketMetadata; 4] = [udp::PacketMetadata::EMPTY; 4];
    static mut TX_META: [udp::PacketMetadata; 4] = [udp::PacketMetadata::EMPTY; 4];
    static mut RX_DATA: [u8; 2048] = [0; 2048];
    static mut TX_DATA: [u8; 2048] = [0; 2048];
    static mut BUF: [u8; 1500] = [0; 1500];

    let Some(mut cp) = cortex_m::Peripherals::take() else {
        loop {
            cortex_m::asm::wfi();
        }
    };
    cp.SYST.set_clock_source(SystClkSource::Core);
    cp.SYST.set_reload(CORE_HZ / 1000 - 1);
    cp.SYST.clear_current();
    cp.SYST.enable_counter();
    cp.SYST.enable_interrupt();

    stellaris::init(MAC);
    let nic: &'static mut Nic = NIC;
    let config = Config::new(HardwareAddress::Ethernet(EthernetAddress(MAC)));
    let mut iface = Interface::new(config, &mut *nic, now());
    iface.update_ip_addrs(|addrs| {
        #[cfg(feature = "proto-ipv4")]
        let _ = addrs.push(IpCidr::new(
            smoltcp::wire::Ipv4Address::new(192, 0, 2, 1).into(),
            24,
        ));
        #[cfg(feature = "proto-ipv6")]
        let _ = addrs.push(IpCidr::new(
            smoltcp::wire::Ipv6Address::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1).into(),
            64,
        ));
    });
    let mut sockets = SocketSet::new(&mut SOCKETS[..]);
    let socket = udp::Socket::new(
        udp::PacketBuffer::new(&mut RX_META[..], &mut RX_DATA[..]),
        udp::PacketBuffer::new(&mut TX_META[..], &mut TX_DATA[..]),
    );
    let handle = sockets.add(socket);
    if sockets.get_mut::<udp::Socket>(handle).bind(PORT).is_err() {
        loop {
            cortex_m::asm::wfi();
        }
    }
    hprintln!("smoltcp_echo: listening on UDP port {}", PORT);

    let buf: &'static mut [u8; 1500] = BUF;
    loop {
        iface.poll(now(), &mut *nic, &mut sockets);
        let socket = sockets.get_mut::<udp::Socket>(handle);
        while let Ok((n, meta)) = socket.recv_slice(buf) {
            let _ = socket.send_slice(&buf[..n], meta);
        }
    }
}
