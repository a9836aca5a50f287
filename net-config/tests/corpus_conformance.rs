//! `netcfg` against the Zephyr corpus in `../shared/corpus/zephyr`.
//!
//! The golden files there are kconfiglib 14.1.0's resolutions of `tree/` with sample
//! fragments, so they need no Python: every golden file must be reproduced byte for byte. The
//! files that no golden covers (the defaults of `tree/`, and `extra/`, a newer TCP Kconfig that
//! must be read on its own) are compared with kconfiglib directly when it is installed.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{Kconfiglib, diff_lines, netcfg_show};

/// The fragments a golden file was made from. `a.config` is `conf/a.prj.conf`; every further
/// `+b` is `conf/a.b.conf` (an overlay such as `overlay-802154`) or, failing that,
/// `conf/a.boards.b.conf` (a board file such as `atsamr21_xpro`).
fn golden_fragments(conf_dir: &Path, golden_name: &str) -> Result<Vec<PathBuf>, String> {
    let stem = golden_name
        .strip_suffix(".config")
        .ok_or_else(|| format!("{golden_name}: golden files end in .config"))?;
    let mut parts = stem.split('+');
    let sample = parts.next().unwrap_or_default();
    let mut fragments = vec![conf_dir.join(format!("{sample}.prj.conf"))];
    for part in parts {
        let candidates = [
            conf_dir.join(format!("{sample}.{part}.conf")),
            conf_dir.join(format!("{sample}.boards.{part}.conf")),
        ];
        let found = candidates.iter().find(|p| p.is_file()).ok_or_else(|| {
            format!("{golden_name}: no fragment for '{part}' (looked for {candidates:?})")
        })?;
        fragments.push(found.clone());
    }
    match fragments.iter().find(|p| !p.is_file()) {
        Some(missing) => Err(format!("{golden_name}: {} not found", missing.display())),
        None => Ok(fragments),
    }
}

/// The golden files, sorted by name so that failures are reported in a stable order.
fn golden_files(corpus: &Path) -> Vec<PathBuf> {
    let dir = corpus.join("golden");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "config"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no golden files in {}", dir.display());
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("file name")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn golden_fragment_names_are_derived_as_documented() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let conf = corpus.join("conf");
    assert_eq!(
        golden_fragments(&conf, "echo_server+overlay-802154.config").unwrap(),
        [
            conf.join("echo_server.prj.conf"),
            conf.join("echo_server.overlay-802154.conf")
        ]
    );
    assert_eq!(
        golden_fragments(&conf, "echo_server+atsamr21_xpro.config").unwrap(),
        [
            conf.join("echo_server.prj.conf"),
            conf.join("echo_server.boards.atsamr21_xpro.conf")
        ]
    );
    assert_eq!(
        golden_fragments(&conf, "echo_client.config").unwrap(),
        [conf.join("echo_client.prj.conf")]
    );
}

#[test]
fn netcfg_reproduces_every_golden_file() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let kconfig = corpus.join("tree").join("Kconfig");
    let mut failures = Vec::new();
    let goldens = golden_files(&corpus);
    for golden in &goldens {
        let name = file_name(golden);
        let fragments = golden_fragments(&corpus.join("conf"), &name).unwrap();
        let expected = fs::read_to_string(golden).expect("readable golden file");
        let run = netcfg_show(&kconfig, &fragments);
        if let Some(failure) = run.failure() {
            failures.push(format!("{name}: {failure}"));
        } else if let Some(diff) = diff_lines(&expected, &run.stdout()) {
            failures.push(format!(
                "{name}: `{}` differs from the golden file\n{diff}",
                run.command
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden files not reproduced:\n\n{}",
        failures.len(),
        goldens.len(),
        failures.join("\n")
    );
}

/// The `.config` that `netcfg show --format conf` writes holds the golden values too: its
/// `CONFIG_` lines are exactly the golden file's (the `# CONFIG_X is not set` lines it adds
/// are what makes it read back to the same configuration).
#[test]
fn dotconfig_value_lines_equal_every_golden_file() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let kconfig = corpus.join("tree").join("Kconfig");
    for golden in &golden_files(&corpus) {
        let name = file_name(golden);
        let fragments = golden_fragments(&corpus.join("conf"), &name).unwrap();
        let expected = fs::read_to_string(golden).expect("readable golden file");
        let run = common::netcfg_show_with(&kconfig, &["--format", "conf"], &fragments);
        assert!(run.failure().is_none(), "{name}: {:?}", run.failure());
        let values: String = run
            .stdout()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        if let Some(diff) = diff_lines(&expected, &values) {
            panic!(
                "{name}: `{}` differs from the golden file\n{diff}",
                run.command
            );
        }
    }
}

/// Guards the corpus itself: the golden files must still be what kconfiglib 14.1.0 produces
/// (our batch script must agree with the shared oracle script that made them).
#[test]
fn golden_files_are_kconfiglib_output() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let Some(kconfiglib) = Kconfiglib::find() else {
        return;
    };
    let scratch = common::scratch_dir("corpus-golden-kconfiglib");
    let goldens = golden_files(&corpus);
    let mut cases = Vec::new();
    for golden in &goldens {
        let name = file_name(golden);
        let case = scratch.join(&name);
        let fragments = golden_fragments(&corpus.join("conf"), &name).unwrap();
        common::write_case_spec(&case, &corpus.join("tree"), "Kconfig", &fragments);
        cases.push(case);
    }
    kconfiglib.batch_resolve(&scratch, &cases);
    for (golden, case) in goldens.iter().zip(&cases) {
        let result = Kconfiglib::result(case).unwrap_or_else(|e| panic!("kconfiglib failed:\n{e}"));
        let expected = fs::read_to_string(golden).expect("readable golden file");
        if let Some(diff) = diff_lines(&expected, &result.values) {
            panic!(
                "{} is not kconfiglib's output (the diff's '+' side is kconfiglib):\n{diff}",
                golden.display()
            );
        }
    }
}

