//! The instance: a `static Stack` whose initializer holds the hidden pools, interface,
//! clock, TCP table and state statics, so they are reachable only through the instance.
//! The `Stack` holds only references (`.rodata`); the TCP table and the state start all
//! zero (`.bss`).

use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

use crate::analyze::Model;

/// `#vis static NET: Stack = { <pools> <ifaces> <clock> <TCP table> <state> Stack::new(..) };`
pub fn generate(model: &Model, pools: &TokenStream2, ifaces: &TokenStream2) -> TokenStream2 {
    let (attrs, vis, name) = (&model.attrs, &model.vis, &model.name);
    let (clock, clock_ty, clock_expr) = (&model.clock, &model.clock_ty, &model.clock_expr);
    let (pools_name, ifaces_name) = (&model.pools, &model.ifaces_static);
    let (tcp, state) = (&model.tcp, &model.state);
    quote! {
        #(#attrs)*
        #vis static #name: ::net_core::Stack = {
            #pools
            #ifaces
            static #clock: #clock_ty = #clock_expr;
            static #tcp: ::net_core::TcpTable = ::net_core::TcpTable::new();
            static #state: ::net_core::StackState = ::net_core::StackState::new();
            ::net_core::Stack::new(&#pools_name.pools(), &#ifaces_name, &#clock, &#tcp, &#state)
        };
    }
}
