//! The Kconfig language: the option tree the stack's features are declared in.
//!
//! [`Kconfig::load`] reads a tree (the top file and everything it sources) into symbols,
//! choices and a menu tree, applying the same dependency propagation kconfiglib applies, so
//! that [`crate::resolve`] can evaluate values exactly as kconfiglib does.

pub mod expr;
mod finalize;
mod parse;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostics, Loc};
pub use expr::{Expr, RelOp};

/// Index of a symbol in [`Kconfig::syms`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SymId(pub u32);

impl SymId {
    /// The constant `n`.
    pub const N: SymId = SymId(0);
    /// The constant `m`.
    pub const M: SymId = SymId(1);
    /// The constant `y`.
    pub const Y: SymId = SymId(2);
}

/// Index of a choice in [`Kconfig::choices`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChoiceId(pub u32);

/// Index of a menu node in [`Kconfig::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// A symbol's declared type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    /// Referenced but never given a type (undefined symbols and constants).
    Unknown,
    /// `bool`
    Bool,
    /// `tristate`; without loadable modules it behaves as `bool` (`m` reads as `y`).
    Tristate,
    /// `int`
    Int,
    /// `hex`
    Hex,
    /// `string`
    String,
}

impl Type {
    /// The keyword that declares the type.
    pub fn as_str(self) -> &'static str {
        match self {
            Type::Unknown => "unknown",
            Type::Bool => "bool",
            Type::Tristate => "tristate",
            Type::Int => "int",
            Type::Hex => "hex",
            Type::String => "string",
        }
    }

    /// bool or tristate.
    pub fn is_bool(self) -> bool {
        matches!(self, Type::Bool | Type::Tristate)
    }

    /// The base kconfiglib parses values of this type in (0 = auto-detect).
    pub fn base(self) -> u32 {
        match self {
            Type::Int => 10,
            Type::Hex => 16,
            _ => 0,
        }
    }
}

/// `default VALUE if COND` on a symbol or choice.
#[derive(Clone, Debug)]
pub struct DefaultProp {
    /// The value expression (a single symbol for non-bool types).
    pub value: Expr,
    /// The condition, with the enclosing dependencies already folded in.
    pub cond: Expr,
    /// Where the `default` line is.
    pub loc: Loc,
}

/// `range LOW HIGH if COND`.
#[derive(Clone, Debug)]
pub struct RangeProp {
    /// Lower bound (a constant or a symbol).
    pub low: SymId,
    /// Upper bound (a constant or a symbol).
    pub high: SymId,
    /// The condition, with the enclosing dependencies folded in.
    pub cond: Expr,
    /// Where the `range` line is.
    pub loc: Loc,
}

/// `select TARGET if COND` or `imply TARGET if COND`.
#[derive(Clone, Debug)]
pub struct SelectProp {
    /// The symbol selected or implied.
    pub target: SymId,
    /// The condition, with the enclosing dependencies folded in.
    pub cond: Expr,
    /// Where the line is.
    pub loc: Loc,
}

/// A selecting symbol, recorded on the target so `explain` and diagnostics can say who forces it.
#[derive(Clone, Debug)]
pub struct ReverseProp {
    /// The symbol that has the `select`/`imply`.
    pub by: SymId,
    /// Its condition.
    pub cond: Expr,
    /// Where the line is.
    pub loc: Loc,
}

/// A configuration symbol (or a constant, which kconfiglib also models as a symbol).
#[derive(Clone, Debug)]
pub struct Symbol {
    /// The name, without `CONFIG_`.
    pub name: String,
    /// The declared type.
    pub ty: Type,
    /// Constants: `y`, `m`, `n` and quoted strings.
    pub is_const: bool,
    /// Every place the symbol is defined (`config`/`menuconfig`).
    pub nodes: Vec<NodeId>,
    /// Defaults from every definition, in file order.
    pub defaults: Vec<DefaultProp>,
    /// Ranges from every definition, in file order.
    pub ranges: Vec<RangeProp>,
    /// What this symbol selects.
    pub selects: Vec<SelectProp>,
    /// What this symbol implies.
    pub implies: Vec<SelectProp>,
    /// Who selects this symbol.
    pub selected_by: Vec<ReverseProp>,
    /// Who implies this symbol.
    pub implied_by: Vec<ReverseProp>,
    /// `OR` of `SELECTOR && cond` over every select of this symbol.
    pub rev_dep: Expr,
    /// `OR` of `IMPLIER && cond` over every imply of this symbol.
    pub weak_rev_dep: Expr,
    /// `OR` over definitions of each definition's dependencies.
    pub direct_dep: Expr,
    /// The choice this symbol is a member of.
    pub choice: Option<ChoiceId>,
}

