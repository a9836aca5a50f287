//! Kconfig expressions: the `depends on`, `if`, `default` and `select` conditions.

use super::SymId;

/// A relation between two symbols (constants are symbols too, as in kconfiglib).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl RelOp {
    /// The operator as written in Kconfig.
    pub fn as_str(self) -> &'static str {
        match self {
            RelOp::Eq => "=",
            RelOp::Ne => "!=",
            RelOp::Lt => "<",
            RelOp::Le => "<=",
            RelOp::Gt => ">",
            RelOp::Ge => ">=",
        }
    }
}

/// An expression tree. Operands are symbols; `y`, `m`, `n` and quoted strings are
/// constant symbols, so a value and a reference look the same, as in kconfiglib.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// A symbol's value.
    Sym(SymId),
    /// `!e`
    Not(Box<Expr>),
    /// `a && b`
    And(Box<Expr>, Box<Expr>),
    /// `a || b`
    Or(Box<Expr>, Box<Expr>),
    /// `a <op> b`
    Rel(RelOp, SymId, SymId),
}

impl Expr {
    /// The constant `n`.
    pub const N: Expr = Expr::Sym(SymId::N);
    /// The constant `y`.
    pub const Y: Expr = Expr::Sym(SymId::Y);

    /// `a && b`, simplified against the constants `y` and `n` as kconfiglib's `_make_and`.
    pub fn and(a: Expr, b: Expr) -> Expr {
        if a == Expr::Y {
            return b;
        }
        if b == Expr::Y {
            return a;
        }
        if a == Expr::N || b == Expr::N {
            return Expr::N;
        }
        Expr::And(Box::new(a), Box::new(b))
    }

    /// `a || b`, simplified against the constants `y` and `n` as kconfiglib's `_make_or`.
    pub fn or(a: Expr, b: Expr) -> Expr {
        if a == Expr::N {
            return b;
        }
        if b == Expr::N {
            return a;
        }
        if a == Expr::Y || b == Expr::Y {
            return Expr::Y;
        }
        Expr::Or(Box::new(a), Box::new(b))
    }

    /// Calls `f` on every symbol the expression mentions.
    pub fn for_each_sym(&self, f: &mut impl FnMut(SymId)) {
        match self {
            Expr::Sym(s) => f(*s),
            Expr::Not(e) => e.for_each_sym(f),
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.for_each_sym(f);
                b.for_each_sym(f);
            }
            Expr::Rel(_, a, b) => {
                f(*a);
                f(*b);
            }
        }
    }

    /// Splits a conjunction into its operands (`a && (b && c)` gives `[a, b, c]`).
    pub fn conjuncts(&self) -> Vec<&Expr> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            match e {
                Expr::And(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                other => out.push(other),
            }
        }
        out
    }

    /// Formats the expression, letting `sym` print each symbol (with its value, say).
    pub fn format(&self, sym: &dyn Fn(SymId) -> String) -> String {
        fn go(e: &Expr, sym: &dyn Fn(SymId) -> String, parent_and: bool, out: &mut String) {
            match e {
                Expr::Sym(s) => out.push_str(&sym(*s)),
                Expr::Not(inner) => {
                    out.push('!');
                    let paren = !matches!(**inner, Expr::Sym(_));
                    if paren {
                        out.push('(');
                    }
                    go(inner, sym, false, out);
                    if paren {
                        out.push(')');
                    }
                }
                Expr::And(a, b) => {
                    go(a, sym, true, out);
                    out.push_str(" && ");
                    go(b, sym, true, out);
                }
                Expr::Or(a, b) => {
                    if parent_and {
                        out.push('(');
                    }
                    go(a, sym, false, out);
                    out.push_str(" || ");
                    go(b, sym, false, out);
                    if parent_and {
                        out.push(')');
                    }
                }
                Expr::Rel(op, a, b) => {
                    out.push_str(&sym(*a));
                    out.push_str(&format!(" {} ", op.as_str()));
                    out.push_str(&sym(*b));
                }
            }
        }
        let mut out = String::new();
        go(self, sym, false, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn and_or_simplify_like_kconfiglib() {
        let a = Expr::Sym(SymId(10));
        assert_eq!(Expr::and(Expr::Y, a.clone()), a);
        assert_eq!(Expr::and(a.clone(), Expr::N), Expr::N);
        assert_eq!(Expr::or(Expr::N, a.clone()), a);
        assert_eq!(Expr::or(a.clone(), Expr::Y), Expr::Y);
    }

    #[test]
    fn conjuncts_flatten_nested_ands() {
        let e = Expr::and(
            Expr::Sym(SymId(10)),
            Expr::and(
                Expr::Sym(SymId(11)),
                Expr::or(Expr::Sym(SymId(12)), Expr::Sym(SymId(13))),
            ),
        );
        assert_eq!(e.conjuncts().len(), 3);
        let s = e.format(&|id| format!("S{}", id.0));
        assert_eq!(s, "S10 && S11 && (S12 || S13)");
    }
}
