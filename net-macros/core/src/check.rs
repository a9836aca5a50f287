//! Meaning checks on the parsed input and against the resolved configuration. Every
//! problem is collected with the span it is about; nothing is generated when any is found.

use std::collections::BTreeMap;

use proc_macro2::Span;
use syn::{Expr, Ident, Type};

use crate::config::ResolvedSizes;
use crate::parse::{IfaceDecl, Input, Instance, SectionValue};

/// The most interfaces one stack has (interface indices are `u8`).
pub const MAX_IFACES: usize = 255;

/// The section names `net_stack!` knows.
pub const SECTIONS: &[&str] = &["clock", "interfaces"];

/// A link layer an interface can run, as `net_core::L2Kind` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L2 {
    /// `L2Kind::Ethernet` (needs `CONFIG_NET_L2_ETHERNET`).
    Ethernet,
    /// `L2Kind::Dummy` (needs `CONFIG_NET_L2_DUMMY`).
    Dummy,
}

impl L2 {
    /// Every kind, with its name in the macro syntax.
    pub const ALL: &[(&str, L2)] = &[("Ethernet", L2::Ethernet), ("Dummy", L2::Dummy)];

    /// The variant name of `net_core::L2Kind`.
    pub fn variant(self) -> &'static str {
        match self {
            L2::Ethernet => "Ethernet",
            L2::Dummy => "Dummy",
        }
    }

    /// The Kconfig option (without `CONFIG_`) that must be on to use this L2.
    pub fn option(self) -> &'static str {
        match self {
            L2::Ethernet => "NET_L2_ETHERNET",
            L2::Dummy => "NET_L2_DUMMY",
        }
    }

    /// What to say besides "enable the option".
    fn hint(self) -> &'static str {
        match self {
            L2::Ethernet => "",
            L2::Dummy => " (the loopback driver, CONFIG_NET_LOOPBACK, selects it)",
        }
    }
}

/// The input after checking: every section present once, kinds known, types known.
#[derive(Debug)]
pub struct Checked {
    /// The instance declaration.
    pub instance: Instance,
    /// The clock's type.
    pub clock_ty: Type,
    /// The clock's constructor.
    pub clock_expr: Expr,
    /// The interfaces in the order written, each with its L2.
    pub ifaces: Vec<(IfaceDecl, L2)>,
}

/// Checks `input` against the configuration. Returns `None` (with the reasons in
/// `errors`) when something needed is missing or wrong.
pub fn check(
    input: Input,
    config: &ResolvedSizes,
    errors: &mut Vec<syn::Error>,
) -> Option<Checked> {
    let before = errors.len();
    check_instance_type(&input.instance, errors);
    let mut clock = None;
    let mut ifaces = None;
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    for section in input.sections {
        let name = section.name.to_string();
        if let SectionValue::Unknown = section.value {
            errors.push(unknown_section(&section.name));
            continue;
        }
        if seen.contains_key(&name) {
            errors.push(syn::Error::new(
                section.name.span(),
                format!("duplicate section `{name}`: write it once"),
            ));
            continue;
        }
        seen.insert(name, section.name.span());
        match section.value {
            SectionValue::Clock(c) => {
                let c = *c;
                let ty = match c.ty {
                    Some(ty) => Some(ty),
                    None => infer_type(&c.expr).or_else(|| {
                        errors.push(syn::Error::new_spanned(
                            &c.expr,
                            "cannot tell the clock's type from this expression: write \
                             `clock: Type = expr` (a `static` needs its type)",
                        ));
                        None
                    }),
                };
                clock = ty.map(|ty| (ty, c.expr));
            }
            SectionValue::Interfaces { list, span, failed } => {
                ifaces = Some(check_ifaces(list, span, failed, config, errors));
            }
            SectionValue::Unknown => {}
        }
    }
    for (name, example) in [
        ("clock", "clock: ::net_core::StdClock::new(),"),
        (
            "interfaces",
            "interfaces: { eth0: Ethernet(Driver) = Driver::new(..), },",
        ),
    ] {
        if !seen.contains_key(name) {
            errors.push(syn::Error::new(
                input.span,
                format!("net_stack!: missing section `{name}` (e.g. `{example}`)"),
            ));
        }
    }
    let ((clock_ty, clock_expr), ifaces) = (clock?, ifaces?);
    if errors.len() > before {
        return None;
    }
    Some(Checked {
        instance: input.instance,
        clock_ty,
        clock_expr,
        ifaces,
    })
}

