//! The Linux TAP driver of the `native_sim` board (Zephyr's `eth_native_tap`): the stack
//! runs as a host process and its Ethernet frames go through a TAP device, where the Linux
//! kernel (or anything attached to the TAP) is the peer.
//!
//! The TAP is named by `CONFIG_ETH_NATIVE_TAP_DRV_NAME` (default `zeth`) or at run time. It
//! must exist and be up, or the process must be allowed to create it (`CAP_NET_ADMIN`).
//! By default a reader thread receives frames into the RX pool, as an interrupt handler
//! would. In polled mode ([`NativeTap::set_polled`]) there is no thread: the application's
//! loop calls [`NativeTap::poll_rx`] (and [`NativeTap::wait_rx`] to sleep until a frame
//! comes), which is the bare-metal model run on the host, in one thread. Sending writes
//! the frame gathered from its blocks.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::buf::NetPkt;
use crate::drivers::{Driver, DriverError, LinkAddr, RxError, RxPath};

const IFF_TAP: libc::c_short = 0x0002;
const IFF_NO_PI: libc::c_short = 0x1000;
const TUNSETIFF: libc::c_ulong = 0x4004_54ca;
/// Largest frame: 1500 bytes of payload, a VLAN-tagged header.
const MAX_FRAME: usize = 1500 + 18;

#[repr(C)]
struct IfReq {
    name: [libc::c_char; libc::IFNAMSIZ],
    flags: libc::c_short,
    _pad: [u8; 22],
}

/// A TAP-backed Ethernet device.
pub struct NativeTap {
    name: Mutex<String>,
    mac: [u8; 6],
    fd: OnceLock<OwnedFd>,
    polled: AtomicBool,
    /// The RX path and interface index, kept for [`NativeTap::poll_rx`].
    rx: OnceLock<(&'static dyn RxPath, u8)>,
    rx_errors: crate::counter::Counter,
    rx_no_buffer: crate::counter::Counter,
}

impl NativeTap {
    /// A device for the TAP named `CONFIG_ETH_NATIVE_TAP_DRV_NAME` with MAC `mac`
    /// (usable in `static`s).
    pub const fn new(mac: [u8; 6]) -> NativeTap {
        NativeTap {
            name: Mutex::new(String::new()),
            mac,
            fd: OnceLock::new(),
            polled: AtomicBool::new(false),
            rx: OnceLock::new(),
            rx_errors: crate::counter::Counter::new(),
            rx_no_buffer: crate::counter::Counter::new(),
        }
    }

    /// Uses another TAP than the configured one (`--eth-if NAME`); call before start.
    pub fn set_interface_name(&self, name: &str) {
        *self.name.lock().unwrap_or_else(|e| e.into_inner()) = name.to_string();
    }

    /// The TAP's name.
    pub fn interface_name(&self) -> String {
        let n = self.name.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if n.is_empty() {
            crate::config::CONFIG_ETH_NATIVE_TAP_DRV_NAME.to_string()
        } else {
            n
        }
    }

    /// Receives in the caller's loop ([`NativeTap::poll_rx`]) instead of on a reader
    /// thread; call before the stack starts.
    pub fn set_polled(&self, polled: bool) {
        self.polled.store(polled, Ordering::Relaxed);
    }

    /// Polled mode: hands every frame waiting on the TAP (at most `budget`) to the RX
    /// path; returns how many were read. 0 before the stack started or in thread mode.
    pub fn poll_rx(&self, budget: usize) -> usize {
        let (Some(fd), Some(&(rx, iface))) = (self.fd.get(), self.rx.get()) else {
            return 0;
        };
        if !self.polled.load(Ordering::Relaxed) {
            return 0;
        }
        // Not zeroed: `read` fills what is used, and this runs on every turn of a loop.
        let mut frame = [MaybeUninit::<u8>::uninit(); MAX_FRAME + 64];
        let mut n = 0;
        while n < budget {
            match read_frame(fd.as_raw_fd(), &mut frame) {
                Ok(bytes) => {
                    self.deliver(rx, iface, bytes);
                    n += 1;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.rx_errors.inc();
                    rx.rx_error(iface, RxError::Device);
                    break;
                }
            }
        }
        n
    }

    /// Polled mode: sleeps until a frame waits on the TAP or `timeout` passes; true when
    /// a frame waits.
    pub fn wait_rx(&self, timeout: std::time::Duration) -> bool {
        let Some(fd) = self.fd.get() else {
            std::thread::sleep(timeout);
            return false;
        };
        let mut pfd = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
        // SAFETY: `pfd` is one valid pollfd that lives across the call.
        let r = unsafe { libc::poll(&mut pfd, 1, ms) };
        r > 0 && pfd.revents & libc::POLLIN != 0
    }

