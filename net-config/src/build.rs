//! Support for the build scripts of the stack's crates and of applications.
//!
//! A build script calls [`configure`]; the configuration comes from the environment:
//!
//! - `NET_CONFIG`: user files separated by `;`, later files winning (as Zephyr's
//!   `OVERLAY_CONFIG`). Relative paths are relative to the project root.
//! - `NET_BOARD`: the board; [`crate::board::DEFAULT_BOARD`] when unset.
//! - `NET_CONFIG_DEFINES`: `NAME=VALUE` overrides separated by `;`.

use std::path::{Path, PathBuf};

use crate::board::DEFAULT_BOARD;
use crate::config::Request;
use crate::output;

/// The environment variables that select the configuration.
pub const ENV_VARS: &[&str] = &["NET_CONFIG", "NET_BOARD", "NET_CONFIG_DEFINES"];

/// What [`configure`] produced.
#[derive(Debug)]
pub struct Generated {
    /// Rust source with the typed consts (write it to `OUT_DIR` and `include!` it).
    pub rust: String,
    /// The `cargo::` directives to print.
    pub cargo: String,
    /// The configuration as JSON (for macros that must agree with the build script).
    pub json: String,
}

/// Builds the [`Request`] that `NET_CONFIG`/`NET_BOARD`/`NET_CONFIG_DEFINES` describe, for
/// the project whose root (holding `Kconfig` and `boards/`) is `root`.
pub fn request_from_env(root: &Path) -> Request {
    let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
    let mut req = Request::new(root.join("Kconfig"));
    req.board = Some(var("NET_BOARD").unwrap_or_else(|| DEFAULT_BOARD.to_string()));
    if let Some(files) = var("NET_CONFIG") {
        req.files = files
            .split(';')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| {
                let p = PathBuf::from(f);
                if p.is_absolute() { p } else { root.join(p) }
            })
            .collect();
    }
    if let Some(defs) = var("NET_CONFIG_DEFINES") {
        req.defines = defs
            .split(';')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(String::from)
            .collect();
    }
    req
}

/// Resolves the configuration for a build script. On failure the error text holds every
/// diagnostic, each with `file:line`, ready to print.
pub fn configure(req: &Request) -> Result<Generated, String> {
    let loaded = req.load().map_err(|d| d.to_string())?;
    let mut res = loaded.resolve();
    check_unsigned(&mut res);
    if res.has_errors() {
        return Err(res.diagnostics.to_string());
    }
    let board = loaded.board.as_ref().map(|b| b.name.as_str());
    Ok(Generated {
        rust: output::rust_consts(&res),
        cargo: output::cargo_directives(&res, &loaded.files_read, ENV_VARS),
        json: output::json(&res, board).to_string(),
    })
}

/// Ints that the generated code uses as `usize` must not be negative.
fn check_unsigned(res: &mut crate::Resolution) {
    use crate::diag::{Code, Diagnostic};
    let kc = res.kconfig();
    let mut found = Vec::new();
    for id in kc.defined_syms() {
        if output::rust_type(kc, id) == Some("usize")
            && crate::pyint::parse(res.str_value(id), 10).is_some_and(|v| v < 0)
        {
            let s = kc.sym(id);
            let loc = res.assignments.get(&id).map(|a| a.loc.clone());
            found.push(
                Diagnostic::error(
                    Code::OutOfRange,
                    loc,
                    format!(
                        "{} = {} is negative, but the stack uses it as a count or size",
                        s.name,
                        res.str_value(id)
                    ),
                )
                .symbol(&s.name)
                .help("use a value of 0 or more"),
            );
        }
    }
    res.diagnostics.0.extend(found);
}
