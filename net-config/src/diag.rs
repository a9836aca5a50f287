//! Diagnostics: every problem names where it is, what is wrong and how to fix it.
//!
//! Messages follow the `file:line[:col]: severity: message` shape that compilers use, so
//! editors and CI log viewers link them to the offending line.

use std::fmt;
use std::sync::Arc;

/// A position in a file that was read: a Kconfig file, a board defconfig or a user file.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    /// The path as it was given or found (relative paths stay relative, so messages stay short).
    pub file: Arc<str>,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, where it helps to point inside the line.
    pub col: Option<u32>,
}

impl Loc {
    /// A location at the start of `line` in `file`.
    pub fn new(file: &Arc<str>, line: u32) -> Loc {
        Loc {
            file: file.clone(),
            line,
            col: None,
        }
    }

    /// The same location with a column.
    pub fn with_col(mut self, col: u32) -> Loc {
        self.col = Some(col);
        self
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.col {
            Some(col) => write!(f, "{}:{}:{}", self.file, self.line, col),
            None => write!(f, "{}:{}", self.file, self.line),
        }
    }
}

/// How bad a diagnostic is. Errors fail `netcfg` and the build; warnings are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Printed, does not fail.
    Warning,
    /// Fails the command and the build.
    Error,
}

/// What kind of problem a diagnostic reports. Tests and tools match on this rather than on text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// A Kconfig or TOML text that cannot be read.
    Syntax,
    /// A `.conf` line that is neither an assignment, `is not set`, a comment nor blank
    /// (kconfiglib skips such lines with a warning).
    BadLine,
    /// A Kconfig construct this reader does not implement.
    Unsupported,
    /// A file that cannot be opened.
    Io,
    /// A user file names a symbol that no Kconfig file defines.
    UnknownSymbol,
    /// A value that does not fit the symbol's type.
    WrongType,
    /// An int/hex value outside the symbol's active `range`.
    OutOfRange,
    /// A symbol assigned a value it cannot take because its dependencies are unmet.
    UnmetDependency,
    /// A symbol assigned `n` that a `select` forces to `y`.
    ForcedBySelect,
    /// Two members of one choice selected in the same file, or a choice member that lost.
    ChoiceConflict,
    /// An assignment to a symbol without a prompt, which has no effect.
    NoPrompt,
    /// A board name with no `boards/<name>/` folder.
    UnknownBoard,
    /// `select` of a symbol whose own dependencies are unmet.
    SelectUnmet,
    /// A symbol that depends on itself.
    DependencyLoop,
    /// An option set to `y` whose feature this stack does not implement yet (its Kconfig
    /// help says so with [`NOT_IMPLEMENTED`]).
    NotImplemented,
    /// Anything else worth telling (redefinitions, clamped defaults).
    Note,
}

/// The sentence that opens the last paragraph of the help text of an option whose feature
/// this stack does not implement yet. The option is declared (so that Zephyr
/// configurations resolve as Zephyr resolves them), and setting it to `y` draws a
/// [`Code::NotImplemented`] warning.
pub const NOT_IMPLEMENTED: &str = "Not implemented by this stack yet";

/// One reported problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The kind of problem.
    pub code: Code,
    /// Where the problem is, when it has a place.
    pub loc: Option<Loc>,
    /// The symbol concerned, without the `CONFIG_` prefix.
    pub symbol: Option<String>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Further facts: the unmet expression with its values, where a range is defined.
    pub notes: Vec<String>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A new error.
    pub fn error(code: Code, loc: Option<Loc>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            loc,
            symbol: None,
            message: message.into(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// A new warning.
    pub fn warning(code: Code, loc: Option<Loc>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, loc, message)
        }
    }

    /// Names the symbol concerned.
    pub fn symbol(mut self, name: &str) -> Diagnostic {
        self.symbol = Some(name.to_string());
        self
    }

    /// Adds a note line.
    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Sets the fix-it text.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Points the diagnostic at a column of its line.
    pub fn with_col(mut self, col: u32) -> Diagnostic {
        if let Some(loc) = self.loc.take() {
            self.loc = Some(loc.with_col(col));
        }
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.loc {
            Some(loc) => write!(f, "{loc}: {severity}: {}", self.message)?,
            None => write!(f, "{severity}: {}", self.message)?,
        }
        for note in &self.notes {
            write!(f, "\n  note: {note}")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// An ordered collection of diagnostics.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Appends one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// The number of errors.
    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    /// Iterates over the diagnostics in the order they were found.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Turns every error into a warning: kconfiglib's behaviour, where a bad assignment is
    /// reported and then has no effect. Syntax and I/O errors stay errors, because the
    /// value they would have given is unknown.
    pub fn downgrade_config_errors(&mut self) {
        for d in &mut self.0 {
            if !matches!(
                d.code,
                Code::Syntax | Code::Io | Code::Unsupported | Code::UnknownBoard
            ) {
                d.severity = Severity::Warning;
            }
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Edit distance, for "did you mean" suggestions.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// The closest candidate to `name`, if one is close enough to be a plausible typo.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.len() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("NET_IPV5", "NET_IPV6"), 1);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }

    #[test]
    fn suggestion_is_nearest_within_limit() {
        let names = ["NET_IPV4", "NET_IPV6", "NET_UDP"];
        assert_eq!(suggest("NET_IPV5", names), Some("NET_IPV4"));
        assert_eq!(suggest("COMPLETELY_ELSE", names), None);
    }

    #[test]
    fn display_has_location_notes_and_help() {
        let file: Arc<str> = Arc::from("prj.conf");
        let d = Diagnostic::error(
            Code::UnknownSymbol,
            Some(Loc::new(&file, 3)),
            "unknown symbol",
        )
        .note("n")
        .help("h");
        assert_eq!(
            d.to_string(),
            "prj.conf:3: error: unknown symbol\n  note: n\n  help: h"
        );
    }
}
