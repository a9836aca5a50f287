//! The Linux TAP driver of the `native_sim` board (Zephyr's `eth_native_tap`): the stack
//! runs as a host process and its Ethernet frames go through a TAP device, where the Linux
//! kernel (or anything attached to the TAP) is the peer.
//!
//! The TAP is named by `CONFIG_ETH_NATIVE_TAP_DRV_NAME` (default `zeth`) or at run time. It
//! must exist and be up, or the process must be allowed to create it (`CAP_NET_ADMIN`).
//! A reader thread receives frames into the RX pool; sending writes the frame gathered
//! from its blocks.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
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
        if self.fd.set(fd).is_err() {
            return Err(DriverError::Io);
        }
        std::thread::Builder::new()
            .name(format!("tap_rx[{}]", self.interface_name()))
            .spawn(move || {
                let mut frame = [0u8; MAX_FRAME + 64];
                loop {
                    // SAFETY: `frame` is writable for its whole length; `raw` stays open
                    // for the program's life (the OwnedFd sits in a static).
                    let n = unsafe { libc::read(raw, frame.as_mut_ptr().cast(), frame.len()) };
                    if n < 0 {
                        let e = io::Error::last_os_error();
                        if e.kind() == io::ErrorKind::Interrupted {
                            continue;
                        }
                        self.rx_errors.inc();
                        rx.rx_error(iface, RxError::Device);
                        std::thread::sleep(std::time::Duration::from_millis(10));
                        continue;
                    }
                    let n = n as usize;
                    if !(14..=MAX_FRAME).contains(&n) {
                        self.rx_errors.inc();
                        rx.rx_error(iface, RxError::Length);
                        continue;
                    }
                    let Some(mut pkt) = rx.alloc_rx(iface, n) else {
                        self.rx_no_buffer.inc();
                        rx.rx_error(iface, RxError::NoBuffer);
                        continue;
                    };
                    if pkt.append(&frame[..n]).is_err() {
                        self.rx_no_buffer.inc();
                        continue;
                    }
                    rx.recv(iface, pkt);
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
