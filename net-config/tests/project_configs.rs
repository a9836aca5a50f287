//! The project's own configurations: every file in `configs/` resolves without errors on
//! every board, and each `.conf`/`.toml` twin resolves to the same values.

use std::path::{Path, PathBuf};

use net_config::{Request, output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

fn resolve(board: &str, file: &Path) -> Result<String, String> {
    let mut req = Request::new(root().join("Kconfig"));
    req.board = Some(board.to_string());
    req.files.push(file.to_path_buf());
    let loaded = req.load().map_err(|d| d.to_string())?;
    let res = loaded.resolve();
    if res.has_errors() {
        return Err(res.diagnostics.to_string());
    }
    Ok(output::values(&res))
}

#[test]
fn every_config_resolves_on_every_board() {
    let boards = net_config::board::list(&root().join("boards"));
    assert!(boards.len() >= 5, "boards: {boards:?}");
    let configs: Vec<PathBuf> = files(&root().join("configs"), "conf")
        .into_iter()
        .chain(files(&root().join("configs"), "toml"))
        .collect();
    assert!(configs.len() >= 6, "configs: {configs:?}");
    let mut failures = Vec::new();
    for b in &boards {
        for c in &configs {
            if let Err(e) = resolve(b, c) {
                failures.push(format!("{b} + {}:\n{e}", c.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn conf_and_toml_twins_agree() {
    let mut twins = 0;
    for conf in files(&root().join("configs"), "conf") {
        let toml = conf.with_extension("toml");
        if !toml.exists() {
            continue;
        }
        twins += 1;
        let a = resolve("native_sim", &conf).unwrap();
        let b = resolve("native_sim", &toml).unwrap();
        assert_eq!(a, b, "{} and {} differ", conf.display(), toml.display());
    }
    assert!(
        twins >= 2,
        "expected at least the minimal and echo-server twins"
    );
}

#[test]
fn every_board_description_reads() {
    let dir = root().join("boards");
    for name in net_config::board::list(&dir) {
        let b = net_config::board::find(&dir, &name).unwrap_or_else(|d| panic!("{d}"));
        let spec = b.spec.unwrap_or_else(|| panic!("{name} has no board.toml"));
        assert_eq!(spec.name, name);
        assert!(b.defconfig.is_some(), "{name} has no defconfig");
    }
}

/// A `.config` written by `netcfg show --format conf` reads back to the same values.
#[test]
fn dotconfig_round_trips() {
    let dir = std::env::temp_dir().join(format!("netcfg-roundtrip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for conf in files(&root().join("configs"), "conf") {
        let mut req = Request::new(root().join("Kconfig"));
        req.board = Some("qemu_cortex_m3".into());
        req.files.push(conf.clone());
        let loaded = req.load().unwrap();
        let res = loaded.resolve();
        let written = dir.join("roundtrip.config");
        std::fs::write(&written, output::dotconfig(&res)).unwrap();
        let mut again = Request::new(root().join("Kconfig"));
        again.files.push(written);
        let loaded2 = again.load().unwrap();
        let res2 = loaded2.resolve();
        assert!(!res2.has_errors(), "{}", res2.diagnostics);
        assert_eq!(
            output::values(&res),
            output::values(&res2),
            "{}",
            conf.display()
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The README's configuration examples (its `conf` and `toml` code blocks) resolve without
/// errors, so the README stays true.
#[test]
fn readme_examples_resolve() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let dir = std::env::temp_dir().join(format!("netcfg-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut checked = 0;
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        let ext = match line.trim() {
            "```conf" => "conf",
            "```toml" => "toml",
            _ => continue,
        };
        let block: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        let file = dir.join(format!("example{checked}.{ext}"));
        std::fs::write(&file, block.join("\n") + "\n").unwrap();
        let board = if ext == "toml" {
            "qemu_cortex_m3"
        } else {
            "native_sim"
        };
        if let Err(e) = resolve(board, &file) {
            panic!(
                "README example {checked} ({ext}) does not resolve:\n{}\n{e}",
                block.join("\n")
            );
        }
        checked += 1;
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        checked >= 2,
        "expected the .conf and TOML examples in the README"
    );
}
