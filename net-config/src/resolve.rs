//! Resolving values: Kconfig semantics exactly as kconfiglib evaluates them.
//!
//! Each symbol's value comes from, in order of strength: a `select` (forces `y`), the
//! user's assignment (bounded by the symbol's visibility and `range`), an `imply` (a weak
//! select that respects dependencies), then the first `default` whose condition holds.
//! Choices pick the user's member, else their first active default, else the first visible
//! member. Every value remembers where it came from, so `netcfg show` and `explain` can
//! say why.

use std::collections::HashMap;

use crate::diag::{Code, Diagnostic, Diagnostics, Loc};
use crate::input::{Assignment, Layer, RawValue};
use crate::kconfig::{ChoiceId, Expr, Kconfig, RelOp, SymId, Type};
use crate::pyint;

/// Where a symbol's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// No default applied: the value is `n` or empty.
    Unset,
    /// A `default` line.
    Default(Loc),
    /// A user assignment (board defconfig, user file or `-D`).
    Assigned(Layer, Loc),
    /// Forced by `select` in another symbol.
    Selected(SymId, Loc),
    /// Raised by `imply` in another symbol.
    Implied(SymId, Loc),
    /// Picked as the selection of its choice (by the user when a location is given).
    ChoiceSelection(Option<Loc>),
    /// A member of a choice that picked another member.
    ChoiceOther,
    /// The default (or zero) was outside the active `range` and was clamped to it.
    Clamped(Loc),
    /// The symbol has no type; its value is its name, as in kconfiglib.
    Untyped,
}

/// A resolved configuration: the value of every symbol and why.
#[derive(Debug)]
pub struct Resolution<'k> {
    kc: &'k Kconfig,
    tri: Vec<u8>,
    strs: Vec<String>,
    origins: Vec<Origin>,
    write: Vec<bool>,
    vis: Vec<u8>,
    /// Errors and warnings, in the order found.
    pub diagnostics: Diagnostics,
    /// The assignment that set each symbol's user value last.
    pub assignments: HashMap<SymId, Assignment>,
}

#[derive(Clone, Debug)]
enum UserValue {
    Tri(u8),
    Text(String),
}

struct Eval<'k> {
    kc: &'k Kconfig,
    user: Vec<Option<UserValue>>,
    user_loc: Vec<Option<(Layer, Loc)>>,
    choice_user_sel: Vec<Option<(SymId, Loc)>>,
    choice_user_mode: Vec<Option<u8>>,
    tri: Vec<Option<u8>>,
    strs: Vec<Option<String>>,
    origins: Vec<Origin>,
    write: Vec<bool>,
    vis: Vec<Option<u8>>,
    busy: Vec<bool>,
    choice_tri: Vec<Option<u8>>,
    choice_sel: Vec<Option<Option<SymId>>>,
    choice_busy: Vec<bool>,
    diags: Diagnostics,
    reported_loop: bool,
    lenient: bool,
}

/// Resolves `kc` with the user assignments applied in order (later ones win).
///
/// Problems in the assignments are reported as errors (kconfiglib only warns); pass the
/// result through [`Diagnostics::downgrade_config_errors`] for kconfiglib's leniency. In
/// both modes a rejected assignment has no effect, exactly as in kconfiglib.
pub fn resolve<'k>(kc: &'k Kconfig, assignments: &[Assignment]) -> Resolution<'k> {
    resolve_with(kc, assignments, false)
}

/// [`resolve`], optionally reading bool values as kconfiglib does (by their first
/// character, so `yes` is `y`) for exact compatibility in lenient mode.
pub fn resolve_with<'k>(
    kc: &'k Kconfig,
    assignments: &[Assignment],
    lenient: bool,
) -> Resolution<'k> {
    crate::with_big_stack(|| resolve_here(kc, assignments, lenient))
}

fn resolve_here<'k>(kc: &'k Kconfig, assignments: &[Assignment], lenient: bool) -> Resolution<'k> {
    let n = kc.syms.len();
    let nc = kc.choices.len();
    let mut ev = Eval {
        kc,
        user: vec![None; n],
        user_loc: vec![None; n],
        choice_user_sel: vec![None; nc],
        choice_user_mode: vec![None; nc],
        tri: vec![None; n],
        strs: vec![None; n],
        origins: vec![Origin::Unset; n],
        write: vec![false; n],
        vis: vec![None; n],
        busy: vec![false; n],
        choice_tri: vec![None; nc],
        choice_sel: vec![None; nc],
        choice_busy: vec![false; nc],
        diags: Diagnostics::default(),
        reported_loop: false,
        lenient,
    };
    let accepted = ev.load(assignments);
    for i in 0..n {
        let id = SymId(i as u32);
        ev.str_value(id);
        if kc.sym(id).is_defined() {
            ev.visibility(id);
        }
    }
    ev.check_assignments(&accepted);
    Resolution {
        kc,
        tri: ev.tri.iter().map(|t| t.unwrap_or(0)).collect(),
        strs: ev.strs.into_iter().map(Option::unwrap_or_default).collect(),
        origins: ev.origins,
        write: ev.write,
        vis: ev.vis.iter().map(|v| v.unwrap_or(0)).collect(),
        diagnostics: ev.diags,
        assignments: accepted,
    }
}