    /// One frame read from the TAP into the RX path (allocation, copy, hand-off), with
    /// its errors counted.
    fn deliver(&self, rx: &'static dyn RxPath, iface: u8, frame: &[u8]) {
        if !(14..=MAX_FRAME).contains(&frame.len()) {
            self.rx_errors.inc();
            rx.rx_error(iface, RxError::Length);
            return;
        }
        if !rx.recv_copy(iface, frame) {
            self.rx_no_buffer.inc();
            rx.rx_error(iface, RxError::NoBuffer);
        }
    }

    /// Frames dropped because the RX pool was exhausted.
    pub fn rx_no_buffer(&self) -> u32 {
        self.rx_no_buffer.get()
    }

    /// Read errors.
    pub fn rx_errors(&self) -> u32 {
        self.rx_errors.get()
    }

    fn open(&self) -> io::Result<OwnedFd> {
        let path = CString::new(crate::config::CONFIG_ETH_NATIVE_TAP_DEV_NAME)
            .map_err(io::Error::other)?;
        // SAFETY: `path` is a valid NUL-terminated string; open has no other preconditions.
        let raw = unsafe { libc::open(path.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a freshly opened descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let name = self.interface_name();
        if name.len() >= libc::IFNAMSIZ {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "TAP name too long",
            ));
        }
        let mut req = IfReq {
            name: [0; libc::IFNAMSIZ],
            flags: IFF_TAP | IFF_NO_PI,
            _pad: [0; 22],
        };
        for (d, s) in req.name.iter_mut().zip(name.bytes()) {
            *d = s as libc::c_char;
        }
        // SAFETY: TUNSETIFF reads an `ifreq`, which `IfReq` lays out (name, flags, padding
        // to the union's size); `req` lives across the call.
        let r = unsafe { libc::ioctl(fd.as_raw_fd(), TUNSETIFF as _, &mut req as *mut IfReq) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(fd)
    }
}

impl Driver for NativeTap {
    fn link_addr(&self) -> LinkAddr {
        LinkAddr::ethernet(self.mac)
    }

    fn mtu(&self) -> u16 {
        1500
    }

    fn start(&'static self, rx: &'static dyn RxPath, iface: u8) -> Result<(), DriverError> {
        let fd = self.open().map_err(|e| {
            eprintln!(
                "native_tap: cannot attach to TAP {}: {e}",
                self.interface_name()
            );
            DriverError::Io
        })?;
        let raw = fd.as_raw_fd();
        let polled = self.polled.load(Ordering::Relaxed);
        if polled {
            // SAFETY: F_GETFL/F_SETFL on a descriptor this driver owns.
            let ok = unsafe {
                let flags = libc::fcntl(raw, libc::F_GETFL);
                flags >= 0 && libc::fcntl(raw, libc::F_SETFL, flags | libc::O_NONBLOCK) == 0
            };
            if !ok {
                return Err(DriverError::Io);
            }
        }
        if self.fd.set(fd).is_err() || self.rx.set((rx, iface)).is_err() {
            return Err(DriverError::Io);
        }
        if polled {
            return Ok(());
        }
        std::thread::Builder::new()
            .name(format!("tap_rx[{}]", self.interface_name()))
            .spawn(move || {
                let mut frame = [MaybeUninit::<u8>::uninit(); MAX_FRAME + 64];
                loop {
                    // `raw` stays open for the program's life (the OwnedFd is in a static).
                    match read_frame(raw, &mut frame) {
                        Ok(bytes) => self.deliver(rx, iface, bytes),
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => {
                            self.rx_errors.inc();
                            rx.rx_error(iface, RxError::Device);
                            std::thread::sleep(std::time::Duration::from_millis(10));
                        }
                    }
                }
            })
            .map_err(|_| DriverError::Io)?;
        Ok(())
    }

    fn send(&self, frame: &NetPkt<'_>) -> Result<(), DriverError> {
        let fd = self.fd.get().ok_or(DriverError::Down)?;
        if frame.len() > MAX_FRAME {
            return Err(DriverError::TooLong);
        }
        let mut buf = [0u8; MAX_FRAME];
        let n = frame.copy_out(0, &mut buf);
        // SAFETY: `buf[..n]` is initialised and readable; the descriptor is open.
        let w = unsafe { libc::write(fd.as_raw_fd(), buf.as_ptr().cast(), n) };
        if w < 0 || w as usize != n {
            Err(DriverError::Io)
        } else {
            Ok(())
        }
    }
}

/// One `read` of a frame from the TAP descriptor `fd` into `buf`: the bytes read.
fn read_frame(fd: libc::c_int, buf: &mut [MaybeUninit<u8>]) -> io::Result<&[u8]> {
    // SAFETY: `read` writes at most `buf.len()` bytes into `buf`, which is writable for
    // its whole length; the caller keeps `fd` open.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    let n = usize::try_from(n).map_err(|_| io::Error::last_os_error())?;
    // SAFETY: `read` returned `n <= buf.len()`, so it initialised the first `n` bytes.
    Ok(unsafe { core::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n.min(buf.len())) })
}
