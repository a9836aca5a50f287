//! Zephyr `.conf` fragments: `CONFIG_X=value`, `# CONFIG_X is not set`, comments.

use std::sync::Arc;

use super::{Assignment, Layer, RawValue};
use crate::diag::{Code, Diagnostic, Diagnostics, Loc};

/// Reads a fragment. Lines that are neither assignments, `is not set` lines, comments nor
/// blank are syntax errors (kconfiglib ignores them with a warning).
pub fn parse(
    text: &str,
    file: &Arc<str>,
    layer: Layer,
    diags: &mut Diagnostics,
) -> Vec<Assignment> {
    let mut out = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx as u32 + 1;
        let line = raw.trim_end();
        let loc = Loc::new(file, line_no);
        if let Some(rest) = line.strip_prefix("CONFIG_") {
            let Some(eq) = rest.find('=') else {
                diags.push(
                    Diagnostic::error(
                        Code::BadLine,
                        Some(loc),
                        format!("expected `=` after CONFIG_{rest}"),
                    )
                    .help("write CONFIG_NAME=value"),
                );
                continue;
            };
            let name = &rest[..eq];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                diags.push(
                    Diagnostic::error(
                        Code::BadLine,
                        Some(loc.with_col(8)),
                        format!("`{name}` is not a valid symbol name"),
                    )
                    .help(
                        "symbol names are letters, digits and underscores, as in CONFIG_NET_IPV6=y",
                    ),
                );
                continue;
            }
            let value = &rest[eq + 1..];
            let value_col = ("CONFIG_".len() + eq + 2) as u32;
            out.push(Assignment {
                name: name.to_string(),
                value: RawValue::Text(value.to_string()),
                loc: loc.clone(),
                value_loc: Some(loc.with_col(value_col)),
                layer,
            });
            continue;
        }
        if let Some(name) = line
            .strip_prefix("# CONFIG_")
            .and_then(|r| r.strip_suffix(" is not set"))
            && !name.contains(' ')
        {
            out.push(Assignment {
                name: name.to_string(),
                value: RawValue::Unset,
                loc,
                value_loc: None,
                layer,
            });
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let col = (line.len() - trimmed.len()) as u32 + 1;
        let help = if trimmed.starts_with("CONFIG_") {
            "remove the leading whitespace".to_string()
        } else if trimmed.contains('=') {
            format!("symbols need the CONFIG_ prefix: CONFIG_{trimmed}")
        } else {
            "write CONFIG_NAME=value, `# CONFIG_NAME is not set`, or a # comment".to_string()
        };
        diags.push(
            Diagnostic::error(
                Code::BadLine,
                Some(loc.with_col(col)),
                format!("cannot read this line: `{trimmed}`"),
            )
            .help(help),
        );
    }
    out
}

/// The text of a `"quoted"` `.conf` string, with `\"` and `\\` unescaped, and whatever
/// follows the closing quote; `None` when the value does not start with a complete quoted
/// string.
pub fn unquote_prefix(text: &str) -> Option<(String, &str)> {
    let inner = text.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = inner.char_indices();
    while let Some((_, c)) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?.1),
            '"' => return Some((out, chars.as_str())),
            c => out.push(c),
        }
    }
    None
}

/// The text of a value that is exactly one quoted string (trailing blanks allowed).
pub fn unquote(text: &str) -> Option<String> {
    unquote_prefix(text).and_then(|(v, rest)| rest.trim().is_empty().then_some(v))
}

/// Quotes a string value for a `.conf` file.
pub fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<Assignment>, Diagnostics) {
        let mut d = Diagnostics::default();
        let f: Arc<str> = Arc::from("prj.conf");
        (parse(text, &f, Layer::File(0), &mut d), d)
    }

    #[test]
    fn reads_all_forms() {
        let (a, d) = read(
            "# comment\nCONFIG_A=y\n\nCONFIG_B=0x10\nCONFIG_C=\"s\"\n# CONFIG_D is not set\n#CONFIG_E=y\n",
        );
        assert!(d.0.is_empty(), "{d}");
        assert_eq!(a.len(), 4);
        assert_eq!(a[0].name, "A");
        assert_eq!(a[0].loc.line, 2);
        assert_eq!(a[1].value, RawValue::Text("0x10".into()));
        assert_eq!(a[3].value, RawValue::Unset);
    }

    #[test]
    fn malformed_lines_are_errors_with_location() {
        let (_, d) = read("CONFIG_A=y\n  NET_IPV6=y\n");
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].loc.as_ref().unwrap().to_string(), "prj.conf:2:3");
        assert!(d.0[0].help.as_ref().unwrap().contains("CONFIG_NET_IPV6=y"));
    }

    #[test]
    fn unquote_handles_escapes() {
        assert_eq!(unquote(r#""a\"b\\c""#), Some(r#"a"b\c"#.to_string()));
        assert_eq!(unquote(r#""open"#), None);
        assert_eq!(unquote("bare"), None);
        assert_eq!(unquote(r#""a" junk"#), None);
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
