//! The packet and buffer pools, sized by `net-core`'s configuration consts.

use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

use crate::analyze::Model;

/// `static __NET_POOLS: ConfiguredPools = ConfiguredPools::new();`
pub fn generate(model: &Model) -> TokenStream2 {
    let pools = &model.pools;
    quote! {
        static #pools: ::net_core::buf::ConfiguredPools = ::net_core::buf::ConfiguredPools::new();
    }
}
