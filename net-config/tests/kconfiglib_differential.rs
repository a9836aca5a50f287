//! Differential test: random Kconfig trees and `.conf` fragments, resolved by `netcfg show
//! --lenient --format values` and by kconfiglib 14.1.0 (through `tests/kconfiglib/
//! batch_resolve.py`, one Python process for all cases); the outputs must be identical.
//!
//! Environment:
//! - `NET_DIFF_CASES` — number of cases (default 300);
//! - `NET_DIFF_SEED` — run seed, decimal or `0x` hex (default fixed, so CI is reproducible);
//! - `NET_DIFF_ONLY` — run only this case index (with the seed of a failing run);
//! - `NET_DIFF_KEEP=1` — keep passing cases too (to look at what the generator makes).
//!
//! Failing cases stay in `target/tmp/kconfiglib-differential-SEED/case-NNNN/` (Kconfig tree,
//! `fragN.conf`, kconfiglib's and netcfg's outputs); passing ones are deleted.
//!
//! The generator keeps the trees valid for kconfiglib. In particular it keeps them free of
//! dependency loops by giving every symbol a rank (its position in the generation order): a
//! symbol's own properties, and the `if`/`menu` blocks around any of its definitions, only
//! reference lower ranks, while `select`/`imply` only target higher ranks (a target depends on
//! its selector). A case that kconfiglib rejects is a generator bug and fails the test.

mod common;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use common::{Kconfiglib, diff_lines, netcfg_show};

const DEFAULT_CASES: usize = 300;
const DEFAULT_SEED: u64 = 0x6e65_7463_6667_0001;
/// How many failing cases are printed in full (the others are listed by directory).
const FAILURES_SHOWN: usize = 3;

/// splitmix64: tiny, good enough for test generation, and the same on every platform (the
/// project avoids a `rand` dependency for a test).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; `n` must be positive.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The seed of case `index` in a run, so that one case can be regenerated on its own.
fn case_seed(run_seed: u64, index: usize) -> u64 {
    Rng::new(run_seed ^ (index as u64).wrapping_mul(0x2545_f491_4f6c_dd1d)).next_u64()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ty {
    Bool,
    Tristate,
    Int,
    Hex,
    Str,
}

impl Ty {
    fn keyword(self) -> &'static str {
        match self {
            Ty::Bool => "bool",
            Ty::Tristate => "tristate",
            Ty::Int => "int",
            Ty::Hex => "hex",
            Ty::Str => "string",
        }
    }

    fn def_keyword(self) -> &'static str {
        match self {
            Ty::Bool => "def_bool",
            Ty::Tristate => "def_tristate",
            Ty::Int => "def_int",
            Ty::Hex => "def_hex",
            Ty::Str => "def_string",
        }
    }

    fn is_boolish(self) -> bool {
        matches!(self, Ty::Bool | Ty::Tristate)
    }
}

/// A planned symbol. Its index in `Generator::syms` is its rank.
#[derive(Clone)]
struct Sym {
    name: String,
    ty: Ty,
    /// Index of the choice it belongs to, if any.
    choice: Option<usize>,
}

/// A unit of generation: one symbol, or a whole choice with its members (ranks `first..end`).
enum Item {
    Symbol(usize),
    Choice { id: usize, first: usize, end: usize },
}

#[derive(Clone)]
enum MacroValue {
    Int(i64),
    Hex(String),
    Word(String),
}

impl MacroValue {
    fn text(&self) -> String {
        match self {
            MacroValue::Int(v) => v.to_string(),
            MacroValue::Hex(v) | MacroValue::Word(v) => v.clone(),
        }
    }
}

/// An `if` or `menu` block open in a file. `limit` is the rank bound of the symbols its
/// condition references (all below it), so a symbol of lower rank must not be defined inside.
struct Block {
    end: &'static str,
    limit: usize,
}

struct OpenFile {
    path: String,
    text: String,
    blocks: Vec<Block>,
}

/// A generated case: Kconfig files (top first) and fragments.
struct Case {
    files: Vec<(String, String)>,
    fragments: Vec<String>,
}

const INT_POOL: &[i64] = &[
    4_294_967_296,
    -5,
    -1,
    0,
    1,
    2,
    3,
    7,
    8,
    10,
    16,
    64,
    100,
    255,
    256,
    1000,
    65535,
    70000,
];
const HEX_POOL: &[&str] = &[
    "0x0", "0x1", "0x10", "0xff", "0xFF", "0x100", "0x1000", "0xdead", "10", "0",
];
const STR_POOL: &[&str] = &[
    "",
    "a",
    "abc",
    "b",
    "net",
    "Zephyr",
    "A b",
    "192.0.2.1",
    "caf\u{e9}",
    "0x10",
    "10",
];
/// String literals as written in a Kconfig file, escapes included.
const KCONFIG_STR_POOL: &[&str] = &[
    "\"\"",
    "\"a\"",
    "\"abc\"",
    "\"net\"",
    "\"A b\"",
    "\"10\"",
    "\"quote\\\"d\"",
    "\"back\\\\slash\"",
    "'single'",
];

