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
    let addresses = address_consts(&mut res);
    if res.has_errors() {
        return Err(res.diagnostics.to_string());
    }
    let board = loaded.board.as_ref().map(|b| b.name.as_str());
    Ok(Generated {
        rust: output::rust_consts(&res) + &addresses,
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

/// The address options (`NET_CONFIG_*`) whose strings the stack needs as addresses, and
/// whether each is IPv6.
const ADDRESS_OPTIONS: [(&str, bool); 6] = [
    ("NET_CONFIG_MY_IPV4_ADDR", false),
    ("NET_CONFIG_MY_IPV4_NETMASK", false),
    ("NET_CONFIG_MY_IPV4_GW", false),
    ("NET_CONFIG_PEER_IPV4_ADDR", false),
    ("NET_CONFIG_MY_IPV6_ADDR", true),
    ("NET_CONFIG_PEER_IPV6_ADDR", true),
];

/// Parses the address options at build time, so that a mistyped address fails the build
/// at its `file:line` and the firmware carries no address parser. Returns a `parsed`
/// module with one `Option<Ipv4Addr>`/`Option<Ipv6Addr>` const per option the tree
/// defines (`None` for an empty string).
fn address_consts(res: &mut crate::Resolution) -> String {
    use crate::diag::{Code, Diagnostic};
    use std::fmt::Write as _;
    let kc = res.kconfig();
    let mut out = String::from(
        "\n/// The `NET_CONFIG_*` address options, parsed when the configuration was resolved.\npub mod parsed {\n",
    );
    let mut found = Vec::new();
    for (name, v6) in ADDRESS_OPTIONS {
        let Some(id) = kc.lookup(name) else {
            continue;
        };
        let text = res.str_value(id).trim();
        let value = if text.is_empty() {
            Some("None".to_string())
        } else if v6 {
            text.parse::<std::net::Ipv6Addr>().ok().map(|a| {
                let s = a.segments();
                format!(
                    "Some(core::net::Ipv6Addr::new({:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x}))",
                    s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
                )
            })
        } else {
            text.parse::<std::net::Ipv4Addr>().ok().map(|a| {
                let o = a.octets();
                format!(
                    "Some(core::net::Ipv4Addr::new({}, {}, {}, {}))",
                    o[0], o[1], o[2], o[3]
                )
            })
        };
        let ty = if v6 { "Ipv6Addr" } else { "Ipv4Addr" };
        match value {
            Some(v) => {
                let _ = writeln!(
                    out,
                    "    /// `CONFIG_{name}` as an address (`None` when empty)."
                );
                let _ = writeln!(out, "    pub const {name}: Option<core::net::{ty}> = {v};");
            }
            None => {
                let loc = res.assignments.get(&id).map(|a| a.loc.clone());
                let family = if v6 { "an IPv6" } else { "an IPv4" };
                found.push(
                    Diagnostic::error(
                        Code::WrongType,
                        loc,
                        format!("{name} = \"{text}\" is not {family} address"),
                    )
                    .symbol(name)
                    .help(if v6 {
                        "write the address as in \"2001:db8::1\", or leave it empty"
                    } else {
                        "write the address as in \"192.0.2.1\", or leave it empty"
                    }),
                );
            }
        }
    }
    out.push_str("}\n");
    res.diagnostics.0.extend(found);
    out
}