fn check_instance_type(instance: &Instance, errors: &mut Vec<syn::Error>) {
    let is_stack = match &instance.ty {
        Type::Path(p) => {
            p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "Stack")
        }
        _ => false,
    };
    if !is_stack {
        errors.push(syn::Error::new_spanned(
            &instance.ty,
            "the instance's type is `Stack` (`net_core::Stack`)",
        ));
    }
}

fn unknown_section(name: &Ident) -> syn::Error {
    let text = name.to_string();
    let mut message = format!(
        "unknown section `{text}`: the sections are {}",
        SECTIONS
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(" and ")
    );
    if let Some(s) = net_config::diag::suggest(&text, SECTIONS.iter().copied()) {
        message = format!("{message}; did you mean `{s}`?");
    }
    syn::Error::new(name.span(), message)
}

/// The type a constructor expression builds: `path::to::Type::ctor(..)` → `path::to::Type`,
/// `Type { .. }` → `Type`.
fn infer_type(expr: &Expr) -> Option<Type> {
    let path = match expr {
        Expr::Call(call) => match &*call.func {
            Expr::Path(p) if p.qself.is_none() && p.path.segments.len() >= 2 => {
                let mut path = p.path.clone();
                path.segments.pop();
                path.segments.pop_punct();
                path
            }
            _ => return None,
        },
        Expr::Struct(s) if s.qself.is_none() => s.path.clone(),
        Expr::Paren(p) => return infer_type(&p.expr),
        _ => return None,
    };
    Some(Type::Path(syn::TypePath { qself: None, path }))
}

fn check_ifaces(
    list: Vec<IfaceDecl>,
    span: Span,
    failed: usize,
    config: &ResolvedSizes,
    errors: &mut Vec<syn::Error>,
) -> Vec<(IfaceDecl, L2)> {
    if list.is_empty() && failed == 0 {
        errors.push(syn::Error::new(
            span,
            "a stack needs at least one interface, e.g. `eth0: Ethernet(Driver) = Driver::new(..)`",
        ));
    }
    if list.len() > MAX_IFACES {
        errors.push(syn::Error::new(
            list[MAX_IFACES].name.span(),
            format!(
                "too many interfaces: {} given, at most {MAX_IFACES} (interface indices are `u8`)",
                list.len()
            ),
        ));
    }
    let mut names: BTreeMap<String, Ident> = BTreeMap::new();
    let mut out = Vec::new();
    for decl in list {
        let key = decl.name.to_string().to_uppercase();
        if let Some(first) = names.get(&key) {
            let mut e = syn::Error::new(
                decl.name.span(),
                format!("duplicate interface name `{}`", decl.name),
            );
            e.combine(syn::Error::new(
                first.span(),
                format!(
                    "`{first}` is declared here (names must differ ignoring case: each names a `static`)"
                ),
            ));
            errors.push(e);
        } else {
            names.insert(key, decl.name.clone());
        }
        let l2_text = decl.l2.to_string();
        let Some(&(_, l2)) = L2::ALL.iter().find(|(n, _)| *n == l2_text) else {
            let mut message =
                format!("unknown L2 kind `{l2_text}`: the kinds are `Ethernet` and `Dummy`");
            if let Some(s) = net_config::diag::suggest(&l2_text, L2::ALL.iter().map(|(n, _)| *n)) {
                message = format!("{message}; did you mean `{s}`?");
            }
            errors.push(syn::Error::new(decl.l2.span(), message));
            continue;
        };
        if !config.is_on(l2.option()) {
            errors.push(syn::Error::new(
                decl.l2.span(),
                format!(
                    "the {} L2 is off in this configuration: enable CONFIG_{}{} in the \
                     NET_CONFIG files (or NET_CONFIG_DEFINES)",
                    l2.variant(),
                    l2.option(),
                    l2.hint()
                ),
            ));
            continue;
        }
        out.push((decl, l2));
    }
    out
}