struct Generator<'r> {
    rng: &'r mut Rng,
    syms: Vec<Sym>,
    items: Vec<Item>,
    choices: usize,
    macros: Vec<(String, MacroValue)>,
    stack: Vec<OpenFile>,
    done: Vec<(String, String)>,
    files_made: usize,
    /// Pending `menuconfig` followers: (menuconfig rank, how many more symbols depend on it).
    followers: Option<(usize, usize)>,
}

impl<'r> Generator<'r> {
    fn new(rng: &'r mut Rng) -> Self {
        let mut g = Generator {
            rng,
            syms: Vec::new(),
            items: Vec::new(),
            choices: 0,
            macros: Vec::new(),
            stack: Vec::new(),
            done: Vec::new(),
            files_made: 0,
            followers: None,
        };
        g.plan();
        g
    }

    /// Plans the symbols and their grouping into choices.
    fn plan(&mut self) {
        let target = 6 + self.rng.below(20);
        while self.syms.len() < target {
            let first = self.syms.len();
            if self.rng.chance(12) {
                let id = self.choices;
                self.choices += 1;
                let members = 2 + self.rng.below(3);
                for m in 0..members {
                    self.syms.push(Sym {
                        name: format!("C{id}_{m}"),
                        ty: Ty::Bool,
                        choice: Some(id),
                    });
                }
                self.items.push(Item::Choice {
                    id,
                    first,
                    end: self.syms.len(),
                });
            } else {
                let ty = match self.rng.below(100) {
                    0..35 => Ty::Bool,
                    35..48 => Ty::Tristate,
                    48..68 => Ty::Int,
                    68..80 => Ty::Hex,
                    _ => Ty::Str,
                };
                let prefix = match ty {
                    Ty::Bool => "B",
                    Ty::Tristate => "T",
                    Ty::Int => "I",
                    Ty::Hex => "H",
                    Ty::Str => "S",
                };
                self.syms.push(Sym {
                    name: format!("{prefix}{first}"),
                    ty,
                    choice: None,
                });
                self.items.push(Item::Symbol(first));
            }
        }
    }

    fn generate(mut self) -> Vec<(String, String)> {
        self.stack.push(OpenFile {
            path: "Kconfig".to_owned(),
            text: String::new(),
            blocks: Vec::new(),
        });
        if self.rng.chance(50) {
            self.line("mainmenu \"Random configuration\"");
            self.line("");
        }
        if self.rng.chance(30) {
            self.line("# Generated by kconfiglib_differential.rs");
        }
        let items = std::mem::take(&mut self.items);
        for item in &items {
            let limit = match *item {
                Item::Symbol(rank) => rank,
                Item::Choice { first, .. } => first,
            };
            self.structure(limit);
            match *item {
                Item::Symbol(rank) => self.symbol(rank),
                Item::Choice { id, first, end } => self.choice(id, first, end),
            }
        }
        let all = self.syms.len();
        for _ in 0..self.rng.below(3) {
            self.redefinition();
        }
        self.structure(all);
        while let Some(file) = self.stack.pop() {
            let mut file = file;
            while let Some(block) = file.blocks.pop() {
                file.text.push_str(block.end);
                file.text.push('\n');
            }
            self.done.push((file.path, file.text));
        }
        // The top file is the last one closed; put it first for readability.
        self.done.reverse();
        self.done
    }

    fn line(&mut self, text: &str) {
        let file = self.stack.last_mut().expect("an open file");
        file.text.push_str(text);
        file.text.push('\n');
    }

    /// The lowest rank that may be defined at the current position: every open block (in this
    /// file and in the files that source it) references only ranks below its limit.
    fn block_limit(&self) -> usize {
        self.stack
            .iter()
            .flat_map(|f| &f.blocks)
            .map(|b| b.limit)
            .max()
            .unwrap_or(0)
    }

    /// Random structure between items: blocks, sourced files, comments, macros, extra
    /// definitions. `limit` is the rank of the next item, so conditions reference lower ranks.
    fn structure(&mut self, limit: usize) {
        for _ in 0..3 {
            match self.rng.below(100) {
                0..6 if self.depth() < 4 => {
                    let cond = self.expr(limit, 0);
                    self.line(&format!("if {cond}"));
                    self.open_block("endif", limit);
                }
                6..11 if self.depth() < 4 => self.menu(limit),
                11..35 => self.close_block(),
                35..42 if self.files_made < 5 => self.source_new_file(),
                42..50 if self.stack.len() > 1 => self.close_file(),
                50..53 => self.missing_optional_source(),
                53..58 => {
                    let text = self.prompt_text("Comment");
                    self.line(&format!("comment \"{text}\""));
                    if self.rng.chance(40) {
                        let cond = self.expr(limit, 0);
                        self.line(&format!("\tdepends on {cond}"));
                    }
                    self.line("");
                }
                58..64 => self.define_macro(),
                64..68 => self.redefinition(),
                68..72 => self.line("# a comment line"),
                _ => {}
            }
        }
    }

    fn depth(&self) -> usize {
        self.stack.iter().map(|f| f.blocks.len()).sum()
    }

    fn open_block(&mut self, end: &'static str, limit: usize) {
        let file = self.stack.last_mut().expect("an open file");
        file.blocks.push(Block { end, limit });
    }

    fn close_block(&mut self) {
        let file = self.stack.last_mut().expect("an open file");
        if let Some(block) = file.blocks.pop() {
            file.text.push_str(block.end);
            file.text.push('\n');
        }
    }

