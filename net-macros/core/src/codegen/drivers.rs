//! One `static` per driver, visible like the instance, so the application can reach its
//! devices (e.g. to connect two in-process links).

use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

use crate::analyze::Model;

/// `#vis static NET_ETH0: Driver = Driver::new(..);` for each interface.
pub fn generate(model: &Model) -> TokenStream2 {
    let vis = &model.vis;
    let instance = model.name.to_string();
    model
        .ifaces
        .iter()
        .map(|i| {
            let (attrs, name, ty, init) = (&i.attrs, &i.driver_static, &i.driver_ty, &i.driver);
            let doc = format!(
                " The driver of interface `{}` (index {}) of [`{instance}`].",
                i.name.value(),
                i.index
            );
            let doc = if attrs.is_empty() {
                quote!(#[doc = #doc])
            } else {
                quote!(#(#attrs)*)
            };
            quote! {
                #doc
                #vis static #name: #ty = #init;
            }
        })
        .collect()
}
