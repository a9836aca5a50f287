//! Turns the parsed entries into kconfiglib's finalized menu tree.
//!
//! This is where Kconfig's dependency semantics live: `depends on` of menus and `if`s is
//! folded into every child, prompts get `visible if`, symbols that depend on the entry
//! before them move into its implicit submenu (which decides choice membership), and each
//! symbol collects the defaults, ranges, selects and implies of all its definitions.

use super::{Expr, Item, Kconfig, NodeId, ReverseProp, SymId, Type};
use crate::diag::{Code, Diagnostic, Diagnostics};

pub(super) fn finalize(kc: &mut Kconfig, diags: &mut Diagnostics) {
    finalize_node(kc, NodeId(0), Expr::Y);
    check(kc, diags);
}

fn n(kc: &Kconfig, id: NodeId) -> &super::MenuNode {
    &kc.nodes[id.0 as usize]
}

fn nm(kc: &mut Kconfig, id: NodeId) -> &mut super::MenuNode {
    &mut kc.nodes[id.0 as usize]
}

fn finalize_node(kc: &mut Kconfig, node: NodeId, visible_if: Expr) {
    match n(kc, node).item {
        Item::Symbol(_) => {
            add_props_to_sym(kc, node);
            // Absorb following siblings that depend on this symbol into an implicit menu.
            let mut cur = node;
            while let Some(next) = n(kc, cur).next {
                if !auto_menu_dep(kc, node, next) {
                    break;
                }
                finalize_node(kc, next, visible_if.clone());
                cur = next;
                nm(kc, cur).parent = Some(node);
            }
            if cur != node {
                let first = n(kc, node).next;
                let after = n(kc, cur).next;
                nm(kc, node).list = first;
                nm(kc, node).next = after;
                nm(kc, cur).next = None;
            }
        }
        _ => {
            if n(kc, node).list.is_some() {
                let mut vis = visible_if;
                if n(kc, node).item == Item::Menu {
                    vis = Expr::and(vis, n(kc, node).visibility.clone());
                }
                propagate_deps(kc, node, &vis);
                let mut cur = n(kc, node).list;
                while let Some(c) = cur {
                    finalize_node(kc, c, vis.clone());
                    cur = n(kc, c).next;
                }
            }
        }
    }
    if let Some(first) = n(kc, node).list {
        flatten(kc, first);
        remove_ifs(kc, node);
    }
    if let Item::Choice(c) = n(kc, node).item {
        let dep = n(kc, node).dep.clone();
        let defaults = n(kc, node).defaults.clone();
        let choice = &mut kc.choices[c.0 as usize];
        choice.direct_dep = Expr::or(std::mem::replace(&mut choice.direct_dep, Expr::N), dep);
        for d in defaults {
            if let Expr::Sym(s) = d.value {
                kc.choices[c.0 as usize].defaults.push((s, d.cond, d.loc));
            }
        }
        finalize_choice(kc, node);
    }
}

/// Folds the parent's dependencies into each child, and `visible if` into child prompts.
fn propagate_deps(kc: &mut Kconfig, node: NodeId, visible_if: &Expr) {
    let basedep = n(kc, node).dep.clone();
    let mut cur = n(kc, node).list;
    while let Some(c) = cur {
        let child = nm(kc, c);
        let dep = Expr::and(std::mem::replace(&mut child.dep, Expr::Y), basedep.clone());
        child.dep = dep.clone();
        if matches!(child.item, Item::Symbol(_) | Item::Choice(_)) {
            if let Some((text, cond)) = child.prompt.take() {
                child.prompt = Some((
                    text,
                    Expr::and(cond, Expr::and(visible_if.clone(), dep.clone())),
                ));
            }
            for d in &mut child.defaults {
                d.cond = Expr::and(std::mem::replace(&mut d.cond, Expr::Y), dep.clone());
            }
            for r in &mut child.ranges {
                r.cond = Expr::and(std::mem::replace(&mut r.cond, Expr::Y), dep.clone());
            }
            for s in child.selects.iter_mut().chain(child.implies.iter_mut()) {
                s.cond = Expr::and(std::mem::replace(&mut s.cond, Expr::Y), dep.clone());
            }
        }
        cur = child.next;
    }
}