    fn menu(&mut self, limit: usize) {
        let title = self.prompt_text("Menu");
        self.line(&format!("menu \"{title}\""));
        if self.rng.chance(40) {
            let cond = self.expr(limit, 0);
            self.line(&format!("\tdepends on {cond}"));
        }
        if self.rng.chance(40) {
            let cond = self.expr(limit, 0);
            self.line(&format!("\tvisible if {cond}"));
        }
        self.line("");
        self.open_block("endmenu", limit);
    }

    /// Emits `source`/`rsource`/`osource`/`orsource` of a new file and continues in it.
    fn source_new_file(&mut self) {
        self.files_made += 1;
        let n = self.files_made;
        let current = self.stack.last().expect("an open file").path.clone();
        let current_dir = match current.rfind('/') {
            Some(i) => current[..=i].to_owned(),
            None => String::new(),
        };
        let (keyword, written, path) = match self.rng.below(4) {
            0 => {
                let p = format!("sub{n}/Kconfig");
                ("source", p.clone(), p)
            }
            1 => {
                let r = format!("Kconfig.part{n}");
                ("rsource", r.clone(), format!("{current_dir}{r}"))
            }
            2 => {
                let p = format!("opt{n}/Kconfig.opt");
                ("osource", p.clone(), p)
            }
            _ => {
                let r = format!("rdir{n}/Kconfig");
                ("orsource", r.clone(), format!("{current_dir}{r}"))
            }
        };
        self.line(&format!("{keyword} \"{written}\""));
        self.stack.push(OpenFile {
            path,
            text: String::new(),
            blocks: Vec::new(),
        });
        if self.rng.chance(40) {
            self.line(&format!("# file {n}"));
        }
    }

    fn close_file(&mut self) {
        let mut file = self.stack.pop().expect("an open file");
        while let Some(block) = file.blocks.pop() {
            file.text.push_str(block.end);
            file.text.push('\n');
        }
        self.done.push((file.path, file.text));
    }

    fn missing_optional_source(&mut self) {
        if self.rng.chance(50) {
            self.line("osource \"does/not/exist/Kconfig\"");
        } else {
            self.line("orsource \"missing.Kconfig\"");
        }
    }

    fn define_macro(&mut self) {
        let name = format!("MACRO_{}", self.macros.len());
        let op = if self.rng.chance(70) { ":=" } else { "=" };
        if !self.macros.is_empty() && self.rng.chance(20) {
            // A macro defined by another one: same value, expanded by the preprocessor.
            let (other, value) = self.rng.pick(&self.macros).clone();
            self.line(&format!("{name} {op} $({other})"));
            self.macros.push((name, value));
            return;
        }
        let value = match self.rng.below(3) {
            0 => MacroValue::Int(*self.rng.pick(INT_POOL)),
            1 => MacroValue::Hex((*self.rng.pick(&["0x20", "0xff", "0x1000"])).to_owned()),
            _ => MacroValue::Word((*self.rng.pick(&["word", "two words", "y", "n"])).to_owned()),
        };
        self.line(&format!("{name} {op} {}", value.text()));
        self.macros.push((name, value));
    }

    /// A macro reference usable where `want` fits, if one is defined.
    fn macro_ref(&mut self, want: fn(&MacroValue) -> bool) -> Option<String> {
        let fitting: Vec<String> = self
            .macros
            .iter()
            .filter(|(_, v)| want(v))
            .map(|(n, _)| format!("$({n})"))
            .collect();
        if fitting.is_empty() {
            None
        } else {
            Some(self.rng.pick(&fitting).clone())
        }
    }

    fn prompt_text(&mut self, what: &str) -> String {
        let n = self.rng.below(1000);
        match self.macro_ref(|_| true) {
            Some(m) if self.rng.chance(15) => format!("{what} {n} {m}"),
            _ => format!("{what} {n}"),
        }
    }

    /// Ranks below `limit` of the given types.
    fn candidates(&self, limit: usize, types: &[Ty]) -> Vec<usize> {
        (0..limit)
            .filter(|&r| types.contains(&self.syms[r].ty))
            .collect()
    }

    fn name(&self, rank: usize) -> String {
        self.syms[rank].name.clone()
    }

    fn pick_name(&mut self, ranks: &[usize]) -> String {
        let rank = *self.rng.pick(ranks);
        self.name(rank)
    }

    /// The name of a random symbol of rank in `from..to`.
    fn random_name(&mut self, from: usize, to: usize) -> String {
        let rank = from + self.rng.below(to - from);
        self.name(rank)
    }

    /// A random expression over symbols of rank below `limit`.
    fn expr(&mut self, limit: usize, depth: u32) -> String {
        let roll = self.rng.below(100);
        if depth < 2 && roll < 22 {
            let op = if self.rng.chance(40) { "&&" } else { "||" };
            let a = self.expr(limit, depth + 1);
            let b = self.expr(limit, depth + 1);
            return format!("{a} {op} {b}");
        }
        if depth < 3 && roll < 32 {
            let inner = if self.rng.chance(50) {
                format!("({})", self.expr(limit, depth + 1))
            } else {
                self.atom(limit)
            };
            return format!("!{inner}");
        }
        if depth < 3 && roll < 40 {
            return format!("({})", self.expr(limit, depth + 1));
        }
        self.atom(limit)
    }

