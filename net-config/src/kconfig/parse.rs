//! Reading Kconfig text: logical lines, macros, tokens, entries and their properties.
//!
//! The reader is line-oriented like kconfiglib's: an entry keyword opens a line, property
//! lines follow it, and `help` text is taken raw by indentation. Every node keeps its
//! `file:line` so diagnostics can point at definitions.

// Errors end a line's parse and are rare; passing the diagnostic by value keeps the many
// `?` sites plain, and the size only matters on that cold path.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{
    ChoiceId, DefaultProp, Expr, Item, Kconfig, MacroEnv, MenuNode, NodeId, RangeProp, RelOp,
    SelectProp, SymId, Type,
};
use crate::diag::{Code, Diagnostic, Diagnostics, Loc};

/// Keywords of the Kconfig language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kw {
    Config,
    Menuconfig,
    Choice,
    Endchoice,
    Menu,
    Endmenu,
    If,
    Endif,
    Source,
    Rsource,
    Osource,
    Orsource,
    Comment,
    Mainmenu,
    Type(Type),
    Prompt,
    Default,
    DefType(Type),
    Depends,
    On,
    Select,
    Imply,
    Range,
    Help,
    Option,
    Optional,
    Visible,
    Modules,
    AllnoconfigY,
    Transitional,
}

fn keyword(word: &str) -> Option<Kw> {
    Some(match word {
        "config" => Kw::Config,
        "menuconfig" => Kw::Menuconfig,
        "choice" => Kw::Choice,
        "endchoice" => Kw::Endchoice,
        "menu" => Kw::Menu,
        "endmenu" => Kw::Endmenu,
        "if" => Kw::If,
        "endif" => Kw::Endif,
        "source" => Kw::Source,
        "rsource" => Kw::Rsource,
        "osource" => Kw::Osource,
        "orsource" => Kw::Orsource,
        "comment" => Kw::Comment,
        "mainmenu" => Kw::Mainmenu,
        "bool" | "boolean" => Kw::Type(Type::Bool),
        "tristate" => Kw::Type(Type::Tristate),
        "int" => Kw::Type(Type::Int),
        "hex" => Kw::Type(Type::Hex),
        "string" => Kw::Type(Type::String),
        "prompt" => Kw::Prompt,
        "default" => Kw::Default,
        "def_bool" => Kw::DefType(Type::Bool),
        "def_tristate" => Kw::DefType(Type::Tristate),
        "def_int" => Kw::DefType(Type::Int),
        "def_hex" => Kw::DefType(Type::Hex),
        "def_string" => Kw::DefType(Type::String),
        "depends" => Kw::Depends,
        "on" => Kw::On,
        "select" => Kw::Select,
        "imply" => Kw::Imply,
        "range" => Kw::Range,
        "help" | "---help---" => Kw::Help,
        "option" => Kw::Option,
        "optional" => Kw::Optional,
        "visible" => Kw::Visible,
        "modules" => Kw::Modules,
        "allnoconfig_y" => Kw::AllnoconfigY,
        "transitional" => Kw::Transitional,
        _ => return None,
    })
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Kw(Kw),
    Word(String),
    Str(String),
    And,
    Or,
    Not,
    LParen,
    RParen,
    Rel(RelOp),
}

/// The physical lines of one file, read one logical line (with `\` continuations) at a time.
struct Reader {
    file: Arc<str>,
    /// The name `$(filename)` gives: the path relative to the source tree, as kconfiglib.
    kconfig_name: String,
    lines: Vec<String>,
    pos: usize,
}

impl Reader {
    fn new(file: Arc<str>, text: &str) -> Reader {
        let lines = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
            .collect();
        Reader {
            kconfig_name: file.to_string(),
            file,
            lines,
            pos: 0,
        }
    }

    /// The next logical line and the number of its first physical line.
    fn next_line(&mut self) -> Option<(u32, String)> {
        if self.pos >= self.lines.len() {
            return None;
        }
        let start = self.pos;
        let mut text = String::new();
        loop {
            let line = &self.lines[self.pos];
            self.pos += 1;
            match line.strip_suffix('\\') {
                Some(body) if self.pos < self.lines.len() => text.push_str(body),
                _ => {
                    text.push_str(line);
                    break;
                }
            }
        }
        Some((start as u32 + 1, text))
    }

    fn loc(&self, line: u32) -> Loc {
        Loc::new(&self.file, line)
    }
}

fn expand_tabs(line: &str) -> String {
    let mut out = String::new();
    for c in line.chars() {
        if c == '\t' {
            let n = 8 - out.chars().count() % 8;
            out.extend(std::iter::repeat_n(' ', n));
        } else {
            out.push(c);
        }
    }
    out
}

fn indentation(line: &str) -> usize {
    let e = expand_tabs(line);
    e.len() - e.trim_start().len()
}

/// A Kconfig variable (`NAME := value` or `NAME = value`).
#[derive(Clone, Debug)]
struct Var {
    value: String,
    recursive: bool,
}

struct Parser<'a> {
    kc: &'a mut Kconfig,
    env: &'a dyn MacroEnv,
    vars: HashMap<String, Var>,
    diags: Diagnostics,
    tails: Vec<Option<NodeId>>,
    open_files: Vec<PathBuf>,
    /// How many `menu`/`choice`/`if` blocks enclose the current line.
    block_depth: u32,
}

/// Deeper nesting than this is refused: real trees nest a handful of levels, and the
/// parser, the evaluator and `Drop` all recurse over the structure.
const MAX_BLOCK_DEPTH: u32 = 64;
/// The most operators and parentheses one expression may nest.
const MAX_EXPR_DEPTH: u32 = 256;

/// Reads the tree rooted at `top` into `kc`; returns every diagnostic found.
pub(super) fn parse_tree(kc: &mut Kconfig, top: &Path, env: &dyn MacroEnv) -> Diagnostics {
    let mut p = Parser::new(kc, env);
    p.parse_file(top, NodeId(0), None);
    p.diags
}

/// Reads Kconfig text (as if it were the file `name`) into `kc`.
pub(super) fn parse_text(
    kc: &mut Kconfig,
    text: &str,
    name: &Path,
    env: &dyn MacroEnv,
) -> Diagnostics {
    let mut p = Parser::new(kc, env);
    let file: Arc<str> = Arc::from(name.to_string_lossy().as_ref());
    let mut r = Reader::new(file, text);
    let dir = name.parent().map(Path::to_path_buf).unwrap_or_default();
    p.parse_block(&mut r, &dir, NodeId(0), None);
    p.diags
}

type ParseResult<T> = Result<T, Diagnostic>;

