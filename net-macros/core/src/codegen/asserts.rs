//! Agreement with `net-core`'s build: the macro resolved the configuration itself, and
//! asserts at compile time that `net-core` was built with the same values. The files the
//! resolution read are `include_bytes!`-ed so that cargo re-expands the macro when one of
//! them changes (a proc macro cannot print `rerun-if-changed`).

use proc_macro2::{Literal, TokenStream as TokenStream2};
use quote::{format_ident, quote};

use crate::analyze::Model;

/// The message of a failed agreement assertion.
pub fn message(option: &str) -> String {
    format!(
        "net_stack!: net-core was built with another configuration ({option}): rebuild with \
         the same NET_CONFIG/NET_BOARD"
    )
}

/// `const _: () = assert!(::net_core::config::CONFIG_X == v, "..");` for every switch
/// and size, then `const _: &[u8] = include_bytes!("..");` for every file read.
pub fn generate(model: &Model) -> TokenStream2 {
    let switches = model.switch_asserts.iter().map(|(option, on)| {
        let konst = format_ident!("CONFIG_{option}");
        let msg = message(option);
        let cond = if *on {
            quote!(::net_core::config::#konst)
        } else {
            quote!(!::net_core::config::#konst)
        };
        quote! { const _: () = ::core::assert!(#cond, #msg); }
    });
    let sizes = model.size_asserts.iter().map(|(option, value)| {
        let konst = format_ident!("CONFIG_{option}");
        let msg = message(option);
        let value = Literal::u64_unsuffixed(*value);
        quote! { const _: () = ::core::assert!(::net_core::config::#konst == #value, #msg); }
    });
    let files = model.files.iter().map(|f| {
        quote! { const _: &[u8] = ::core::include_bytes!(#f); }
    });
    quote! {
        #(#switches)*
        #(#sizes)*
        #(#files)*
    }
}