impl Symbol {
    fn new(name: &str, is_const: bool) -> Symbol {
        Symbol {
            name: name.to_string(),
            ty: Type::Unknown,
            is_const,
            nodes: Vec::new(),
            defaults: Vec::new(),
            ranges: Vec::new(),
            selects: Vec::new(),
            implies: Vec::new(),
            selected_by: Vec::new(),
            implied_by: Vec::new(),
            rev_dep: Expr::N,
            weak_rev_dep: Expr::N,
            direct_dep: Expr::N,
            choice: None,
        }
    }

    /// True when some Kconfig file defines the symbol.
    pub fn is_defined(&self) -> bool {
        !self.nodes.is_empty()
    }
}

/// A `choice`: exactly one of its bool members is `y` while the choice is visible.
#[derive(Clone, Debug)]
pub struct Choice {
    /// The name of a named choice.
    pub name: Option<String>,
    /// bool or tristate (taken from the first typed member when not declared).
    pub ty: Type,
    /// Every place the choice is defined.
    pub nodes: Vec<NodeId>,
    /// `default MEMBER if COND`.
    pub defaults: Vec<(SymId, Expr, Loc)>,
    /// Member symbols in definition order.
    pub syms: Vec<SymId>,
    /// `OR` over definitions of the choice's dependencies.
    pub direct_dep: Expr,
    /// `optional`: the choice may have no member selected.
    pub optional: bool,
}

/// What a menu node stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    /// The top of the tree.
    Root,
    /// A `config`/`menuconfig` definition.
    Symbol(SymId),
    /// A `choice` definition.
    Choice(ChoiceId),
    /// `menu`
    Menu,
    /// `comment`
    Comment,
    /// `if` (removed from the final tree, as in kconfiglib).
    If,
}

/// One entry of the menu tree, as in kconfiglib's `MenuNode`.
#[derive(Clone, Debug)]
pub struct MenuNode {
    /// What the node is.
    pub item: Item,
    /// The prompt text and its condition (own `if`, `visible if` and dependencies folded in).
    pub prompt: Option<(String, Expr)>,
    /// The node's dependencies, including everything inherited from menus and `if`s.
    pub dep: Expr,
    /// `visible if` of a menu.
    pub visibility: Expr,
    /// Defaults given at this definition.
    pub defaults: Vec<DefaultProp>,
    /// Ranges given at this definition.
    pub ranges: Vec<RangeProp>,
    /// Selects given at this definition.
    pub selects: Vec<SelectProp>,
    /// Implies given at this definition.
    pub implies: Vec<SelectProp>,
    /// Help text.
    pub help: Option<String>,
    /// Where the node starts.
    pub loc: Loc,
    /// Declared with `menuconfig`.
    pub is_menuconfig: bool,
    /// Parent in the final menu tree.
    pub parent: Option<NodeId>,
    /// First child.
    pub list: Option<NodeId>,
    /// Next sibling.
    pub next: Option<NodeId>,
}

/// A parsed and finalized Kconfig tree.
#[derive(Clone, Debug)]
pub struct Kconfig {
    /// Every symbol, including constants; index with [`SymId`].
    pub syms: Vec<Symbol>,
    /// Every choice; index with [`ChoiceId`].
    pub choices: Vec<Choice>,
    /// The menu tree; index with [`NodeId`]. Node 0 is the root.
    pub nodes: Vec<MenuNode>,
    /// `mainmenu` text.
    pub mainmenu: Option<String>,
    /// Every file read, for build scripts' `rerun-if-changed`.
    pub files: Vec<PathBuf>,
    /// Environment variables the macros looked at, for `rerun-if-env-changed`.
    pub env_used: BTreeSet<String>,
    /// The directory `source` paths are relative to (the top file's directory).
    pub srctree: PathBuf,
    /// Warnings found while reading (errors abort [`Kconfig::load`]).
    pub warnings: Diagnostics,
    names: HashMap<String, SymId>,
    consts: HashMap<String, SymId>,
    named_choices: HashMap<String, ChoiceId>,
}

