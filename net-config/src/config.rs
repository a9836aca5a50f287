//! The whole pipeline: find the tree and the board, read every input, resolve.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::board::{self, Board};
use crate::diag::{Code, Diagnostic, Diagnostics, Loc};
use crate::input::{self, Assignment, Layer, RawValue};
use crate::kconfig::{Kconfig, MacroEnv, ProcessEnv};
use crate::resolve::{self, Resolution};

/// What to resolve.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The top Kconfig file.
    pub kconfig: PathBuf,
    /// Where board folders are; `None` means `<kconfig dir>/boards`.
    pub boards_dir: Option<PathBuf>,
    /// The board; `None` means the board a TOML file names, else no board.
    pub board: Option<String>,
    /// User files (`.conf` or `.toml`), lowest precedence first.
    pub files: Vec<PathBuf>,
    /// `NAME=VALUE` overrides (the `CONFIG_` prefix is optional).
    pub defines: Vec<String>,
    /// Report configuration errors as warnings, as kconfiglib does.
    pub lenient: bool,
    /// The board used when neither `board` nor a TOML file names one.
    pub default_board: Option<String>,
}

/// A loaded configuration: the tree, the board and every assignment, ready to resolve.
#[derive(Debug)]
pub struct Loaded {
    /// The option tree.
    pub kconfig: Kconfig,
    /// The board, if one was named.
    pub board: Option<Board>,
    /// Every assignment in precedence order (board, files, overrides).
    pub assignments: Vec<Assignment>,
    /// Problems found while reading the inputs.
    pub diagnostics: Diagnostics,
    /// Every file read: Kconfig files, the board's files and the user's files.
    pub files_read: Vec<PathBuf>,
    /// Treat configuration errors as warnings.
    pub lenient: bool,
}

impl Request {
    /// A request for the tree whose top file is `kconfig`.
    pub fn new(kconfig: impl Into<PathBuf>) -> Request {
        Request {
            kconfig: kconfig.into(),
            ..Request::default()
        }
    }

    /// Reads the tree and all inputs. Errors in the Kconfig tree itself are fatal; errors
    /// in the inputs are collected in [`Loaded::diagnostics`].
    pub fn load(&self) -> Result<Loaded, Diagnostics> {
        self.load_with_env(&ProcessEnv)
    }

    /// [`Request::load`] with a given macro environment.
    pub fn load_with_env(&self, env: &dyn MacroEnv) -> Result<Loaded, Diagnostics> {
        let kconfig = Kconfig::load(&self.kconfig, env)?;
        let mut diags = Diagnostics::default();
        let mut files_read = kconfig.files.clone();
        let mut user = Vec::new();
        let mut toml_board: Option<(String, Loc)> = None;
        for (i, path) in self.files.iter().enumerate() {
            let layer = Layer::File(i as u16);
            let file: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    diags.push(
                        Diagnostic::error(
                            Code::Io,
                            None,
                            format!("cannot read {}: {e}", path.display()),
                        )
                        .help("check the path"),
                    );
                    continue;
                }
            };
            files_read.push(path.clone());
            if path.extension().is_some_and(|e| e == "toml") {
                let t = input::toml::parse(&text, &file, layer, &mut diags);
                if t.board.is_some() {
                    toml_board = t.board;
                }
                user.extend(t.assignments);
            } else {
                user.extend(input::conf::parse(&text, &file, layer, &mut diags));
            }
        }
        for d in &self.defines {
            match parse_define(d) {
                Some(a) => user.push(a),
                None => diags.push(
                    Diagnostic::error(Code::Syntax, None, format!("-D `{d}` is not NAME=VALUE"))
                        .help("write -D NET_IPV6=y or -D CONFIG_NET_BUF_RX_COUNT=16"),
                ),
            }
        }
        let board_name = match (&self.board, &toml_board) {
            (Some(cli), Some((file_board, loc))) if cli != file_board => {
                diags.push(Diagnostic::warning(
                    Code::Note,
                    Some(loc.clone()),
                    format!("the file names board `{file_board}`, but `{cli}` was given on the command line, which wins"),
                ));
                Some(cli.clone())
            }
            (Some(cli), _) => Some(cli.clone()),
            (None, Some((b, _))) => Some(b.clone()),
            (None, None) => self.default_board.clone(),
        };
        let mut assignments = Vec::new();
        let mut board = None;
        if let Some(name) = board_name {
            let dir = self
                .boards_dir
                .clone()
                .unwrap_or_else(|| kconfig.srctree.join("boards"));
            match board::find(&dir, &name) {
                Ok(b) => {
                    if let Some(defconfig) = &b.defconfig {
                        let file: Arc<str> = Arc::from(defconfig.to_string_lossy().as_ref());
                        match std::fs::read_to_string(defconfig) {
                            Ok(text) => assignments.extend(input::conf::parse(
                                &text,
                                &file,
                                Layer::Board,
                                &mut diags,
                            )),
                            Err(e) => diags.push(Diagnostic::error(
                                Code::Io,
                                None,
                                format!("cannot read {}: {e}", defconfig.display()),
                            )),
                        }
                        files_read.push(defconfig.clone());
                    }
                    let toml = b.dir.join("board.toml");
                    if toml.is_file() {
                        files_read.push(toml);
                    }
                    board = Some(b);
                }
                Err(d) => {
                    let mut d = *d;
                    if let Some((_, loc)) = &toml_board {
                        d.loc = Some(loc.clone());
                    }
                    diags.push(d);
                }
            }
        }
        assignments.extend(user);
        Ok(Loaded {
            kconfig,
            board,
            assignments,
            diagnostics: diags,
            files_read,
            lenient: self.lenient,
        })
    }
}

impl Loaded {
    /// Resolves every symbol. The result's diagnostics include the input problems found
    /// while loading.
    pub fn resolve(&self) -> Resolution<'_> {
        let mut res = resolve::resolve_with(&self.kconfig, &self.assignments, self.lenient);
        let mut all = self.kconfig.warnings.clone();
        all.0.extend(self.diagnostics.0.iter().cloned());
        all.0.append(&mut res.diagnostics.0);
        if self.lenient {
            all.downgrade_config_errors();
        }
        res.diagnostics = all;
        res
    }

    /// The resolution with no user inputs at all: the Kconfig defaults.
    pub fn resolve_defaults(&self) -> Resolution<'_> {
        resolve::resolve(&self.kconfig, &[])
    }
}

fn parse_define(text: &str) -> Option<Assignment> {
    let (name, value) = text.split_once('=')?;
    let name = name.trim();
    let name = name.strip_prefix("CONFIG_").unwrap_or(name);
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let file: Arc<str> = Arc::from("<command line>");
    let loc = Loc::new(&file, 1);
    Some(Assignment {
        name: name.to_string(),
        value: RawValue::Text(value.to_string()),
        loc: loc.clone(),
        value_loc: None,
        layer: Layer::Override,
    })
}

/// Finds the project root above `start`: the first directory with a `Kconfig` file.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        if d.join("Kconfig").is_file() && d.join("boards").is_dir() {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    None
}
