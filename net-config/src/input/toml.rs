//! TOML configuration files.
//!
//! A table path joined with `_` and upper-cased names the symbol, so
//! `[net.tc] tx_count = 2` sets `NET_TC_TX_COUNT`. A `[kconfig]` table takes raw symbol
//! names, and the top-level key `board` names the board. Every value keeps its line, so
//! diagnostics point into the TOML file as they do into `.conf` files.

use std::sync::Arc;

use toml::de::{DeTable, DeValue};

use super::{Assignment, Layer, RawValue};
use crate::diag::{Code, Diagnostic, Diagnostics, Loc};

/// What a TOML file holds.
#[derive(Debug, Default)]
pub struct TomlConfig {
    /// `board = "name"`, with its location.
    pub board: Option<(String, Loc)>,
    /// The symbol assignments, in file order.
    pub assignments: Vec<Assignment>,
}

struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex(starts)
    }

    fn loc(&self, file: &Arc<str>, text: &str, offset: usize) -> Loc {
        let line = self.0.partition_point(|&s| s <= offset);
        let start = self.0[line - 1];
        let col = text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        Loc::new(file, line as u32).with_col(col as u32)
    }
}

/// Reads a TOML configuration file.
pub fn parse(text: &str, file: &Arc<str>, layer: Layer, diags: &mut Diagnostics) -> TomlConfig {
    let index = LineIndex::new(text);
    let mut out = TomlConfig::default();
    let table = match DeTable::parse(text) {
        Ok(t) => t,
        Err(e) => {
            let loc = e.span().map(|s| index.loc(file, text, s.start));
            let msg = e
                .message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .to_string();
            diags.push(
                Diagnostic::error(Code::Syntax, loc, format!("invalid TOML: {msg}"))
                    .help("see configs/*.toml for the expected form"),
            );
            return out;
        }
    };
    let ctx = Ctx {
        text,
        file,
        index: &index,
        layer,
    };
    let mut entries: Vec<(usize, Assignment)> = Vec::new();
    for (key, value) in table.get_ref() {
        let name = key.get_ref().as_ref();
        let key_loc = ctx.index.loc(file, text, key.span().start);
        match (name, value.get_ref()) {
            ("board", DeValue::String(b)) => out.board = Some((b.to_string(), key_loc)),
            ("board", _) => diags.push(
                Diagnostic::error(Code::WrongType, Some(key_loc), "`board` must be a string")
                    .help("write board = \"native_sim\""),
            ),
            ("kconfig", DeValue::Table(t)) => {
                for (k, v) in t {
                    ctx.leaf(k.get_ref().as_ref(), k.span().start, v, &mut entries, diags);
                }
            }
            (_, DeValue::Table(t)) => ctx.walk(&name.to_ascii_uppercase(), t, &mut entries, diags),
            _ => ctx.leaf(
                &name.to_ascii_uppercase(),
                key.span().start,
                value,
                &mut entries,
                diags,
            ),
        }
    }
    entries.sort_by_key(|(offset, _)| *offset);
    out.assignments = entries.into_iter().map(|(_, a)| a).collect();
    out
}

struct Ctx<'a> {
    text: &'a str,
    file: &'a Arc<str>,
    index: &'a LineIndex,
    layer: Layer,
}

impl Ctx<'_> {
    fn walk(
        &self,
        prefix: &str,
        table: &DeTable<'_>,
        out: &mut Vec<(usize, Assignment)>,
        diags: &mut Diagnostics,
    ) {
        for (k, v) in table {
            let name = format!("{prefix}_{}", k.get_ref().to_ascii_uppercase());
            match v.get_ref() {
                DeValue::Table(t) => self.walk(&name, t, out, diags),
                _ => self.leaf(&name, k.span().start, v, out, diags),
            }
        }
    }

    fn leaf(
        &self,
        name: &str,
        key_offset: usize,
        value: &toml::Spanned<DeValue<'_>>,
        out: &mut Vec<(usize, Assignment)>,
        diags: &mut Diagnostics,
    ) {
        let loc = self.index.loc(self.file, self.text, key_offset);
        let value_loc = self.index.loc(self.file, self.text, value.span().start);
        let name = name.strip_prefix("CONFIG_").unwrap_or(name).to_string();
        let raw = match value.get_ref() {
            DeValue::Boolean(b) => RawValue::Bool(*b),
            DeValue::String(s) => RawValue::Str(s.to_string()),
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => RawValue::Int(n),
                Err(_) => {
                    diags.push(
                        Diagnostic::error(
                            Code::WrongType,
                            Some(value_loc),
                            format!("the integer for {name} does not fit in 64 bits"),
                        )
                        .symbol(&name),
                    );
                    return;
                }
            },
            DeValue::Table(_) => unreachable_table(),
            other => {
                let kind = match other {
                    DeValue::Float(_) => "a float",
                    DeValue::Datetime(_) => "a date",
                    _ => "an array",
                };
                diags.push(
                    Diagnostic::error(
                        Code::WrongType,
                        Some(value_loc),
                        format!("{name} is given {kind}, which no Kconfig type takes"),
                    )
                    .symbol(&name)
                    .help("use true/false, an integer, or a string"),
                );
                return;
            }
        };
        out.push((
            key_offset,
            Assignment {
                name,
                value: raw,
                loc,
                value_loc: Some(value_loc),
                layer: self.layer,
            },
        ));
    }
}

fn unreachable_table() -> ! {
    unreachable!("tables are walked, never passed as leaves")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (TomlConfig, Diagnostics) {
        let mut d = Diagnostics::default();
        let f: Arc<str> = Arc::from("prj.toml");
        (parse(text, &f, Layer::File(0), &mut d), d)
    }

    #[test]
    fn table_paths_name_symbols() {
        let (c, d) = read(
            "board = \"native_sim\"\n[net]\nipv6 = true\n[net.tc]\ntx_count = 2\n[kconfig]\nNET_UDP = false\n",
        );
        assert!(d.0.is_empty(), "{d}");
        assert_eq!(c.board.as_ref().unwrap().0, "native_sim");
        let names: Vec<_> = c.assignments.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["NET_IPV6", "NET_TC_TX_COUNT", "NET_UDP"]);
        assert_eq!(c.assignments[1].value, RawValue::Int(2));
        assert_eq!(c.assignments[1].loc.to_string(), "prj.toml:5:1");
    }

    #[test]
    fn dotted_keys_and_hex() {
        let (c, d) = read("net.buf.data_size = 0x80\n");
        assert!(d.0.is_empty(), "{d}");
        assert_eq!(c.assignments[0].name, "NET_BUF_DATA_SIZE");
        assert_eq!(c.assignments[0].value, RawValue::Int(128));
    }

    #[test]
    fn syntax_errors_have_location() {
        let (_, d) = read("[net]\nipv6 = \n");
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].loc.as_ref().unwrap().line, 2);
    }

    #[test]
    fn floats_are_rejected() {
        let (_, d) = read("[net]\nx = 1.5\n");
        assert_eq!(d.0[0].code, Code::WrongType);
    }
}