    /// A symbol reference or a comparison.
    fn atom(&mut self, limit: usize) -> String {
        if limit == 0 {
            return (*self.rng.pick(&["y", "n", "\"a\" = \"a\"", "1 < 2"])).to_owned();
        }
        let rank = self.rng.below(limit);
        let name = self.name(rank);
        let op = *self.rng.pick(&["=", "!=", "<", ">", "<=", ">="]);
        if self.rng.chance(5) {
            // Any two symbols, whatever their types.
            let other = self.random_name(0, limit);
            return format!("{name} {op} {other}");
        }
        match self.syms[rank].ty {
            Ty::Bool | Ty::Tristate => match self.rng.below(10) {
                0..6 => name,
                6..9 => {
                    let v = *self.rng.pick(&["y", "n", "m"]);
                    let eq = *self.rng.pick(&["=", "!="]);
                    format!("{name} {eq} {v}")
                }
                _ => {
                    let others = self.candidates(limit, &[Ty::Bool, Ty::Tristate]);
                    let other = self.pick_name(&others);
                    format!("{name} {op} {other}")
                }
            },
            Ty::Int => match self.rng.below(10) {
                0..5 => format!("{name} {op} {}", self.rng.pick(INT_POOL)),
                5..7 => format!("{} {op} {name}", self.rng.pick(INT_POOL)),
                7..9 => {
                    let others = self.candidates(limit, &[Ty::Int]);
                    let other = self.pick_name(&others);
                    format!("{name} {op} {other}")
                }
                _ => match self.macro_ref(|v| matches!(v, MacroValue::Int(_))) {
                    Some(m) => format!("{name} {op} {m}"),
                    // A non-bool symbol used as a condition: always n.
                    None => name,
                },
            },
            Ty::Hex => match self.rng.below(10) {
                0..6 => format!("{name} {op} {}", self.rng.pick(HEX_POOL)),
                6..9 => {
                    let others = self.candidates(limit, &[Ty::Hex]);
                    let other = self.pick_name(&others);
                    format!("{name} {op} {other}")
                }
                _ => name,
            },
            Ty::Str => match self.rng.below(10) {
                0..6 => format!("{name} {op} \"{}\"", self.rng.pick(STR_POOL)),
                6..9 => {
                    let others = self.candidates(limit, &[Ty::Str]);
                    let other = self.pick_name(&others);
                    format!("{name} {op} {other}")
                }
                _ => name,
            },
        }
    }

    /// ` if COND` or nothing.
    fn opt_if(&mut self, limit: usize, percent: u64) -> String {
        if self.rng.chance(percent) {
            format!(" if {}", self.expr(limit, 1))
        } else {
            String::new()
        }
    }

    /// A value for `default`/`def_*` of a symbol of type `ty`, referencing ranks below `limit`.
    fn default_value(&mut self, ty: Ty, limit: usize) -> String {
        let same_type = self.candidates(limit, &[ty]);
        match ty {
            Ty::Bool | Ty::Tristate => match self.rng.below(10) {
                0..3 => "y".to_owned(),
                3 => "n".to_owned(),
                4 if ty == Ty::Tristate => "m".to_owned(),
                _ => self.expr(limit, 1),
            },
            Ty::Int => match self.rng.below(10) {
                0..5 => self.rng.pick(INT_POOL).to_string(),
                5..7 if !same_type.is_empty() => self.pick_name(&same_type),
                7 => "$(UINT8_MAX)".to_owned(),
                8 => self
                    .macro_ref(|v| matches!(v, MacroValue::Int(_)))
                    .unwrap_or_else(|| "$(UINT16_MAX)".to_owned()),
                // A default of another type: kconfiglib warns but uses its value.
                9 if limit > 0 && self.rng.chance(20) => self.random_name(0, limit),
                9 if self.rng.chance(25) => "$(lineno)".to_owned(),
                _ => self.rng.between(0, 300).to_string(),
            },
            Ty::Hex => match self.rng.below(10) {
                0..6 => (*self.rng.pick(HEX_POOL)).to_owned(),
                6..8 if !same_type.is_empty() => self.pick_name(&same_type),
                8 => self
                    .macro_ref(|v| matches!(v, MacroValue::Hex(_)))
                    .unwrap_or_else(|| "0x2000".to_owned()),
                _ => format!("0x{:x}", self.rng.between(0, 0x2000)),
            },
            Ty::Str => match self.rng.below(10) {
                0..6 => (*self.rng.pick(KCONFIG_STR_POOL)).to_owned(),
                6..8 if !same_type.is_empty() => self.pick_name(&same_type),
                8 => match self.macro_ref(|_| true) {
                    Some(m) => format!("\"{m}\""),
                    None => "\"no macro\"".to_owned(),
                },
                // The built-in macros: the file (relative to the source tree) and line.
                9 if self.rng.chance(15) => "\"$(filename):$(lineno)\"".to_owned(),
                _ => format!("\"value {}\"", self.rng.below(100)),
            },
        }
    }

