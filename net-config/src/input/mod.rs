//! User inputs: board defconfigs, `.conf` fragments, TOML files and `-D` overrides.
//!
//! Each reader turns its text into [`Assignment`]s that keep their `file:line`. Values stay
//! untyped here; the resolver checks them against the symbol's type, because only the
//! Kconfig tree knows that type.

pub mod conf;
pub mod toml;

use std::fmt;

use crate::diag::Loc;

/// Which input an assignment came from; later layers win over earlier ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// The board's `defconfig`.
    Board,
    /// The n-th user file (0-based, in the order given).
    File(u16),
    /// A `-D NAME=VALUE` on the command line.
    Override,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layer::Board => write!(f, "board defconfig"),
            Layer::File(_) => write!(f, "user file"),
            Layer::Override => write!(f, "-D override"),
        }
    }
}

/// A value as the user wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawValue {
    /// `.conf` text after `=`, still quoted if it was quoted.
    Text(String),
    /// `# CONFIG_X is not set`
    Unset,
    /// A TOML boolean.
    Bool(bool),
    /// A TOML integer.
    Int(i64),
    /// A TOML string (already unquoted).
    Str(String),
}

impl RawValue {
    /// The value as it reads in a message.
    pub fn describe(&self) -> String {
        match self {
            RawValue::Text(t) => format!("`{t}`"),
            RawValue::Unset => "`is not set`".to_string(),
            RawValue::Bool(b) => format!("the boolean {b}"),
            RawValue::Int(n) => format!("the integer {n}"),
            RawValue::Str(s) => format!("the string \"{s}\""),
        }
    }
}

/// One `NAME = value` from some input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// Symbol name without `CONFIG_`.
    pub name: String,
    /// The value as written.
    pub value: RawValue,
    /// Where the assignment is.
    pub loc: Loc,
    /// Where the value itself starts (for type errors).
    pub value_loc: Option<Loc>,
    /// Which input it came from.
    pub layer: Layer,
}