fn add_props_to_sym(kc: &mut Kconfig, node: NodeId) {
    let Item::Symbol(sym) = n(kc, node).item else {
        return;
    };
    let nd = n(kc, node).clone();
    {
        let s = &mut kc.syms[sym.0 as usize];
        s.direct_dep = Expr::or(
            std::mem::replace(&mut s.direct_dep, Expr::N),
            nd.dep.clone(),
        );
        s.defaults.extend(nd.defaults.iter().cloned());
        s.ranges.extend(nd.ranges.iter().cloned());
        s.selects.extend(nd.selects.iter().cloned());
        s.implies.extend(nd.implies.iter().cloned());
    }
    for sel in &nd.selects {
        let t = &mut kc.syms[sel.target.0 as usize];
        let term = Expr::and(Expr::Sym(sym), sel.cond.clone());
        t.rev_dep = Expr::or(std::mem::replace(&mut t.rev_dep, Expr::N), term);
        t.selected_by.push(ReverseProp {
            by: sym,
            cond: sel.cond.clone(),
            loc: sel.loc.clone(),
        });
    }
    for imp in &nd.implies {
        let t = &mut kc.syms[imp.target.0 as usize];
        let term = Expr::and(Expr::Sym(sym), imp.cond.clone());
        t.weak_rev_dep = Expr::or(std::mem::replace(&mut t.weak_rev_dep, Expr::N), term);
        t.implied_by.push(ReverseProp {
            by: sym,
            cond: imp.cond.clone(),
            loc: imp.loc.clone(),
        });
    }
}

/// True when `node2` depends on the symbol of `node1` in the way that puts it in
/// `node1`'s implicit submenu: the symbol itself, or `SYM != n`, as an `&&` operand.
fn auto_menu_dep(kc: &Kconfig, node1: NodeId, node2: NodeId) -> bool {
    let Item::Symbol(sym) = n(kc, node1).item else {
        return false;
    };
    let n2 = n(kc, node2);
    let e = match &n2.prompt {
        Some((_, cond)) => cond,
        None => &n2.dep,
    };
    has_auto_menu_dep(e, sym)
}

fn has_auto_menu_dep(e: &Expr, sym: SymId) -> bool {
    match e {
        Expr::Sym(s) => *s == sym,
        Expr::And(a, b) => has_auto_menu_dep(a, sym) || has_auto_menu_dep(b, sym),
        Expr::Rel(super::RelOp::Ne, a, b) => {
            (*a == sym && *b == SymId::N) || (*a == SymId::N && *b == sym)
        }
        _ => false,
    }
}

/// Moves the children of prompt-less nodes (`if`s, and hidden symbols with implicit
/// submenus) up to be siblings, as kconfiglib's `_flatten`.
fn flatten(kc: &mut Kconfig, first: NodeId) {
    let mut cur = Some(first);
    while let Some(node) = cur {
        let nd = n(kc, node);
        if let (Some(list), None, false) = (nd.list, &nd.prompt, matches!(nd.item, Item::Choice(_)))
        {
            let parent = nd.parent;
            let mut last = list;
            loop {
                nm(kc, last).parent = parent;
                match n(kc, last).next {
                    Some(nx) => last = nx,
                    None => break,
                }
            }
            let after = n(kc, node).next;
            nm(kc, last).next = after;
            nm(kc, node).next = Some(list);
            nm(kc, node).list = None;
        }
        cur = n(kc, node).next;
    }
}

fn remove_ifs(kc: &mut Kconfig, node: NodeId) {
    let mut cur = n(kc, node).list;
    while let Some(c) = cur {
        if n(kc, c).item != Item::If {
            break;
        }
        cur = n(kc, c).next;
    }
    nm(kc, node).list = cur;
    while let Some(c) = cur {
        let mut next = n(kc, c).next;
        while let Some(nx) = next {
            if n(kc, nx).item != Item::If {
                break;
            }
            next = n(kc, nx).next;
        }
        nm(kc, c).next = next;
        cur = next;
    }
}

