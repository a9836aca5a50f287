//! The logic behind `net_macros::net_stack!`, as an ordinary library so that it can be
//! tested without a compiler in the loop (a proc-macro crate can export only macros).
//!
//! The pipeline follows RTIC's macros: [`parse`] (tokens → [`parse::Input`], every syntax
//! error collected) → [`check`] (meaning and configuration checks, every error collected
//! with its span) → [`analyze`] (the [`analyze::Model`] the code generators read) →
//! [`codegen`] (one file per generated artefact). [`config`] resolves the configuration
//! the same way `net-core`'s build script does.

#![warn(missing_docs)]

pub mod analyze;
pub mod check;
pub mod codegen;
pub mod config;
pub mod parse;

use proc_macro2::{Span, TokenStream as TokenStream2};

pub use config::ResolvedSizes;

/// Expands `net_stack!` for the crate being compiled: resolves the configuration named by
/// `NET_CONFIG`/`NET_BOARD`/`NET_CONFIG_DEFINES` for the project above
/// `CARGO_MANIFEST_DIR`, then runs [`expand_with_config`]. A configuration that does not
/// resolve becomes a compile error at the macro call.
pub fn expand(input: TokenStream2) -> TokenStream2 {
    match ResolvedSizes::from_env() {
        Ok(config) => expand_with_config(input, &config),
        Err(message) => syn::Error::new(Span::call_site(), message).to_compile_error(),
    }
}

/// Expands `net_stack!` against a given resolved configuration: parse, check, analyze,
/// codegen. Errors (all of them, each at its span) come back as `compile_error!` calls and
/// nothing else is generated.
pub fn expand_with_config(input: TokenStream2, config: &ResolvedSizes) -> TokenStream2 {
    let mut errors = Vec::new();
    let parsed = parse::parse(input, &mut errors);
    let checked = parsed.and_then(|input| check::check(input, config, &mut errors));
    match checked {
        Some(checked) if errors.is_empty() => {
            let model = analyze::analyze(checked, config);
            codegen::generate(&model)
        }
        _ => errors_to_tokens(errors),
    }
}

/// All errors as `compile_error!` invocations.
fn errors_to_tokens(errors: Vec<syn::Error>) -> TokenStream2 {
    let mut out = TokenStream2::new();
    for e in errors {
        out.extend(e.to_compile_error());
    }
    out
}
