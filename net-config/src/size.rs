//! `netcfg size`: where a firmware image's bytes go, by module of the stack, for one or
//! more configurations side by side.
//!
//! Every sized symbol of the image's symbol table ([`crate::elf::read_image`]) is demangled
//! (`rustc-demangle`, legacy and v0 mangling) and attributed to one row ([`classify`]):
//!
//! - a symbol whose path starts with `net_core::` goes to the row of its module
//!   ([`STACK_ROWS`], `driver NAME` for `net_core::drivers::...`); an impl is owned by its
//!   self type (`<net_core::buf::Pools as T>::f` is `net_core::buf`) and drop glue by the
//!   dropped type;
//! - a generic function of `core`/`alloc` instantiated with stack types goes to the first
//!   `net_core::` module path in its name (`core::slice::sort<net_core::ip::...>`);
//! - the statics `net_stack!` generates (`NAME`, `NAME::__NET_*`, `NAME_<IFACE>`) go to
//!   [`INSTANCE_ROW`]; other symbols of the application crate to [`APP_ROW`];
//! - the Cortex-M runtime crates ([`RUNTIME_CRATES`], and `Reset`, the vector table, ...) to
//!   [`RUNTIME_ROW`]; `core`, `alloc`, `compiler_builtins` and the unmangled `mem*` and
//!   `__aeabi_*` routines to [`CORE_ROW`]; any other crate to `crate NAME`;
//! - what no symbol covers (alignment padding, vector table slack, anonymous constants
//!   without a symbol) to [`OTHER_ROW`], per section, so each column adds up to the ELF
//!   section totals exactly.
//!
//! **Inlining.** Firmware is built with fat LTO and one codegen unit ([`FIRMWARE_PROFILE`]),
//! so the optimizer inlines across crates: code inlined into a caller has no symbol of its
//! own and is counted in the caller's row. A small stack function inlined into the
//! application's main loop counts as application; a protocol row shows the functions that
//! stayed out of line. A row of 0 bytes is exact, though: no symbol of the module is left,
//! and nothing of it can be inlined anywhere when the configuration compiles it out.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::elf::{Class, Image, Sizes};
use crate::ram::RamItem;

/// How firmware (bare-metal boards) is built: the release profile with these overrides, set
/// through cargo's `CARGO_PROFILE_RELEASE_*` variables, so the host's release builds and
/// benchmarks keep the workspace's `[profile.release]`: fat LTO, one codegen unit, abort on
/// panic. The opt-level comes from the configuration's `COMPILER_OPTIMIZATIONS` choice
/// ([`OPT_LEVEL_VAR`]; by default Zephyr's `CONFIG_SIZE_OPTIMIZATIONS`, `-Os`).
pub const FIRMWARE_PROFILE: [(&str, &str); 3] = [
    ("CARGO_PROFILE_RELEASE_LTO", "fat"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1"),
    ("CARGO_PROFILE_RELEASE_PANIC", "abort"),
];

/// The variable that carries the configuration's optimization level
/// ([`crate::firmware::opt_level`]) into cargo's release profile.
pub const OPT_LEVEL_VAR: &str = "CARGO_PROFILE_RELEASE_OPT_LEVEL";

/// The stack's module rows, in display order. They are always listed, so a subsystem the
/// configuration turns off shows 0 bytes. Drivers follow as `driver NAME`.
pub const STACK_ROWS: [&str; 17] = [
    "L2 Ethernet",
    "ARP",
    "L2 dummy",
    "IPv4",
    "ICMPv4",
    "IPv6",
    "ICMPv6/NDP",
    "UDP",
    "TCP",
    "sockets",
    "net_mgmt",
    "statistics",
    "net config",
    "IP core",
    "net_if",
    "packet buffers",
    "net_core (other)",
];

/// `net_core` module paths (below `net_core::`) and their rows; the first match wins.
const MODULES: [(&str, &str); 20] = [
    ("l2::ethernet::arp", "ARP"),
    ("l2::ethernet", "L2 Ethernet"),
    ("l2::dummy", "L2 dummy"),
    ("l2::ieee802154", "L2 IEEE 802.15.4"),
    ("l2::bluetooth", "L2 Bluetooth"),
    ("l2::canbus", "L2 CAN"),
    ("ip::ipv4", "IPv4"),
    ("ip::icmpv4", "ICMPv4"),
    ("ip::ipv6::nbr", "ICMPv6/NDP"),
    ("ip::ipv6", "IPv6"),
    ("ip::icmpv6", "ICMPv6/NDP"),
    ("ip::udp", "UDP"),
    ("ip::tcp", "TCP"),
    ("lib::sockets", "sockets"),
    ("ip::mgmt", "net_mgmt"),
    ("ip::stats", "statistics"),
    ("lib::config", "net config"),
    ("ip", "IP core"),
    ("net_if", "net_if"),
    ("buf", "packet buffers"),
];

/// The statics of the stack instance `net_stack!` declares (the stack, its pools and
/// interface table, the drivers).
pub const INSTANCE_ROW: &str = "stack instance";
/// The application crate's own code and data.
pub const APP_ROW: &str = "application";
/// The Cortex-M runtime: startup, vector table, semihosting, panic handler.
pub const RUNTIME_ROW: &str = "runtime";
/// `core`, `alloc` and the compiler's intrinsics (`memcpy`, `__aeabi_*`).
pub const CORE_ROW: &str = "core/compiler-builtins";
/// Bytes no symbol covers: padding, vector table slack, anonymous constants.
pub const OTHER_ROW: &str = "other";

/// Crates counted as [`RUNTIME_ROW`].
pub const RUNTIME_CRATES: [&str; 6] = [
    "cortex_m",
    "cortex_m_rt",
    "cortex_m_semihosting",
    "panic_halt",
    "critical_section",
    "semihosting",
];

/// Unmangled symbols of `cortex-m-rt` (startup and vector table).
const RUNTIME_SYMBOLS: [&str; 10] = [
    "Reset",
    "DefaultHandler_",
    "DefaultPreInit",
    "HardFault_",
    "HardFaultTrampoline",
    "__pre_init",
    "__RESET_VECTOR",
    "__EXCEPTIONS",
    "__INTERRUPTS",
    "__cortex_m_rt_HardFault",
];

/// Unmangled C routines of `compiler_builtins`.
const BUILTIN_SYMBOLS: [&str; 6] = ["memcpy", "memmove", "memset", "memcmp", "bcmp", "strlen"];

/// Where one symbol goes: its row and its path in the tree (`crate`, modules, item).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribution {
    /// The row.
    pub row: String,
    /// The tree path, outermost first.
    pub path: Vec<String>,
}