impl<'k> Resolution<'k> {
    /// The tree this resolution belongs to.
    pub fn kconfig(&self) -> &'k Kconfig {
        self.kc
    }

    /// The value as text: `y`/`n` for bool and tristate, the number as written for int
    /// and hex, the raw text for strings; empty when an int/hex/string has no value.
    pub fn str_value(&self, id: SymId) -> &str {
        &self.strs[id.0 as usize]
    }

    /// The value of a bool: 0 (`n`) or 2 (`y`).
    pub fn tri_value(&self, id: SymId) -> u8 {
        self.tri[id.0 as usize]
    }

    /// True when a bool/tristate symbol is `y`.
    pub fn is_enabled(&self, id: SymId) -> bool {
        self.tri_value(id) == 2
    }

    /// The value of the symbol called `name`, if it is defined.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.kc.defined(name).map(|id| self.str_value(id))
    }

    /// Where the value came from.
    pub fn origin(&self, id: SymId) -> &Origin {
        &self.origins[id.0 as usize]
    }

    /// Whether a `.config` lists the symbol (it is visible, or a default/select touched it).
    pub fn written_to_conf(&self, id: SymId) -> bool {
        self.write[id.0 as usize]
    }

    /// The symbol's visibility: 0 when the user cannot change it now.
    pub fn visibility(&self, id: SymId) -> u8 {
        self.vis[id.0 as usize]
    }

    /// The value of any expression under this resolution (0, 1 or 2).
    pub fn eval(&self, e: &Expr) -> u8 {
        eval_with(self.kc, e, &|id| self.tri_value(id), &|id| {
            self.str_value(id).to_string()
        })
    }

    /// An expression with each symbol's current value, as kconfiglib prints unmet
    /// dependencies: `NET_IPV6 [=n] && NET_UDP [=y]`.
    pub fn expr_with_values(&self, e: &Expr) -> String {
        e.format(&|id| self.sym_with_value(id))
    }

    /// `NAME [=value]`, or the constant itself.
    pub fn sym_with_value(&self, id: SymId) -> String {
        let s = self.kc.sym(id);
        if s.is_const {
            self.kc.sym_str(id)
        } else {
            format!("{} [={}]", s.name, self.str_value(id))
        }
    }

    /// True when there are errors.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }
}

/// The value of a constant: `y` 2, `m` 1, everything else (`n`, strings, numbers) 0.
fn const_tri(id: SymId) -> u8 {
    match id {
        SymId::Y => 2,
        SymId::M => 1,
        _ => 0,
    }
}

fn const_str(kc: &Kconfig, id: SymId) -> String {
    kc.sym(id).name.clone()
}

/// Evaluates an expression given symbol values (shared by the resolver and [`Resolution`]).
fn eval_with(
    kc: &Kconfig,
    e: &Expr,
    tri: &dyn Fn(SymId) -> u8,
    text: &dyn Fn(SymId) -> String,
) -> u8 {
    match e {
        Expr::Sym(s) if kc.sym(*s).is_const => const_tri(*s),
        Expr::Sym(s) => tri(*s),
        Expr::Not(a) => 2 - eval_with(kc, a, tri, text),
        Expr::And(a, b) => {
            let va = eval_with(kc, a, tri, text);
            if va == 0 {
                0
            } else {
                va.min(eval_with(kc, b, tri, text))
            }
        }
        Expr::Or(a, b) => {
            let va = eval_with(kc, a, tri, text);
            if va == 2 {
                2
            } else {
                va.max(eval_with(kc, b, tri, text))
            }
        }
        Expr::Rel(op, a, b) => {
            let (sa, sb) = (kc.sym(*a), kc.sym(*b));
            // Constants carry their own values; only variables come from the callers.
            let tri = |id: SymId| {
                if kc.sym(id).is_const {
                    const_tri(id)
                } else {
                    tri(id)
                }
            };
            let text = |id: SymId| {
                if kc.sym(id).is_const {
                    kc.sym(id).name.clone()
                } else {
                    text(id)
                }
            };
            let (ta, tb) = (text(*a), text(*b));
            let cmp = if sa.ty == Type::String && sb.ty == Type::String {
                ta.cmp(&tb) as i128
            } else {
                let num = |id: SymId, s: &str| -> Option<i128> {
                    let ty = kc.sym(id).ty;
                    if ty.is_bool() {
                        Some(tri(id) as i128)
                    } else {
                        pyint::parse(s, ty.base())
                    }
                };
                match (num(*a, &ta), num(*b, &tb)) {
                    (Some(x), Some(y)) => x - y,
                    _ => ta.cmp(&tb) as i128,
                }
            };
            let holds = match op {
                RelOp::Eq => cmp == 0,
                RelOp::Ne => cmp != 0,
                RelOp::Lt => cmp < 0,
                RelOp::Le => cmp <= 0,
                RelOp::Gt => cmp > 0,
                RelOp::Ge => cmp >= 0,
            };
            if holds { 2 } else { 0 }
        }
    }
}

