//! # net-config: the configuration system of the net stack
//!
//! Users choose the stack's features the way Zephyr users do: the options are declared in
//! Kconfig files that sit next to the code they configure, and a configuration is a board
//! `defconfig` plus the user's `.conf` fragments or TOML files plus `-D` overrides. This
//! crate reads all of that, resolves every symbol with Kconfig's semantics, explains each
//! value, reports mistakes with `file:line`, and writes the outputs that build scripts and
//! proc-macros turn into cfgs, typed consts and the statically sized stack.
//!
//! ```no_run
//! use net_config::config::Request;
//! let mut req = Request::new("Kconfig");
//! req.board = Some("native_sim".into());
//! req.files.push("configs/echo-server.conf".into());
//! let loaded = req.load().expect("the Kconfig tree reads");
//! let res = loaded.resolve();
//! assert!(!res.has_errors(), "{}", res.diagnostics);
//! println!("{}", net_config::output::values(&res));
//! ```
//!
//! ## Why our own Kconfig parser
//!
//! The reader is written here rather than taken from a crate:
//!
//! - `kconfig-parser` 0.1.1 fails on every file of the Zephyr network tree, silently drops
//!   `default` lines and everything after the first `source`, has no `choice`, and has not
//!   been released since 2022.
//! - `nom-kconfig` 0.13 parses the same files with the same counts as kconfiglib, but its
//!   AST has no line numbers. Every diagnostic this crate gives ("range defined at
//!   `net-core/src/ip/Kconfig:88`", "unmet dependency of the symbol defined at ...") needs
//!   them, and so does `netcfg explain`. Resolution also needs kconfiglib's *finalized* menu
//!   tree (dependency propagation, implicit submenus that decide choice membership), which
//!   no parser crate provides; it would have to be rebuilt on top of a foreign AST anyway.
//!
//! The parser is small (one line-oriented reader, as kconfiglib's), depends on nothing, and
//! is checked against kconfiglib itself: the corpus conformance tests and a randomized
//! differential test compare our values with kconfiglib 14.1.0's, line for line.
//!
//! ## Semantics
//!
//! Resolution follows kconfiglib: `if`/`menu` dependencies propagate to everything inside;
//! the first `default` whose condition holds wins; `depends on` bounds both visibility and
//! value; `select` forces `y` (warning when the target's own dependencies are unmet);
//! `imply` raises the value only when the target's dependencies hold; the first active
//! `range` applies (a default outside it is clamped); each visible choice selects exactly
//! one member: the user's, else its first active default, else its first visible member.
//!
//! **Tristate:** loadable modules do not exist in firmware, so `tristate` behaves as `bool`
//! and `m` reads as `y` (a bare `m` in a condition is `n`, as in kconfiglib without
//! `MODULES`). `option modules` is rejected.
//!
//! **Inputs, weakest first:** Kconfig defaults, the board's `defconfig`, each user file in
//! the order given, `-D NAME=VALUE`.
//!
//! **Strict by default:** kconfiglib only warns about an unknown symbol, a malformed or
//! out-of-range value, a choice conflict, or a `y` that stays `n` because of unmet
//! dependencies. Here these are errors that name `file:line` and the fix, and they fail the
//! build. [`config::Request::lenient`] turns them back into kconfiglib's warnings (the
//! offending assignment then has no effect, exactly as in kconfiglib).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod board;
pub mod build;
pub mod config;
pub mod diag;
pub mod elf;
pub mod firmware;
pub mod input;
pub mod kconfig;
pub mod output;
pub mod pyint;
pub mod ram;
pub mod resolve;
pub mod scaffold;
pub mod size;

pub use config::{Loaded, Request};

/// Runs `f` on a thread with a large stack. Reading and resolving recurse along dependency
/// chains, and a generated tree can chain thousands of symbols; a deep chain must be slow,
/// never a stack overflow. The memory is only reserved, not touched.
pub(crate) fn with_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    const STACK: usize = 512 << 20;
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("netcfg-resolve".into())
            .stack_size(STACK)
            .spawn_scoped(scope, f)
        {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(e) => panic!("cannot start the resolver thread: {e}"),
        }
    })
}
pub use diag::{Diagnostic, Diagnostics};
pub use kconfig::Kconfig;
pub use resolve::Resolution;
