//! Expansion snapshots of `net_stack!` against a fixed configuration, plus the error paths
//! and the configuration resolution. Refresh the snapshots with `UPDATE_SNAPSHOTS=1`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use net_macros_core::{ResolvedSizes, expand_with_config};
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

/// A fixed configuration: Ethernet and dummy L2s, IPv4 and IPv6, a few sizes.
fn fixed_config() -> ResolvedSizes {
    let switches = [
        ("NET_ARP", true),
        ("NET_IPV4", true),
        ("NET_IPV6", true),
        ("NET_L2_DUMMY", true),
        ("NET_L2_ETHERNET", true),
    ];
    let sizes = [
        ("NET_ARP_TABLE_SIZE", 2),
        ("NET_BUF_DATA_SIZE", 128),
        ("NET_BUF_RX_COUNT", 36),
        ("NET_BUF_TX_COUNT", 36),
        ("NET_PKT_RX_COUNT", 14),
        ("NET_PKT_TX_COUNT", 14),
        ("NET_TC_RX_COUNT", 1),
        ("NET_TC_TX_COUNT", 0),
    ];
    ResolvedSizes {
        switches: switches.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        sizes: sizes
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect::<BTreeMap<_, _>>(),
        files: vec![
            PathBuf::from("/project/Kconfig"),
            PathBuf::from("/project/boards/native_sim/defconfig"),
        ],
    }
}

fn pretty(tokens: TokenStream2) -> String {
    let file: syn::File = syn::parse2(tokens).expect("the expansion is a valid file");
    prettyplease::unparse(&file)
}

fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.rs"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_SNAPSHOTS=1)", path.display()));
    assert_eq!(
        expected,
        actual,
        "expansion differs from {} (run with UPDATE_SNAPSHOTS=1 to accept)",
        path.display()
    );
}

#[test]
fn two_interfaces_snapshot() {
    let input = quote! {
        /// The stack.
        pub static NET: Stack;
        clock: ::net_core::StdClock::new(),
        interfaces: {
            /// The TAP device.
            eth0: Ethernet(::net_core::drivers::ethernet::native_tap::NativeTap) =
                ::net_core::drivers::ethernet::native_tap::NativeTap::new([0x00, 0x00, 0x5e, 0x00, 0x53, 0x01]),
            lo: Dummy(::net_core::drivers::loopback::Loopback) = ::net_core::drivers::loopback::Loopback::new(),
        },
    };
    snapshot(
        "two_interfaces",
        &pretty(expand_with_config(input, &fixed_config())),
    );
}

#[test]
fn explicit_clock_type_snapshot() {
    let input = quote! {
        pub(crate) static LINKED: net_core::Stack;
        clock: MyClock = MyClock { ticks: 0 },
        interfaces: {
            eth0: Ethernet(LinkEnd) = LinkEnd::new([2, 0, 0, 0, 0, 1], 7),
        },
    };
    snapshot(
        "explicit_clock",
        &pretty(expand_with_config(input, &fixed_config())),
    );
}

#[test]
fn every_error_is_reported_and_nothing_is_generated() {
    let mut config = fixed_config();
    config.switches.insert("NET_L2_DUMMY".into(), false);
    let input = quote! {
        static NET: Stack;
        interfaces: {
            eth0: Ethernet(A) = A::new(),
            eth0: Ethernet(A) = A::new(),
            lo: Dummy(B) = B::new(),
            x: Token(C) = C::new(),
        },
        sockets: 3,
    };
    let out = expand_with_config(input, &config).to_string();
    let errors = out.matches("compile_error").count();
    // duplicate (+ its note), Dummy off, unknown L2, unknown section, missing clock
    assert_eq!(errors, 6, "{out}");
    assert!(out.contains("CONFIG_NET_L2_DUMMY"), "{out}");
    assert!(!out.contains("static NET"), "{out}");
}

#[test]
fn assertions_cover_every_size_and_switch() {
    let input = quote! {
        static NET: Stack;
        clock: ::net_core::StdClock::new(),
        interfaces: { eth0: Ethernet(A) = A::new() },
    };
    let config = fixed_config();
    let out = expand_with_config(input, &config).to_string();
    for name in config.sizes.keys().chain(config.switches.keys()) {
        assert!(
            out.contains(&format!("CONFIG_{name} ")),
            "no assertion for {name}"
        );
        assert!(
            out.contains(&format!("configuration ({name})")),
            "no message for {name}"
        );
    }
    assert_eq!(out.matches("include_bytes").count(), config.files.len());
}

fn project_root() -> PathBuf {
    net_config::config::find_root(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("project root")
}

#[test]
fn resolves_the_project_configuration() {
    let root = project_root();
    let config = ResolvedSizes::resolve(&root).expect("the configuration resolves");
    assert!(config.sizes.contains_key("NET_PKT_RX_COUNT"));
    assert!(config.switches.contains_key("NET_L2_ETHERNET"));
    assert!(config.files.iter().all(|f| f.is_absolute()));
    assert!(config.files.contains(&root.join("Kconfig")));
    // Sizes of a feature that is off are not asserted (their consts do not exist).
    if !config.is_on("NET_IPV4") {
        assert!(!config.sizes.contains_key("NET_IF_MAX_IPV4_COUNT"));
    }
}

#[test]
fn a_configuration_that_does_not_resolve_names_file_and_line() {
    let dir = std::env::temp_dir().join(format!("net-macros-core-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("boards")).unwrap();
    std::fs::write(
        dir.join("Kconfig"),
        "config NETWORKING\n\tbool \"Networking\"\n\nthis is not kconfig\n",
    )
    .unwrap();
    let err = ResolvedSizes::resolve(&dir).expect_err("a broken Kconfig does not resolve");
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(err.starts_with("net_stack!: the configuration"), "{err}");
    assert!(err.contains("Kconfig:4"), "{err}");
    assert!(
        !err.contains(&dir.display().to_string()),
        "absolute path in {err}"
    );
}
