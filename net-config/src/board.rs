//! Boards: `boards/<name>/board.toml` (the hardware) and `boards/<name>/defconfig` (the
//! board's configuration, applied before the user's files).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{Code, Diagnostic, suggest};

/// The board used when none is named.
pub const DEFAULT_BOARD: &str = "native_sim";

/// A board's description, from `board.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardSpec {
    /// The board name (the folder name).
    pub name: String,
    /// One line for listings.
    #[serde(default)]
    pub description: String,
    /// Rust target triple; `host` for the native board.
    pub target: String,
    /// CPU name.
    #[serde(default)]
    pub cpu: String,
    /// Flash and RAM (absent for the host board).
    #[serde(default)]
    pub memory: Option<Memory>,
    /// Network interfaces, in order.
    #[serde(default)]
    pub interfaces: Vec<Interface>,
    /// How `netcfg run` starts firmware for this board.
    pub run: Run,
}

/// Flash and RAM regions.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Memory {
    /// Start of flash (absent when the board loads firmware into RAM).
    #[serde(default)]
    pub flash_origin: Option<u64>,
    /// Bytes of flash.
    #[serde(default)]
    pub flash_size: Option<u64>,
    /// Start of RAM.
    pub ram_origin: u64,
    /// Bytes of RAM.
    pub ram_size: u64,
}

/// One network interface of a board.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interface {
    /// Interface name, e.g. `eth0`.
    pub name: String,
    /// L2: `ethernet`, `dummy`, `ieee802154`, `bluetooth` or `canbus`.
    pub l2: String,
    /// The Kconfig symbol of the driver.
    pub driver: String,
}

/// How to run firmware for the board.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    /// `native` or `qemu`.
    pub kind: String,
    /// The QEMU binary.
    #[serde(default)]
    pub qemu: Option<String>,
    /// The QEMU machine.
    #[serde(default)]
    pub machine: Option<String>,
    /// The QEMU NIC model.
    #[serde(default)]
    pub nic_model: Option<String>,
    /// Extra QEMU arguments.
    #[serde(default)]
    pub args: Vec<String>,
}

/// A board found on disk.
#[derive(Clone, Debug)]
pub struct Board {
    /// The board name.
    pub name: String,
    /// Its folder.
    pub dir: PathBuf,
    /// Its `defconfig`, when it has one.
    pub defconfig: Option<PathBuf>,
    /// Its description, when it has a `board.toml`.
    pub spec: Option<BoardSpec>,
}

/// The names of the boards in `boards_dir`, sorted.
pub fn list(boards_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(boards_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("defconfig").is_file() || e.path().join("board.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

/// Finds board `name` in `boards_dir`.
pub fn find(boards_dir: &Path, name: &str) -> Result<Board, Box<Diagnostic>> {
    let dir = boards_dir.join(name);
    let known = list(boards_dir);
    if name.is_empty() || name.contains(['/', '\\']) || !known.iter().any(|k| k == name) {
        let mut d = Diagnostic::error(Code::UnknownBoard, None, format!("unknown board `{name}`"))
            .note(format!(
                "known boards (in {}): {}",
                boards_dir.display(),
                known.join(", ")
            ));
        d = match suggest(name, known.iter().map(String::as_str)) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => d.help(format!(
                "add {}/<name>/defconfig and board.toml to define a board",
                boards_dir.display()
            )),
        };
        return Err(Box::new(d));
    }
    let defconfig = Some(dir.join("defconfig")).filter(|p| p.is_file());
    let toml_path = dir.join("board.toml");
    let spec = if toml_path.is_file() {
        let text = std::fs::read_to_string(&toml_path).map_err(|e| {
            Box::new(Diagnostic::error(
                Code::Io,
                None,
                format!("cannot read {}: {e}", toml_path.display()),
            ))
        })?;
        Some(toml::from_str::<BoardSpec>(&text).map_err(|e| {
            Box::new(Diagnostic::error(
                Code::Syntax,
                None,
                format!("{}: {}", toml_path.display(), e.message()),
            ))
        })?)
    } else {
        None
    };
    Ok(Board {
        name: name.to_string(),
        dir,
        defconfig,
        spec,
    })
}