/// Values for `$(NAME)` macros that Zephyr's Kconfig preamble defines. The process
/// environment takes precedence, as in kconfiglib where these come from the environment.
pub const BUILTIN_MACROS: &[(&str, &str)] = &[
    ("INT8_MIN", "-128"),
    ("INT8_MAX", "127"),
    ("UINT8_MAX", "255"),
    ("INT16_MIN", "-32768"),
    ("INT16_MAX", "32767"),
    ("UINT16_MAX", "65535"),
    ("INT32_MIN", "-2147483648"),
    ("INT32_MAX", "2147483647"),
    ("UINT32_MAX", "4294967295"),
];

/// Where `$(NAME)` macros look for values that the Kconfig files do not define.
pub trait MacroEnv: Sync {
    /// The value of environment variable `name`.
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment, with [`BUILTIN_MACROS`] as fallbacks.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessEnv;

impl MacroEnv for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().or_else(|| {
            BUILTIN_MACROS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }
}

/// A fixed set of variables, with [`BUILTIN_MACROS`] as fallbacks (for tests and fuzzing).
#[derive(Clone, Debug, Default)]
pub struct MapEnv(pub HashMap<String, String>);

impl MacroEnv for MapEnv {
    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned().or_else(|| {
            BUILTIN_MACROS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }
}

impl Kconfig {
    fn empty(srctree: PathBuf, top: &Path) -> Kconfig {
        let file: std::sync::Arc<str> = std::sync::Arc::from(top.to_string_lossy().as_ref());
        let mut kc = Kconfig {
            syms: Vec::new(),
            choices: Vec::new(),
            nodes: Vec::new(),
            mainmenu: None,
            files: Vec::new(),
            env_used: BTreeSet::new(),
            srctree,
            warnings: Diagnostics::default(),
            names: HashMap::new(),
            consts: HashMap::new(),
            named_choices: HashMap::new(),
        };
        for (name, ty) in [
            ("n", Type::Tristate),
            ("m", Type::Tristate),
            ("y", Type::Tristate),
        ] {
            let id = SymId(kc.syms.len() as u32);
            let mut s = Symbol::new(name, true);
            s.ty = ty;
            kc.syms.push(s);
            kc.consts.insert(name.to_string(), id);
        }
        kc.nodes.push(MenuNode::new(Item::Root, Loc::new(&file, 1)));
        kc
    }

    /// Reads the tree whose top file is `top`; `source` paths are relative to its directory.
    ///
    /// Returns every syntax and semantic error found (reading goes on after an error where
    /// it can, so one run shows them all).
    pub fn load(top: &Path, env: &dyn MacroEnv) -> Result<Kconfig, Diagnostics> {
        crate::with_big_stack(|| Kconfig::load_here(top, env))
    }

    fn load_here(top: &Path, env: &dyn MacroEnv) -> Result<Kconfig, Diagnostics> {
        let srctree = top.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut kc = Kconfig::empty(srctree, top);
        let mut errors = parse::parse_tree(&mut kc, top, env);
        if errors.has_errors() {
            return Err(errors);
        }
        finalize::finalize(&mut kc, &mut errors);
        if errors.has_errors() {
            return Err(errors);
        }
        kc.warnings = errors;
        Ok(kc)
    }

    /// Reads a tree from text (no `source` of other files is possible unless they exist on
    /// disk relative to `srctree`). Used by tests and fuzzing.
    pub fn from_str(text: &str, name: &str, env: &dyn MacroEnv) -> Result<Kconfig, Diagnostics> {
        crate::with_big_stack(|| Kconfig::from_str_here(text, name, env))
    }

    fn from_str_here(text: &str, name: &str, env: &dyn MacroEnv) -> Result<Kconfig, Diagnostics> {
        let top = Path::new(name);
        let mut kc = Kconfig::empty(PathBuf::new(), top);
        let mut errors = parse::parse_text(&mut kc, text, top, env);
        if errors.has_errors() {
            return Err(errors);
        }
        finalize::finalize(&mut kc, &mut errors);
        if errors.has_errors() {
            return Err(errors);
        }
        kc.warnings = errors;
        Ok(kc)
    }