impl<'k> Eval<'k> {
    fn eval(&mut self, e: &Expr) -> u8 {
        match e {
            Expr::Sym(s) => self.tri_value(*s),
            Expr::Not(a) => 2 - self.eval(a),
            Expr::And(a, b) => {
                let va = self.eval(a);
                if va == 0 { 0 } else { va.min(self.eval(b)) }
            }
            Expr::Or(a, b) => {
                let va = self.eval(a);
                if va == 2 { 2 } else { va.max(self.eval(b)) }
            }
            Expr::Rel(..) => {
                let mut syms = Vec::new();
                e.for_each_sym(&mut |s| syms.push(s));
                for &s in &syms {
                    self.str_value(s);
                }
                let tri: Vec<Option<u8>> = self.tri.clone();
                let strs = &self.strs;
                let kc = self.kc;
                eval_with(kc, e, &|id| tri[id.0 as usize].unwrap_or(0), &|id| {
                    strs[id.0 as usize]
                        .clone()
                        .unwrap_or_else(|| const_str(kc, id))
                })
            }
        }
    }

    fn report_loop(&mut self, id: SymId) {
        if !self.reported_loop {
            self.reported_loop = true;
            let s = self.kc.sym(id);
            let loc = s.nodes.first().map(|&n| self.kc.node(n).loc.clone());
            self.diags.push(
                Diagnostic::error(
                    Code::DependencyLoop,
                    loc,
                    format!("{} depends on its own value (dependency loop)", s.name),
                )
                .symbol(&s.name)
                .help(
                    "break the cycle of depends on / select / default between the symbols involved",
                ),
            );
        }
    }

    fn tri_value(&mut self, id: SymId) -> u8 {
        let s = self.kc.sym(id);
        if s.is_const {
            return match id {
                SymId::Y => 2,
                SymId::M => 1,
                _ => 0,
            };
        }
        if !s.ty.is_bool() {
            return 0;
        }
        self.compute(id);
        self.tri[id.0 as usize].unwrap_or(0)
    }

    fn str_value(&mut self, id: SymId) -> String {
        let s = self.kc.sym(id);
        if s.is_const {
            return s.name.clone();
        }
        self.compute(id);
        self.strs[id.0 as usize].clone().unwrap_or_default()
    }

    fn compute(&mut self, id: SymId) {
        let i = id.0 as usize;
        if self.strs[i].is_some() {
            return;
        }
        if self.busy[i] {
            self.report_loop(id);
            return;
        }
        self.busy[i] = true;
        let s = self.kc.sym(id);
        match s.ty {
            Type::Unknown => {
                self.origins[i] = Origin::Untyped;
                self.tri[i] = Some(0);
                self.strs[i] = Some(s.name.clone());
            }
            Type::Bool | Type::Tristate => {
                let v = self.bool_value(id);
                self.tri[i] = Some(v);
                self.strs[i] = Some(["n", "m", "y"][v as usize].to_string());
            }
            Type::Int | Type::Hex => {
                let v = self.number_value(id);
                self.tri[i] = Some(0);
                self.strs[i] = Some(v);
            }
            Type::String => {
                let v = self.string_value(id);
                self.tri[i] = Some(0);
                self.strs[i] = Some(v);
            }
        }
        self.busy[i] = false;
    }

    fn visibility(&mut self, id: SymId) -> u8 {
        let i = id.0 as usize;
        if let Some(v) = self.vis[i] {
            return v;
        }
        let kc = self.kc;
        let s = kc.sym(id);
        let mut vis = 0;
        for &n in &s.nodes {
            if let Some((_, cond)) = &kc.node(n).prompt {
                vis = vis.max(self.eval(cond));
            }
        }
        if let Some(c) = s.choice {
            let choice_ty = kc.choice(c).ty;
            if choice_ty == Type::Tristate && s.ty != Type::Tristate && self.choice_tri(c) != 2 {
                vis = 0;
            }
        }
        if vis == 1 {
            vis = 2;
        }
        self.vis[i] = Some(vis);
        vis
    }

