//! `net_stack!`: an application's whole network stack instance in one invocation, every
//! `static` sized from the resolved configuration.
//!
//! ```ignore
//! net_macros::net_stack! {
//!     /// The stack of this application.
//!     pub static NET: Stack;
//!     clock: ::net_core::StdClock::new(),
//!     interfaces: {
//!         eth0: Ethernet(::net_core::drivers::link::LinkEnd) =
//!             ::net_core::drivers::link::LinkEnd::new([0x00, 0x00, 0x5e, 0x00, 0x53, 0x01], 1),
//!     },
//! }
//! ```
//!
//! The logic lives in `net-macros-core`; this crate only wraps it (see that crate and the
//! README for the syntax, the generated items and the checks).

#![warn(missing_docs)]

use proc_macro::TokenStream;

/// Declares a stack instance: a `static` of type `net_core::Stack` with its pools,
/// interfaces, clock and one `static` per driver (named `<INSTANCE>_<IFACE>`, e.g.
/// `NET_ETH0`).
///
/// Syntax: the instance (`[attrs] [vis] static NAME: Stack;`), then the sections
/// `clock: [Type =] expr,` and `interfaces: { name: L2(DriverType) = expr, .. },` where
/// `L2` is `Ethernet` or `Dummy`. The configuration (`NET_CONFIG`, `NET_BOARD`,
/// `NET_CONFIG_DEFINES`) is resolved as `net-core`'s build script resolves it; an L2 that
/// is off, a bad configuration, and a `net-core` built with other values are compile
/// errors.
#[proc_macro]
pub fn net_stack(input: TokenStream) -> TokenStream {
    net_macros_core::expand(proc_macro2::TokenStream::from(input)).into()
}
