//! Every diagnostic a user file can get: exact message, `file:line[:col]`, and the fix.
//!
//! The fixture tree in `tests/fixtures/diag/Kconfig` is small and stable, so these tests
//! pin the wording without depending on the stack's real option tree.

use std::path::{Path, PathBuf};
use std::process::Command;

use net_config::diag::{Code, Diagnostic, Severity};
use net_config::{Request, output};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diag")
}

/// Writes `text` as a user file in a fresh temp dir and resolves it against the fixture.
fn diagnose(name: &str, text: &str) -> (Vec<Diagnostic>, String) {
    let dir = std::env::temp_dir().join(format!(
        "netcfg-diag-{}-{}",
        std::process::id(),
        name.replace('.', "-")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    let mut req = Request::new(fixture().join("Kconfig"));
    req.files.push(file.clone());
    let loaded = req.load().expect("fixture Kconfig reads");
    let res = loaded.resolve();
    let values = output::values(&res);
    let diags = res.diagnostics.0.clone();
    std::fs::remove_dir_all(&dir).ok();
    (diags, values)
}

fn only(diags: &[Diagnostic], code: Code) -> &Diagnostic {
    let found: Vec<_> = diags.iter().filter(|d| d.code == code).collect();
    assert_eq!(found.len(), 1, "expected one {code:?} in {diags:#?}");
    found[0]
}

fn loc(d: &Diagnostic) -> String {
    let l = d.loc.as_ref().expect("diagnostic has a location");
    let file = Path::new(&*l.file)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    match l.col {
        Some(c) => format!("{file}:{}:{c}", l.line),
        None => format!("{file}:{}", l.line),
    }
}

#[test]
fn unknown_symbol_suggests_nearest_name() {
    let (d, _) = diagnose("a.conf", "CONFIG_NET_IPV6=y\nCONFIG_NET_IPV5=y\n");
    let e = only(&d, Code::UnknownSymbol);
    assert_eq!(e.severity, Severity::Error);
    assert_eq!(loc(e), "a.conf:2");
    assert_eq!(
        e.message,
        "unknown symbol CONFIG_NET_IPV5: no Kconfig file defines it"
    );
    assert_eq!(e.help.as_deref(), Some("did you mean CONFIG_NET_IPV4?"));
}

#[test]
fn wrong_type_points_at_the_value() {
    let (d, _) = diagnose("b.conf", "# hex\nCONFIG_NET_BUF_DATA_SIZE=zz\n");
    let e = only(&d, Code::WrongType);
    assert_eq!(loc(e), "b.conf:2:26");
    assert_eq!(
        e.message,
        "`zz` is not a valid value for the hex symbol NET_BUF_DATA_SIZE"
    );
    assert_eq!(
        e.help.as_deref(),
        Some("use a hexadecimal number, e.g. 0x1f")
    );

    let (d, _) = diagnose("c.conf", "CONFIG_NET_UDP=yes\n");
    let e = only(&d, Code::WrongType);
    assert_eq!(
        e.message,
        "`yes` is not a valid value for the bool symbol NET_UDP"
    );
    assert_eq!(e.help.as_deref(), Some("use y or n"));

    let (d, _) = diagnose("d.conf", "CONFIG_NET_HOSTNAME=bare\n");
    let e = only(&d, Code::WrongType);
    assert_eq!(
        e.message,
        "`bare` is not a valid value for the string symbol NET_HOSTNAME"
    );
}

#[test]
fn out_of_range_names_range_and_its_definition() {
    let (d, values) = diagnose("e.conf", "CONFIG_NET_BUF_RX_COUNT=1000\n");
    let e = only(&d, Code::OutOfRange);
    assert_eq!(loc(e), "e.conf:1");
    assert_eq!(
        e.message,
        "NET_BUF_RX_COUNT = 1000 is outside its range [4, 512]"
    );
    assert_eq!(e.notes.len(), 1);
    assert!(
        e.notes[0].starts_with("the range is defined at ") && e.notes[0].ends_with("Kconfig:40"),
        "{}",
        e.notes[0]
    );
    assert_eq!(e.help.as_deref(), Some("use a value from 4 to 512"));
    // As in kconfiglib, the rejected value falls back on the default.
    assert!(values.contains("CONFIG_NET_BUF_RX_COUNT=16\n"));
}

#[test]
fn unmet_dependency_shows_expression_with_values() {
    let (d, values) = diagnose("f.conf", "CONFIG_NET_TCP=y\n");
    let e = only(&d, Code::UnmetDependency);
    assert_eq!(loc(e), "f.conf:1");
    assert_eq!(
        e.message,
        "NET_TCP = y has no effect: its dependencies are unmet, so it stays n"
    );
    assert_eq!(
        e.notes[0],
        "depends on: NET_IPV4 [=n] && NET_SOCKETS [=n] && (NET_IPV4 [=n] || NET_IPV6 [=y])"
    );
    assert_eq!(
        e.help.as_deref(),
        Some("also set CONFIG_NET_IPV4=y, CONFIG_NET_SOCKETS=y")
    );
    assert!(!values.contains("CONFIG_NET_TCP="));
}

#[test]
fn unmet_dependency_of_int_symbol() {
    let (d, _) = diagnose("g.conf", "CONFIG_NET_TCP_BACKLOG=8\n");
    let e = only(&d, Code::UnmetDependency);
    assert_eq!(
        e.message,
        "NET_TCP_BACKLOG = 8 has no effect: its dependencies are unmet, so it stays (empty)"
    );
    assert!(
        e.notes[0].starts_with("depends on: NET_TCP [=n]"),
        "{}",
        e.notes[0]
    );
}

#[test]
fn choice_conflict_in_one_file() {
    let (d, values) = diagnose(
        "h.conf",
        "CONFIG_NET_TC_MAPPING_STRICT=y\nCONFIG_NET_TC_MAPPING_SR_CLASS_A_AND_B=y\n",
    );
    let e = only(&d, Code::ChoiceConflict);
    assert_eq!(loc(e), "h.conf:2");
    assert_eq!(
        e.message,
        "choice conflict: NET_TC_MAPPING_STRICT and NET_TC_MAPPING_SR_CLASS_A_AND_B are both set to y, but only one member of a choice can be"
    );
    assert!(
        e.notes[0].starts_with("NET_TC_MAPPING_STRICT was set at ")
            && e.notes[0].ends_with("h.conf:1")
    );
    // The later line wins, as kconfiglib's user selection does.
    assert!(values.contains("CONFIG_NET_TC_MAPPING_SR_CLASS_A_AND_B=y\n"));
}

#[test]
fn choice_member_cannot_be_switched_off_alone() {
    let (d, _) = diagnose("i.conf", "CONFIG_NET_TC_MAPPING_STRICT=n\n");
    let e = only(&d, Code::ChoiceConflict);
    assert_eq!(
        e.message,
        "NET_TC_MAPPING_STRICT is set to n, but a choice cannot be left empty: NET_TC_MAPPING_STRICT stays selected"
    );
}

#[test]
fn select_overrides_n_with_error() {
    let (d, _) = diagnose(
        "j.conf",
        "CONFIG_NET_IPV4=y\nCONFIG_NET_L2_ETHERNET=y\nCONFIG_NET_ARP=n\n",
    );
    let e = only(&d, Code::ForcedBySelect);
    assert_eq!(loc(e), "j.conf:3");
    assert_eq!(
        e.message,
        "NET_ARP is set to n here, but it stays y because other options select it"
    );
    assert!(
        e.notes[0].starts_with("selected by: NET_L2_ETHERNET [=y] at "),
        "{}",
        e.notes[0]
    );
}

#[test]
fn promptless_assignment_is_a_warning() {
    let (d, _) = diagnose("k.conf", "CONFIG_NET_IP=n\n");
    let w = only(&d, Code::NoPrompt);
    assert_eq!(w.severity, Severity::Warning);
    assert_eq!(
        w.message,
        "NET_IP has no prompt, so this assignment has no effect; its value (y) comes from its defaults"
    );
}

#[test]
fn syntax_errors_with_column_and_fix() {
    let (d, _) = diagnose(
        "l.conf",
        "CONFIG_NET_UDP=y\n  NET_IPV6=y\nCONFIG_NET_IPV4\n",
    );
    let errs: Vec<_> = d.iter().filter(|d| d.code == Code::BadLine).collect();
    assert_eq!(errs.len(), 2, "{d:#?}");
    assert_eq!(loc(errs[0]), "l.conf:2:3");
    assert_eq!(errs[0].message, "cannot read this line: `NET_IPV6=y`");
    assert_eq!(
        errs[0].help.as_deref(),
        Some("symbols need the CONFIG_ prefix: CONFIG_NET_IPV6=y")
    );
    assert_eq!(loc(errs[1]), "l.conf:3");
    assert_eq!(errs[1].message, "expected `=` after CONFIG_NET_IPV4");
}

#[test]
fn toml_errors_point_into_the_toml_file() {
    let (d, _) = diagnose(
        "m.toml",
        "[net]\nipv6 = true\nbuf.rx_count = 1000\n[kconfig]\nNET_IPV5 = true\n",
    );
    let r = only(&d, Code::OutOfRange);
    assert_eq!(loc(r), "m.toml:3:5");
    let u = only(&d, Code::UnknownSymbol);
    assert_eq!(loc(u), "m.toml:5:1");
    assert_eq!(u.help.as_deref(), Some("did you mean CONFIG_NET_IPV4?"));
    let (d, _) = diagnose("n.toml", "[net]\nipv6 = 3\n");
    let t = only(&d, Code::WrongType);
    assert_eq!(loc(t), "n.toml:2:8");
    assert_eq!(
        t.message,
        "the integer 3 is not a valid value for the bool symbol NET_IPV6"
    );
    let (d, _) = diagnose("o.toml", "[net\n");
    assert_eq!(only(&d, Code::Syntax).loc.as_ref().unwrap().line, 1);
}

#[test]
fn kconfig_syntax_error_names_file_and_line() {
    let dir = std::env::temp_dir().join(format!("netcfg-kerr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("Kconfig"),
        "config A\n\tbool \"a\"\n\tdefault y if (B\n\nmenu \"m\"\nconfig C\n\tbool\n",
    )
    .unwrap();
    let err = Request::new(dir.join("Kconfig")).load().unwrap_err();
    let msgs: Vec<String> = err
        .iter()
        .map(|d| format!("{}: {}", loc(d), d.message))
        .collect();
    assert_eq!(
        msgs,
        [
            "Kconfig:3: missing `)` in expression",
            "Kconfig:5: this `menu` is never closed"
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unknown_board_lists_known_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/boards");
    let mut req = Request::new(fixture().join("Kconfig"));
    req.boards_dir = Some(root);
    req.board = Some("native_sin".into());
    let loaded = req.load().unwrap();
    let e = only(&loaded.diagnostics.0, Code::UnknownBoard);
    assert_eq!(e.message, "unknown board `native_sin`");
    assert_eq!(e.help.as_deref(), Some("did you mean `native_sim`?"));
    assert!(
        e.notes[0].ends_with(": native_sim, qemu_cortex_m3"),
        "{}",
        e.notes[0]
    );
}

#[test]
fn lenient_mode_downgrades_to_kconfiglib_warnings() {
    let mut req = Request::new(fixture().join("Kconfig"));
    req.files.push(fixture().join("three-errors.conf"));
    req.lenient = true;
    let loaded = req.load().unwrap();
    let res = loaded.resolve();
    assert!(!res.has_errors());
    assert_eq!(res.diagnostics.iter().count(), 3);
}

/// The done-when check: three different errors, all reported with `file:line` in one run,
/// and exit code 1.
#[test]
fn cli_reports_all_three_errors_and_exits_1() {
    let out = Command::new(env!("CARGO_BIN_EXE_netcfg"))
        .current_dir(fixture())
        .args(["check", "--kconfig", "Kconfig", "three-errors.conf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("three-errors.conf:2: error: unknown symbol CONFIG_NET_IPV5"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "three-errors.conf:3: error: NET_BUF_RX_COUNT = 1000 is outside its range [4, 512]"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("three-errors.conf:4: error: NET_TCP = y has no effect"),
        "{stderr}"
    );
    assert!(
        stderr.contains("netcfg: 3 error(s), 0 warning(s)"),
        "{stderr}"
    );
}

#[test]
fn cli_usage_errors_exit_2() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_netcfg"))
            .current_dir(fixture())
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(
        run(&["frobnicate", "--kconfig", "Kconfig"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["show", "--kconfig", "Kconfig", "--format", "yaml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["check", "--kconfig", "Kconfig"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["check", "--kconfig", "Kconfig", "--bogus", "x.conf"])
            .status
            .code(),
        Some(2)
    );
    let empty = std::env::temp_dir().join(format!("netcfg-empty-{}.conf", std::process::id()));
    std::fs::write(&empty, "").unwrap();
    let ok = run(&[
        "check",
        "--kconfig",
        "Kconfig",
        "--no-board",
        "-D",
        "NET_IPV4=y",
        empty.to_str().unwrap(),
    ]);
    std::fs::remove_file(&empty).ok();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

/// Options the stack declares but does not implement yet (their help says so) draw a
/// warning at the line that turns them on; implemented ones, and the same options left
/// off, do not.
#[test]
fn unimplemented_features_are_named_where_they_are_turned_on() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Kconfig");
    let dir = std::env::temp_dir().join(format!("netcfg-unimpl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("prj.conf");
    std::fs::write(
        &file,
        "CONFIG_NETWORKING=y\nCONFIG_NET_IPV4=y\nCONFIG_NET_TCP=y\n\
         CONFIG_NET_IPV4_FRAGMENT=y\nCONFIG_NET_DHCPV4=n\n",
    )
    .unwrap();
    let mut req = Request::new(root);
    req.files.push(file);
    let loaded = req.load().expect("the project's Kconfig reads");
    let res = loaded.resolve();
    std::fs::remove_dir_all(&dir).ok();
    assert!(!res.has_errors(), "{}", res.diagnostics);
    let w = only(&res.diagnostics.0, Code::NotImplemented);
    assert_eq!(w.severity, Severity::Warning);
    assert_eq!(loc(w), "prj.conf:4");
    assert!(
        w.message
            .starts_with("NET_IPV4_FRAGMENT = y: this stack does not implement it yet"),
        "{}",
        w.message
    );
}