    /// A `range` bound for type `ty`.
    fn bound(&mut self, ty: Ty, limit: usize, low: bool) -> String {
        let same_type = self.candidates(limit, &[ty]);
        if !same_type.is_empty() && self.rng.chance(25) {
            return self.pick_name(&same_type);
        }
        match (ty, low) {
            (Ty::Int, true) => (*self.rng.pick(&["0", "1", "-10", "5", "10", "100"])).to_owned(),
            (Ty::Int, false) => (*self.rng.pick(&[
                "10",
                "64",
                "255",
                "1000",
                "$(UINT8_MAX)",
                "$(UINT16_MAX)",
                "3",
            ]))
            .to_owned(),
            (_, true) => (*self.rng.pick(&["0x0", "0x10", "0x100", "0"])).to_owned(),
            (_, false) => (*self.rng.pick(&["0xff", "0x1000", "0xffff", "0x8"])).to_owned(),
        }
    }

    /// `select`/`imply` lines for a bool/tristate symbol whose targets must rank at least
    /// `min_target` (higher than the selector and everything it references).
    fn selects(&mut self, min_target: usize, limit: usize, props: &mut Vec<String>) {
        let targets: Vec<usize> = (min_target..self.syms.len())
            .filter(|&r| self.syms[r].ty.is_boolish() && self.syms[r].choice.is_none())
            .collect();
        for _ in 0..2 {
            if !self.rng.chance(25) {
                continue;
            }
            let keyword = if self.rng.chance(60) {
                "select"
            } else {
                "imply"
            };
            let target = if targets.is_empty() || self.rng.chance(5) {
                "UNDEFINED_TARGET".to_owned()
            } else {
                self.pick_name(&targets)
            };
            let cond = self.opt_if(limit, 35);
            props.push(format!("{keyword} {target}{cond}"));
        }
    }

    fn help(&mut self) {
        self.line("\thelp");
        self.line("\t  Help text. The next line is blank.");
        self.line("");
        self.line("\t  config NOT_A_SYMBOL");
        self.line("\t    endif (still help, indented deeper)\twith a tab");
        if self.rng.chance(50) {
            self.line("");
            self.line("");
            self.line("\t  depends on NOTHING");
        }
    }

    /// `depends on` lines, possibly continued over two lines with a backslash.
    fn depends(&mut self, limit: usize, props: &mut Vec<String>) {
        let count = match self.rng.below(100) {
            0..30 => 1,
            30..36 => 2,
            _ => 0,
        };
        for _ in 0..count {
            let cond = self.expr(limit, 0);
            if self.rng.chance(5) {
                let more = self.expr(limit, 1);
                props.push(format!("depends on {cond} && \\\n\t\t{more}"));
            } else if self.rng.chance(5) {
                props.push(format!("depends on {cond} # trailing comment"));
            } else {
                props.push(format!("depends on {cond}"));
            }
        }
    }

    fn shuffle(&mut self, props: &mut [String]) {
        for i in (1..props.len()).rev() {
            let j = self.rng.below(i + 1);
            props.swap(i, j);
        }
    }

    fn symbol(&mut self, rank: usize) {
        let sym = self.syms[rank].clone();
        let ty = sym.ty;
        if ty == Ty::Bool && self.rng.chance(6) {
            self.template_instance(rank);
            return;
        }
        let menuconfig = ty == Ty::Bool && self.rng.chance(12);
        let keyword = if menuconfig { "menuconfig" } else { "config" };
        let mut props = Vec::new();

        let prompted = menuconfig || self.rng.chance(70);
        let type_line = if !prompted && self.rng.chance(25) {
            let value = self.default_value(ty, rank);
            let cond = self.opt_if(rank, 25);
            format!("{} {value}{cond}", ty.def_keyword())
        } else if prompted && self.rng.chance(15) {
            let text = self.prompt_text("Prompt");
            let cond = self.opt_if(rank, 30);
            props.push(format!("prompt \"{text}\"{cond}"));
            ty.keyword().to_owned()
        } else if prompted {
            let text = self.prompt_text("Prompt");
            let cond = self.opt_if(rank, 30);
            format!("{} \"{text}\"{cond}", ty.keyword())
        } else {
            ty.keyword().to_owned()
        };

        if let Some((leader, left)) = self.followers {
            props.push(format!("depends on {}", self.name(leader)));
            self.followers = (left > 1).then(|| (leader, left - 1));
        }
        self.depends(rank, &mut props);
        for _ in 0..self.rng.below(4) {
            let value = self.default_value(ty, rank);
            let cond = self.opt_if(rank, 45);
            props.push(format!("default {value}{cond}"));
        }
        if matches!(ty, Ty::Int | Ty::Hex) {
            for _ in 0..self.rng.below(3) {
                let low = self.bound(ty, rank, true);
                let high = self.bound(ty, rank, false);
                let cond = self.opt_if(rank, 40);
                props.push(format!("range {low} {high}{cond}"));
            }
        }
        if ty.is_boolish() {
            self.selects(rank + 1, rank, &mut props);
        }
        self.shuffle(&mut props);
        // The type usually comes first, but Kconfig accepts it anywhere.
        let at = if self.rng.chance(85) {
            0
        } else {
            self.rng.below(props.len() + 1)
        };
        props.insert(at, type_line);

        if self.rng.chance(8) {
            // The name built by the preprocessor, as Zephyr's templates do.
            let digits = sym
                .name
                .trim_start_matches(|c: char| c.is_ascii_alphabetic());
            let prefix = &sym.name[..sym.name.len() - digits.len()];
            self.line(&format!("NAME_PREFIX_{rank} := {prefix}"));
            self.line(&format!("{keyword} $(NAME_PREFIX_{rank}){digits}"));
        } else {
            self.line(&format!("{keyword} {}", sym.name));
        }
        for p in &props {
            self.line(&format!("\t{p}"));
        }
        if self.rng.chance(20) {
            self.help();
        }
        self.line("");
        if menuconfig {
            self.followers = Some((rank, 1 + self.rng.below(3)));
        }
    }

