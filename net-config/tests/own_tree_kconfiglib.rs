//! Our own Kconfig tree (`<repo root>/Kconfig`, `configs/*.conf`, `boards/*/defconfig`) against
//! kconfiglib 14.1.0: the tree must load without a single kconfiglib warning, so that Zephyr's
//! tooling accepts it as it is, and `netcfg show` must resolve every shipped configuration
//! exactly as kconfiglib does.
//!
//! netcfg applies the `native_sim` board's defconfig when no board is named, so the runs
//! without a board pass `--no-board`, and the board runs name theirs with `--board NAME`
//! (the way users apply a board), compared with kconfiglib loading that board's `defconfig`
//! before the config file.
//!
//! Until the tree exists these tests skip (and fail under `NET_INTEROP_REQUIRED=1`).

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{Kconfiglib, KconfiglibResult, diff_lines, netcfg_show_with};

/// One resolution of our tree.
struct Resolution {
    /// For messages.
    name: String,
    /// The files kconfiglib applies in order (a board's defconfig first).
    fragments: Vec<PathBuf>,
    /// `--no-board` or `--board NAME`.
    netcfg_board: Vec<String>,
    /// The files netcfg gets (the board's defconfig comes from `--board`).
    netcfg_files: Vec<PathBuf>,
}

impl Resolution {
    fn without_board(name: String, files: Vec<PathBuf>) -> Self {
        Resolution {
            name,
            fragments: files.clone(),
            netcfg_board: vec!["--no-board".to_owned()],
            netcfg_files: files,
        }
    }

    fn with_board(board_defconfig: &Path, config: Option<&Path>) -> Self {
        let board = board_defconfig
            .parent()
            .and_then(Path::file_name)
            .expect("boards/NAME/defconfig")
            .to_string_lossy()
            .into_owned();
        let netcfg_files: Vec<PathBuf> = config.into_iter().map(Path::to_path_buf).collect();
        let mut fragments = vec![board_defconfig.to_path_buf()];
        fragments.extend(netcfg_files.iter().cloned());
        let name = match config {
            Some(config) => format!("--board {board} {}", short(config)),
            None => format!("--board {board}"),
        };
        Resolution {
            name,
            fragments,
            netcfg_board: vec!["--board".to_owned(), board],
            netcfg_files,
        }
    }
}

/// Files in `dir` (sorted) for which `keep` holds; none if `dir` does not exist.
fn sorted_files(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|p| keep(p))
        .collect();
    files.sort();
    files
}

/// Our tree's top Kconfig, or `None` after reporting a skip.
fn own_kconfig() -> Option<PathBuf> {
    let kconfig = common::repo_root().join("Kconfig");
    if kconfig.is_file() {
        Some(kconfig)
    } else {
        common::skip(&format!(
            "our Kconfig tree does not exist yet ({} missing)",
            kconfig.display()
        ));
        None
    }
}

/// `configs/*.conf`.
fn config_files() -> Vec<PathBuf> {
    sorted_files(&common::repo_root().join("configs"), |p| {
        p.extension().is_some_and(|e| e == "conf")
    })
}

/// `boards/*/defconfig`.
fn board_defconfigs() -> Vec<PathBuf> {
    sorted_files(&common::repo_root().join("boards"), |p| p.is_dir())
        .into_iter()
        .map(|board| board.join("defconfig"))
        .filter(|defconfig| defconfig.is_file())
        .collect()
}

