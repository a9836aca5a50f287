//! No input ever panics: property tests over the `.conf`, TOML and Kconfig readers and the
//! resolver. Inputs are both arbitrary text and text assembled from each format's own
//! vocabulary, which reaches far deeper into the parsers than random bytes do.

use std::sync::Arc;

use net_config::diag::Diagnostics;
use net_config::input::{Layer, conf, toml as toml_input};
use net_config::kconfig::{Kconfig, MapEnv};
use net_config::resolve;
use proptest::prelude::*;

const KCONFIG_WORDS: &[&str] = &[
    "config",
    "menuconfig",
    "choice",
    "endchoice",
    "menu",
    "endmenu",
    "if",
    "endif",
    "comment",
    "mainmenu",
    "bool",
    "tristate",
    "int",
    "hex",
    "string",
    "prompt",
    "default",
    "def_bool",
    "def_int",
    "depends",
    "on",
    "select",
    "imply",
    "range",
    "help",
    "visible",
    "optional",
    "option",
    "A",
    "B",
    "C",
    "y",
    "n",
    "m",
    "0",
    "10",
    "0x1f",
    "-1",
    "\"s\"",
    "\"A\"",
    "&&",
    "||",
    "!",
    "(",
    ")",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "$(V)",
    "$(",
    "V := y",
    "#",
    "\\",
    "\t",
    "source \"nope\"",
    "osource \"nope\"",
];

const CONF_PIECES: &[&str] = &[
    "CONFIG_",
    "A",
    "B",
    "C",
    "=",
    "y",
    "n",
    "m",
    "\"",
    "\\",
    "0x",
    "12",
    "-",
    "# ",
    " is not set",
    "#",
    " ",
    "\t",
    "é",
    "\r",
];

const TOML_PIECES: &[&str] = &[
    "[net]",
    "[net.tc]",
    "[kconfig]",
    "board",
    " = ",
    "true",
    "false",
    "1",
    "0x10",
    "\"s\"",
    "ipv6",
    "A",
    "tx_count",
    ".",
    "[",
    "]",
    "{",
    "}",
    "1.5",
    "[1, 2]",
    "\"",
    "#",
];

fn assemble(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(pieces).prop_map(str::to_string),
            1 => Just("\n".to_string()),
            1 => Just(" ".to_string()),
        ],
        0..80,
    )
    .prop_map(|v| v.concat())
}

fn read_conf(text: &str) {
    let mut d = Diagnostics::default();
    let file: Arc<str> = Arc::from("fuzz.conf");
    let _ = conf::parse(text, &file, Layer::File(0), &mut d);
}

fn read_toml(text: &str) {
    let mut d = Diagnostics::default();
    let file: Arc<str> = Arc::from("fuzz.toml");
    let _ = toml_input::parse(text, &file, Layer::File(0), &mut d);
}

/// Reads a Kconfig text and, when it reads, resolves it with assignments to every symbol.
fn read_kconfig(text: &str, conf_text: &str) {
    let env = MapEnv::default();
    let Ok(kc) = Kconfig::from_str(text, "fuzz/Kconfig", &env) else {
        return;
    };
    let mut d = Diagnostics::default();
    let file: Arc<str> = Arc::from("fuzz.conf");
    let assignments = conf::parse(conf_text, &file, Layer::File(0), &mut d);
    for lenient in [false, true] {
        let res = resolve::resolve_with(&kc, &assignments, lenient);
        let _ = net_config::output::dotconfig(&res);
        let _ = net_config::output::rust_consts(&res);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn conf_reader_takes_any_text(text in any::<String>()) {
        read_conf(&text);
    }

    #[test]
    fn conf_reader_takes_conf_like_text(text in assemble(CONF_PIECES)) {
        read_conf(&text);
    }

    #[test]
    fn toml_reader_takes_any_text(text in any::<String>()) {
        read_toml(&text);
    }

    #[test]
    fn toml_reader_takes_toml_like_text(text in assemble(TOML_PIECES)) {
        read_toml(&text);
    }

    #[test]
    fn kconfig_reader_takes_any_text(text in any::<String>()) {
        read_kconfig(&text, "");
    }

    #[test]
    fn kconfig_reader_and_resolver_take_kconfig_like_text(
        text in assemble(KCONFIG_WORDS),
        conf_text in assemble(CONF_PIECES),
    ) {
        read_kconfig(&text, &conf_text);
    }
}

/// Well-formed trees with random structure: every entry parses, so the resolver's
/// choice, select and range paths get exercised rather than the parser's error paths.
fn entry() -> impl Strategy<Value = String> {
    let sym = prop::sample::select(vec!["A", "B", "C", "D", "E"]);
    let ty = prop::sample::select(vec!["bool", "tristate", "int", "hex", "string"]);
    let val = prop::sample::select(vec![
        "y", "n", "m", "0", "5", "0x10", "\"s\"", "A", "B", "C",
    ]);
    let cond = prop::sample::select(vec![
        "",
        " if A",
        " if !B",
        " if C = 5",
        " if (A || B) && !D",
    ]);
    (sym, ty, val.clone(), cond, val, prop::bool::ANY).prop_map(|(s, t, v, c, v2, menu)| {
        let body = format!(
            "config {s}\n\t{t} \"p\"{c}\n\tdefault {v}{c}\n\trange {v2} 10{c}\n\tselect D{c}\n\tdepends on {v2} != n\n"
        );
        if menu { format!("menu \"m\"\n\tdepends on {v2}\n{body}endmenu\n") } else { body }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn resolver_takes_structured_trees(
        entries in prop::collection::vec(entry(), 1..12),
        with_choice in prop::bool::ANY,
        conf_text in assemble(CONF_PIECES),
    ) {
        let mut text = entries.concat();
        if with_choice {
            text.push_str("choice\n\tprompt \"c\"\n\tdefault E if A\nconfig E\n\tbool \"e\"\nconfig F\n\tbool \"f\"\n\tdepends on B\nendchoice\n");
        }
        read_kconfig(&text, &conf_text);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let env = MapEnv::default();
    let deep_expr = format!(
        "config A\n\tbool\n\tdepends on {}B{}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    assert!(Kconfig::from_str(&deep_expr, "Kconfig", &env).is_err());
    let long_or = format!("config A\n\tbool\n\tdepends on B{}\n", " || B".repeat(5000));
    assert!(Kconfig::from_str(&long_or, "Kconfig", &env).is_err());
    let deep_if = format!(
        "{}config A\n\tbool\n{}",
        "if B\n".repeat(5000),
        "endif\n".repeat(5000)
    );
    assert!(Kconfig::from_str(&deep_if, "Kconfig", &env).is_err());
    let self_var = "X = $(X)\nconfig A\n\tbool \"$(X)\"\n";
    assert!(Kconfig::from_str(self_var, "Kconfig", &env).is_err());
}

#[test]
fn long_dependency_chains_resolve() {
    let mut text = String::from("config S0\n\tbool \"s\"\n\tdefault y\n");
    for i in 1..20_000 {
        text.push_str(&format!(
            "config S{i}\n\tbool \"s\"\n\tdefault y\n\tdepends on S{}\n",
            i - 1
        ));
    }
    let kc = Kconfig::from_str(&text, "Kconfig", &MapEnv::default()).unwrap();
    let res = resolve::resolve(&kc, &[]);
    assert_eq!(res.get("S19999"), Some("y"));
}