    fn choice_visibility(&mut self, c: ChoiceId) -> u8 {
        let kc = self.kc;
        let mut vis = 0;
        for &n in &kc.choice(c).nodes {
            if let Some((_, cond)) = &kc.node(n).prompt {
                vis = vis.max(self.eval(cond));
            }
        }
        if vis == 1 { 2 } else { vis }
    }

    fn choice_tri(&mut self, c: ChoiceId) -> u8 {
        let ci = c.0 as usize;
        if let Some(v) = self.choice_tri[ci] {
            return v;
        }
        if self.choice_busy[ci] {
            let first = self.kc.choice(c).syms.first().copied().unwrap_or(SymId::N);
            self.report_loop(first);
            return 0;
        }
        self.choice_busy[ci] = true;
        let mut val = if self.kc.choice(c).optional { 0 } else { 1 };
        if let Some(mode) = self.choice_user_mode[ci] {
            val = val.max(mode);
        }
        val = val.min(self.choice_visibility(c));
        if val == 1 {
            val = 2;
        }
        self.choice_busy[ci] = false;
        self.choice_tri[ci] = Some(val);
        val
    }

    fn choice_selection(&mut self, c: ChoiceId) -> Option<SymId> {
        let ci = c.0 as usize;
        if let Some(sel) = self.choice_sel[ci] {
            return sel;
        }
        let sel = self.compute_selection(c);
        self.choice_sel[ci] = Some(sel);
        sel
    }

    fn compute_selection(&mut self, c: ChoiceId) -> Option<SymId> {
        if self.choice_tri(c) != 2 {
            return None;
        }
        let kc = self.kc;
        if let Some((user, _)) = self.choice_user_sel[c.0 as usize].clone()
            && self.visibility(user) > 0
        {
            return Some(user);
        }
        for (sym, cond, _) in &kc.choice(c).defaults {
            if self.eval(cond) > 0 && self.visibility(*sym) > 0 {
                return Some(*sym);
            }
        }
        kc.choice(c)
            .syms
            .iter()
            .copied()
            .find(|&s| self.visibility(s) > 0)
    }

    fn bool_value(&mut self, id: SymId) -> u8 {
        let kc = self.kc;
        let i = id.0 as usize;
        let s = kc.sym(id);
        let vis = self.visibility(id);
        self.write[i] = vis != 0;
        if let Some(c) = s.choice {
            if vis == 2 {
                let picked = self.choice_selection(c) == Some(id);
                self.origins[i] = if picked {
                    let user = self.choice_user_sel[c.0 as usize]
                        .clone()
                        .filter(|(u, _)| *u == id)
                        .map(|(_, l)| l);
                    Origin::ChoiceSelection(user)
                } else {
                    Origin::ChoiceOther
                };
                return if picked { 2 } else { 0 };
            }
            self.origins[i] = Origin::Unset;
            return 0;
        }
        let mut val;
        match (&self.user[i], vis) {
            (Some(UserValue::Tri(u)), v) if v > 0 => {
                val = (*u).min(v);
                let (layer, loc) = self.user_loc[i].clone().expect("user value has a location");
                self.origins[i] = Origin::Assigned(layer, loc);
            }
            _ => {
                val = 0;
                self.origins[i] = Origin::Unset;
                for d in &s.defaults {
                    let dv = self.eval(&d.cond);
                    if dv > 0 {
                        val = self.eval(&d.value).min(dv);
                        if val > 0 {
                            self.write[i] = true;
                        }
                        self.origins[i] = Origin::Default(d.loc.clone());
                        break;
                    }
                }
                let weak = self.eval(&s.weak_rev_dep);
                if weak > 0 && self.eval(&s.direct_dep) > 0 {
                    if weak > val
                        && let Some(by) = self.first_active(&s.implied_by)
                    {
                        self.origins[i] = Origin::Implied(by.0, by.1);
                    }
                    val = val.max(weak);
                    self.write[i] = true;
                }
            }
        }
        let rev = self.eval(&s.rev_dep);
        if rev > 0 {
            if self.eval(&s.direct_dep) < rev {
                self.warn_select_unmet(id);
            }
            if rev > val
                && let Some(by) = self.first_active(&s.selected_by)
            {
                self.origins[i] = Origin::Selected(by.0, by.1);
            }
            val = val.max(rev);
            self.write[i] = true;
        }
        // Without loadable modules, `m` means `y`.
        if val == 1 {
            val = 2;
        }
        val
    }