/// Splits a demangled path at `::` outside `<...>`, `(...)` and `[...]`.
fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    let b = path.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'<' | b'(' | b'[' => depth += 1,
            b'>' | b')' | b']' => depth -= 1,
            b':' if depth == 0 && b.get(i + 1) == Some(&b':') => {
                out.push(path[start..i].to_string());
                i += 2;
                start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(path[start..].to_string());
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

/// The leading plain path of `s` (up to the first `<`, space, `,`, `>` or `)`).
fn leading_path(s: &str) -> &str {
    let s = s.trim_start_matches(['&', '*', '(', '[']);
    let s = s
        .strip_prefix("mut ")
        .or_else(|| s.strip_prefix("const "))
        .or_else(|| s.strip_prefix("dyn "))
        .unwrap_or(s);
    let end = s
        .find(['<', ' ', ',', '>', ')', ';', ']'])
        .unwrap_or(s.len());
    &s[..end]
}

/// The path that owns a demangled symbol, and its item name: `<T as Tr>::f` is owned by
/// `T`, `core::ptr::drop_in_place<T>` by `T`, anything else by its own path.
fn owner(demangled: &str) -> (String, String) {
    let segs = segments(demangled);
    let item = segs
        .last()
        .map(|s| s.split('<').next().unwrap_or(s).to_string())
        .unwrap_or_default();
    if let Some(rest) = demangled.strip_prefix('<') {
        let own = leading_path(rest);
        // A primitive or a type parameter (`<u16 as core::fmt::Display>`, `<&mut I as
        // Iterator>`) owns nothing: the trait's path does.
        if !own.contains("::")
            && let Some((_, tr)) = rest.split_once(" as ")
        {
            return (leading_path(tr).to_string(), item);
        }
        return (own.to_string(), item);
    }
    for glue in ["core::ptr::drop_in_place<", "core::ptr::drop_in_place::<"] {
        if let Some(rest) = demangled.strip_prefix(glue) {
            return (leading_path(rest).to_string(), "drop_in_place".to_string());
        }
    }
    // `a::b::<impl x::Y>::f`: the module path before the impl block.
    let plain: Vec<String> = segs
        .iter()
        .take_while(|s| !s.starts_with('<') && !s.starts_with('{'))
        .map(|s| s.split('<').next().unwrap_or(s).to_string())
        .collect();
    let path = plain.join("::");
    let path = path.strip_suffix(&format!("::{item}")).unwrap_or(&path);
    (path.to_string(), item)
}

/// The row of a `net_core` path (`net_core::ip::ipv4::input`).
fn stack_row(path: &str) -> String {
    let rel = path.strip_prefix("net_core::").unwrap_or("");
    let within = |m: &str| rel == m || rel.starts_with(&format!("{m}::"));
    if let Some(rest) = rel.strip_prefix("drivers::") {
        let segs: Vec<&str> = rest.split("::").collect();
        let name = match segs.as_slice() {
            ["ethernet", name, ..] if name.chars().next().is_some_and(char::is_lowercase) => name,
            [name, ..] if name.chars().next().is_some_and(char::is_lowercase) => name,
            _ => "",
        };
        if !name.is_empty() && name != "ethernet" {
            return format!("driver {name}");
        }
    }
    MODULES
        .iter()
        .find(|(m, _)| within(m))
        .map_or("net_core (other)", |(_, r)| r)
        .to_string()
}

/// The first `net_core::...` path inside `s`.
fn first_stack_path(s: &str) -> Option<&str> {
    let at = s.find("net_core::")?;
    // Only a path that starts there (not `xnet_core::`).
    if s[..at]
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
    {
        return None;
    }
    Some(leading_path(&s[at..]))
}

/// Demangles `raw` (legacy or v0), without the hash.
pub fn demangle(raw: &str) -> String {
    match rustc_demangle::try_demangle(raw) {
        Ok(d) => format!("{d:#}"),
        Err(_) => raw.to_string(),
    }
}

/// The row and tree path of the symbol `raw` (mangled or not) of class `class`. `app` is the
/// application crate (`echo_server`); `instances` are the paths of the `net_stack!` statics
/// of the image ([`instance_statics`]).
pub fn classify(raw: &str, class: Class, app: &str, instances: &[String]) -> Attribution {
    // Already demangled paths (`a::b::c`) are taken as they are.
    let mangled = rustc_demangle::try_demangle(raw).is_ok() || raw.contains("::");
    let name = demangle(raw);
    if !mangled {
        let (row, krate) = if RUNTIME_SYMBOLS.contains(&raw) {
            (RUNTIME_ROW, "cortex_m_rt")
        } else if BUILTIN_SYMBOLS.contains(&raw) || raw.starts_with("__") {
            (CORE_ROW, "compiler_builtins")
        } else if raw.starts_with(".L") || raw.starts_with('$') {
            (OTHER_ROW, "(anonymous)")
        } else {
            // `#[entry]`/`#[exception]` handlers the application exports (main, SysTick).
            (APP_ROW, app)
        };
        return Attribution {
            row: row.to_string(),
            path: vec![krate.to_string(), name],
        };
    }
    let (owner_path, item) = owner(&name);
    let krate = owner_path.split("::").next().unwrap_or("").to_string();
    let tree = |p: &str| -> Vec<String> {
        let mut v: Vec<String> = p.split("::").map(String::from).collect();
        if v.last() != Some(&item) && !item.is_empty() {
            v.push(item.clone());
        }
        v
    };
    let plain = segments(leading_path(&name)).join("::");
    let is_instance = |i: &String| {
        plain == *i || plain.starts_with(&format!("{i}_")) || plain.starts_with(&format!("{i}::"))
    };
    if class != Class::Text && instances.iter().any(is_instance) {
        return Attribution {
            row: INSTANCE_ROW.to_string(),
            path: tree(&owner_path),
        };
    }
    let row = match krate.as_str() {
        "net_core" => return attributed(stack_row(&owner_path), tree(&owner_path)),
        "core" | "alloc" | "compiler_builtins" | "std" => {
            if let Some(p) = first_stack_path(&name) {
                return attributed(stack_row(p), tree(p));
            }
            CORE_ROW.to_string()
        }
        k if k == app => APP_ROW.to_string(),
        // `__rustc::rust_begin_unwind`: the `#[panic_handler]` (panic-halt's).
        k if RUNTIME_CRATES.contains(&k) || k == "__rustc" => RUNTIME_ROW.to_string(),
        k => format!("crate {k}"),
    };
    attributed(row, tree(&owner_path))
}

fn attributed(row: String, path: Vec<String>) -> Attribution {
    Attribution { row, path }
}

/// The paths of the statics `net_stack!` declared in `img`: the parents of its hidden
/// `NAME::__NET_*` statics.
pub fn instance_statics(img: &Image) -> Vec<String> {
    let mut out: Vec<String> = img
        .symbols
        .iter()
        .filter_map(|s| {
            let d = demangle(&s.name);
            d.find("::__NET_").map(|at| d[..at].to_string())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// ROM and RAM bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bytes {
    /// Flash: text + rodata + initialized data.
    pub rom: u64,
    /// RAM: initialized data + bss.
    pub ram: u64,
}

impl Bytes {
    fn add(&mut self, class: Class, n: u64) {
        if class.in_rom() {
            self.rom += n;
        }
        if class.in_ram() {
            self.ram += n;
        }
    }
}

/// One entry of the size tree: a path and its bytes per class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeEntry {
    /// Crate, modules, item.
    pub path: Vec<String>,
    /// Its ROM and RAM bytes.
    pub bytes: Bytes,
}

/// One configuration's image, attributed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measured {
    /// How the configuration was named (`configs/a.conf,b.conf`).
    pub name: String,
    /// Its files, in order.
    pub files: Vec<String>,
    /// The firmware image (set by the caller; empty in [`measure`]'s result).
    pub artifact: String,
    /// The ELF section totals.
    pub sizes: Sizes,
    /// Bytes per row.
    pub rows: BTreeMap<String, Bytes>,
    /// Bytes per symbol path (and `other/<section>`), for the tree.
    pub tree: Vec<TreeEntry>,
    /// The static instance's RAM by component ([`crate::ram::instance`]).
    pub instance: Vec<RamItem>,
    /// The same configuration under smoltcp, when compared.
    pub smoltcp: Option<Smoltcp>,
}

/// The smoltcp comparison firmware of one configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Smoltcp {
    /// The smoltcp cargo features it was built with.
    pub features: Vec<String>,
    /// Its ELF section totals.
    pub sizes: Sizes,
}