    /// Defines the bool symbol `rank` by sourcing a template file with the name and dependency
    /// in macros, the way Zephyr instantiates `Kconfig.template.log_config` once per module.
    /// The template also defines two leaf symbols derived from the name.
    fn template_instance(&mut self, rank: usize) {
        const TEMPLATE: &str = "templates/Kconfig.bool";
        if !self.done.iter().any(|(path, _)| path == TEMPLATE) {
            self.done.push((
                TEMPLATE.to_owned(),
                "# Instantiated with TMPL_NAME and TMPL_DEP set.\n\
                 config $(TMPL_NAME)\n\tbool \"Template $(TMPL_NAME)\"\n\
                 \tdepends on $(TMPL_DEP)\n\tdefault y\n\n\
                 config $(TMPL_NAME)_LEVEL\n\tint \"Level of $(TMPL_NAME)\"\n\
                 \tdepends on $(TMPL_NAME)\n\trange 0 4\n\tdefault 3\n\n\
                 config $(TMPL_NAME)_TAG\n\tstring\n\tdefault \"$(TMPL_NAME)\"\n"
                    .to_owned(),
            ));
        }
        let name = self.name(rank);
        // Often a whole expression: kconfiglib does not re-read the expansion of a macro
        // inside an expression as tokens but makes it one symbol name, spaces and all (so
        // `-5 > I6` is an undefined symbol, always n), unlike the C tools.
        let boolish = self.candidates(rank, &[Ty::Bool, Ty::Tristate]);
        let dep = if self.rng.chance(40) {
            self.expr(rank, 1)
        } else if boolish.is_empty() || self.rng.chance(10) {
            "y".to_owned()
        } else {
            self.pick_name(&boolish)
        };
        self.line(&format!("TMPL_NAME = {name}"));
        self.line(&format!("TMPL_DEP = {dep}"));
        self.line(&format!("source \"{TEMPLATE}\""));
        self.line("");
    }

    fn choice(&mut self, id: usize, first: usize, end: usize) {
        let named = self.rng.chance(40);
        self.line(&if named {
            format!("choice CHOICE_{id}")
        } else {
            "choice".to_owned()
        });
        let typed = self.rng.chance(30);
        let text = self.prompt_text("Choice");
        let cond = self.opt_if(first, 15);
        if typed {
            self.line(&format!("\tbool \"{text}\"{cond}"));
        } else {
            self.line(&format!("\tprompt \"{text}\"{cond}"));
        }
        for _ in 0..self.rng.below(3) {
            let member = self.random_name(first, end);
            let cond = self.opt_if(first, 50);
            self.line(&format!("\tdefault {member}{cond}"));
        }
        if self.rng.chance(30) {
            let cond = self.expr(first, 0);
            self.line(&format!("\tdepends on {cond}"));
        }
        if self.rng.chance(15) {
            self.help();
        }
        self.line("");
        for rank in first..end {
            let name = self.name(rank);
            self.line(&format!("config {name}"));
            let text = self.prompt_text("Member");
            let cond = self.opt_if(first, 20);
            match self.rng.below(100) {
                0..5 => self.line("\tbool"),
                5..20 if typed => self.line(&format!("\tprompt \"{text}\"{cond}")),
                _ => self.line(&format!("\tbool \"{text}\"{cond}")),
            }
            let mut props = Vec::new();
            self.depends(first, &mut props);
            self.selects(end, first, &mut props);
            for p in &props {
                self.line(&format!("\t{p}"));
            }
            self.line("");
        }
        self.line("endchoice");
        self.line("");
    }

    /// A further definition of an already planned (not necessarily emitted) symbol, adding
    /// defaults and maybe a prompt, dependencies or selects — as Zephyr's board
    /// `Kconfig.defconfig` files do. Only symbols that rank above every enclosing block qualify.
    fn redefinition(&mut self) {
        let floor = self.block_limit();
        let eligible: Vec<usize> = (floor..self.syms.len())
            .filter(|&r| self.syms[r].choice.is_none())
            .collect();
        if eligible.is_empty() {
            return;
        }
        let rank = *self.rng.pick(&eligible);
        let ty = self.syms[rank].ty;
        let mut props = Vec::new();
        match self.rng.below(10) {
            0..4 => {}
            4..8 => props.push(ty.keyword().to_owned()),
            _ => {
                let text = self.prompt_text("Second prompt");
                let cond = self.opt_if(rank, 40);
                props.push(format!("{} \"{text}\"{cond}", ty.keyword()));
            }
        }
        if self.rng.chance(30) {
            let cond = self.expr(rank, 0);
            props.push(format!("depends on {cond}"));
        }
        for _ in 0..1 + self.rng.below(2) {
            let value = self.default_value(ty, rank);
            let cond = self.opt_if(rank, 50);
            props.push(format!("default {value}{cond}"));
        }
        if ty.is_boolish() {
            self.selects(rank + 1, rank, &mut props);
        }
        self.line(&format!("config {}", self.name(rank)));
        for p in &props {
            self.line(&format!("\t{p}"));
        }
        self.line("");
    }
}