    fn first_active(&mut self, props: &[crate::kconfig::ReverseProp]) -> Option<(SymId, Loc)> {
        for p in props {
            if self.tri_value(p.by) > 0 && self.eval(&p.cond) > 0 {
                return Some((p.by, p.loc.clone()));
            }
        }
        None
    }

    fn warn_select_unmet(&mut self, id: SymId) {
        let kc = self.kc;
        let s = kc.sym(id);
        let mut selectors = Vec::new();
        for p in &s.selected_by {
            if self.tri_value(p.by) > 0 && self.eval(&p.cond) > 0 {
                selectors.push(format!("{} ({})", kc.sym(p.by).name, p.loc));
            }
        }
        let deps = self.expr_values(&s.direct_dep);
        let loc = s.nodes.first().map(|&n| kc.node(n).loc.clone());
        self.diags.push(
            Diagnostic::warning(
                Code::SelectUnmet,
                loc,
                format!(
                    "{} is selected by {} although its dependencies are unmet",
                    s.name,
                    selectors.join(", ")
                ),
            )
            .symbol(&s.name)
            .note(format!("unmet: {deps}")),
        );
    }

    fn expr_values(&mut self, e: &Expr) -> String {
        let mut syms = Vec::new();
        e.for_each_sym(&mut |s| syms.push(s));
        for s in syms {
            self.str_value(s);
        }
        let kc = self.kc;
        e.format(&|id| {
            let s = kc.sym(id);
            if s.is_const {
                kc.sym_str(id)
            } else {
                format!(
                    "{} [={}]",
                    s.name,
                    self.strs[id.0 as usize].clone().unwrap_or_default()
                )
            }
        })
    }

    fn number_value(&mut self, id: SymId) -> String {
        let kc = self.kc;
        let i = id.0 as usize;
        let s = kc.sym(id);
        let base = s.ty.base();
        let vis = self.visibility(id);
        self.write[i] = vis != 0;
        let mut range = None;
        for r in &s.ranges {
            if self.eval(&r.cond) > 0 {
                let lo = self.str_value(r.low);
                let hi = self.str_value(r.high);
                range = Some((
                    pyint::parse(&lo, base).unwrap_or(0),
                    pyint::parse(&hi, base).unwrap_or(0),
                    r.loc.clone(),
                ));
                break;
            }
        }
        let fmt = |v: i128| {
            if s.ty == Type::Int {
                v.to_string()
            } else {
                pyint::to_hex(v)
            }
        };
        if vis > 0
            && let Some(UserValue::Text(u)) = &self.user[i]
            && !u.is_empty()
        {
            let u = u.clone();
            let user_num = pyint::parse(&u, base).unwrap_or(0);
            let (layer, loc) = self.user_loc[i].clone().expect("user value has a location");
            match &range {
                Some((lo, hi, rloc)) if !(*lo <= user_num && user_num <= *hi) => {
                    self.diags.push(
                        Diagnostic::error(
                            Code::OutOfRange,
                            Some(loc),
                            format!(
                                "{} = {} is outside its range [{}, {}]",
                                s.name,
                                u.trim(),
                                fmt(*lo),
                                fmt(*hi)
                            ),
                        )
                        .symbol(&s.name)
                        .note(format!("the range is defined at {rloc}"))
                        .help(format!(
                            "use a value from {} to {}",
                            fmt(*lo),
                            fmt(*hi)
                        )),
                    );
                }
                _ => {
                    self.origins[i] = Origin::Assigned(layer, loc);
                    return u;
                }
            }
        }
        let mut val = String::new();
        let mut val_num = 0;
        let mut had_default = false;
        self.origins[i] = Origin::Unset;
        for d in &s.defaults {
            if self.eval(&d.cond) > 0 {
                had_default = true;
                self.write[i] = true;
                let Expr::Sym(v) = d.value else { break };
                val = self.str_value(v);
                val_num = pyint::parse(&val, base).unwrap_or(0);
                self.origins[i] = Origin::Default(d.loc.clone());
                break;
            }
        }
        if let Some((lo, hi, rloc)) = range {
            let clamp = if val_num < lo {
                Some(lo)
            } else if val_num > hi {
                Some(hi)
            } else {
                None
            };
            if let Some(c) = clamp {
                val = fmt(c);
                self.origins[i] = Origin::Clamped(rloc.clone());
                if had_default {
                    let loc = s.nodes.first().map(|&n| kc.node(n).loc.clone());
                    self.diags.push(
                        Diagnostic::warning(
                            Code::Note,
                            loc,
                            format!(
                                "default value {val_num} of {} clamped to {} by its range [{}, {}]",
                                s.name,
                                fmt(c),
                                fmt(lo),
                                fmt(hi)
                            ),
                        )
                        .symbol(&s.name)
                        .note(format!("the range is defined at {rloc}")),
                    );
                }
            }
        }
        val
    }

