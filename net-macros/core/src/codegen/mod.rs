//! Code generation: one file per generated artefact.
//!
//! - [`drivers`]: one `static` per interface driver, named `<INSTANCE>_<IFACE>`;
//! - [`pools`]: the hidden `ConfiguredPools` static;
//! - [`ifaces`]: the hidden `[Iface; N]` static;
//! - [`stack`]: the hidden clock static and the instance itself;
//! - [`asserts`]: the configuration agreement assertions and the file dependencies.

pub mod asserts;
pub mod drivers;
pub mod ifaces;
pub mod pools;
pub mod stack;

use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

use crate::analyze::Model;

/// All generated items.
pub fn generate(model: &Model) -> TokenStream2 {
    let drivers = drivers::generate(model);
    let stack = stack::generate(model, &pools::generate(model), &ifaces::generate(model));
    let asserts = asserts::generate(model);
    quote! {
        #drivers
        #stack
        #asserts
    }
}
