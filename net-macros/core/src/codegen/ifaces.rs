//! The interface array, indices in the order written, and the array of their states.

use proc_macro2::{Literal, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned};

use crate::analyze::Model;

/// `static __NET_IFACE_STATE: [IfaceState; N] = [IfaceState::new(), ..];` (all zero, `.bss`)
/// and `static __NET_IFACES: [Iface; N] = [Iface::new("eth0", &NET_ETH0, L2Kind::Ethernet, 0,
/// &__NET_IFACE_STATE[0]), ..];` (immutable, `.rodata`).
pub fn generate(model: &Model) -> TokenStream2 {
    let (name, state) = (&model.ifaces_static, &model.iface_state);
    let count = Literal::usize_unsuffixed(model.ifaces.len());
    let entries = model.ifaces.iter().map(|i| {
        let (iface_name, driver) = (&i.name, &i.driver_static);
        let variant = format_ident!("{}", i.l2.variant(), span = i.l2_span);
        let l2 = quote_spanned!(i.l2_span=> ::net_core::L2Kind::#variant);
        let index = Literal::usize_unsuffixed(i.index);
        quote! { ::net_core::Iface::new(#iface_name, &#driver, #l2, #index, &#state[#index]) }
    });
    let states = model
        .ifaces
        .iter()
        .map(|_| quote! { ::net_core::IfaceState::new() });
    quote! {
        static #state: [::net_core::IfaceState; #count] = [#(#states),*];
        static #name: [::net_core::Iface; #count] = [#(#entries),*];
    }
}
