//! Derives what the code generators need from the checked input and the configuration:
//! the names of the generated statics, interface indices, and the assertions.

use proc_macro2::Span;
use syn::{Attribute, Expr, Ident, LitStr, Type, Visibility};

use crate::check::{Checked, L2};
use crate::config::ResolvedSizes;

/// Everything the code generators read.
#[derive(Debug)]
pub struct Model {
    /// Outer attributes of the instance.
    pub attrs: Vec<Attribute>,
    /// Visibility of the instance and of the driver statics.
    pub vis: Visibility,
    /// The instance's name (`NET`).
    pub name: Ident,
    /// The hidden pools static (`__NET_POOLS`).
    pub pools: Ident,
    /// The hidden interface array static (`__NET_IFACES`).
    pub ifaces_static: Ident,
    /// The hidden interface state array static (`__NET_IFACE_STATE`).
    pub iface_state: Ident,
    /// The hidden clock static (`__NET_CLOCK`).
    pub clock: Ident,
    /// The hidden TCP connection table static (`__NET_TCP`).
    pub tcp: Ident,
    /// The hidden stack state static (`__NET_STATE`).
    pub state: Ident,
    /// The clock's type.
    pub clock_ty: Type,
    /// The clock's constructor.
    pub clock_expr: Expr,
    /// The interfaces, in index order.
    pub ifaces: Vec<IfaceModel>,
    /// Bool options to assert: `(name, value)`.
    pub switch_asserts: Vec<(String, bool)>,
    /// Sizing options to assert: `(name, value)`.
    pub size_asserts: Vec<(String, u64)>,
    /// Files to depend on (`include_bytes!`).
    pub files: Vec<LitStr>,
}

/// One interface.
#[derive(Debug)]
pub struct IfaceModel {
    /// Index in the interface array (and the stack's interface number).
    pub index: usize,
    /// The name as a string (`"eth0"`).
    pub name: LitStr,
    /// Attributes for the driver's static (doc comments).
    pub attrs: Vec<Attribute>,
    /// The driver's static (`NET_ETH0`), public like the instance.
    pub driver_static: Ident,
    /// The driver's type.
    pub driver_ty: Type,
    /// The driver's constructor.
    pub driver: Expr,
    /// The L2.
    pub l2: L2,
    /// Where the L2 was written (spans for the generated `L2Kind` path).
    pub l2_span: Span,
}

/// Builds the [`Model`].
pub fn analyze(checked: Checked, config: &ResolvedSizes) -> Model {
    let name = checked.instance.name;
    let hidden = |what: &str| Ident::new(&format!("__{name}_{what}"), name.span());
    let ifaces = checked
        .ifaces
        .into_iter()
        .enumerate()
        .map(|(index, (decl, l2))| IfaceModel {
            index,
            name: LitStr::new(&decl.name.to_string(), decl.name.span()),
            attrs: decl.attrs,
            driver_static: Ident::new(
                &format!("{name}_{}", decl.name.to_string().to_uppercase()),
                decl.name.span(),
            ),
            driver_ty: decl.driver_ty,
            driver: decl.driver,
            l2,
            l2_span: decl.l2.span(),
        })
        .collect();
    Model {
        attrs: checked.instance.attrs,
        vis: checked.instance.vis,
        pools: hidden("POOLS"),
        ifaces_static: hidden("IFACES"),
        iface_state: hidden("IFACE_STATE"),
        clock: hidden("CLOCK"),
        tcp: hidden("TCP"),
        state: hidden("STATE"),
        name,
        clock_ty: checked.clock_ty,
        clock_expr: checked.clock_expr,
        ifaces,
        switch_asserts: config
            .switches
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect(),
        size_asserts: config.sizes.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        files: config
            .files
            .iter()
            .map(|f| LitStr::new(&f.display().to_string(), Span::call_site()))
            .collect(),
    }
}