    /// The symbol with this name (defined or only referenced), if any.
    pub fn lookup(&self, name: &str) -> Option<SymId> {
        self.names.get(name).copied()
    }

    /// The symbol with this name if some Kconfig file defines it.
    pub fn defined(&self, name: &str) -> Option<SymId> {
        self.lookup(name).filter(|&id| self.sym(id).is_defined())
    }

    /// The symbol behind an id.
    pub fn sym(&self, id: SymId) -> &Symbol {
        &self.syms[id.0 as usize]
    }

    /// The choice behind an id.
    pub fn choice(&self, id: ChoiceId) -> &Choice {
        &self.choices[id.0 as usize]
    }

    /// The node behind an id.
    pub fn node(&self, id: NodeId) -> &MenuNode {
        &self.nodes[id.0 as usize]
    }

    /// Every defined (non-constant) symbol, in definition order.
    pub fn defined_syms(&self) -> impl Iterator<Item = SymId> + '_ {
        (0..self.syms.len() as u32)
            .map(SymId)
            .filter(|&id| !self.sym(id).is_const && self.sym(id).is_defined())
    }

    /// Names of all defined symbols (for suggestions).
    pub fn defined_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.defined_syms().map(|id| self.sym(id).name.as_str())
    }

    /// The first prompt of a symbol, if any definition has one.
    pub fn prompt(&self, id: SymId) -> Option<&str> {
        self.sym(id)
            .nodes
            .iter()
            .find_map(|&n| self.node(n).prompt.as_ref().map(|(p, _)| p.as_str()))
    }

    /// True when some definition of the symbol has a prompt (users can set it).
    pub fn has_prompt(&self, id: SymId) -> bool {
        self.sym(id)
            .nodes
            .iter()
            .any(|&n| self.node(n).prompt.is_some())
    }

    /// Help text of the first definition that has one.
    pub fn help(&self, id: SymId) -> Option<&str> {
        self.sym(id)
            .nodes
            .iter()
            .find_map(|&n| self.node(n).help.as_deref())
    }

    /// The menu path of a node: the prompts of the enclosing menus, outermost first.
    pub fn menu_path(&self, node: NodeId) -> Vec<String> {
        let mut path = Vec::new();
        let mut cur = self.node(node).parent;
        while let Some(p) = cur {
            let n = self.node(p);
            if let (Item::Menu | Item::Symbol(_) | Item::Choice(_), Some((prompt, _))) =
                (n.item, &n.prompt)
            {
                path.push(prompt.clone());
            }
            cur = n.parent;
        }
        path.reverse();
        path
    }

    /// Formats an expression with each symbol's name.
    pub fn expr_str(&self, e: &Expr) -> String {
        e.format(&|id| self.sym_str(id))
    }

    /// A symbol as it is written in Kconfig: constants that are not plain words are quoted.
    pub fn sym_str(&self, id: SymId) -> String {
        let s = self.sym(id);
        if s.is_const && !matches!(s.name.as_str(), "y" | "m" | "n") {
            format!("\"{}\"", s.name.replace('\\', "\\\\").replace('"', "\\\""))
        } else {
            s.name.clone()
        }
    }

    pub(crate) fn intern(&mut self, name: &str) -> SymId {
        if let Some(&id) = self.names.get(name) {
            return id;
        }
        let id = SymId(self.syms.len() as u32);
        self.syms.push(Symbol::new(name, false));
        self.names.insert(name.to_string(), id);
        id
    }

    pub(crate) fn intern_const(&mut self, value: &str) -> SymId {
        if let Some(&id) = self.consts.get(value) {
            return id;
        }
        let id = SymId(self.syms.len() as u32);
        self.syms.push(Symbol::new(value, true));
        self.consts.insert(value.to_string(), id);
        id
    }
}

impl MenuNode {
    pub(crate) fn new(item: Item, loc: Loc) -> MenuNode {
        MenuNode {
            item,
            prompt: None,
            dep: Expr::Y,
            visibility: Expr::Y,
            defaults: Vec::new(),
            ranges: Vec::new(),
            selects: Vec::new(),
            implies: Vec::new(),
            help: None,
            loc,
            is_menuconfig: false,
            parent: None,
            list: None,
            next: None,
        }
    }
}
