//! `netcfg new`: a new application (Cargo package, `prj.conf`, `src/main.rs`) that builds
//! and runs with `netcfg build` and `netcfg run`.

use std::path::{Component, Path, PathBuf};

/// Whether `name` is a valid Cargo package name (ASCII letters, digits, `-`, `_`; not
/// starting with a digit or `-`).
pub fn valid_package_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `path` made absolute (against `cwd`) and normalized without touching the file system
/// beyond resolving the longest existing ancestor (so symlinks there resolve as the OS
/// would).
pub fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let joined = cwd.join(path);
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    // Canonicalize the existing part.
    let mut existing = out.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match existing.file_name() {
            Some(n) => rest.push(n.to_os_string()),
            None => break,
        }
        existing.pop();
    }
    let mut base = existing.canonicalize().unwrap_or(existing);
    for n in rest.into_iter().rev() {
        base.push(n);
    }
    base
}

/// The relative path from directory `from` to `to` (both absolute and normalized),
/// `/`-separated, as Cargo's `path = "..."` wants it.
pub fn relative(from: &Path, to: &Path) -> String {
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// The files of a new application, as `(path relative to APP_DIR, contents)`.
///
/// `name` is the package name, `to_root` the relative path from the application
/// directory to the workspace root, `app_rel` the application directory as the user
/// should type it in commands, `board` the board it is made for.
pub fn files(name: &str, to_root: &str, app_rel: &str, board: &str) -> Vec<(PathBuf, String)> {
    let cargo = format!(
        r#"[package]
name = "{name}"
description = "A UDP echo application on the net stack (made by `netcfg new`)"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
net-core = {{ path = "{to_root}/net-core" }}
net-macros = {{ path = "{to_root}/net-macros" }}
"#
    );
    let prj = format!(
        r#"# {name}: the application's configuration, in Zephyr's prj.conf format.
# The board's defconfig (boards/{board}/defconfig) applies first, then this file.
# `netcfg explain NAME {app_rel}/prj.conf` tells what an option does and why it has its value.
#
# Build and run:
#   netcfg build -b {board} {app_rel}
#   netcfg run -b {board} {app_rel} --eth-if zeth

# The stack with IPv4 and UDP sockets over Ethernet.
CONFIG_NETWORKING=y
CONFIG_NET_IPV4=y
CONFIG_NET_ARP=y
CONFIG_NET_UDP=y
CONFIG_NET_SOCKETS=y
# IPv6 works the same way: set it to y and add CONFIG_NET_CONFIG_MY_IPV6_ADDR below.
# CONFIG_NET_IPV6 is not set

# Static address applied at start-up (the host end of the TAP is the peer).
CONFIG_NET_CONFIG_SETTINGS=y
CONFIG_NET_CONFIG_NEED_IPV4=y
CONFIG_NET_CONFIG_MY_IPV4_ADDR="192.0.2.1"
CONFIG_NET_CONFIG_MY_IPV4_NETMASK="255.255.255.0"
CONFIG_NET_CONFIG_PEER_IPV4_ADDR="192.0.2.2"
"#
    );
    let main = format!(
        r#"//! {name}: echoes every UDP datagram sent to port 4242 (made by `netcfg new`).
//!
//! On `{board}` the stack runs in this process and reaches the host through a TAP device:
//!
//! ```sh
//! sudo ip tuntap add dev zeth mode tap user $USER && sudo ip addr add 192.0.2.2/24 dev zeth
//! sudo ip link set zeth up
//! netcfg run -b {board} {app_rel} --eth-if zeth
//! ```

use std::net::{{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr}};
use std::process::ExitCode;

use net_core::drivers::ethernet::native_tap::NativeTap;
use net_core::{{AddrFamily, Fd, PollFd, SockType}};

/// The UDP port to echo on.
const PORT: u16 = 4242;

net_macros::net_stack! {{
    /// The stack: pools, queues, tables and interfaces sized by the resolved configuration.
    static NET: Stack;
    clock: ::net_core::StdClock::new(),
    interfaces: {{
        /// The TAP device of native_sim.
        eth0: Ethernet(NativeTap) = NativeTap::new([0x00, 0x00, 0x5e, 0x00, 0x53, 0x01]),
    }},
}}

/// A non-blocking UDP socket bound to `PORT`, if the configuration has this family.
fn open(family: AddrFamily) -> Option<Fd> {{
    let fd = NET.socket(family, SockType::Dgram).ok()?;
    let any = match family {{
        AddrFamily::Inet => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        AddrFamily::Inet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }};
    NET.bind(fd, SocketAddr::new(any, PORT)).ok()?;
    NET.setsockopt(fd, net_core::SockOpt::NonBlocking(true)).ok()?;
    Some(fd)
}}

fn main() -> ExitCode {{
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {{
        match a.as_str() {{
            "--eth-if" => match args.next() {{
                Some(n) => NET_ETH0.set_interface_name(&n),
                None => return usage("--eth-if needs a name"),
            }},
            "-h" | "--help" => return usage(""),
            other => return usage(&format!("unknown argument {{other}}")),
        }}
    }}
    if let Err(e) = NET.start() {{
        eprintln!("{name}: cannot start the stack: {{e:?}}");
        return ExitCode::from(1);
    }}
    if !NET.ifaces()[0].is_up() {{
        eprintln!("{name}: is the TAP {{}} there?", NET_ETH0.interface_name());
        return ExitCode::from(1);
    }}
    if let Err(e) = NET.spawn_workers() {{
        eprintln!("{name}: cannot start the stack's threads: {{e}}");
        return ExitCode::from(1);
    }}
    let mut polls: Vec<PollFd> = [AddrFamily::Inet, AddrFamily::Inet6]
        .into_iter()
        .filter_map(open)
        .map(|fd| PollFd {{
            fd,
            events: net_core::lib::sockets::POLLIN,
            revents: 0,
        }})
        .collect();
    if polls.is_empty() {{
        eprintln!("{name}: no UDP socket could be opened (CONFIG_NET_UDP, CONFIG_NET_SOCKETS?)");
        return ExitCode::from(1);
    }}
    println!("{name}: echoing UDP port {{PORT}} via TAP {{}}", NET_ETH0.interface_name());
    let mut buf = [0u8; 1500];
    loop {{
        if NET.poll_fds(&mut polls, Some(1000)).unwrap_or(0) == 0 {{
            continue;
        }}
        for p in &polls {{
            while let Ok((n, from)) = NET.recvfrom(p.fd, &mut buf) {{
                let _ = NET.sendto(p.fd, &buf[..n], Some(from));
            }}
        }}
    }}
}}

fn usage(msg: &str) -> ExitCode {{
    if !msg.is_empty() {{
        eprintln!("{name}: {{msg}}");
    }}
    eprintln!("usage: {name} [--eth-if TAP]");
    ExitCode::from(if msg.is_empty() {{ 0 }} else {{ 2 }})
}}
"#
    );
    vec![
        (PathBuf::from("Cargo.toml"), cargo),
        (PathBuf::from("prj.conf"), prj),
        (PathBuf::from("src/main.rs"), main),
    ]
}

/// `manifest` (a workspace root `Cargo.toml`) with `member` added to `[workspace] members`,
/// keeping the rest of the text as it is. `None` when the array cannot be found.
pub fn add_member(manifest: &str, member: &str) -> Option<String> {
    let ws = manifest.find("[workspace]")?;
    let key = ws + manifest[ws..].find("members")?;
    let open = key + manifest[key..].find('[')?;
    let close = open + manifest[open..].find(']')?;
    let inner = &manifest[open + 1..close];
    let entry = format!("\"{member}\"");
    let mut out = String::with_capacity(manifest.len() + entry.len() + 8);
    out.push_str(&manifest[..open + 1]);
    if inner.contains('\n') {
        // One member per line: add a line in the same style before the closing bracket.
        let body = inner.trim_end();
        let indent = inner
            .lines()
            .find(|l| !l.trim().is_empty())
            .map_or("    ", |l| &l[..l.len() - l.trim_start().len()]);
        out.push_str(body);
        if !body.trim().is_empty() && !body.ends_with(',') {
            out.push(',');
        }
        out.push('\n');
        out.push_str(indent);
        out.push_str(&entry);
        out.push_str(",\n");
    } else {
        let body = inner.trim_end().trim_end_matches(',');
        out.push_str(body);
        if !body.trim().is_empty() {
            out.push_str(", ");
        }
        out.push_str(&entry);
    }
    out.push_str(&manifest[close..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        assert!(valid_package_name("my_app"));
        assert!(valid_package_name("my-app2"));
        assert!(!valid_package_name("2app"));
        assert!(!valid_package_name("-x"));
        assert!(!valid_package_name("my app"));
        assert!(!valid_package_name(""));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative(Path::new("/w/apps/x"), Path::new("/w")), "../..");
        assert_eq!(
            relative(Path::new("/w/target/tmp/a"), Path::new("/w/net-core")),
            "../../../net-core"
        );
        assert_eq!(relative(Path::new("/w"), Path::new("/w")), ".");
        assert_eq!(
            absolute(Path::new("/no/such/dir"), Path::new("../x/./y")),
            PathBuf::from("/no/such/x/y")
        );
    }

    #[test]
    fn adds_members_single_line() {
        let m = "[workspace]\nresolver = \"3\"\nmembers = [\"a\", \"b\"]\nexclude = [\"c\"]\n";
        let out = add_member(m, "apps/x").unwrap();
        assert_eq!(
            out,
            "[workspace]\nresolver = \"3\"\nmembers = [\"a\", \"b\", \"apps/x\"]\nexclude = [\"c\"]\n"
        );
        assert!(crate::firmware::is_workspace_member(&out, "apps/x"));
        let empty = add_member("[workspace]\nmembers = []\n", "x").unwrap();
        assert_eq!(empty, "[workspace]\nmembers = [\"x\"]\n");
    }

    #[test]
    fn adds_members_multi_line() {
        let m = "[workspace]\nmembers = [\n  \"a\",\n  \"b\"\n]\n";
        let out = add_member(m, "x").unwrap();
        assert_eq!(
            out,
            "[workspace]\nmembers = [\n  \"a\",\n  \"b\",\n  \"x\",\n]\n"
        );
        assert!(add_member("[package]\nname = \"x\"\n", "y").is_none());
    }

    #[test]
    fn templates_name_the_package_and_paths() {
        let f = files("my_app", "../..", "apps/my_app", "native_sim");
        assert_eq!(f.len(), 3);
        assert!(f[0].1.contains("name = \"my_app\""));
        assert!(f[0].1.contains("net-core = { path = \"../../net-core\" }"));
        assert!(f[1].1.contains("netcfg build -b native_sim apps/my_app"));
        assert!(f[2].1.contains("net_macros::net_stack!"));
    }
}
