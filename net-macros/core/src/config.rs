//! The resolved configuration, as far as `net_stack!` needs it: which L2s and protocols are
//! on, the values of the options that size the stack, and the files that were read.
//!
//! It is resolved exactly as `net-core`'s build script resolves it
//! (`net_config::build::request_from_env` + `configure`), from the project root above the
//! `CARGO_MANIFEST_DIR` of the crate that invokes the macro.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The bool options whose values `net_stack!` checks and asserts.
pub const SWITCHES: &[&str] = &[
    "NET_IPV4",
    "NET_IPV6",
    "NET_ARP",
    "NET_L2_ETHERNET",
    "NET_L2_DUMMY",
];

/// The options that size the statics inside `Stack` and `ConfiguredPools`, each with the
/// bool option it depends on (`None`: always there). Each one that has a value in the
/// resolved configuration gets a compile-time assertion.
pub const SIZES: &[(&str, Option<&str>)] = &[
    ("NET_PKT_RX_COUNT", None),
    ("NET_PKT_TX_COUNT", None),
    ("NET_BUF_RX_COUNT", None),
    ("NET_BUF_TX_COUNT", None),
    ("NET_BUF_DATA_SIZE", None),
    ("NET_BUF_DATA_POOL_SIZE", None),
    ("NET_TC_TX_COUNT", None),
    ("NET_TC_RX_COUNT", None),
    ("NET_MAX_CONTEXTS", None),
    ("NET_MGMT_EVENT_QUEUE_SIZE", None),
    ("NET_ARP_TABLE_SIZE", Some("NET_ARP")),
    ("NET_IPV6_MAX_NEIGHBORS", Some("NET_IPV6")),
    ("NET_IF_MAX_IPV4_COUNT", Some("NET_IPV4")),
    ("NET_IF_UNICAST_IPV4_ADDR_COUNT", Some("NET_IPV4")),
    ("NET_IF_MCAST_IPV4_ADDR_COUNT", Some("NET_IPV4")),
    ("NET_IF_MAX_IPV6_COUNT", Some("NET_IPV6")),
    ("NET_IF_UNICAST_IPV6_ADDR_COUNT", Some("NET_IPV6")),
    ("NET_IF_MCAST_IPV6_ADDR_COUNT", Some("NET_IPV6")),
    ("NET_IF_IPV6_PREFIX_COUNT", Some("NET_IPV6")),
];

/// What `net_stack!` knows about the resolved configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolvedSizes {
    /// The [`SWITCHES`], on or off (option names without `CONFIG_`).
    pub switches: BTreeMap<String, bool>,
    /// The [`SIZES`] that have a value (their dependency is on).
    pub sizes: BTreeMap<String, u64>,
    /// Every file the resolution read (absolute paths), for `include_bytes!`.
    pub files: Vec<PathBuf>,
}

impl ResolvedSizes {
    /// True when the bool option `name` (without `CONFIG_`) is on.
    pub fn is_on(&self, name: &str) -> bool {
        self.switches.get(name).copied().unwrap_or(false)
    }

    /// Picks the switches and sizes out of `net_config::output::json` output.
    pub fn from_json(json: &serde_json::Value, files: Vec<PathBuf>) -> ResolvedSizes {
        let value = |name: &str| json.get("symbols").and_then(|s| s.get(name)?.get("value"));
        let switches = SWITCHES
            .iter()
            .map(|&n| {
                (
                    n.to_string(),
                    value(n).and_then(|v| v.as_bool()) == Some(true),
                )
            })
            .collect::<BTreeMap<_, _>>();
        let sizes = SIZES
            .iter()
            .filter(|(_, dep)| dep.is_none_or(|d| switches.get(d) == Some(&true)))
            .filter_map(|&(n, _)| Some((n.to_string(), value(n)?.as_u64()?)))
            .collect();
        ResolvedSizes {
            switches,
            sizes,
            files,
        }
    }

