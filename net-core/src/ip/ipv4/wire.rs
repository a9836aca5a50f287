//! IPv4 wire format (RFC 791).

pub use crate::ip::checksum::IpProtocol;