/// One comparison of `netcfg show` with kconfiglib on a tree that no golden file covers.
struct OracleCase {
    name: &'static str,
    /// Directory holding the top `Kconfig`.
    tree: PathBuf,
    fragments: Vec<PathBuf>,
}

/// Runs every case through kconfiglib in one batch and through netcfg, and fails with all
/// differences at once.
fn compare_with_kconfiglib(kconfiglib: &Kconfiglib, scratch: &Path, cases: &[OracleCase]) {
    let case_dirs: Vec<PathBuf> = cases
        .iter()
        .map(|case| {
            let dir = scratch.join(format!("oracle-{}", case.name));
            common::write_case_spec(&dir, &case.tree, "Kconfig", &case.fragments);
            dir
        })
        .collect();
    kconfiglib.batch_resolve(scratch, &case_dirs);
    let mut failures = Vec::new();
    for (case, dir) in cases.iter().zip(&case_dirs) {
        let expected = Kconfiglib::result(dir)
            .unwrap_or_else(|e| panic!("kconfiglib rejects corpus case {}:\n{e}", case.name))
            .values;
        let run = netcfg_show(&case.tree.join("Kconfig"), &case.fragments);
        if let Some(failure) = run.failure() {
            failures.push(format!("{}: {failure}", case.name));
        } else if let Some(diff) = diff_lines(&expected, &run.stdout()) {
            failures.push(format!(
                "{}: `{}` differs from kconfiglib\n{diff}",
                case.name, run.command
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from kconfiglib:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The corpus tree with no fragment at all: only the defaults.
#[test]
fn tree_defaults_match_kconfiglib() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // netcfg must read the whole tree even without Python.
    let run = netcfg_show(&corpus.join("tree").join("Kconfig"), &[]);
    if let Some(failure) = run.failure() {
        panic!("{failure}");
    }
    let Some(kconfiglib) = Kconfiglib::find() else {
        return;
    };
    let scratch = common::scratch_dir("corpus-tree-defaults");
    let cases = [OracleCase {
        name: "tree-defaults",
        tree: corpus.join("tree"),
        fragments: Vec::new(),
    }];
    compare_with_kconfiglib(&kconfiglib, &scratch, &cases);
}

/// The conf/ fragments that no golden file covers, each on its own (dumb_http_server is full of
/// removed symbols, which --lenient must drop as kconfiglib does).
#[test]
fn remaining_corpus_fragments_match_kconfiglib() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let Some(kconfiglib) = Kconfiglib::find() else {
        return;
    };
    let conf = corpus.join("conf");
    let tree = corpus.join("tree");
    let scratch = common::scratch_dir("corpus-fragments");
    let mut cases = Vec::new();
    let single = [
        ("coap_server", "coap_server.prj.conf"),
        ("dumb_http_server", "dumb_http_server.prj.conf"),
        ("lwm2m_client", "lwm2m_client.prj.conf"),
    ];
    for (name, file) in single {
        cases.push(OracleCase {
            name,
            tree: tree.clone(),
            fragments: vec![conf.join(file)],
        });
    }
    let overlays = [
        ("echo_server+e1000", "echo_server.overlay-e1000.conf"),
        (
            "echo_server+qemu_802154",
            "echo_server.overlay-qemu_802154.conf",
        ),
        (
            "echo_server+qemu_cortex_m3_eth",
            "echo_server.overlay-qemu_cortex_m3_eth.conf",
        ),
        ("echo_server+smsc911x", "echo_server.overlay-smsc911x.conf"),
    ];
    for (name, file) in overlays {
        cases.push(OracleCase {
            name,
            tree: tree.clone(),
            fragments: vec![conf.join("echo_server.prj.conf"), conf.join(file)],
        });
    }
    for case in &cases {
        for f in &case.fragments {
            assert!(f.is_file(), "corpus fragment {} missing", f.display());
        }
    }
    compare_with_kconfiglib(&kconfiglib, &scratch, &cases);
}

/// `extra/subsys_net_ip.Kconfig.tcp` is a newer TCP Kconfig that redefines `NET_TCP`, so it is
/// read on its own. It sources `subsys/net/Kconfig.template.log_config.net` relative to the
/// source tree, so it is copied into a scratch tree beside the corpus's empty stand-in for that
/// file. Alone, its symbols depend on the undefined `NET_IP` and resolve to nothing; a second
/// tree defines the symbols it depends on so that its defaults, ranges and dependencies are
/// exercised too.
#[test]
fn extra_tcp_kconfig_matches_kconfiglib() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let tcp = fs::read_to_string(corpus.join("extra/subsys_net_ip.Kconfig.tcp"))
        .expect("readable extra/subsys_net_ip.Kconfig.tcp");
    let template = "subsys/net/Kconfig.template.log_config.net";
    let template_text =
        fs::read_to_string(corpus.join("tree").join(template)).expect("corpus stand-in");

    let scratch = common::scratch_dir("corpus-extra-tcp");
    let alone = scratch.join("alone");
    common::write_file(&alone, "Kconfig", &tcp);
    common::write_file(&alone, template, &template_text);

    let hosted = scratch.join("hosted");
    common::write_file(
        &hosted,
        "Kconfig",
        "config NET_IP\n\tdef_bool y\n\n\
         config NET_IPV6_ND\n\tbool \"ND\"\n\tdefault y\n\n\
         config PSA_WANT_ALG_SHA_256\n\tbool \"SHA-256\"\n\n\
         config NET_LOG\n\tbool \"net log\"\n\n\
         config X86\n\tbool \"x86\"\n\n\
         source \"subsys/net/ip/Kconfig.tcp\"\n",
    );
    common::write_file(&hosted, "subsys/net/ip/Kconfig.tcp", &tcp);
    common::write_file(&hosted, template, &template_text);
    common::write_file(
        &hosted,
        "tcp.conf",
        "CONFIG_NET_TCP=y\nCONFIG_NET_TCP_KEEPALIVE=y\nCONFIG_X86=y\n\
         CONFIG_NET_TCP_RECV_QUEUE_TIMEOUT=0\nCONFIG_NET_TCP_MAX_SEND_WINDOW_SIZE=70000\n",
    );
    common::write_file(
        &hosted,
        "tcp-more.conf",
        "CONFIG_NET_TCP_INIT_RETRANSMISSION_TIMEOUT=50\nCONFIG_NET_TCP_ACK_DELAY=10\n\
         # CONFIG_NET_IPV6_ND is not set\nCONFIG_PSA_WANT_ALG_SHA_256=y\n\
         CONFIG_NET_TCP_ISN_RFC6528=y\nCONFIG_NET_TCP_SACK=y\n",
    );

    // netcfg must read the file even without Python.
    let run = netcfg_show(&alone.join("Kconfig"), &[]);
    if let Some(failure) = run.failure() {
        panic!("{failure}");
    }
    let Some(kconfiglib) = Kconfiglib::find() else {
        return;
    };
    let cases = [
        OracleCase {
            name: "tcp-alone",
            tree: alone,
            fragments: Vec::new(),
        },
        OracleCase {
            name: "tcp-hosted-defaults",
            tree: hosted.clone(),
            fragments: Vec::new(),
        },
        OracleCase {
            name: "tcp-hosted-configured",
            tree: hosted.clone(),
            fragments: vec![hosted.join("tcp.conf"), hosted.join("tcp-more.conf")],
        },
    ];
    compare_with_kconfiglib(&kconfiglib, &scratch, &cases);
}