impl<'a> Parser<'a> {
    fn new(kc: &'a mut Kconfig, env: &'a dyn MacroEnv) -> Parser<'a> {
        let tails = vec![None; kc.nodes.len()];
        Parser {
            kc,
            env,
            vars: HashMap::new(),
            diags: Diagnostics::default(),
            tails,
            open_files: Vec::new(),
            block_depth: 0,
        }
    }

    fn err(&self, r: &Reader, line: u32, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(Code::Syntax, Some(r.loc(line)), msg)
    }

    fn parse_file(&mut self, path: &Path, parent: NodeId, from: Option<Loc>) {
        if self.open_files.iter().any(|p| p == path) {
            self.diags.push(
                Diagnostic::error(
                    Code::Syntax,
                    from,
                    format!("{} sources itself (recursive source)", path.display()),
                )
                .help("remove the `source` line that closes the loop"),
            );
            return;
        }
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                self.diags.push(Diagnostic::error(
                    Code::Io,
                    from,
                    format!("cannot read {}: {e}", path.display()),
                ));
                return;
            }
        };
        self.kc.files.push(path.to_path_buf());
        let file: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
        let mut r = Reader::new(file, &text);
        if let Ok(rel) = path.strip_prefix(&self.kc.srctree)
            && !self.kc.srctree.as_os_str().is_empty()
        {
            r.kconfig_name = rel.to_string_lossy().into_owned();
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        self.open_files.push(path.to_path_buf());
        self.parse_block(&mut r, &dir, parent, None);
        self.open_files.pop();
    }

    fn add_node(&mut self, parent: NodeId, mut node: MenuNode) -> NodeId {
        let id = NodeId(self.kc.nodes.len() as u32);
        node.parent = Some(parent);
        self.kc.nodes.push(node);
        self.tails.push(None);
        match self.tails[parent.0 as usize] {
            Some(last) => self.kc.nodes[last.0 as usize].next = Some(id),
            None => self.kc.nodes[parent.0 as usize].list = Some(id),
        }
        self.tails[parent.0 as usize] = Some(id);
        id
    }

    /// Parses entries until `end` (or the end of the file when `end` is `None`).
    /// Returns false when the block was cut short by the end of the file.
    fn parse_block(
        &mut self,
        r: &mut Reader,
        dir: &Path,
        parent: NodeId,
        end: Option<(Kw, u32)>,
    ) -> bool {
        if end.is_some() {
            self.block_depth += 1;
        }
        let complete = self.parse_block_lines(r, dir, parent, end);
        if end.is_some() {
            self.block_depth -= 1;
        }
        complete
    }

    fn parse_block_lines(
        &mut self,
        r: &mut Reader,
        dir: &Path,
        parent: NodeId,
        end: Option<(Kw, u32)>,
    ) -> bool {
        if self.block_depth > MAX_BLOCK_DEPTH {
            let line = end.map_or(1, |(_, l)| l);
            self.diags.push(self.err(
                r,
                line,
                format!("blocks nest more than {MAX_BLOCK_DEPTH} deep"),
            ));
            // Skip the rest of the file: its structure cannot be trusted any more.
            r.pos = r.lines.len();
            return false;
        }
        while let Some((line_no, raw)) = r.next_line() {
            if let Err(d) = self.parse_entry(r, dir, parent, end, line_no, &raw) {
                match d {
                    EntryEnd::Block => return true,
                    EntryEnd::Error(d) => self.diags.push(d),
                }
            }
        }
        if let Some((kw, line)) = end {
            let what = match kw {
                Kw::Endmenu => "menu",
                Kw::Endchoice => "choice",
                _ => "if",
            };
            let close = match kw {
                Kw::Endmenu => "endmenu",
                Kw::Endchoice => "endchoice",
                _ => "endif",
            };
            self.diags.push(
                self.err(r, line, format!("this `{what}` is never closed"))
                    .help(format!("add `{close}` before the end of {}", r.file)),
            );
            return false;
        }
        true
    }

    fn parse_entry(
        &mut self,
        r: &mut Reader,
        dir: &Path,
        parent: NodeId,
        end: Option<(Kw, u32)>,
        line_no: u32,
        raw: &str,
    ) -> Result<(), EntryEnd> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return Ok(());
        }
        let first_word = trimmed
            .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '-')))
            .next()
            .unwrap_or("");
        if first_word.is_empty() {
            return Err(self
                .err(r, line_no, "unknown token at the start of a line")
                .into());
        }
        if keyword(first_word).is_none() {
            if trimmed.trim_matches([' ', '\t', '-']) == "help" {
                return Err(self
                    .err(
                        r,
                        line_no,
                        "`help` is a property, but no `config` or `choice` is open here",
                    )
                    .into());
            }
            self.parse_assignment(r, line_no, raw)?;
            return Ok(());
        }
        let toks = self.tokenize(r, line_no, raw)?;
        let Some(first) = toks.first().cloned() else {
            return Ok(());
        };
        let loc = r.loc(line_no);
        let Tok::Kw(kw) = first else {
            return Err(self
                .err(
                    r,
                    line_no,
                    format!("unknown token `{}` at the start of a line", tok_str(&first)),
                )
                .into());
        };
        let kw = &kw;
        let mut ts = Toks {
            depth: 0,
            toks: &toks,
            pos: 1,
        };
        match *kw {
            Kw::Config | Kw::Menuconfig => {
                let name = ts
                    .word()
                    .ok_or_else(|| self.err(r, line_no, "expected a symbol name after `config`"))?;
                ts.done().map_err(|t| self.trailing(r, line_no, &t))?;
                let sym = self.kc.intern(&name);
                if self.kc.sym(sym).is_const {
                    return Err(self
                        .err(
                            r,
                            line_no,
                            format!("`{name}` is a constant and cannot be defined"),
                        )
                        .into());
                }
                let mut node = MenuNode::new(Item::Symbol(sym), loc);
                node.is_menuconfig = *kw == Kw::Menuconfig;
                let id = self.add_node(parent, node);
                self.kc.syms[sym.0 as usize].nodes.push(id);
                self.parse_props(r, id)?;
            }
            Kw::Choice => {
                let name = ts.word().or_else(|| ts.string());
                ts.done().map_err(|t| self.trailing(r, line_no, &t))?;
                let choice = match name.as_ref().and_then(|n| self.kc.named_choices.get(n)) {
                    Some(&c) => c,
                    None => {
                        let c = ChoiceId(self.kc.choices.len() as u32);
                        self.kc.choices.push(super::Choice {
                            name: name.clone(),
                            ty: Type::Unknown,
                            nodes: Vec::new(),
                            defaults: Vec::new(),
                            syms: Vec::new(),
                            direct_dep: Expr::N,
                            optional: false,
                        });
                        if let Some(n) = name {
                            self.kc.named_choices.insert(n, c);
                        }
                        c
                    }
                };
                let id = self.add_node(parent, MenuNode::new(Item::Choice(choice), loc));
                self.kc.choices[choice.0 as usize].nodes.push(id);
                self.parse_props(r, id)?;
                self.parse_block(r, dir, id, Some((Kw::Endchoice, line_no)));
            }
            Kw::Menu => {
                let title = ts
                    .string()
                    .ok_or_else(|| self.err(r, line_no, "expected a quoted title after `menu`"))?;
                ts.done().map_err(|t| self.trailing(r, line_no, &t))?;
                let mut node = MenuNode::new(Item::Menu, loc);
                node.prompt = Some((title, Expr::Y));
                let id = self.add_node(parent, node);
                self.parse_props(r, id)?;
                self.parse_block(r, dir, id, Some((Kw::Endmenu, line_no)));
            }
            Kw::If => {
                let cond = self.parse_expr(r, line_no, &mut ts, true)?;
                ts.done().map_err(|t| self.trailing(r, line_no, &t))?;
                let mut node = MenuNode::new(Item::If, loc);
                node.dep = cond;
                let id = self.add_node(parent, node);
                self.parse_block(r, dir, id, Some((Kw::Endif, line_no)));
            }
            Kw::Comment => {
                let text = ts.string().ok_or_else(|| {
                    self.err(r, line_no, "expected a quoted text after `comment`")
                })?;
                ts.done().map_err(|t| self.trailing(r, line_no, &t))?;
                let mut node = MenuNode::new(Item::Comment, loc);
                node.prompt = Some((text, Expr::Y));
                let id = self.add_node(parent, node);
                self.parse_props(r, id)?;
            }
            Kw::Mainmenu => {
                let text = ts.string().ok_or_else(|| {
                    self.err(r, line_no, "expected a quoted title after `mainmenu`")
                })?;
                ts.done().map_err(|t| self.trailing(r, line_no, &t))?;
                self.kc.mainmenu = Some(text);
            }
            Kw::Source | Kw::Rsource | Kw::Osource | Kw::Orsource => {
                let path = ts
                    .string()
                    .ok_or_else(|| self.err(r, line_no, "expected a quoted path after `source`"))?;
                ts.done().map_err(|t| self.trailing(r, line_no, &t))?;
                let relative_to_file = matches!(kw, Kw::Rsource | Kw::Orsource);
                let optional = matches!(kw, Kw::Osource | Kw::Orsource);
                let base = if relative_to_file {
                    dir.to_path_buf()
                } else {
                    self.kc.srctree.clone()
                };
                let full = if Path::new(&path).is_absolute() {
                    PathBuf::from(&path)
                } else {
                    base.join(&path)
                };
                let files = expand_glob(&full);
                if files.is_empty() {
                    if !optional {
                        return Err(Diagnostic::error(
                            Code::Io,
                            Some(loc),
                            format!("sourced file {} does not exist", full.display()),
                        )
                        .help("fix the path, or use `osource` if the file is optional")
                        .into());
                    }
                } else {
                    for f in files {
                        self.parse_file(&f, parent, Some(loc.clone()));
                    }
                }
            }
            Kw::Endmenu | Kw::Endchoice | Kw::Endif => {
                ts.done().map_err(|t| self.trailing(r, line_no, &t))?;
                if end.map(|(k, _)| k) == Some(*kw) {
                    return Err(EntryEnd::Block);
                }
                return Err(self
                    .err(
                        r,
                        line_no,
                        format!("`{}` without a matching opening entry", tok_str(&first)),
                    )
                    .into());
            }
            other => {
                return Err(self
                    .err(
                        r,
                        line_no,
                        format!(
                            "`{}` is a property, but no `config`, `choice` or `menu` is open here",
                            kw_str(other)
                        ),
                    )
                    .help("properties go on the lines right after the entry they belong to")
                    .into());
            }
        }
        Ok(())
    }

    fn trailing(&self, r: &Reader, line: u32, tok: &Tok) -> Diagnostic {
        self.err(
            r,
            line,
            format!("unexpected `{}` at the end of the line", tok_str(tok)),
        )
    }

    /// `NAME := value` (expanded now), `NAME = value` (expanded at each use) and
    /// `NAME += value`; the name itself may contain macros.
    fn parse_assignment(&mut self, r: &Reader, line_no: u32, raw: &str) -> ParseResult<()> {
        let mut s = raw.trim_start().to_string();
        let mut i = 0;
        loop {
            i += s[i..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(s.len() - i);
            if s[i..].starts_with("$(") {
                i = self.expand_macro_at(r, line_no, &mut s, i, &[], 0)?;
            } else {
                break;
            }
        }
        if s.trim().is_empty() {
            return Ok(());
        }
        let name = s[..i].to_string();
        let rest = s[i..].trim_start();
        let (op, value) = if let Some(v) = rest.strip_prefix(":=") {
            (":=", v)
        } else if let Some(v) = rest.strip_prefix("+=") {
            ("+=", v)
        } else if let Some(v) = rest.strip_prefix('=') {
            ("=", v)
        } else {
            return Err(self
                .err(r, line_no, format!("`{}` is neither a keyword nor a variable assignment", s.trim()))
                .help("entries start with config, menuconfig, choice, menu, if, source, comment; variables are set with NAME := value"));
        };
        let value = value.trim_start().to_string();
        let var = match (op, self.vars.get(&name).cloned()) {
            (":=", _) => Var {
                value: self.expand(r, line_no, &value)?,
                recursive: false,
            },
            (_, None) | ("=", _) => Var {
                value,
                recursive: true,
            },
            (_, Some(old)) => {
                let add = if old.recursive {
                    value
                } else {
                    self.expand(r, line_no, &value)?
                };
                Var {
                    value: format!("{} {add}", old.value),
                    recursive: old.recursive,
                }
            }
        };
        self.vars.insert(name, var);
        Ok(())
    }

    /// Expands every `$(...)` in `s`, as kconfiglib's `_expand_whole`.
    fn expand(&mut self, r: &Reader, line_no: u32, s: &str) -> ParseResult<String> {
        self.expand_whole(r, line_no, s, &[], 0)
    }

    fn expand_whole(
        &mut self,
        r: &Reader,
        line_no: u32,
        s: &str,
        args: &[String],
        depth: u32,
    ) -> ParseResult<String> {
        let mut s = s.to_string();
        let mut i = 0;
        while let Some(found) = s[i..].find("$(") {
            i = self.expand_macro_at(r, line_no, &mut s, i + found, args, depth)?;
        }
        Ok(s)
    }

    /// Replaces the macro call starting at `s[start..]` (which begins with `$(`) by its
    /// value and returns the index just after the value. Calls nested in the arguments are
    /// expanded first, in place, so commas they produce do not split arguments.
    fn expand_macro_at(
        &mut self,
        r: &Reader,
        line_no: u32,
        s: &mut String,
        start: usize,
        args: &[String],
        depth: u32,
    ) -> ParseResult<usize> {
        if depth > 64 {
            return Err(self.err(
                r,
                line_no,
                "macro expansion nests too deeply (a variable refers to itself?)",
            ));
        }
        let mut i = start + 2;
        let mut arg_start = i;
        let mut call: Vec<String> = Vec::new();
        let mut nesting = 0;
        loop {
            let Some(off) = s[i..].find(['(', ')', ',', '$']) else {
                return Err(self
                    .err(r, line_no, "missing `)` in macro expansion")
                    .help("add the closing `)`"));
            };
            let at = i + off;
            match s.as_bytes()[at] {
                b'$' if s[at..].starts_with("$(") => {
                    i = self.expand_macro_at(r, line_no, s, at, args, depth + 1)?;
                }
                b'$' => i = at + 1,
                b'(' => {
                    nesting += 1;
                    i = at + 1;
                }
                b')' if nesting > 0 => {
                    nesting -= 1;
                    i = at + 1;
                }
                b')' => {
                    call.push(s[arg_start..at].to_string());
                    let value = match call[0].trim().parse::<usize>() {
                        Ok(n) if n < args.len() => args[n].clone(),
                        _ => self.call_macro(r, line_no, &call, depth)?,
                    };
                    s.replace_range(start..=at, &value);
                    return Ok(start + value.len());
                }
                _ => {
                    i = at + 1;
                    if nesting == 0 {
                        call.push(s[arg_start..at].to_string());
                        arg_start = i;
                    }
                }
            }
        }
    }

    /// The value of a macro call: `call[0]` is the name, the rest are arguments.
    fn call_macro(
        &mut self,
        r: &Reader,
        line_no: u32,
        call: &[String],
        depth: u32,
    ) -> ParseResult<String> {
        let name = call[0].as_str();
        let params = &call[1..];
        if let Some(var) = self.vars.get(name).cloned() {
            return self.expand_whole(r, line_no, &var.value, call, depth + 1);
        }
        match name {
            "filename" => return Ok(r.kconfig_name.clone()),
            "lineno" => return Ok(line_no.to_string()),
            "info" => return Ok(String::new()),
            "warning-if" | "error-if" => {
                if params.len() != 2 {
                    return Err(self.err(
                        r,
                        line_no,
                        format!("`{name}` takes a condition and a message"),
                    ));
                }
                if params[0] == "y" {
                    let d = if name == "error-if" {
                        Diagnostic::error(Code::Note, Some(r.loc(line_no)), params[1].clone())
                    } else {
                        Diagnostic::warning(Code::Note, Some(r.loc(line_no)), params[1].clone())
                    };
                    self.diags.push(d);
                }
                return Ok(String::new());
            }
            _ => {}
        }
        if !params.is_empty() || name == "shell" || name.starts_with("dt_") {
            return Err(Diagnostic::error(
                Code::Unsupported,
                Some(r.loc(line_no)),
                format!("the macro function `{name}` is not supported"),
            )
            .help("supported: variables (`X := v`, `X = v`, `X += v`), environment variables, $(filename), $(lineno), $(info,..), $(warning-if,..), $(error-if,..)"));
        }
        self.kc.env_used.insert(name.to_string());
        Ok(self.env.get(name).unwrap_or_default())
    }

    /// Splits one logical line into tokens as kconfiglib does, expanding macros on the way:
    /// a `$(...)` inside a word becomes part of that one word (`depends on $(X)` names the
    /// symbol called whatever X holds), and inside a string it becomes part of the string.
    fn tokenize(&mut self, r: &Reader, line_no: u32, line: &str) -> ParseResult<Vec<Tok>> {
        let mut s = line.to_string();
        let mut toks: Vec<Tok> = Vec::new();
        let mut i = 0;
        let is_name =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '/' | '.' | '-');
        let slow_strings = s.contains(['$', '\\']);
        while i < s.len() {
            let c = s[i..].chars().next().expect("i is inside the line");
            if c.is_whitespace() {
                i += c.len_utf8();
                continue;
            }
            if c == '#' {
                break;
            }
            let col = s[..i].chars().count() as u32 + 1;
            if is_name(c) {
                let start = i;
                let plain_end = start
                    + s[start..]
                        .find(|c: char| !is_name(c))
                        .unwrap_or(s.len() - start);
                let word_has_macro = s[start..plain_end].contains('$');
                let end = if word_has_macro {
                    // Expand every `$(` met while scanning the name; the expansion becomes part
                    // of the name and is not scanned again.
                    let mut j = start;
                    loop {
                        let rest = &s[j..];
                        let stop = rest
                            .char_indices()
                            .find(|&(k, ch)| !is_name(ch) || rest[k..].starts_with("$("))
                            .map_or(s.len(), |(k, _)| j + k);
                        if s[stop..].starts_with("$(") {
                            j = self.expand_macro_at(r, line_no, &mut s, stop, &[], 0)?;
                        } else {
                            break stop;
                        }
                    }
                } else {
                    plain_end
                };
                let word = s[start..end].to_string();
                if word.trim().is_empty() {
                    return Err(self
                        .err(r, line_no, "macro expanded to a blank name")
                        .with_col(col));
                }
                let prev_is_string_lex = matches!(
                    toks.last(),
                    Some(Tok::Kw(
                        Kw::Type(_)
                            | Kw::Choice
                            | Kw::Comment
                            | Kw::Mainmenu
                            | Kw::Menu
                            | Kw::Source
                            | Kw::Rsource
                            | Kw::Osource
                            | Kw::Orsource
                            | Kw::Prompt
                    ))
                );
                let tok = match keyword(&word) {
                    Some(kw) if !word_has_macro => Tok::Kw(kw),
                    _ if prev_is_string_lex => Tok::Str(word),
                    _ => Tok::Word(word),
                };
                toks.push(tok);
                i = end;
                continue;
            }
            if c == '"' || c == '\'' {
                let (value, end) = if slow_strings {
                    self.string_slow(r, line_no, &mut s, i, c)?
                } else {
                    match s[i + 1..].find(c) {
                        Some(off) => (s[i + 1..i + 1 + off].to_string(), i + 1 + off + 1),
                        None => {
                            return Err(self.err(r, line_no, "unterminated string").with_col(col));
                        }
                    }
                };
                toks.push(Tok::Str(value));
                i = end;
                continue;
            }
            let next = s[i + c.len_utf8()..].chars().next();
            let (tok, len) = match (c, next) {
                ('&', Some('&')) => (Tok::And, 2),
                ('|', Some('|')) => (Tok::Or, 2),
                ('!', Some('=')) => (Tok::Rel(RelOp::Ne), 2),
                ('!', _) => (Tok::Not, 1),
                ('(', _) => (Tok::LParen, 1),
                (')', _) => (Tok::RParen, 1),
                ('=', _) => (Tok::Rel(RelOp::Eq), 1),
                ('<', Some('=')) => (Tok::Rel(RelOp::Le), 2),
                ('<', _) => (Tok::Rel(RelOp::Lt), 1),
                ('>', Some('=')) => (Tok::Rel(RelOp::Ge), 2),
                ('>', _) => (Tok::Rel(RelOp::Gt), 1),
                _ => {
                    return Err(self
                        .err(r, line_no, format!("unexpected character `{c}`"))
                        .with_col(col));
                }
            };
            toks.push(tok);
            i += len;
        }
        Ok(toks)
    }

    /// A quoted string on a line with `\` or `$`: backslashes escape the next character,
    /// `$(...)` expands in place, then `$NAME`/`${NAME}` of defined environment variables
    /// expand (kconfiglib applies Python's `expandvars`). Returns the value and the index
    /// after the closing quote.
    fn string_slow(
        &mut self,
        r: &Reader,
        line_no: u32,
        s: &mut String,
        open: usize,
        quote: char,
    ) -> ParseResult<(String, usize)> {
        let mut i = open + 1;
        loop {
            let Some(off) = s[i..].find(['"', '\'', '\\', '$']) else {
                return Err(self.err(r, line_no, "unterminated string"));
            };
            let at = i + off;
            let c = s[at..].chars().next().expect("found a character");
            if c == quote {
                let raw = s[open + 1..at].to_string();
                return Ok((self.expandvars(&raw), at + 1));
            } else if c == '\\' {
                s.remove(at);
                // Skip the escaped character, whatever it is.
                i = at + s[at..].chars().next().map_or(0, char::len_utf8);
                if at >= s.len() {
                    return Err(self.err(r, line_no, "unterminated string"));
                }
            } else if c == '$' && s[at..].starts_with("$(") {
                i = self.expand_macro_at(r, line_no, s, at, &[], 0)?;
            } else {
                i = at + c.len_utf8();
            }
        }
    }

    /// Python's `os.path.expandvars`: `$NAME` and `${NAME}` of defined variables expand,
    /// anything else stays as written.
    fn expandvars(&mut self, s: &str) -> String {
        if !s.contains('$') {
            return s.to_string();
        }
        let mut out = String::new();
        let mut rest = s;
        while let Some(pos) = rest.find('$') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
                match inner.find('}') {
                    Some(close) => (&inner[..close], close + 2),
                    None => ("", 0),
                }
            } else {
                let n = after
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..n], n)
            };
            let value = if name.is_empty() {
                None
            } else {
                self.env.get(name)
            };
            match value {
                Some(v) => {
                    self.kc.env_used.insert(name.to_string());
                    out.push_str(&v);
                    rest = &after[consumed..];
                }
                None => {
                    out.push('$');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn parse_props(&mut self, r: &mut Reader, node: NodeId) -> Result<(), EntryEnd> {
        loop {
            let save = r.pos;
            let Some((line_no, raw)) = r.next_line() else {
                return Ok(());
            };
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let word = trimmed
                .split(|c: char| c.is_whitespace())
                .next()
                .unwrap_or("");
            let is_prop = trimmed.trim_matches([' ', '\t', '-']) == "help"
                || matches!(
                    keyword(word),
                    Some(
                        Kw::Type(_)
                            | Kw::Prompt
                            | Kw::Default
                            | Kw::DefType(_)
                            | Kw::Depends
                            | Kw::Select
                            | Kw::Imply
                            | Kw::Range
                            | Kw::Help
                            | Kw::Option
                            | Kw::Optional
                            | Kw::Visible
                            | Kw::Modules
                            | Kw::AllnoconfigY
                            | Kw::Transitional
                    )
                );
            if !is_prop {
                r.pos = save;
                return Ok(());
            }
            let is_help =
                keyword(word) == Some(Kw::Help) || trimmed.trim_matches([' ', '\t', '-']) == "help";
            if is_help {
                if trimmed != word {
                    self.diags
                        .push(self.err(r, line_no, "unexpected text after `help`"));
                }
                let help = read_help(r);
                let n = &mut self.kc.nodes[node.0 as usize];
                if n.help.is_some() {
                    let d = Diagnostic::warning(
                        Code::Note,
                        Some(r.loc(line_no)),
                        "second help text for the same entry replaces the first",
                    );
                    self.diags.push(d);
                }
                self.kc.nodes[node.0 as usize].help = Some(help);
                continue;
            }
            if let Err(d) = self.parse_prop(r, node, line_no, &raw) {
                self.diags.push(d);
            }
        }
    }

    fn parse_prop(
        &mut self,
        r: &mut Reader,
        node: NodeId,
        line_no: u32,
        raw: &str,
    ) -> ParseResult<()> {
        let toks = self.tokenize(r, line_no, raw)?;
        let loc = r.loc(line_no);
        let mut ts = Toks {
            depth: 0,
            toks: &toks,
            pos: 1,
        };
        let Some(Tok::Kw(kw)) = toks.first().cloned() else {
            unreachable_prop()
        };
        let kw = &kw;
        let item = self.kc.nodes[node.0 as usize].item;
        let is_sym = matches!(item, Item::Symbol(_));
        let is_choice = matches!(item, Item::Choice(_));
        let where_ = match item {
            Item::Menu => "a menu",
            Item::Comment => "a comment",
            Item::Choice(_) => "a choice",
            _ => "a config",
        };
        let misplaced = |p: &Parser, what: &str| {
            p.err(r, line_no, format!("`{what}` is not allowed in {where_}"))
        };
        match *kw {
            Kw::Type(ty) | Kw::DefType(ty) => {
                if !is_sym && !is_choice {
                    return Err(misplaced(self, kw_str(*kw)));
                }
                if is_choice && !ty.is_bool() {
                    return Err(self.err(r, line_no, "a choice can only be bool or tristate"));
                }
                self.set_type(r, line_no, item, ty);
                if matches!(kw, Kw::DefType(_)) {
                    let value = self.parse_expr(r, line_no, &mut ts, false)?;
                    let cond = self.parse_cond(r, line_no, &mut ts)?;
                    self.kc.nodes[node.0 as usize]
                        .defaults
                        .push(DefaultProp { value, cond, loc });
                } else if let Some(text) = ts.string() {
                    let cond = self.parse_cond(r, line_no, &mut ts)?;
                    self.set_prompt(r, line_no, node, text, cond);
                } else {
                    ts.done().map_err(|t| self.trailing(r, line_no, &t))?;
                }
            }
            Kw::Prompt => {
                if !is_sym && !is_choice {
                    return Err(misplaced(self, "prompt"));
                }
                let text = ts
                    .string()
                    .ok_or_else(|| self.err(r, line_no, "expected a quoted prompt"))?;
                let cond = self.parse_cond(r, line_no, &mut ts)?;
                self.set_prompt(r, line_no, node, text, cond);
            }
            Kw::Default => {
                if !is_sym && !is_choice {
                    return Err(misplaced(self, "default"));
                }
                let value = self.parse_expr(r, line_no, &mut ts, false)?;
                let cond = self.parse_cond(r, line_no, &mut ts)?;
                self.kc.nodes[node.0 as usize]
                    .defaults
                    .push(DefaultProp { value, cond, loc });
            }
            Kw::Depends => {
                if ts.next() != Some(&Tok::Kw(Kw::On)) {
                    return Err(self.err(r, line_no, "expected `on` after `depends`"));
                }
                let e = self.parse_expr(r, line_no, &mut ts, true)?;
                ts.done().map_err(|t| self.trailing(r, line_no, &t))?;
                let n = &mut self.kc.nodes[node.0 as usize];
                n.dep = Expr::and(std::mem::replace(&mut n.dep, Expr::Y), e);
            }
            Kw::Select | Kw::Imply => {
                if !is_sym {
                    return Err(misplaced(self, kw_str(*kw)));
                }
                let target = match ts.next() {
                    Some(Tok::Word(w)) if !matches!(w.as_str(), "y" | "m" | "n") => {
                        self.kc.intern(w)
                    }
                    _ => {
                        return Err(self.err(
                            r,
                            line_no,
                            format!("expected a symbol name after `{}`", kw_str(*kw)),
                        ));
                    }
                };
                let cond = self.parse_cond(r, line_no, &mut ts)?;
                let prop = SelectProp { target, cond, loc };
                let n = &mut self.kc.nodes[node.0 as usize];
                if *kw == Kw::Select {
                    n.selects.push(prop)
                } else {
                    n.implies.push(prop)
                }
            }
            Kw::Range => {
                if !is_sym {
                    return Err(misplaced(self, "range"));
                }
                let low = self.expect_sym(r, line_no, &mut ts)?;
                let high = self.expect_sym(r, line_no, &mut ts)?;
                let cond = self.parse_cond(r, line_no, &mut ts)?;
                self.kc.nodes[node.0 as usize].ranges.push(RangeProp {
                    low,
                    high,
                    cond,
                    loc,
                });
            }
            Kw::Visible => {
                if item != Item::Menu {
                    return Err(misplaced(self, "visible if"));
                }
                if ts.next() != Some(&Tok::Kw(Kw::If)) {
                    return Err(self.err(r, line_no, "expected `if` after `visible`"));
                }
                let e = self.parse_expr(r, line_no, &mut ts, true)?;
                ts.done().map_err(|t| self.trailing(r, line_no, &t))?;
                let n = &mut self.kc.nodes[node.0 as usize];
                n.visibility = Expr::and(std::mem::replace(&mut n.visibility, Expr::Y), e);
            }
            Kw::Optional => {
                let Item::Choice(c) = item else {
                    return Err(misplaced(self, "optional"));
                };
                self.kc.choices[c.0 as usize].optional = true;
            }
            Kw::AllnoconfigY => {}
            Kw::Option => match ts.next() {
                Some(Tok::Word(w)) if w == "allnoconfig_y" || w == "defconfig_list" => {}
                Some(Tok::Word(w)) if w == "modules" => {
                    return Err(unsupported(r, line_no, "option modules (loadable modules)"));
                }
                Some(Tok::Word(w)) if w.starts_with("env") => {
                    return Err(unsupported(
                        r,
                        line_no,
                        "option env (use $(VAR) macros instead)",
                    ));
                }
                _ => return Err(self.err(r, line_no, "unknown `option`")),
            },
            Kw::Modules => return Err(unsupported(r, line_no, "modules (loadable modules)")),
            Kw::Transitional => return Err(unsupported(r, line_no, "transitional")),
            _ => unreachable_prop(),
        }
        Ok(())
    }

    fn set_type(&mut self, r: &Reader, line_no: u32, item: Item, ty: Type) {
        let old = match item {
            Item::Symbol(s) => std::mem::replace(&mut self.kc.syms[s.0 as usize].ty, ty),
            Item::Choice(c) => std::mem::replace(&mut self.kc.choices[c.0 as usize].ty, ty),
            _ => return,
        };
        if old != Type::Unknown && old != ty {
            let d = Diagnostic::warning(
                Code::Note,
                Some(r.loc(line_no)),
                format!("type changed from {} to {}", old.as_str(), ty.as_str()),
            );
            self.diags.push(d);
        }
    }

    fn set_prompt(&mut self, r: &Reader, line_no: u32, node: NodeId, text: String, cond: Expr) {
        let n = &mut self.kc.nodes[node.0 as usize];
        if n.prompt.is_some() {
            let d = Diagnostic::warning(
                Code::Note,
                Some(r.loc(line_no)),
                "second prompt for the same definition replaces the first",
            );
            self.diags.push(d);
        }
        self.kc.nodes[node.0 as usize].prompt = Some((text, cond));
    }

    fn expect_sym(&mut self, r: &Reader, line_no: u32, ts: &mut Toks) -> ParseResult<SymId> {
        match ts.next() {
            Some(Tok::Word(w)) => Ok(self.word_sym(w)),
            Some(Tok::Str(s)) => Ok(self.kc.intern_const(s)),
            _ => Err(self.err(r, line_no, "expected a symbol or a value")),
        }
    }

    fn word_sym(&mut self, w: &str) -> SymId {
        match w {
            "y" => SymId::Y,
            "m" => SymId::M,
            "n" => SymId::N,
            _ => self.kc.intern(w),
        }
    }

    fn parse_cond(&mut self, r: &Reader, line_no: u32, ts: &mut Toks) -> ParseResult<Expr> {
        let e = if ts.peek() == Some(&Tok::Kw(Kw::If)) {
            ts.pos += 1;
            self.parse_expr(r, line_no, ts, true)?
        } else {
            Expr::Y
        };
        ts.done().map_err(|t| self.trailing(r, line_no, &t))?;
        Ok(e)
    }

    /// `expr := and ('||' expr)?`, right-associative as in kconfiglib. With `transform_m`,
    /// a bare `m` in a condition means `m && MODULES`, which is `n` here (no modules).
    fn parse_expr(
        &mut self,
        r: &Reader,
        line_no: u32,
        ts: &mut Toks,
        transform_m: bool,
    ) -> ParseResult<Expr> {
        ts.depth += 1;
        if ts.depth > MAX_EXPR_DEPTH {
            return Err(self.err(
                r,
                line_no,
                format!("expression nests more than {MAX_EXPR_DEPTH} deep"),
            ));
        }
        let e = self.parse_expr_inner(r, line_no, ts, transform_m);
        ts.depth -= 1;
        e
    }

    fn parse_expr_inner(
        &mut self,
        r: &Reader,
        line_no: u32,
        ts: &mut Toks,
        transform_m: bool,
    ) -> ParseResult<Expr> {
        let left = self.parse_and(r, line_no, ts, transform_m)?;
        if ts.peek() == Some(&Tok::Or) {
            ts.pos += 1;
            let right = self.parse_expr(r, line_no, ts, transform_m)?;
            return Ok(Expr::Or(Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn parse_and(
        &mut self,
        r: &Reader,
        line_no: u32,
        ts: &mut Toks,
        transform_m: bool,
    ) -> ParseResult<Expr> {
        ts.depth += 1;
        if ts.depth > MAX_EXPR_DEPTH {
            return Err(self.err(
                r,
                line_no,
                format!("expression nests more than {MAX_EXPR_DEPTH} deep"),
            ));
        }
        let e = self.parse_and_inner(r, line_no, ts, transform_m);
        ts.depth -= 1;
        e
    }

    fn parse_and_inner(
        &mut self,
        r: &Reader,
        line_no: u32,
        ts: &mut Toks,
        transform_m: bool,
    ) -> ParseResult<Expr> {
        let left = self.parse_factor(r, line_no, ts, transform_m)?;
        if ts.peek() == Some(&Tok::And) {
            ts.pos += 1;
            let right = self.parse_and(r, line_no, ts, transform_m)?;
            return Ok(Expr::And(Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn parse_factor(
        &mut self,
        r: &Reader,
        line_no: u32,
        ts: &mut Toks,
        transform_m: bool,
    ) -> ParseResult<Expr> {
        ts.depth += 1;
        if ts.depth > MAX_EXPR_DEPTH {
            return Err(self.err(
                r,
                line_no,
                format!("expression nests more than {MAX_EXPR_DEPTH} deep"),
            ));
        }
        let e = self.parse_factor_inner(r, line_no, ts, transform_m);
        ts.depth -= 1;
        e
    }

    fn parse_factor_inner(
        &mut self,
        r: &Reader,
        line_no: u32,
        ts: &mut Toks,
        transform_m: bool,
    ) -> ParseResult<Expr> {
        let tok = ts.next().cloned();
        let sym = match tok {
            Some(Tok::Word(w)) => self.word_sym(&w),
            Some(Tok::Str(s)) => match s.as_str() {
                "y" => SymId::Y,
                "m" => SymId::M,
                "n" => SymId::N,
                _ => self.kc.intern_const(&s),
            },
            Some(Tok::Not) => {
                return Ok(Expr::Not(Box::new(self.parse_factor(
                    r,
                    line_no,
                    ts,
                    transform_m,
                )?)));
            }
            Some(Tok::LParen) => {
                let e = self.parse_expr(r, line_no, ts, transform_m)?;
                if ts.next() != Some(&Tok::RParen) {
                    return Err(self.err(r, line_no, "missing `)` in expression"));
                }
                return Ok(e);
            }
            Some(t) => {
                return Err(self.err(
                    r,
                    line_no,
                    format!("malformed expression: unexpected `{}`", tok_str(&t)),
                ));
            }
            None => return Err(self.err(r, line_no, "malformed expression: it ends too early")),
        };
        if let Some(Tok::Rel(op)) = ts.peek().cloned() {
            ts.pos += 1;
            let rhs = self.expect_sym(r, line_no, ts)?;
            return Ok(Expr::Rel(op, sym, rhs));
        }
        if transform_m && sym == SymId::M {
            return Ok(Expr::N);
        }
        Ok(Expr::Sym(sym))
    }
}

fn unreachable_prop() -> ! {
    unreachable!("parse_prop is only called on lines that start with a property keyword")
}

fn unsupported(r: &Reader, line_no: u32, what: &str) -> Diagnostic {
    Diagnostic::error(
        Code::Unsupported,
        Some(r.loc(line_no)),
        format!("`{what}` is not supported"),
    )
    .help("this reader resolves values without loadable modules or legacy options; remove the line")
}

enum EntryEnd {
    Block,
    Error(Diagnostic),
}

impl From<Diagnostic> for EntryEnd {
    fn from(d: Diagnostic) -> EntryEnd {
        EntryEnd::Error(d)
    }
}

struct Toks<'t> {
    toks: &'t [Tok],
    pos: usize,
    depth: u32,
}

impl Toks<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<&Tok> {
        let t = self.toks.get(self.pos);
        self.pos += 1;
        t
    }

    fn word(&mut self) -> Option<String> {
        match self.peek() {
            Some(Tok::Word(w)) => {
                let w = w.clone();
                self.pos += 1;
                Some(w)
            }
            _ => None,
        }
    }

    fn string(&mut self) -> Option<String> {
        match self.peek() {
            Some(Tok::Str(s)) => {
                let s = s.clone();
                self.pos += 1;
                Some(s)
            }
            _ => None,
        }
    }

    fn done(&self) -> Result<(), Tok> {
        match self.toks.get(self.pos) {
            None => Ok(()),
            Some(t) => Err(t.clone()),
        }
    }
}

fn kw_str(kw: Kw) -> &'static str {
    match kw {
        Kw::Config => "config",
        Kw::Menuconfig => "menuconfig",
        Kw::Choice => "choice",
        Kw::Endchoice => "endchoice",
        Kw::Menu => "menu",
        Kw::Endmenu => "endmenu",
        Kw::If => "if",
        Kw::Endif => "endif",
        Kw::Source => "source",
        Kw::Rsource => "rsource",
        Kw::Osource => "osource",
        Kw::Orsource => "orsource",
        Kw::Comment => "comment",
        Kw::Mainmenu => "mainmenu",
        Kw::Type(t) => t.as_str(),
        Kw::Prompt => "prompt",
        Kw::Default => "default",
        Kw::DefType(Type::Bool) => "def_bool",
        Kw::DefType(Type::Tristate) => "def_tristate",
        Kw::DefType(Type::Int) => "def_int",
        Kw::DefType(Type::Hex) => "def_hex",
        Kw::DefType(_) => "def_string",
        Kw::Depends => "depends",
        Kw::On => "on",
        Kw::Select => "select",
        Kw::Imply => "imply",
        Kw::Range => "range",
        Kw::Help => "help",
        Kw::Option => "option",
        Kw::Optional => "optional",
        Kw::Visible => "visible",
        Kw::Modules => "modules",
        Kw::AllnoconfigY => "allnoconfig_y",
        Kw::Transitional => "transitional",
    }
}

fn tok_str(t: &Tok) -> String {
    match t {
        Tok::Kw(k) => kw_str(*k).to_string(),
        Tok::Word(w) => w.clone(),
        Tok::Str(s) => format!("\"{s}\""),
        Tok::And => "&&".into(),
        Tok::Or => "||".into(),
        Tok::Not => "!".into(),
        Tok::LParen => "(".into(),
        Tok::RParen => ")".into(),
        Tok::Rel(op) => op.as_str().into(),
    }
}

/// Reads help text as kconfiglib does: it ends at the first non-blank line indented less
/// than the first non-blank line; tabs count to the next multiple of 8.
fn read_help(r: &mut Reader) -> String {
    let mut first = None;
    while r.pos < r.lines.len() {
        if !r.lines[r.pos].trim().is_empty() {
            first = Some(r.pos);
            break;
        }
        r.pos += 1;
    }
    let Some(first) = first else {
        return String::new();
    };
    let indent = indentation(&r.lines[first]);
    if indent == 0 {
        return String::new();
    }
    let mut out: Vec<String> = Vec::new();
    while r.pos < r.lines.len() {
        let line = &r.lines[r.pos];
        if !line.trim().is_empty() && indentation(line) < indent {
            break;
        }
        let expanded = expand_tabs(line);
        out.push(expanded.get(indent..).unwrap_or("").trim_end().to_string());
        r.pos += 1;
    }
    out.join("\n").trim_end().to_string()
}

/// Expands `*`, `?` and `[...]` in the last components of a path, sorted as kconfiglib does.
fn expand_glob(path: &Path) -> Vec<PathBuf> {
    let s = path.to_string_lossy();
    if !s.contains(['*', '?', '[']) {
        return if path.is_file() {
            vec![path.to_path_buf()]
        } else {
            Vec::new()
        };
    }
    let mut results = vec![PathBuf::new()];
    for comp in path.components() {
        let part = comp.as_os_str().to_string_lossy().to_string();
        let mut next = Vec::new();
        for base in &results {
            if part.contains(['*', '?', '[']) {
                let dir = if base.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    base.clone()
                };
                if let Ok(entries) = std::fs::read_dir(&dir) {
                    for e in entries.flatten() {
                        let name = e.file_name().to_string_lossy().to_string();
                        if !name.starts_with('.') && glob_match(&part, &name) {
                            next.push(base.join(&name));
                        }
                    }
                }
            } else {
                next.push(base.join(&part));
            }
        }
        results = next;
    }
    let mut files: Vec<PathBuf> = results.into_iter().filter(|p| p.is_file()).collect();
    files.sort();
    files
}

fn glob_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| go(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && go(&p[1..], &n[1..]),
            Some('[') => {
                let Some(close) = p.iter().position(|&c| c == ']') else {
                    return false;
                };
                let set = &p[1..close];
                let (negate, set) = match set.first() {
                    Some('!') => (true, &set[1..]),
                    _ => (false, set),
                };
                let Some(&c) = n.first() else { return false };
                let mut hit = false;
                let mut i = 0;
                while i < set.len() {
                    if i + 2 < set.len() && set[i + 1] == '-' {
                        hit |= set[i] <= c && c <= set[i + 2];
                        i += 3;
                    } else {
                        hit |= set[i] == c;
                        i += 1;
                    }
                }
                hit != negate && go(&p[close + 1..], &n[1..])
            }
            Some(&c) => n.first() == Some(&c) && go(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::kconfig::{Kconfig, MapEnv};

    fn load(text: &str) -> Result<Kconfig, crate::diag::Diagnostics> {
        let mut env = MapEnv::default();
        env.0.insert("HOME_DIR".into(), "/home/x".into());
        Kconfig::from_str(text, "Kconfig", &env)
    }

    #[test]
    fn expressions_parse_with_precedence() {
        let kc =
            load("config A\n\tbool\n\tdepends on B && !(C || D) && E >= 2 # comment\n").unwrap();
        let a = kc.lookup("A").unwrap();
        assert_eq!(
            kc.expr_str(&kc.sym(a).direct_dep),
            "B && !(C || D) && E >= 2"
        );
    }

    #[test]
    fn strings_unescape_and_expand() {
        let kc =
            load("V := val\nconfig A\n\tstring \"a \\\"b\\\" $(V) ${HOME_DIR} $NOPE\"\n").unwrap();
        let a = kc.lookup("A").unwrap();
        assert_eq!(kc.prompt(a), Some(r#"a "b" val /home/x $NOPE"#));
    }

    #[test]
    fn macro_in_a_word_stays_one_word() {
        // kconfiglib semantics: the expansion becomes (part of) a single symbol name.
        let kc = load("DEP = (B || C)\nN = A\nconfig $(N)\n\tbool\n\tdepends on $(DEP)\n").unwrap();
        let a = kc.lookup("A").unwrap();
        assert_eq!(kc.expr_str(&kc.sym(a).direct_dep), "(B || C)");
    }

    #[test]
    fn variables_recursive_simple_append_and_args() {
        let kc = load(
            "X = $(Y)\nY := 1\nX += 2\nF = <$(1)|$(2)>\nconfig A\n\tstring \"$(X) $(F,a,b)\"\n",
        )
        .unwrap();
        let a = kc.lookup("A").unwrap();
        assert_eq!(kc.prompt(a), Some("1 2 <a|b>"));
    }

    #[test]
    fn bad_character_has_column() {
        let err = load("config A\n\tint\n\tdefault 5 @\n").unwrap_err();
        assert_eq!(err.0[0].loc.as_ref().unwrap().to_string(), "Kconfig:3:12");
    }

    #[test]
    fn help_stops_at_lesser_indent() {
        let mut r = Reader::new(
            Arc::from("k"),
            "\t  first\n\n\t  second\n\t\tdeeper\nconfig B\n",
        );
        assert_eq!(read_help(&mut r), "first\n\nsecond\n      deeper");
        assert_eq!(r.lines[r.pos], "config B");
    }

    #[test]
    fn globs() {
        assert!(glob_match("*/Kconfig", "a/Kconfig"));
        assert!(glob_match("Kconfig.*", "Kconfig.ipv6"));
        assert!(glob_match("[a-c]x", "bx"));
        assert!(!glob_match("[!a-c]x", "bx"));
    }
}