/// A short name for a configuration file, relative to the repository root.
fn short(path: &Path) -> String {
    path.strip_prefix(common::repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every resolution the repository ships: the bare defaults, each config file, each board
/// alone, and each board followed by each config file.
fn resolutions() -> Vec<Resolution> {
    let configs = config_files();
    let boards = board_defconfigs();
    let mut out = vec![Resolution::without_board("defaults".to_owned(), Vec::new())];
    for config in &configs {
        out.push(Resolution::without_board(
            short(config),
            vec![config.clone()],
        ));
    }
    for board in &boards {
        out.push(Resolution::with_board(board, None));
        for config in &configs {
            out.push(Resolution::with_board(board, Some(config)));
        }
    }
    out
}

/// Resolves all `resolutions` with kconfiglib in one batch; panics if kconfiglib rejects one.
fn kconfiglib_results(
    kconfiglib: &Kconfiglib,
    scratch: &Path,
    resolutions: &[Resolution],
) -> Vec<KconfiglibResult> {
    let root = common::repo_root();
    let dirs: Vec<PathBuf> = resolutions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let dir = scratch.join(format!("resolution-{i:03}"));
            common::write_case_spec(&dir, &root, "Kconfig", &r.fragments);
            dir
        })
        .collect();
    kconfiglib.batch_resolve(scratch, &dirs);
    resolutions
        .iter()
        .zip(&dirs)
        .map(|(r, dir)| {
            Kconfiglib::result(dir)
                .unwrap_or_else(|e| panic!("kconfiglib cannot resolve {}:\n{e}", r.name))
        })
        .collect()
}

#[test]
fn own_tree_and_configs_load_in_kconfiglib_without_warnings() {
    let Some(_kconfig) = own_kconfig() else {
        return;
    };
    let Some(kconfiglib) = Kconfiglib::find() else {
        return;
    };
    let scratch = common::scratch_dir("own-tree-warnings");
    // The tree alone, then every shipped file alone: each must be clean on its own (assignments
    // to undefined symbols and malformed values are reported too). Overriding a board's value
    // in a config file is legitimate, so combinations are not checked here.
    let singles: Vec<Resolution> = std::iter::once(Vec::new())
        .chain(
            config_files()
                .into_iter()
                .chain(board_defconfigs())
                .map(|f| vec![f]),
        )
        .map(|files| {
            let name = files
                .first()
                .map_or_else(|| "defaults".to_owned(), |f| short(f));
            Resolution::without_board(name, files)
        })
        .collect();
    let results = kconfiglib_results(&kconfiglib, &scratch, &singles);
    assert!(
        results[0].kconfig_warnings.is_empty(),
        "kconfiglib warns about our Kconfig tree:\n{}",
        results[0].kconfig_warnings
    );
    let noisy: Vec<String> = singles
        .iter()
        .zip(&results)
        .filter(|(_, result)| !result.config_warnings.is_empty())
        .map(|(r, result)| format!("{}:\n{}", r.name, result.config_warnings))
        .collect();
    assert!(
        noisy.is_empty(),
        "kconfiglib warns while loading our configuration files:\n{}",
        noisy.join("\n")
    );
}

#[test]
fn netcfg_resolves_our_configs_like_kconfiglib() {
    let Some(kconfig) = own_kconfig() else {
        return;
    };
    let Some(kconfiglib) = Kconfiglib::find() else {
        return;
    };
    let resolutions = resolutions();
    if resolutions.len() == 1 {
        eprintln!("note: no configs/*.conf or boards/*/defconfig yet; comparing defaults only");
    }
    let scratch = common::scratch_dir("own-tree-resolutions");
    let results = kconfiglib_results(&kconfiglib, &scratch, &resolutions);
    let mut failures = Vec::new();
    for (r, expected) in resolutions.iter().zip(&results) {
        let board: Vec<&str> = r.netcfg_board.iter().map(String::as_str).collect();
        let run = netcfg_show_with(&kconfig, &board, &r.netcfg_files);
        if let Some(failure) = run.failure() {
            failures.push(format!("{}: {failure}", r.name));
        } else if let Some(diff) = diff_lines(&expected.values, &run.stdout()) {
            failures.push(format!(
                "{}: `{}` differs from kconfiglib\n{diff}",
                r.name, run.command
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} resolutions of our tree differ from kconfiglib:\n\n{}",
        failures.len(),
        resolutions.len(),
        failures.join("\n")
    );
}