/// The fragments of a case (1 to 3 `.conf` files), a few with CRLF line ends or without a
/// final newline.
fn fragments(rng: &mut Rng, syms: &[Sym]) -> Vec<String> {
    let count = 1 + rng.below(3);
    (0..count)
        .map(|_| {
            let lines: Vec<String> = (0..rng.below(15))
                .map(|_| fragment_line(rng, syms))
                .collect();
            let newline = if rng.chance(4) { "\r\n" } else { "\n" };
            let mut text = lines.join(newline);
            if !lines.is_empty() && rng.chance(90) {
                text.push_str(newline);
            }
            text
        })
        .collect()
}

/// One line of a `.conf` fragment: mostly assignments to defined symbols (including prompt-less
/// ones and choice members), some with values that are out of range, malformed or of the wrong
/// type, plus undefined symbols, `is not set` lines, comments and junk.
fn fragment_line(rng: &mut Rng, syms: &[Sym]) -> String {
    let roll = rng.below(100);
    if roll < 6 {
        return (*rng.pick(&[
            "",
            "# a comment",
            "   ",
            "garbage line",
            "CONFIG_",
            "CONFIG_B0",
            "#CONFIG_B0 is not set",
        ]))
        .to_owned();
    }
    if roll < 12 {
        let n = rng.below(5);
        return if rng.chance(30) {
            format!("# CONFIG_UNDEF_{n} is not set")
        } else {
            format!("CONFIG_UNDEF_{n}={}", rng.pick(&["y", "5", "\"s\""]))
        };
    }
    let sym = rng.pick(syms);
    let name = &sym.name;
    if (sym.ty.is_boolish() && rng.chance(20)) || rng.chance(4) {
        return format!("# CONFIG_{name} is not set");
    }
    let ty = if rng.chance(5) {
        *rng.pick(&[Ty::Bool, Ty::Tristate, Ty::Int, Ty::Hex, Ty::Str])
    } else {
        sym.ty
    };
    let value = match ty {
        Ty::Bool => (*rng.pick(&[
            "y", "y", "y", "y", "y", "n", "n", "m", "yes", "no", "", "x", "Y",
        ]))
        .to_owned(),
        Ty::Tristate => (*rng.pick(&["y", "y", "m", "m", "n", "n", "maybe", "", "2"])).to_owned(),
        Ty::Int => match rng.below(10) {
            0..4 => rng.between(-20, 300).to_string(),
            4..7 => rng.pick(INT_POOL).to_string(),
            _ => (*rng.pick(&[
                "",
                "abc",
                "12abc",
                "0x10",
                "1.5",
                "+3",
                "007",
                "- 1",
                "1_000",
                " 7",
                "99999999999999999999",
            ]))
            .to_owned(),
        },
        Ty::Hex => match rng.below(10) {
            0..4 => format!("0x{:x}", rng.between(0, 0x2000)),
            4..7 => (*rng.pick(HEX_POOL)).to_owned(),
            _ => (*rng.pick(&[
                "ff",
                "0XAB",
                "0x",
                "zz",
                "-0x1",
                "",
                "0xg",
                "0x0010",
                "0x1ffffffffffffffff",
            ]))
            .to_owned(),
        },
        Ty::Str => match rng.below(10) {
            0..6 => format!("\"{}\"", rng.pick(STR_POOL)),
            6 => (*rng.pick(&[
                "\"esc\\\"aped\"",
                "\"back\\\\slash\"",
                "\"\\q\"",
                "\"trailing\\\\\"",
            ]))
            .to_owned(),
            7 => "\"quoted\"tail".to_owned(),
            8 => "unquoted".to_owned(),
            _ => "\"unterminated".to_owned(),
        },
    };
    match rng.below(100) {
        0..5 => format!("CONFIG_{name}={value}  "),
        5..8 => format!("CONFIG_{name}={value} # trailing comment"),
        8..10 => format!("  CONFIG_{name}={value}"),
        10..12 => format!("CONFIG_{name} ={value}"),
        _ => format!("CONFIG_{name}={value}"),
    }
}

/// Generates case number `index` of run `run_seed`.
fn generate_case(run_seed: u64, index: usize) -> Case {
    let mut rng = Rng::new(case_seed(run_seed, index));
    let generator = Generator::new(&mut rng);
    let syms = generator.syms.clone();
    let files = generator.generate();
    let fragments = fragments(&mut rng, &syms);
    Case { files, fragments }
}

fn write_case(dir: &Path, case: &Case) {
    for (path, text) in &case.files {
        common::write_file(dir, path, text);
    }
    for (i, text) in case.fragments.iter().enumerate() {
        common::write_file(dir, &format!("frag{}.conf", i + 1), text);
    }
}

/// The case's files, for a failure message.
fn show_case(case: &Case) -> String {
    let mut out = String::new();
    for (path, text) in &case.files {
        let _ = writeln!(out, "=== {path}\n{text}");
    }
    for (i, text) in case.fragments.iter().enumerate() {
        let _ = writeln!(out, "=== frag{}.conf\n{text}", i + 1);
    }
    out
}

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let text = text.trim();
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    Some(parsed.unwrap_or_else(|e| panic!("{name}={text:?}: {e}")))
}

