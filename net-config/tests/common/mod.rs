//! Helpers shared by the integration tests that compare `netcfg` with kconfiglib.
//!
//! Every test binary includes this module with `mod common;` and uses a different subset of
//! it, hence the `dead_code` allowance below.
//!
//! The project-wide skip rule lives here: a test that needs something outside the repository
//! (python3 with kconfiglib, the `../shared` corpus, our own Kconfig tree) prints
//! `SKIP: <reason>` to stderr and passes, unless `NET_INTEROP_REQUIRED=1` is set, in which case
//! the missing tool is a test failure. CI sets the variable so that a broken installation cannot
//! turn the interoperability tests into silent passes.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The kconfiglib release the golden files were made with and CI installs.
pub const KCONFIGLIB_VERSION: &str = "14.1.0";

/// Reports that a test cannot run: a printed `SKIP` normally, a panic under
/// `NET_INTEROP_REQUIRED=1`. The caller returns right after.
pub use net_testkit::skip;

/// The workspace root (the parent of this crate), where our own `Kconfig`, `configs/` and
/// `boards/` live.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crate directory has a parent")
        .to_path_buf()
}

/// The shared folder sits beside the repository (`<repo root>/../shared`); it is located from
/// the manifest directory so that a fresh clone anywhere (as in CI) finds its copy.
pub fn shared_dir() -> PathBuf {
    repo_root().join("..").join("shared")
}

/// The Zephyr corpus (`shared/corpus/zephyr`), or `None` after reporting a skip.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = shared_dir().join("corpus").join("zephyr");
    if dir.join("tree").join("Kconfig").is_file() {
        Some(dir)
    } else {
        skip(&format!("Zephyr corpus not found at {}", dir.display()));
        None
    }
}

/// The path of the `netcfg` binary that Cargo built for these tests.
pub fn netcfg_bin() -> &'static str {
    env!("CARGO_BIN_EXE_netcfg")
}

/// What one `netcfg show` run produced.
pub struct NetcfgRun {
    /// The command line, for failure messages.
    pub command: String,
    pub output: Output,
}

impl NetcfgRun {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// A description of an unsuccessful run (exit status and stderr), or `None` if it exited 0.
    pub fn failure(&self) -> Option<String> {
        if self.output.status.success() {
            return None;
        }
        Some(format!(
            "`{}` exited with {}\n--- stderr ---\n{}",
            self.command,
            self.output.status,
            self.stderr()
        ))
    }
}

/// Runs `netcfg show --kconfig KCONFIG --lenient --format values FILE...`: the CLI contract
/// under test, which must print exactly what kconfiglib_resolve.py prints.
pub fn netcfg_show(kconfig: &Path, files: &[PathBuf]) -> NetcfgRun {
    netcfg_show_with(kconfig, &[], files)
}

/// [`netcfg_show`] with further options (such as `--board NAME`) before the files.
pub fn netcfg_show_with(kconfig: &Path, options: &[&str], files: &[PathBuf]) -> NetcfgRun {
    let mut cmd = Command::new(netcfg_bin());
    cmd.arg("show")
        .arg("--kconfig")
        .arg(kconfig)
        .args(["--lenient", "--format", "values"])
        .args(options)
        .args(files);
    let command = format!("{cmd:?}");
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", netcfg_bin()));
    NetcfgRun { command, output }
}

/// Compares two `CONFIG_NAME=value` listings line by line. Returns `None` when equal, or a diff
/// of the differing lines (`-` only in `expected`, `+` only in `actual`, with the common lines
/// left out) computed from a longest common subsequence, so that one extra or missing symbol
/// shows as one line rather than as every line after it.
pub fn diff_lines(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    // lcs[i][j] = length of the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::from("--- kconfiglib (expected)\n+++ netcfg (actual)\n");
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j == b.len() || (i < a.len() && lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "-{}", a[i]);
            i += 1;
        } else {
            let _ = writeln!(out, "+{}", b[j]);
            j += 1;
        }
    }
    if a == b {
        // Same lines, different line endings or trailing newline.
        let _ = writeln!(out, "(line terminators differ: {expected:?} vs {actual:?})");
    }
    Some(out)
}