/// Attributes every byte of `img`'s allocated sections to a row.
pub fn measure(name: &str, files: Vec<String>, img: &Image, app: &str) -> Measured {
    let instances = instance_statics(img);
    let mut rows: BTreeMap<String, Bytes> = STACK_ROWS
        .iter()
        .chain([&INSTANCE_ROW, &APP_ROW, &RUNTIME_ROW, &CORE_ROW, &OTHER_ROW])
        .map(|r| (r.to_string(), Bytes::default()))
        .collect();
    let mut tree: BTreeMap<Vec<String>, Bytes> = BTreeMap::new();
    for sym in &img.symbols {
        let class = img.sections[sym.section].class;
        let a = classify(&sym.name, class, app, &instances);
        rows.entry(a.row).or_default().add(class, sym.bytes);
        tree.entry(a.path).or_default().add(class, sym.bytes);
    }
    for sec in &img.sections {
        rows.entry(OTHER_ROW.to_string())
            .or_default()
            .add(sec.class, sec.unattributed);
        if sec.unattributed > 0 {
            tree.entry(vec!["(other)".to_string(), sec.name.clone()])
                .or_default()
                .add(sec.class, sec.unattributed);
        }
    }
    Measured {
        name: name.to_string(),
        files,
        artifact: String::new(),
        sizes: img.sizes,
        rows,
        tree: tree
            .into_iter()
            .map(|(path, bytes)| TreeEntry { path, bytes })
            .collect(),
        instance: Vec::new(),
        smoltcp: None,
    }
}

/// The smoltcp features matching a configuration, `enabled` telling which Kconfig bools are
/// on: Ethernet, IPv4 (with ARP, ICMP echo), IPv6 (with NDP, ICMPv6 echo), UDP sockets, and
/// TCP sockets when `tcp_in_image` (our image has TCP code: with `NET_TCP=y` but no TCP in
/// the image, because net-core had none or the application uses none, smoltcp is built
/// without it too, so the comparison is of what both images contain). net_mgmt and
/// statistics have no smoltcp counterpart.
pub fn smoltcp_features(enabled: &dyn Fn(&str) -> bool, tcp_in_image: bool) -> Vec<String> {
    let mut f = Vec::new();
    for (sym, feature) in [
        ("NET_L2_ETHERNET", "medium-ethernet"),
        ("NET_IPV4", "proto-ipv4"),
        ("NET_IPV6", "proto-ipv6"),
        ("NET_UDP", "socket-udp"),
    ] {
        if enabled(sym) {
            f.push(feature.to_string());
        }
    }
    if tcp_in_image && enabled("NET_TCP") {
        f.push("socket-tcp".to_string());
    }
    f
}

/// The `cargo build` of the smoltcp comparison firmware (`examples/smoltcp_echo`) for
/// `board` on `target` with the smoltcp `features`: the release profile with
/// [`FIRMWARE_PROFILE`] (as the application's firmware), into
/// `target/netcfg/smoltcp-<board>-<hash of the features>`, JSON messages on stdout.
pub fn smoltcp_command(
    root: &std::path::Path,
    board: &str,
    target: &str,
    features: &[String],
    opt_level: &str,
    cargo: impl Into<std::ffi::OsString>,
) -> std::process::Command {
    let list = features.join(",");
    let dir = root.join(crate::firmware::BUILD_ROOT).join(format!(
        "smoltcp-{board}-{:012x}",
        crate::firmware::fnv1a64(format!("{list} {opt_level}").as_bytes()) >> 16
    ));
    let mut cmd = std::process::Command::new(cargo.into());
    cmd.current_dir(root)
        .args([
            "build",
            "--release",
            "-p",
            "smoltcp_echo",
            "--target",
            target,
        ])
        .arg("--features")
        .arg(&list)
        .arg("--target-dir")
        .arg(dir)
        .arg("--message-format=json-render-diagnostics")
        .env("NET_BOARD", board)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .envs(FIRMWARE_PROFILE.iter().copied())
        .env(OPT_LEVEL_VAR, opt_level)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit());
    cmd
}