    fn string_value(&mut self, id: SymId) -> String {
        let kc = self.kc;
        let i = id.0 as usize;
        let s = kc.sym(id);
        let vis = self.visibility(id);
        self.write[i] = vis != 0;
        if vis > 0
            && let Some(UserValue::Text(u)) = &self.user[i]
        {
            let (layer, loc) = self.user_loc[i].clone().expect("user value has a location");
            self.origins[i] = Origin::Assigned(layer, loc);
            return u.clone();
        }
        self.origins[i] = Origin::Unset;
        for d in &s.defaults {
            if self.eval(&d.cond) > 0 {
                self.write[i] = true;
                self.origins[i] = Origin::Default(d.loc.clone());
                if let Expr::Sym(v) = d.value {
                    return self.str_value(v);
                }
                break;
            }
        }
        String::new()
    }

    /// Applies the assignments as kconfiglib's `load_config` does, reporting the ones it
    /// would reject. Returns the accepted assignment per symbol (the last one wins).
    fn load(&mut self, assignments: &[Assignment]) -> HashMap<SymId, Assignment> {
        let kc = self.kc;
        let mut accepted: HashMap<SymId, Assignment> = HashMap::new();
        // Members of one choice set to y within one file: that is a conflict.
        let mut choice_in_file: HashMap<(Layer, ChoiceId), (SymId, Loc)> = HashMap::new();
        for a in assignments {
            let Some(id) = kc.defined(&a.name) else {
                let mut d = Diagnostic::error(
                    Code::UnknownSymbol,
                    Some(a.loc.clone()),
                    format!(
                        "unknown symbol CONFIG_{}: no Kconfig file defines it",
                        a.name
                    ),
                )
                .symbol(&a.name);
                d = match crate::diag::suggest(&a.name, kc.defined_names()) {
                    Some(s) => d.help(format!("did you mean CONFIG_{s}?")),
                    None => d.help("check the spelling, or remove the line (`netcfg explain` lists what a symbol does)"),
                };
                self.diags.push(d);
                continue;
            };
            let s = kc.sym(id);
            let value = match self.convert(id, a) {
                Ok(v) => v,
                Err(d) => {
                    self.diags.push(*d);
                    continue;
                }
            };
            if let (Some(c), UserValue::Tri(t)) = (s.choice, &value)
                && *t > 0
            {
                if let Some((other, oloc)) = choice_in_file.get(&(a.layer, c))
                    && *other != id
                {
                    self.diags.push(
                        Diagnostic::error(
                            Code::ChoiceConflict,
                            Some(a.loc.clone()),
                            format!(
                                "choice conflict: {} and {} are both set to y, but only one member of a choice can be",
                                kc.sym(*other).name,
                                s.name
                            ),
                        )
                        .symbol(&s.name)
                        .note(format!("{} was set at {oloc}", kc.sym(*other).name))
                        .help(format!("keep one of the two lines; members: {}", self.choice_members(c))),
                    );
                }
                choice_in_file.insert((a.layer, c), (id, a.loc.clone()));
                self.choice_user_sel[c.0 as usize] = Some((id, a.loc.clone()));
                self.choice_user_mode[c.0 as usize] = Some(2);
            }
            self.user[id.0 as usize] = Some(value);
            self.user_loc[id.0 as usize] = Some((a.layer, a.loc.clone()));
            accepted.insert(id, a.clone());
        }
        accepted
    }