/// A fresh, empty directory for a test's scratch files under Cargo's per-target temporary
/// directory (`target/tmp`), so that a failing case's files survive for inspection.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    if dir.exists() {
        fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("cannot clear {}: {e}", dir.display()));
    }
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// Writes `text` to `dir/rel`, creating parent directories.
pub fn write_file(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
    }
    fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// Handle on a working `python3` with the expected kconfiglib, and the batch resolver script.
pub struct Kconfiglib {
    python: String,
    script: PathBuf,
}

/// kconfiglib's verdict on one case directory (see `tests/kconfiglib/batch_resolve.py`).
pub struct KconfiglibResult {
    /// The oracle's `CONFIG_NAME=value` listing.
    pub values: String,
    /// Warnings from parsing the Kconfig tree.
    pub kconfig_warnings: String,
    /// Warnings from loading the fragments.
    pub config_warnings: String,
}

impl Kconfiglib {
    /// Finds python3 with kconfiglib 14.1.0, or reports a skip and returns `None`. The exact
    /// version matters: the golden files and the semantics we copy are those of 14.1.0.
    pub fn find() -> Option<Self> {
        let python = std::env::var("NET_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let probe = Command::new(&python)
            .args([
                "-c",
                "import kconfiglib; print('.'.join(map(str, kconfiglib.VERSION)))",
            ])
            .output();
        let output = match probe {
            Ok(output) => output,
            Err(e) => {
                skip(&format!("cannot run {python}: {e}"));
                return None;
            }
        };
        if !output.status.success() {
            skip(&format!(
                "kconfiglib not installed for {python} (python3 -m pip install \
                 kconfiglib=={KCONFIGLIB_VERSION}): {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
            return None;
        }
        let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if version != KCONFIGLIB_VERSION {
            skip(&format!(
                "kconfiglib {version} installed, the tests need {KCONFIGLIB_VERSION}"
            ));
            return None;
        }
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kconfiglib/batch_resolve.py");
        Some(Self { python, script })
    }

    /// Resolves every case directory with one Python process (see batch_resolve.py for the
    /// layout of a case directory). Panics if the script itself fails; per-case kconfiglib
    /// errors are returned by [`Kconfiglib::result`].
    pub fn batch_resolve(&self, scratch: &Path, case_dirs: &[PathBuf]) {
        let list = scratch.join("kconfiglib-cases.txt");
        let mut text = String::new();
        for dir in case_dirs {
            let _ = writeln!(text, "{}", dir.display());
        }
        fs::write(&list, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", list.display()));
        let output = Command::new(&self.python)
            .arg(&self.script)
            .arg("--list")
            .arg(&list)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.python));
        assert!(
            output.status.success(),
            "{} failed with {}:\n{}",
            self.script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// kconfiglib's result for a case resolved by [`Kconfiglib::batch_resolve`], or the
    /// traceback if kconfiglib rejected it.
    pub fn result(case_dir: &Path) -> Result<KconfiglibResult, String> {
        if let Ok(error) = fs::read_to_string(case_dir.join("kconfiglib.error")) {
            return Err(error);
        }
        let read = |name: &str| {
            fs::read_to_string(case_dir.join(name)).unwrap_or_else(|e| {
                panic!(
                    "missing kconfiglib result {name} in {}: {e}",
                    case_dir.display()
                )
            })
        };
        Ok(KconfiglibResult {
            values: read("kconfiglib.config"),
            kconfig_warnings: read("kconfiglib.kconfig-warnings"),
            config_warnings: read("kconfiglib.config-warnings"),
        })
    }
}

/// Describes a case directory for a batch run whose Kconfig tree and fragments live elsewhere:
/// `srctree` is the tree's directory, `top` its top file, `fragments` applied in order.
pub fn write_case_spec(case_dir: &Path, srctree: &Path, top: &str, fragments: &[PathBuf]) {
    fs::create_dir_all(case_dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", case_dir.display()));
    write_file(case_dir, "srctree", &format!("{}\n", srctree.display()));
    write_file(case_dir, "top", &format!("{top}\n"));
    let mut list = String::new();
    for f in fragments {
        let _ = writeln!(list, "{}", f.display());
    }
    write_file(case_dir, "fragments", &list);
}