/// The whole comparison: the board and each configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The board.
    pub board: String,
    /// Its flash, if it has any.
    pub flash: Option<u64>,
    /// Its RAM, if known.
    pub ram: Option<u64>,
    /// The application package.
    pub app: String,
    /// Each configuration, the first being the baseline of the deltas.
    pub configs: Vec<Measured>,
}

impl Report {
    /// The rows to show, in order: the stack's rows, its drivers, the instance, the
    /// application, the runtime, other crates, core and "other".
    pub fn row_order(&self) -> Vec<String> {
        let mut all: Vec<String> = STACK_ROWS.iter().map(|s| s.to_string()).collect();
        let mut seen: Vec<&String> = self.configs.iter().flat_map(|c| c.rows.keys()).collect();
        seen.sort();
        seen.dedup();
        let mut extra_l2: Vec<String> = seen
            .iter()
            .filter(|r| r.starts_with("L2 ") && !all.contains(r))
            .map(|r| r.to_string())
            .collect();
        let at = all.iter().position(|r| r == "IPv4").unwrap_or(0);
        for (i, r) in extra_l2.drain(..).enumerate() {
            all.insert(at + i, r);
        }
        all.extend(
            seen.iter()
                .filter(|r| r.starts_with("driver "))
                .map(|r| r.to_string()),
        );
        all.extend([INSTANCE_ROW, APP_ROW, RUNTIME_ROW].map(String::from));
        all.extend(
            seen.iter()
                .filter(|r| r.starts_with("crate "))
                .map(|r| r.to_string()),
        );
        all.extend([CORE_ROW, OTHER_ROW].map(String::from));
        all
    }

    fn cell(&self, config: usize, row: &str) -> Bytes {
        self.configs[config]
            .rows
            .get(row)
            .copied()
            .unwrap_or_default()
    }

    /// The report as JSON (schema `netcfg-size/1`).
    pub fn json(&self) -> Value {
        let base = self.configs.first().map(|c| c.sizes);
        let configs: Vec<Value> = self
            .configs
            .iter()
            .map(|c| {
                let rows: serde_json::Map<String, Value> = c
                    .rows
                    .iter()
                    .map(|(k, v)| (k.clone(), json!({ "rom": v.rom, "ram": v.ram })))
                    .collect();
                let base = base.unwrap_or(c.sizes);
                let instance: Vec<Value> = c
                    .instance
                    .iter()
                    .map(|i| json!({ "component": i.component, "option": i.option, "count": i.count, "bytes": i.bytes }))
                    .collect();
                json!({
                    "name": c.name,
                    "files": c.files,
                    "artifact": c.artifact,
                    "rom": c.sizes.rom(),
                    "ram": c.sizes.ram(),
                    "delta": {
                        "rom": c.sizes.rom() as i64 - base.rom() as i64,
                        "ram": c.sizes.ram() as i64 - base.ram() as i64,
                    },
                    "share": {
                        "flash": self.flash.map(|f| share(c.sizes.rom(), f)),
                        "ram": self.ram.map(|r| share(c.sizes.ram(), r)),
                    },
                    "sections": sections_json(&c.sizes),
                    "rows": rows,
                    "instance_ram": instance,
                    "smoltcp": c.smoltcp.as_ref().map(|s| json!({
                        "features": s.features,
                        "rom": s.sizes.rom(),
                        "ram": s.sizes.ram(),
                        "sections": sections_json(&s.sizes),
                        "rom_ratio": ratio(c.sizes.rom(), s.sizes.rom()),
                    })),
                })
            })
            .collect();
        json!({
            "schema": "netcfg-size/1",
            "board": { "name": self.board, "flash": self.flash, "ram": self.ram },
            "app": self.app,
            "row_order": self.row_order(),
            "configs": configs,
        })
    }