    fn choice_members(&self, c: ChoiceId) -> String {
        self.kc
            .choice(c)
            .syms
            .iter()
            .map(|&s| self.kc.sym(s).name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Checks an assignment against the symbol's type and turns it into a user value.
    fn convert(&self, id: SymId, a: &Assignment) -> Result<UserValue, Box<Diagnostic>> {
        let s = self.kc.sym(id);
        let wrong = |what: &str, help: String| {
            Box::new(
                Diagnostic::error(
                    Code::WrongType,
                    Some(a.value_loc.clone().unwrap_or_else(|| a.loc.clone())),
                    format!(
                        "{what} is not a valid value for the {} symbol {}",
                        s.ty.as_str(),
                        s.name
                    ),
                )
                .symbol(&s.name)
                .help(help),
            )
        };
        let expected = match s.ty {
            Type::Bool => "use y or n".to_string(),
            Type::Tristate => "use y, m or n".to_string(),
            Type::Int => "use a decimal integer, e.g. 8".to_string(),
            Type::Hex => "use a hexadecimal number, e.g. 0x1f".to_string(),
            Type::String => "use a quoted string, e.g. \"text\"".to_string(),
            Type::Unknown => {
                "the symbol has no type in Kconfig, so it cannot be assigned".to_string()
            }
        };
        match (&a.value, s.ty) {
            (RawValue::Unset, t) if t.is_bool() => Ok(UserValue::Tri(0)),
            (RawValue::Unset, _) => Err(wrong("`is not set`", expected)),
            (RawValue::Bool(b), t) if t.is_bool() => Ok(UserValue::Tri(if *b { 2 } else { 0 })),
            (RawValue::Text(t), ty) if ty.is_bool() => {
                // kconfiglib looks at the first character only; so do we, for compatibility,
                // but anything beyond a bare y/m/n is reported.
                let t = if self.lenient {
                    t.get(..1).unwrap_or("")
                } else {
                    t.as_str()
                };
                match (t, ty) {
                    ("y", _) => Ok(UserValue::Tri(2)),
                    ("n", _) => Ok(UserValue::Tri(0)),
                    ("m", Type::Tristate) => Ok(UserValue::Tri(1)),
                    _ => Err(wrong(&format!("`{t}`"), expected)),
                }
            }
            (RawValue::Text(t), Type::Int | Type::Hex) => {
                // kconfiglib also refuses negative hex values.
                if pyint::parse(t, s.ty.base()).is_some_and(|v| s.ty == Type::Int || v >= 0) {
                    Ok(UserValue::Text(t.clone()))
                } else {
                    Err(wrong(&format!("`{t}`"), expected))
                }
            }
            (RawValue::Int(n), Type::Int) => Ok(UserValue::Text(n.to_string())),
            (RawValue::Int(n), Type::Hex) => Ok(UserValue::Text(pyint::to_hex(*n as i128))),
            (RawValue::Text(t), Type::String) => match crate::input::conf::unquote_prefix(t) {
                // kconfiglib ignores text after the closing quote; strict mode does not.
                Some((v, rest)) if rest.trim().is_empty() || self.lenient => Ok(UserValue::Text(v)),
                // `-D NAME=text` on a command line need not be quoted.
                None if a.layer == Layer::Override => Ok(UserValue::Text(t.clone())),
                _ => Err(wrong(&format!("`{t}`"), expected)),
            },
            (RawValue::Str(v), Type::String) => Ok(UserValue::Text(v.clone())),
            (RawValue::Str(v), Type::Int | Type::Hex) if pyint::parse(v, s.ty.base()).is_some() => {
                Ok(UserValue::Text(v.clone()))
            }
            (v, _) => Err(wrong(&v.describe(), expected)),
        }
    }

    /// After resolution: assignments that did not take effect, and why.
    fn check_assignments(&mut self, accepted: &HashMap<SymId, Assignment>) {
        let kc = self.kc;
        let mut ids: Vec<&SymId> = accepted.keys().collect();
        ids.sort_by_key(|id| (&accepted[id].loc.file, accepted[id].loc.line));
        for &id in ids {
            let a = &accepted[&id];
            let s = kc.sym(id);
            let i = id.0 as usize;
            if !kc.has_prompt(id) {
                self.diags.push(
                    Diagnostic::warning(
                        Code::NoPrompt,
                        Some(a.loc.clone()),
                        format!(
                            "{} has no prompt, so this assignment has no effect; its value ({}) comes from its defaults",
                            s.name,
                            display_value(&self.strs[i].clone().unwrap_or_default())
                        ),
                    )
                    .symbol(&s.name)
                    .help("remove the line, or set the options it is derived from"),
                );
                continue;
            }
            let got = self.strs[i].clone().unwrap_or_default();
            let wanted = match &self.user[i] {
                Some(UserValue::Tri(t)) => ["n", "y", "y"][*t as usize].to_string(),
                Some(UserValue::Text(t)) => t.clone(),
                None => continue,
            };
            if s.ty.is_bool() && got == "y" && wanted == "y" {
                let unimplemented = s.nodes.iter().any(|&n| {
                    kc.node(n)
                        .help
                        .as_deref()
                        .is_some_and(|h| h.contains(crate::diag::NOT_IMPLEMENTED))
                });
                if unimplemented {
                    self.diags.push(
                        Diagnostic::warning(
                            Code::NotImplemented,
                            Some(a.loc.clone()),
                            format!(
                                "{} = y: this stack does not implement it yet; the configuration resolves as Zephyr's does, but no code is built for it",
                                s.name
                            ),
                        )
                        .symbol(&s.name)
                        .help("remove the line (the README lists what the stack implements)"),
                    );
                }
            }
            if got == wanted {
                continue;
            }
            let vis = self.vis[i].unwrap_or(0);
            if s.ty.is_bool() && wanted == "n" && self.eval(&s.rev_dep) > 0 {
                let mut by = Vec::new();
                for p in &s.selected_by {
                    if self.tri_value(p.by) > 0 && self.eval(&p.cond) > 0 {
                        by.push(format!("{} [=y] at {}", kc.sym(p.by).name, p.loc));
                    }
                }
                self.diags.push(
                    Diagnostic::error(
                        Code::ForcedBySelect,
                        Some(a.loc.clone()),
                        format!(
                            "{} is set to n here, but it stays y because other options select it",
                            s.name
                        ),
                    )
                    .symbol(&s.name)
                    .note(format!("selected by: {}", by.join("; ")))
                    .help("turn off the selecting options too, or remove this line"),
                );
                continue;
            }
            if vis == 0 {
                let cond = self.unmet_expr(id);
                let text = self.expr_values(&cond);
                let missing = self.unmet_conjuncts(&cond);
                let mut d = Diagnostic::error(
                    Code::UnmetDependency,
                    Some(a.loc.clone()),
                    format!(
                        "{} = {} has no effect: its dependencies are unmet, so it stays {}",
                        s.name,
                        display_value(&wanted),
                        display_value(&got)
                    ),
                )
                .symbol(&s.name)
                .note(format!("depends on: {text}"))
                .note(format!(
                    "{} is defined at {}",
                    s.name,
                    kc.node(s.nodes[0]).loc
                ));
                if !missing.is_empty() {
                    d = d.help(format!("also set {}", missing.join(", ")));
                } else {
                    d = d.help("remove this line, or change the options in the expression above");
                }
                self.diags.push(d);
                continue;
            }
            if let Some(c) = s.choice {
                // A later assignment to another member is an ordinary override.
                if wanted == "y"
                    && self.choice_user_sel[c.0 as usize]
                        .as_ref()
                        .is_some_and(|(u, _)| *u != id)
                {
                    continue;
                }
                let sel = self.choice_sel[c.0 as usize].flatten();
                let msg = if wanted == "n" {
                    format!(
                        "{} is set to n, but a choice cannot be left empty: {} stays selected",
                        s.name,
                        sel.map(|x| kc.sym(x).name.clone()).unwrap_or_default()
                    )
                } else {
                    format!(
                        "{} is set to y, but its choice selected another member",
                        s.name
                    )
                };
                self.diags.push(
                    Diagnostic::error(Code::ChoiceConflict, Some(a.loc.clone()), msg)
                        .symbol(&s.name)
                        .help(format!(
                            "set the member you want to y instead; members: {}",
                            self.choice_members(c)
                        )),
                );
            }
            // Other mismatches (out of range) were reported while evaluating.
        }
    }

    /// The expression that keeps a symbol hidden: its dependencies when they are unmet,
    /// else the conditions on its prompts.
    fn unmet_expr(&mut self, id: SymId) -> Expr {
        let kc = self.kc;
        let s = kc.sym(id);
        if self.eval(&s.direct_dep) == 0 {
            return s.direct_dep.clone();
        }
        let mut e = Expr::N;
        for &n in &s.nodes {
            if let Some((_, cond)) = &kc.node(n).prompt {
                e = Expr::or(e, cond.clone());
            }
        }
        if let Some(c) = s.choice
            && self.choice_tri(c) == 0
        {
            return kc.choice(c).direct_dep.clone();
        }
        e
    }

    /// The conjuncts of an unmet expression that are plain bool symbols at `n` and that the
    /// user could set: the actionable part of the fix.
    fn unmet_conjuncts(&mut self, e: &Expr) -> Vec<String> {
        let mut out = Vec::new();
        for c in e.conjuncts() {
            let c = c.clone();
            if self.eval(&c) != 0 {
                continue;
            }
            if let Expr::Sym(s) = c
                && !self.kc.sym(s).is_const
                && self.kc.sym(s).ty.is_bool()
            {
                out.push(format!("CONFIG_{}=y", self.kc.sym(s).name));
            } else if let Expr::Not(inner) = &c
                && let Expr::Sym(s) = **inner
                && self.kc.sym(s).ty.is_bool()
            {
                out.push(format!("CONFIG_{}=n", self.kc.sym(s).name));
            }
        }
        out
    }
}

fn display_value(v: &str) -> String {
    if v.is_empty() {
        "(empty)".to_string()
    } else {
        v.to_string()
    }
}