    /// Resolves the configuration of the project whose root (holding `Kconfig` and
    /// `boards/`) is `root`, from `NET_CONFIG`/`NET_BOARD`/`NET_CONFIG_DEFINES`. On failure
    /// the message names the first error with `file:line`, paths relative to `root`.
    pub fn resolve(root: &Path) -> Result<ResolvedSizes, String> {
        let request = net_config::build::request_from_env(root);
        let generated = net_config::build::configure(&request)
            .map_err(|text| resolve_failure(&relative_to(&text, root)))?;
        let json: serde_json::Value = serde_json::from_str(&generated.json)
            .map_err(|e| format!("net_stack!: net-config produced invalid JSON: {e}"))?;
        let mut files: Vec<PathBuf> = Vec::new();
        for line in generated.cargo.lines() {
            if let Some(f) = line.strip_prefix("cargo::rerun-if-changed=") {
                let f = PathBuf::from(f);
                let f = if f.is_absolute() { f } else { root.join(f) };
                if !files.contains(&f) {
                    files.push(f);
                }
            }
        }
        Ok(ResolvedSizes::from_json(&json, files))
    }

    /// [`ResolvedSizes::resolve`] for the project above the invoking crate's
    /// `CARGO_MANIFEST_DIR` (falling back to the project this crate was built in).
    pub fn from_env() -> Result<ResolvedSizes, String> {
        let root = std::env::var_os("CARGO_MANIFEST_DIR")
            .and_then(|dir| net_config::config::find_root(Path::new(&dir)))
            .or_else(|| net_config::config::find_root(Path::new(env!("CARGO_MANIFEST_DIR"))))
            .ok_or_else(|| {
                "net_stack!: cannot find the project root (a directory holding `Kconfig` and \
                 `boards/`) above CARGO_MANIFEST_DIR"
                    .to_string()
            })?;
        ResolvedSizes::resolve(&root)
    }
}

/// `text` with every `root/` prefix removed, so that messages do not depend on where the
/// project is checked out.
fn relative_to(text: &str, root: &Path) -> String {
    let mut prefix = root.display().to_string();
    if !prefix.ends_with(std::path::MAIN_SEPARATOR) {
        prefix.push(std::path::MAIN_SEPARATOR);
    }
    text.replace(&prefix, "")
}

/// The compile error for a configuration that does not resolve: the first error (with its
/// notes and help) and how many more there are.
fn resolve_failure(text: &str) -> String {
    let mut blocks: Vec<String> = Vec::new();
    for line in text.lines() {
        match blocks.last_mut() {
            Some(block) if line.starts_with(' ') => {
                block.push('\n');
                block.push_str(line);
            }
            _ => blocks.push(line.to_string()),
        }
    }
    let is_error = |b: &&String| b.starts_with("error:") || b.contains(": error:");
    let errors: Vec<&String> = blocks.iter().filter(is_error).collect();
    let first = errors
        .first()
        .map(|b| b.as_str())
        .or_else(|| blocks.first().map(String::as_str))
        .unwrap_or("(no diagnostics)");
    let more = match errors.len() {
        0 | 1 => String::new(),
        n => format!(
            "\n(and {} more error{})",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    format!(
        "net_stack!: the configuration (NET_CONFIG/NET_BOARD/NET_CONFIG_DEFINES) does not \
         resolve:\n{first}{more}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_error_block_with_count() {
        let text =
            "a.conf:1: warning: w\nb.conf:2: error: bad\n  help: fix it\nc.conf:3: error: worse\n";
        let msg = resolve_failure(text);
        assert!(msg.ends_with("b.conf:2: error: bad\n  help: fix it\n(and 1 more error)"));
    }

    #[test]
    fn paths_are_made_relative() {
        let root = Path::new("/x/proj");
        let text = "/x/proj/configs/a.conf:3: error: e";
        assert_eq!(relative_to(text, root), "configs/a.conf:3: error: e");
    }
}