#[test]
fn generator_is_deterministic_and_varied() {
    let a = generate_case(7, 3);
    let b = generate_case(7, 3);
    assert_eq!(show_case(&a), show_case(&b));
    let c = generate_case(7, 4);
    assert_ne!(show_case(&a), show_case(&c));
}

#[test]
fn random_trees_match_kconfiglib() {
    let Some(kconfiglib) = Kconfiglib::find() else {
        return;
    };
    let seed = env_number("NET_DIFF_SEED").unwrap_or(DEFAULT_SEED);
    let cases = env_number("NET_DIFF_CASES").map_or(DEFAULT_CASES, |n| n as usize);
    let indices: Vec<usize> = match env_number("NET_DIFF_ONLY") {
        Some(only) => vec![only as usize],
        None => (0..cases).collect(),
    };
    let keep = std::env::var("NET_DIFF_KEEP").is_ok_and(|v| v == "1");
    eprintln!(
        "kconfiglib differential: seed {seed:#x}, {} cases",
        indices.len()
    );

    let started = Instant::now();
    // Per seed, so that runs with different seeds can share a target directory.
    let scratch = common::scratch_dir(&format!("kconfiglib-differential-{seed:x}"));
    let mut generated = Vec::new();
    for &index in &indices {
        let case = generate_case(seed, index);
        let dir = scratch.join(format!("case-{index:04}"));
        write_case(&dir, &case);
        generated.push((index, case, dir));
    }
    let dirs: Vec<PathBuf> = generated.iter().map(|(_, _, dir)| dir.clone()).collect();
    kconfiglib.batch_resolve(&scratch, &dirs);
    let oracle_time = started.elapsed();

    // (case index, report) pairs.
    let mut generator_bugs = Vec::new();
    let mut mismatches = Vec::new();
    let netcfg_started = Instant::now();
    for (index, case, dir) in &generated {
        let expected = match Kconfiglib::result(dir) {
            Ok(result) => result,
            Err(error) => {
                generator_bugs.push((
                    *index,
                    format!(
                        "case {index} ({}): kconfiglib rejects the generated tree; fix the \
                         generator:\n{error}\n{}",
                        dir.display(),
                        show_case(case)
                    ),
                ));
                continue;
            }
        };
        let fragments: Vec<PathBuf> = (1..=case.fragments.len())
            .map(|i| dir.join(format!("frag{i}.conf")))
            .collect();
        let run = netcfg_show(&dir.join("Kconfig"), &fragments);
        let problem = match run.failure() {
            Some(failure) => Some(failure),
            None => diff_lines(&expected.values, &run.stdout())
                .map(|diff| format!("`{}` differs from kconfiglib\n{diff}", run.command)),
        };
        match problem {
            Some(problem) => {
                common::write_file(dir, "netcfg.config", &run.stdout());
                common::write_file(dir, "netcfg.stderr", &run.stderr());
                mismatches.push((
                    *index,
                    format!(
                        "case {index} ({}): {problem}\nkconfiglib warnings:\n{}{}\n{}",
                        dir.display(),
                        expected.kconfig_warnings,
                        expected.config_warnings,
                        show_case(case)
                    ),
                ));
            }
            None if keep => {}
            None => fs::remove_dir_all(dir).expect("remove passing case"),
        }
    }
    eprintln!(
        "kconfiglib differential: {} cases in {:.1?} (generation + kconfiglib {:.1?}, \
         netcfg {:.1?})",
        indices.len(),
        started.elapsed(),
        oracle_time,
        netcfg_started.elapsed()
    );

    assert!(
        generator_bugs.is_empty(),
        "seed {seed:#x}: {}",
        summarize(
            "generated cases are invalid for kconfiglib",
            &generator_bugs,
            indices.len()
        )
    );
    assert!(
        mismatches.is_empty(),
        "seed {seed:#x}: {}\nReproduce one with NET_DIFF_SEED={seed:#x} NET_DIFF_ONLY=<case>.",
        summarize("cases differ from kconfiglib", &mismatches, indices.len())
    );
    if keep {
        eprintln!("cases kept in {}", scratch.display());
    } else {
        fs::remove_dir_all(&scratch).expect("remove the scratch directory of a passing run");
    }
}

/// "N of M <what> (cases a, b, ...)" followed by the first few reports in full: enough to
/// debug from, without drowning the log when a bug hits hundreds of cases.
fn summarize(what: &str, failures: &[(usize, String)], total: usize) -> String {
    const LISTED: usize = 40;
    let mut listed: Vec<String> = failures
        .iter()
        .take(LISTED)
        .map(|(index, _)| index.to_string())
        .collect();
    if failures.len() > LISTED {
        listed.push("...".to_owned());
    }
    let shown = FAILURES_SHOWN.min(failures.len());
    let reports: Vec<&str> = failures[..shown].iter().map(|(_, r)| r.as_str()).collect();
    format!(
        "{} of {total} {what} (cases {}). The first {shown}:\n\n{}",
        failures.len(),
        listed.join(", "),
        reports.join("\n")
    )
}