fn finalize_choice(kc: &mut Kconfig, node: NodeId) {
    let Item::Choice(c) = n(kc, node).item else {
        return;
    };
    let mut cur = n(kc, node).list;
    while let Some(child) = cur {
        if let Item::Symbol(s) = n(kc, child).item {
            kc.syms[s.0 as usize].choice = Some(c);
            if !kc.choices[c.0 as usize].syms.contains(&s) {
                kc.choices[c.0 as usize].syms.push(s);
            }
        }
        cur = n(kc, child).next;
    }
    if kc.choices[c.0 as usize].ty == Type::Unknown {
        let first_typed = kc.choices[c.0 as usize]
            .syms
            .iter()
            .map(|s| kc.syms[s.0 as usize].ty)
            .find(|t| *t != Type::Unknown);
        if let Some(t) = first_typed {
            kc.choices[c.0 as usize].ty = t;
        }
    }
    let ty = kc.choices[c.0 as usize].ty;
    for s in kc.choices[c.0 as usize].syms.clone() {
        if kc.syms[s.0 as usize].ty == Type::Unknown {
            kc.syms[s.0 as usize].ty = ty;
        }
    }
}

/// Semantic checks kconfiglib also makes: the ones that would make values meaningless are
/// errors here, the rest warnings.
fn check(kc: &Kconfig, diags: &mut Diagnostics) {
    for id in kc.defined_syms() {
        let s = kc.sym(id);
        let loc = kc.node(s.nodes[0]).loc.clone();
        if s.ty == Type::Unknown {
            diags.push(
                Diagnostic::warning(
                    Code::Note,
                    Some(loc.clone()),
                    format!("config {} is defined without a type", s.name),
                )
                .symbol(&s.name)
                .help("add `bool`, `int`, `hex`, `string` or `tristate`"),
            );
        }
        if !s.ty.is_bool() && s.ty != Type::Unknown {
            for d in &s.defaults {
                if !matches!(d.value, Expr::Sym(_)) {
                    diags.push(
                        Diagnostic::error(
                            Code::Syntax,
                            Some(d.loc.clone()),
                            format!(
                                "the default of {} symbol {} must be a single value or symbol",
                                s.ty.as_str(),
                                s.name
                            ),
                        )
                        .symbol(&s.name),
                    );
                }
            }
            if !s.selects.is_empty() || !s.implies.is_empty() {
                let l = s
                    .selects
                    .first()
                    .or(s.implies.first())
                    .map(|p| p.loc.clone());
                diags.push(
                    Diagnostic::warning(
                        Code::Note,
                        l,
                        format!(
                            "{} is not bool/tristate, so its select/imply have no effect",
                            s.name
                        ),
                    )
                    .symbol(&s.name),
                );
            }
        }
        if s.ty.is_bool() && !s.ranges.is_empty() {
            diags.push(
                Diagnostic::warning(
                    Code::Note,
                    Some(s.ranges[0].loc.clone()),
                    format!("range on bool symbol {} has no effect", s.name),
                )
                .symbol(&s.name),
            );
        }
        for sel in s.selects.iter().chain(&s.implies) {
            let t = kc.sym(sel.target);
            if t.is_defined() && !t.ty.is_bool() {
                diags.push(
                    Diagnostic::warning(
                        Code::Note,
                        Some(sel.loc.clone()),
                        format!(
                            "{} selects or implies {}, which is {} and so cannot be selected",
                            s.name,
                            t.name,
                            t.ty.as_str()
                        ),
                    )
                    .symbol(&s.name),
                );
            }
        }
    }
    for c in &kc.choices {
        for (sym, _, loc) in &c.defaults {
            if kc
                .sym(*sym)
                .choice
                .is_none_or(|ch| kc.choice(ch).nodes != c.nodes)
            {
                diags.push(Diagnostic::warning(
                    Code::Note,
                    Some(loc.clone()),
                    format!(
                        "the default {} of a choice is not a member of that choice",
                        kc.sym(*sym).name
                    ),
                ));
            }
        }
    }
}