    /// A plain-text table: per configuration ROM, its share of flash and its delta against
    /// the first configuration, then the same for RAM; then the instance's RAM by
    /// component, and the smoltcp comparison when there is one.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.title());
        for (i, c) in self.configs.iter().enumerate() {
            let _ = writeln!(out, "  [{}] {} ({})", i + 1, c.name, c.files.join(", "));
        }
        let header = self.header_cells();
        let mut lines = vec![header];
        for row in self.row_order() {
            lines.push(self.row_cells(&row, &row));
        }
        lines.push(self.total_cells());
        out.push('\n');
        out.push_str(&align(&lines));
        out.push('\n');
        out.push_str(&align(&self.instance_cells()));
        if let Some(s) = self.smoltcp_cells() {
            out.push('\n');
            out.push_str(&align(&s));
        }
        out
    }

    /// The text report as Markdown tables.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "**{}**\n", self.title());
        for (i, c) in self.configs.iter().enumerate() {
            let _ = writeln!(out, "- [{}] `{}`", i + 1, c.name);
        }
        out.push('\n');
        let mut lines = vec![self.header_cells()];
        for row in self.row_order() {
            lines.push(self.row_cells(&row, &row));
        }
        let mut total = self.total_cells();
        total[0] = "**total**".to_string();
        lines.push(total);
        out.push_str(&markdown_table(&lines));
        out.push('\n');
        out.push_str(&markdown_table(&self.instance_cells()));
        if let Some(s) = self.smoltcp_cells() {
            out.push('\n');
            out.push_str(&markdown_table(&s));
        }
        out
    }

    /// One self-contained HTML page (inline CSS, no scripts): per configuration the
    /// totals, then per module a bar for each configuration's ROM and RAM.
    pub fn html(&self) -> String {
        let mut out = String::new();
        let title = esc(&self.title());
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\n\
             <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
             td,th{{padding:2px 8px;text-align:right;border-bottom:1px solid #ddd}}td.m,th.m{{text-align:left}}\
             .bar{{display:inline-block;height:10px}}.rom{{background:#3b78c4}}.ram{{background:#d9822b}}\
             td.b{{text-align:left;width:260px}}</style></head><body>\n<h1>{title}</h1>\n<ol>\n"
        );
        for c in &self.configs {
            let _ = writeln!(
                out,
                "<li><code>{}</code>: ROM {} B{}, RAM {} B{}</li>",
                esc(&c.name),
                c.sizes.rom(),
                self.flash
                    .map(|f| format!(" ({} of flash)", share_pct(c.sizes.rom(), f)))
                    .unwrap_or_default(),
                c.sizes.ram(),
                self.ram
                    .map(|r| format!(" ({} of RAM)", share_pct(c.sizes.ram(), r)))
                    .unwrap_or_default(),
            );
        }
        out.push_str("</ol>\n<table>\n<tr><th class=\"m\">module</th>");
        for (i, _) in self.configs.iter().enumerate() {
            let _ = write!(
                out,
                "<th>[{n}] ROM</th><th>[{n}] RAM</th><th class=\"m\">[{n}]</th>",
                n = i + 1
            );
        }
        out.push_str("</tr>\n");
        let max_rom = self.max(|b| b.rom);
        let max_ram = self.max(|b| b.ram);
        for row in self.row_order() {
            let _ = write!(out, "<tr><td class=\"m\">{}</td>", esc(&row));
            for i in 0..self.configs.len() {
                let b = self.cell(i, &row);
                let _ = write!(
                    out,
                    "<td>{}</td><td>{}</td><td class=\"b\"><span class=\"bar rom\" style=\"width:{}px\"></span><br><span class=\"bar ram\" style=\"width:{}px\"></span></td>",
                    b.rom,
                    b.ram,
                    bar(b.rom, max_rom),
                    bar(b.ram, max_ram)
                );
            }
            out.push_str("</tr>\n");
        }
        out.push_str("<tr><th class=\"m\">total</th>");
        for c in &self.configs {
            let _ = write!(
                out,
                "<th>{}</th><th>{}</th><th></th>",
                c.sizes.rom(),
                c.sizes.ram()
            );
        }
        out.push_str("</tr>\n</table>\n<p>Bars: <span class=\"bar rom\" style=\"width:20px\"></span> ROM, \
                      <span class=\"bar ram\" style=\"width:20px\"></span> RAM, each scaled to the largest row.</p>\n");
        out.push_str("<h2>Static instance RAM by component</h2>\n");
        out.push_str(&html_table(&self.instance_cells()));
        if let Some(s) = self.smoltcp_cells() {
            out.push_str("<h2>Against smoltcp</h2>\n");
            out.push_str(&html_table(&s));
        }
        out.push_str("</body></html>\n");
        out
    }

    /// Zephyr-style trees (`rom_report`/`ram_report`): per configuration, ROM then RAM, each
    /// node with its path, size and share of the total, down to `depth` levels.
    pub fn tree(&self, depth: usize) -> String {
        let mut out = String::new();
        for c in &self.configs {
            for (what, pick, total) in [
                (
                    "ROM",
                    (|b: &Bytes| b.rom) as fn(&Bytes) -> u64,
                    c.sizes.rom(),
                ),
                ("RAM", |b: &Bytes| b.ram, c.sizes.ram()),
            ] {
                let _ = writeln!(out, "{what} of {} ({total} B)", c.name);
                let _ = writeln!(out, "{:<60} {:>8} {:>7}", "Path", "Size", "%");
                let _ = writeln!(out, "{}", "=".repeat(77));
                let mut nodes: BTreeMap<Vec<String>, u64> = BTreeMap::new();
                for e in &c.tree {
                    let n = pick(&e.bytes);
                    if n == 0 {
                        continue;
                    }
                    for d in 1..=e.path.len().min(depth) {
                        *nodes.entry(e.path[..d].to_vec()).or_default() += n;
                    }
                }
                let _ = writeln!(out, "{:<60} {:>8} {:>7}", "Root", total, "100.00%");
                for (path, n) in &nodes {
                    let label = format!(
                        "{}{} {}",
                        "│   ".repeat(path.len() - 1),
                        "├──",
                        path.last().map_or("", String::as_str)
                    );
                    let label: String = label.chars().take(60).collect();
                    let _ = writeln!(
                        out,
                        "{:<60} {:>8} {:>6.2}%",
                        label,
                        n,
                        *n as f64 * 100.0 / total.max(1) as f64
                    );
                }
                out.push('\n');
            }
        }
        out
    }

    fn title(&self) -> String {
        let mem = match (self.flash, self.ram) {
            (Some(f), Some(r)) => format!(
                " ({} flash, {} RAM)",
                crate::firmware::human(f),
                crate::firmware::human(r)
            ),
            (None, Some(r)) => format!(" ({} RAM)", crate::firmware::human(r)),
            _ => String::new(),
        };
        format!("{} on {}{mem}: bytes by module", self.app, self.board)
    }

    fn max(&self, f: impl Fn(&Bytes) -> u64) -> u64 {
        self.configs
            .iter()
            .flat_map(|c| c.rows.values())
            .map(f)
            .max()
            .unwrap_or(0)
    }

    fn header_cells(&self) -> Vec<String> {
        let mut h = vec!["module".to_string()];
        for (i, _) in self.configs.iter().enumerate() {
            let n = i + 1;
            h.push(format!("[{n}] ROM"));
            if i > 0 {
                h.push(format!("[{n}] ΔROM"));
            }
            h.push(format!("[{n}] RAM"));
            if i > 0 {
                h.push(format!("[{n}] ΔRAM"));
            }
        }
        h
    }

    fn row_cells(&self, label: &str, row: &str) -> Vec<String> {
        let mut cells = vec![label.to_string()];
        let base = self.cell(0, row);
        for i in 0..self.configs.len() {
            let b = self.cell(i, row);
            cells.push(b.rom.to_string());
            if i > 0 {
                cells.push(delta(b.rom, base.rom));
            }
            cells.push(b.ram.to_string());
            if i > 0 {
                cells.push(delta(b.ram, base.ram));
            }
        }
        cells
    }

    fn total_cells(&self) -> Vec<String> {
        let mut cells = vec!["total".to_string()];
        let base = self.configs.first().map(|c| c.sizes).unwrap_or_default();
        for (i, c) in self.configs.iter().enumerate() {
            let (rom, ram) = (c.sizes.rom(), c.sizes.ram());
            cells.push(match self.flash {
                Some(f) => format!("{rom} ({})", share_pct(rom, f)),
                None => rom.to_string(),
            });
            if i > 0 {
                cells.push(delta(rom, base.rom()));
            }
            cells.push(match self.ram {
                Some(r) => format!("{ram} ({})", share_pct(ram, r)),
                None => ram.to_string(),
            });
            if i > 0 {
                cells.push(delta(ram, base.ram()));
            }
        }
        cells
    }

    fn instance_cells(&self) -> Vec<Vec<String>> {
        let mut head = vec!["instance RAM (component, option)".to_string()];
        head.extend((1..=self.configs.len()).map(|n| format!("[{n}] count / bytes")));
        let mut keys: Vec<(&str, &str)> = Vec::new();
        for c in &self.configs {
            for i in &c.instance {
                if !keys.contains(&(i.component, i.option)) {
                    keys.push((i.component, i.option));
                }
            }
        }
        let mut lines = vec![head];
        for (component, option) in keys {
            let mut line = vec![format!("{component} ({option})")];
            for c in &self.configs {
                line.push(
                    c.instance
                        .iter()
                        .find(|i| i.component == component && i.option == option)
                        .map_or("-".to_string(), |i| match i.bytes {
                            Some(b) => format!("{} / {b} B", i.count),
                            None => i.count.to_string(),
                        }),
                );
            }
            lines.push(line);
        }
        lines
    }

    fn smoltcp_cells(&self) -> Option<Vec<Vec<String>>> {
        if self.configs.iter().all(|c| c.smoltcp.is_none()) {
            return None;
        }
        let mut lines = vec![
            [
                "config",
                "ROM",
                "RAM",
                "smoltcp ROM",
                "smoltcp RAM",
                "ROM ratio",
                "smoltcp features",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for c in &self.configs {
            let Some(s) = &c.smoltcp else { continue };
            lines.push(vec![
                c.name.clone(),
                c.sizes.rom().to_string(),
                c.sizes.ram().to_string(),
                s.sizes.rom().to_string(),
                s.sizes.ram().to_string(),
                format!("{:.2}", ratio(c.sizes.rom(), s.sizes.rom())),
                s.features.join(" "),
            ]);
        }
        Some(lines)
    }
}

fn sections_json(s: &Sizes) -> Value {
    json!({ "text": s.text, "rodata": s.rodata, "data": s.data, "bss": s.bss })
}

fn share(part: u64, whole: u64) -> f64 {
    (part as f64 / whole.max(1) as f64 * 10000.0).round() / 10000.0
}

fn share_pct(part: u64, whole: u64) -> String {
    format!("{:.1}%", part as f64 * 100.0 / whole.max(1) as f64)
}

/// `ours / theirs`, rounded to 4 places.
pub fn ratio(ours: u64, theirs: u64) -> f64 {
    (ours as f64 / theirs.max(1) as f64 * 10000.0).round() / 10000.0
}

fn delta(now: u64, base: u64) -> String {
    match now.cmp(&base) {
        std::cmp::Ordering::Equal => "0".to_string(),
        std::cmp::Ordering::Greater => format!("+{}", now - base),
        std::cmp::Ordering::Less => format!("-{}", base - now),
    }
}

fn bar(n: u64, max: u64) -> u64 {
    if n == 0 {
        0
    } else {
        (n * 240 / max.max(1)).max(1)
    }
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Columns aligned with two spaces between them: the first left-aligned, the others right.
fn align(lines: &[Vec<String>]) -> String {
    let cols = lines.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..cols)
        .map(|c| {
            lines
                .iter()
                .filter_map(|l| l.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for l in lines {
        let mut line = String::new();
        for (c, cell) in l.iter().enumerate() {
            let pad = width[c] - cell.chars().count();
            if c == 0 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str("  ");
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn markdown_table(lines: &[Vec<String>]) -> String {
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        let _ = writeln!(out, "| {} |", l.join(" | "));
        if i == 0 {
            let seps: Vec<&str> = (0..l.len())
                .map(|c| if c == 0 { "---" } else { "---:" })
                .collect();
            let _ = writeln!(out, "|{}|", seps.join("|"));
        }
    }
    out
}

fn html_table(lines: &[Vec<String>]) -> String {
    let mut out = String::from("<table>\n");
    for (i, l) in lines.iter().enumerate() {
        out.push_str("<tr>");
        for (c, cell) in l.iter().enumerate() {
            let tag = if i == 0 { "th" } else { "td" };
            let class = if c == 0 { " class=\"m\"" } else { "" };
            let _ = write!(out, "<{tag}{class}>{}</{tag}>", esc(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::{Section, Symbol};

    fn row(raw: &str, class: Class) -> String {
        classify(
            raw,
            class,
            "echo_server",
            &["echo_server::firmware::NET".to_string()],
        )
        .row
    }

    #[test]
    fn demangled_paths_map_to_rows() {
        let t = Class::Text;
        for (name, want) in [
            ("net_core::ip::ipv4::input", "IPv4"),
            ("net_core::ip::icmpv4::echo_reply", "ICMPv4"),
            ("net_core::l2::ethernet::arp::send_request", "ARP"),
            ("net_core::l2::ethernet::emit_and_send", "L2 Ethernet"),
            ("net_core::ip::ipv6::nbr::learn", "ICMPv6/NDP"),
            ("net_core::ip::icmpv6::wire::NdiscRepr::parse", "ICMPv6/NDP"),
            ("net_core::ip::ipv6::input", "IPv6"),
            ("net_core::ip::udp::input_v4", "UDP"),
            (
                "net_core::lib::sockets::<impl net_core::ip::net_core::Stack>::bind",
                "sockets",
            ),
            ("net_core::ip::mgmt::Mgmt::notify", "net_mgmt"),
            ("net_core::ip::stats::Stats::write", "statistics"),
            (
                "<net_core::ip::net_core::Stack as net_core::drivers::RxPath>::recv",
                "IP core",
            ),
            ("net_core::buf::pkt::NetPkt::append", "packet buffers"),
            ("net_core::net_if::IfIpv6::next_hop", "net_if"),
            (
                "<net_core::drivers::ethernet::stellaris::Stellaris as net_core::drivers::Driver>::send",
                "driver stellaris",
            ),
            (
                "net_core::drivers::loopback::Loopback::send",
                "driver loopback",
            ),
            ("net_core::counter::Counter::inc", "net_core (other)"),
            (
                "core::ptr::drop_in_place<net_core::buf::pkt::NetPkt>",
                "packet buffers",
            ),
            (
                "core::slice::sort::stable::driftsort_main<net_core::ip::ipv6::nbr::Entry, _>",
                "ICMPv6/NDP",
            ),
            ("core::fmt::write", CORE_ROW),
            ("<core::fmt::Formatter>::pad", CORE_ROW),
            ("echo_server::firmware::open", APP_ROW),
            (
                "<echo_server::firmware::SysTickClock as net_core::ip::net_core::Clock>::now_ms",
                APP_ROW,
            ),
            ("critical_section::with", RUNTIME_ROW),
            ("cortex_m_semihosting::export::hstdout_str", RUNTIME_ROW),
            (
                "smoltcp::iface::interface::Interface::poll",
                "crate smoltcp",
            ),
            ("<u16 as core::fmt::Display>::fmt", CORE_ROW),
            (
                "<&mut I as core::iter::traits::iterator::IteratorRefSpec>::spec_try_fold",
                CORE_ROW,
            ),
            ("__rustc::rust_begin_unwind", RUNTIME_ROW),
        ] {
            assert_eq!(classify(name, t, "echo_server", &[]).row, want, "{name}");
        }
    }

    #[test]
    fn mangled_unmangled_and_instance_symbols() {
        // v0 and legacy mangling.
        assert_eq!(
            row("_RNvNtNtCs1234_8net_core2ip4ipv45input", Class::Text),
            "IPv4"
        );
        assert_eq!(
            row(
                "_ZN8net_core2ip3udp8input_v417h0123456789abcdefE",
                Class::Text
            ),
            "UDP"
        );
        assert_eq!(row("memcpy", Class::Text), CORE_ROW);
        assert_eq!(row("__aeabi_memclr4", Class::Text), CORE_ROW);
        assert_eq!(row("Reset", Class::Text), RUNTIME_ROW);
        assert_eq!(row("__INTERRUPTS", Class::Rodata), RUNTIME_ROW);
        assert_eq!(row("SysTick", Class::Text), APP_ROW);
        // The statics of net_stack!.
        for s in [
            "_ZN11echo_server8firmware3NET11__NET_POOLS17h0123456789abcdefE",
            "_ZN11echo_server8firmware3NET17h0123456789abcdefE",
            "_ZN11echo_server8firmware8NET_ETH017h0123456789abcdefE",
        ] {
            assert_eq!(row(s, Class::Bss), INSTANCE_ROW, "{s}");
        }
        assert_eq!(
            row(
                "_ZN11echo_server8firmware6MILLIS17h0123456789abcdefE",
                Class::Bss
            ),
            APP_ROW
        );
    }

    /// A small fixed report: two configurations of a made-up image.
    fn sample() -> Report {
        let img = |ipv4: bool| {
            let mut symbols = vec![
                sym(
                    "_ZN8net_core2ip4ipv65input17h0123456789abcdefE",
                    0,
                    0x100,
                    60,
                ),
                sym("memcpy", 0, 0x140, 20),
                sym(
                    "_ZN11echo_server8firmware6MILLIS17h0123456789abcdefE",
                    2,
                    0x2000_0000,
                    8,
                ),
            ];
            if ipv4 {
                symbols.push(sym(
                    "_ZN8net_core2ip4ipv45input17h0123456789abcdefE",
                    0,
                    0x160,
                    30,
                ));
            }
            let mut img = Image {
                sizes: Sizes {
                    text: 128,
                    rodata: 0,
                    data: 0,
                    bss: 16,
                },
                sections: vec![
                    sec(".text", Class::Text, 0x100, 128),
                    sec(".rodata", Class::Rodata, 0x180, 0),
                    sec(".bss", Class::Bss, 0x2000_0000, 16),
                ],
                symbols,
            };
            img.attribute();
            img
        };
        let mut a = measure("a.conf", vec!["a.conf".into()], &img(false), "echo_server");
        a.instance = vec![RamItem {
            component: "RX data buffers",
            option: "NET_BUF_RX_COUNT",
            count: 4,
            bytes: Some(548),
        }];
        let mut b = measure("b.conf", vec!["b.conf".into()], &img(true), "echo_server");
        b.smoltcp = Some(Smoltcp {
            features: vec!["proto-ipv4".into()],
            sizes: Sizes {
                text: 200,
                rodata: 0,
                data: 0,
                bss: 16,
            },
        });
        Report {
            board: "qemu_cortex_m3".into(),
            flash: Some(262_144),
            ram: Some(65_536),
            app: "echo_server".into(),
            configs: vec![a, b],
        }
    }

    fn sec(name: &str, class: Class, addr: u64, size: u64) -> Section {
        Section {
            name: name.into(),
            class,
            addr,
            size,
            unattributed: 0,
        }
    }

    fn sym(name: &str, section: usize, addr: u64, size: u64) -> Symbol {
        Symbol {
            name: name.into(),
            section,
            addr,
            size,
            bytes: 0,
        }
    }

    #[test]
    fn rows_add_up_to_the_sections() {
        let r = sample();
        for c in &r.configs {
            let rom: u64 = c.rows.values().map(|b| b.rom).sum();
            let ram: u64 = c.rows.values().map(|b| b.ram).sum();
            assert_eq!((rom, ram), (c.sizes.rom(), c.sizes.ram()), "{}", c.name);
        }
        assert_eq!(r.configs[0].rows["IPv4"], Bytes::default());
        assert_eq!(r.configs[1].rows["IPv4"].rom, 30);
        assert_eq!(r.configs[0].rows[OTHER_ROW].rom, 48);
    }

    const GOLDEN_TEXT: &str = "\
echo_server on qemu_cortex_m3 (256 KiB flash, 64 KiB RAM): bytes by module
  [1] a.conf (a.conf)
  [2] b.conf (b.conf)

module                     [1] ROM    [1] RAM     [2] ROM  [2] ΔROM    [2] RAM  [2] ΔRAM
L2 Ethernet                      0          0           0         0          0         0
ARP                              0          0           0         0          0         0
L2 dummy                         0          0           0         0          0         0
IPv4                             0          0          30       +30          0         0
ICMPv4                           0          0           0         0          0         0
IPv6                            60          0          60         0          0         0
ICMPv6/NDP                       0          0           0         0          0         0
UDP                              0          0           0         0          0         0
TCP                              0          0           0         0          0         0
sockets                          0          0           0         0          0         0
net_mgmt                         0          0           0         0          0         0
statistics                       0          0           0         0          0         0
net config                       0          0           0         0          0         0
IP core                          0          0           0         0          0         0
net_if                           0          0           0         0          0         0
packet buffers                   0          0           0         0          0         0
net_core (other)                 0          0           0         0          0         0
stack instance                   0          0           0         0          0         0
application                      0          8           0         0          8         0
runtime                          0          0           0         0          0         0
core/compiler-builtins          20          0          20         0          0         0
other                           48          8          18       -30          8         0
total                   128 (0.0%)  16 (0.0%)  128 (0.0%)         0  16 (0.0%)         0

instance RAM (component, option)    [1] count / bytes  [2] count / bytes
RX data buffers (NET_BUF_RX_COUNT)          4 / 548 B                  -

config  ROM  RAM  smoltcp ROM  smoltcp RAM  ROM ratio  smoltcp features
b.conf  128   16          200           16       0.64        proto-ipv4
";

    #[test]
    fn text_format() {
        assert_eq!(sample().text(), GOLDEN_TEXT);
    }

    #[test]
    fn markdown_format() {
        let md = sample().markdown();
        let want_head = "\
**echo_server on qemu_cortex_m3 (256 KiB flash, 64 KiB RAM): bytes by module**

- [1] `a.conf`
- [2] `b.conf`

| module | [1] ROM | [1] RAM | [2] ROM | [2] ΔROM | [2] RAM | [2] ΔRAM |
|---|---:|---:|---:|---:|---:|---:|
| L2 Ethernet | 0 | 0 | 0 | 0 | 0 | 0 |
";
        assert!(md.starts_with(want_head), "{md}");
        let want_tail = "\
| IPv4 | 0 | 0 | 30 | +30 | 0 | 0 |
";
        assert!(md.contains(want_tail), "{md}");
        assert!(
            md.contains(
                "| **total** | 128 (0.0%) | 16 (0.0%) | 128 (0.0%) | 0 | 16 (0.0%) | 0 |\n"
            ),
            "{md}"
        );
        assert!(md.ends_with(
            "\
| config | ROM | RAM | smoltcp ROM | smoltcp RAM | ROM ratio | smoltcp features |
|---|---:|---:|---:|---:|---:|---:|
| b.conf | 128 | 16 | 200 | 16 | 0.64 | proto-ipv4 |
"
        ));
    }

    #[test]
    fn json_format() {
        let v = sample().json();
        let got = serde_json::to_string(&v["configs"][1]).unwrap();
        assert_eq!(
            got,
            r#"{"artifact":"","delta":{"ram":0,"rom":0},"files":["b.conf"],"instance_ram":[],"name":"b.conf","ram":16,"rom":128,"rows":{"ARP":{"ram":0,"rom":0},"ICMPv4":{"ram":0,"rom":0},"ICMPv6/NDP":{"ram":0,"rom":0},"IP core":{"ram":0,"rom":0},"IPv4":{"ram":0,"rom":30},"IPv6":{"ram":0,"rom":60},"L2 Ethernet":{"ram":0,"rom":0},"L2 dummy":{"ram":0,"rom":0},"TCP":{"ram":0,"rom":0},"UDP":{"ram":0,"rom":0},"application":{"ram":8,"rom":0},"core/compiler-builtins":{"ram":0,"rom":20},"net config":{"ram":0,"rom":0},"net_core (other)":{"ram":0,"rom":0},"net_if":{"ram":0,"rom":0},"net_mgmt":{"ram":0,"rom":0},"other":{"ram":8,"rom":18},"packet buffers":{"ram":0,"rom":0},"runtime":{"ram":0,"rom":0},"sockets":{"ram":0,"rom":0},"stack instance":{"ram":0,"rom":0},"statistics":{"ram":0,"rom":0}},"sections":{"bss":16,"data":0,"rodata":0,"text":128},"share":{"flash":0.0005,"ram":0.0002},"smoltcp":{"features":["proto-ipv4"],"ram":16,"rom":200,"rom_ratio":0.64,"sections":{"bss":16,"data":0,"rodata":0,"text":200}}}"#
        );
        assert_eq!(v["schema"], "netcfg-size/1");
        assert_eq!(v["board"]["flash"], 262_144);
        assert_eq!(v["configs"][0]["instance_ram"][0]["bytes"], 548);
    }

    #[test]
    fn html_format() {
        let h = sample().html();
        assert!(h.starts_with("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>echo_server on qemu_cortex_m3 (256 KiB flash, 64 KiB RAM): bytes by module</title>\n<style>"), "{h}");
        assert!(!h.contains("<script"), "{h}");
        assert!(
            h.contains(
                "<li><code>b.conf</code>: ROM 128 B (0.0% of flash), RAM 16 B (0.0% of RAM)</li>\n"
            ),
            "{h}"
        );
        assert!(h.contains("<tr><td class=\"m\">IPv4</td><td>0</td><td>0</td><td class=\"b\"><span class=\"bar rom\" style=\"width:0px\"></span><br><span class=\"bar ram\" style=\"width:0px\"></span></td><td>30</td><td>0</td><td class=\"b\"><span class=\"bar rom\" style=\"width:120px\"></span><br><span class=\"bar ram\" style=\"width:0px\"></span></td></tr>\n"), "{h}");
        assert!(h.contains("<tr><td class=\"m\">b.conf</td><td>128</td><td>16</td><td>200</td><td>16</td><td>0.64</td><td>proto-ipv4</td></tr>\n"), "{h}");
        assert!(h.ends_with("</table>\n</body></html>\n"));
        assert_eq!(esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }

    #[test]
    fn tree_format() {
        let t = sample().tree(2);
        let want = "\
ROM of a.conf (128 B)
Path                                                             Size       %
=============================================================================
Root                                                              128 100.00%
├── (other)                                                        48  37.50%
│   ├── .text                                                      48  37.50%
├── compiler_builtins                                              20  15.62%
│   ├── memcpy                                                     20  15.62%
├── net_core                                                       60  46.88%
│   ├── ip                                                         60  46.88%

RAM of a.conf (16 B)
";
        assert!(t.starts_with(want), "{t}");
    }

    #[test]
    fn smoltcp_features_follow_the_configuration() {
        let on = |s: &str| ["NET_L2_ETHERNET", "NET_IPV6", "NET_UDP", "NET_TCP"].contains(&s);
        assert_eq!(
            smoltcp_features(&on, false),
            ["medium-ethernet", "proto-ipv6", "socket-udp"]
        );
        assert_eq!(smoltcp_features(&on, true).last().unwrap(), "socket-tcp");
    }
}
