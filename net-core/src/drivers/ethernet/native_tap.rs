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
//!
//! With offloads on ([`NativeTap::set_offload`]) the TAP is opened with a virtio-net
//! header and told that this side takes partial checksums and TCP segmentation
//! (`TUNSETOFFLOAD`): the kernel's TCP then hands over up to 64 KiB per `read` instead of
//! one MTU-sized frame per system call. The driver completes the checksum of such a
//! super-frame and hands it up whole, for the stack's TCP to take as one long segment, or
//! cuts it into segments when the RX pool has no room for it whole ([`super::offload`]).
//! The other way, the driver offers TCP segmentation offload ([`Driver::tso_max`]): the
//! stack's TCP sends several segments in one packet, which goes out in one `write` behind
//! a header that asks the kernel to cut it. A capture on the TAP shows the super-frames,
//! with partial checksums.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use super::offload::{self, NET_HDR_LEN, NetHdr};
use crate::buf::NetPkt;
use crate::drivers::{Driver, DriverError, LinkAddr, RxError, RxPath};

const IFF_TAP: libc::c_short = 0x0002;
const IFF_NO_PI: libc::c_short = 0x1000;
const IFF_VNET_HDR: libc::c_short = 0x4000;
const TUNSETIFF: libc::c_ulong = 0x4004_54ca;
const TUNSETOFFLOAD: libc::c_ulong = 0x4004_54d0;
const TUNSETVNETHDRSZ: libc::c_ulong = 0x4004_54d8;
const TUNSETVNETLE: libc::c_ulong = 0x4004_54dc;
const TUN_F_CSUM: libc::c_ulong = 0x01;
const TUN_F_TSO4: libc::c_ulong = 0x02;
const TUN_F_TSO6: libc::c_ulong = 0x04;
/// Largest frame: 1500 bytes of payload, a VLAN-tagged header.
const MAX_FRAME: usize = 1500 + 18;
/// Largest read: a virtio-net header and a super-frame of a full 64 KiB IP packet.
const MAX_READ: usize = NET_HDR_LEN + 18 + 65_535;
/// The most TCP payload the driver takes in one packet of several segments (TSO): what
/// fits a 64 KiB IP packet with the largest headers.
const TSO_MAX: usize = 64_000;

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
    offload: AtomicBool,
    /// The RX path and interface index, kept for [`NativeTap::poll_rx`].
    rx: OnceLock<(&'static dyn RxPath, u8)>,
    rx_errors: crate::counter::Counter,
    rx_no_buffer: crate::counter::Counter,
    rx_super_frames: crate::counter::Counter,
    rx_super_frames_cut: crate::counter::Counter,
    tx_super_frames: crate::counter::Counter,
    /// Staging for a TSO packet, which is too large for the stack frame a plain one uses.
    tx_staging: Mutex<Vec<u8>>,
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
            offload: AtomicBool::new(false),
            rx: OnceLock::new(),
            rx_errors: crate::counter::Counter::new(),
            rx_no_buffer: crate::counter::Counter::new(),
            rx_super_frames: crate::counter::Counter::new(),
            rx_super_frames_cut: crate::counter::Counter::new(),
            tx_super_frames: crate::counter::Counter::new(),
            tx_staging: Mutex::new(Vec::new()),
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

    /// Negotiates the kernel's offloads (partial checksums, TCP super-frames both ways:
    /// see the module documentation); call before the stack starts. Off by default: a
    /// capture on the TAP then shows only complete, MTU-sized frames.
    pub fn set_offload(&self, offload: bool) {
        self.offload.store(offload, Ordering::Relaxed);
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
        let mut frame = [MaybeUninit::<u8>::uninit(); MAX_READ];
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

    /// What one `read` from the TAP returned, into the RX path: the frame, or with
    /// offloads on the frames its virtio-net header makes of it.
    fn deliver(&self, rx: &'static dyn RxPath, iface: u8, read: &mut [u8]) {
        if !self.offload.load(Ordering::Relaxed) {
            self.deliver_frame(rx, iface, read, &[]);
            return;
        }
        let Some(hdr) = read.first_chunk::<NET_HDR_LEN>().map(NetHdr::from_bytes) else {
            self.rx_errors.inc();
            rx.rx_error(iface, RxError::Length);
            return;
        };
        let frame = &mut read[NET_HDR_LEN..];
        if !hdr.needs_resolving() {
            self.deliver_frame(rx, iface, frame, &[]);
            return;
        }
        // A TCP super-frame goes up whole, its checksum completed, when the RX pool has
        // room for it: the stack's TCP takes a segment of many MSS at once (as Linux's
        // GRO hands its TCP merged segments). Otherwise it is cut into segments.
        if offload::is_tcp_super_frame(&hdr)
            && offload::complete_checksum(frame, hdr.csum_start, hdr.csum_offset).is_ok()
            && rx.recv_copy(iface, frame)
        {
            self.rx_super_frames.inc();
            return;
        }
        match offload::resolve(&hdr, frame, |head, tail| {
            self.deliver_frame(rx, iface, head, tail);
        }) {
            Ok(frames) if frames > 1 => {
                self.rx_super_frames.inc();
                self.rx_super_frames_cut.inc();
            }
            Ok(_) => {}
            Err(_) => {
                self.rx_errors.inc();
                rx.rx_error(iface, RxError::Device);
            }
        }
    }

    /// One frame, `head` followed by `tail`, into the RX path (allocation, copy,
    /// hand-off), with its errors counted.
    fn deliver_frame(&self, rx: &'static dyn RxPath, iface: u8, head: &[u8], tail: &[u8]) {
        let len = head.len() + tail.len();
        if !(14..=MAX_FRAME).contains(&len) {
            self.rx_errors.inc();
            rx.rx_error(iface, RxError::Length);
            return;
        }
        if !rx.recv_copy_parts(iface, &[head, tail]) {
            self.rx_no_buffer.inc();
            rx.rx_error(iface, RxError::NoBuffer);
        }
    }

    /// TCP super-frames received with offloads on (taken whole or cut into segments).
    pub fn rx_super_frames(&self) -> u32 {
        self.rx_super_frames.get()
    }

    /// Of [`Self::rx_super_frames`], those cut into segments because the RX pool had no
    /// room for them whole.
    pub fn rx_super_frames_cut(&self) -> u32 {
        self.rx_super_frames_cut.get()
    }

    /// TCP packets of several segments sent with offloads on, for the kernel to cut.
    pub fn tx_super_frames(&self) -> u32 {
        self.tx_super_frames.get()
    }

    /// Writes a TCP packet of several segments behind the virtio-net header that asks
    /// the kernel to cut it into segments of `gso_size` payload bytes.
    fn send_tso(
        &self,
        fd: libc::c_int,
        frame: &NetPkt<'_>,
        gso_size: u16,
    ) -> Result<(), DriverError> {
        let mut staging = self.tx_staging.lock().unwrap_or_else(|e| e.into_inner());
        staging.resize(NET_HDR_LEN + frame.len(), 0);
        let (head, body) = staging.split_at_mut(NET_HDR_LEN);
        let n = frame.copy_out(0, body);
        let hdr = offload::tso_header(&mut body[..n], gso_size).map_err(|_| DriverError::Io)?;
        head.copy_from_slice(&hdr.to_bytes());
        let total = NET_HDR_LEN + n;
        // SAFETY: `staging[..total]` is initialised and readable; the descriptor is open.
        let w = unsafe { libc::write(fd, staging.as_ptr().cast(), total) };
        if w < 0 || w as usize != total {
            return Err(DriverError::Io);
        }
        self.tx_super_frames.inc();
        Ok(())
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
        let offload = self.offload.load(Ordering::Relaxed);
        let mut req = IfReq {
            name: [0; libc::IFNAMSIZ],
            flags: IFF_TAP | IFF_NO_PI | if offload { IFF_VNET_HDR } else { 0 },
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
        if offload {
            // The header in virtio 1.x's layout (12 bytes, little-endian), as `NetHdr`.
            let (size, little_endian): (libc::c_int, libc::c_int) = (NET_HDR_LEN as _, 1);
            // SAFETY: TUNSETVNETHDRSZ and TUNSETVNETLE read an `int` through the pointer,
            // which lives across each call; TUNSETOFFLOAD takes its flags as the argument
            // itself, no pointer.
            let r = unsafe {
                let fd = fd.as_raw_fd();
                if libc::ioctl(fd, TUNSETVNETHDRSZ as _, &size as *const libc::c_int) < 0
                    || libc::ioctl(fd, TUNSETVNETLE as _, &little_endian as *const libc::c_int) < 0
                {
                    -1
                } else {
                    libc::ioctl(fd, TUNSETOFFLOAD as _, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)
                }
            };
            if r < 0 {
                return Err(io::Error::last_os_error());
            }
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

    fn tso_max(&self) -> usize {
        if self.offload.load(Ordering::Relaxed) {
            TSO_MAX
        } else {
            0
        }
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
                let mut frame = vec![MaybeUninit::<u8>::uninit(); MAX_READ];
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
        let gso_size = frame.meta().gso_size;
        if gso_size != 0 && self.offload.load(Ordering::Relaxed) {
            return self.send_tso(fd.as_raw_fd(), frame, gso_size);
        }
        if frame.len() > MAX_FRAME {
            return Err(DriverError::TooLong);
        }
        // With offloads on, each frame goes out behind a virtio-net header of zeros: no
        // offload asked of the kernel.
        let mut buf = [0u8; NET_HDR_LEN + MAX_FRAME];
        let at = if self.offload.load(Ordering::Relaxed) {
            NET_HDR_LEN
        } else {
            0
        };
        let n = at + frame.copy_out(0, &mut buf[at..]);
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
fn read_frame(fd: libc::c_int, buf: &mut [MaybeUninit<u8>]) -> io::Result<&mut [u8]> {
    // SAFETY: `read` writes at most `buf.len()` bytes into `buf`, which is writable for
    // its whole length; the caller keeps `fd` open.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    let n = usize::try_from(n).map_err(|_| io::Error::last_os_error())?;
    // SAFETY: `read` returned `n <= buf.len()`, so it initialised the first `n` bytes.
    Ok(unsafe { core::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<u8>(), n.min(buf.len())) })
}
