//! [`Cursor`]: sequential reads and writes over a packet's data.

use super::{NetPkt, PktError};

/// A position in a packet, for reading or writing fields in sequence (Zephyr's
/// `net_pkt_cursor`). Each call walks the chain from the front to its position, which is
/// cheap for the few blocks of a packet; copy whole headers, not single bytes, on hot
/// paths.
pub struct Cursor<'a, 'p> {
    pkt: &'a mut NetPkt<'p>,
    pos: usize,
}

impl<'a, 'p> Cursor<'a, 'p> {
    pub(crate) fn new(pkt: &'a mut NetPkt<'p>) -> Self {
        Self { pkt, pos: 0 }
    }

    /// Offset from the start of the packet's data.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes between the position and the end of the data.
    pub fn remaining(&self) -> usize {
        self.pkt.len().saturating_sub(self.pos)
    }

    /// Moves to `pos`, which may be at most the packet length.
    pub fn seek(&mut self, pos: usize) -> Result<(), PktError> {
        if pos > self.pkt.len() {
            return Err(PktError::OutOfRange);
        }
        self.pos = pos;
        Ok(())
    }

    /// Reads into `buf` and advances; returns the bytes read (short at the end).
    pub fn read(&mut self, buf: &mut [u8]) -> usize {
        let n = self.pkt.copy_out(self.pos, buf);
        self.pos += n;
        n
    }

    /// Fills `buf` completely or fails with [`PktError::OutOfRange`] without moving.
    pub fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), PktError> {
        if buf.len() > self.remaining() {
            return Err(PktError::OutOfRange);
        }
        self.read(buf);
        Ok(())
    }

    /// Advances by `n` bytes, which must not pass the end.
    pub fn skip(&mut self, n: usize) -> Result<(), PktError> {
        if n > self.remaining() {
            return Err(PktError::OutOfRange);
        }
        self.pos += n;
        Ok(())
    }

    /// Writes `data` at the position and advances: existing bytes are overwritten and the
    /// part past the end is appended. All or nothing: if the blocks for the appended part
    /// are missing, fails with [`PktError::NoBuffers`] and changes nothing.
    pub fn write(&mut self, data: &[u8]) -> Result<usize, PktError> {
        let inside = data.len().min(self.remaining());
        let (over, beyond) = data.split_at(inside);
        // Append first: it is the only part that can fail.
        self.pkt.append(beyond)?;
        self.pkt.write_at(self.pos, over)?;
        self.pos += data.len();
        Ok(data.len())
    }

    /// The packet the cursor walks.
    pub fn pkt(&mut self) -> &mut NetPkt<'p> {
        self.pkt
    }
}
