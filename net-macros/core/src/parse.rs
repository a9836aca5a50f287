//! Tokens → [`Input`]. The grammar:
//!
//! ```text
//! input      = attr* vis "static" IDENT ":" TYPE ";" (section ("," section)* ","?)?
//! section    = "clock" ":" (TYPE "=" EXPR | EXPR)
//!            | "interfaces" ":" "{" (iface ("," iface)* ","?)? "}"
//! iface      = attr* IDENT ":" IDENT "(" TYPE ")" "=" EXPR
//! ```
//!
//! A section or interface that does not parse is reported and skipped up to the next
//! top-level `,`, so one run reports every syntax error. Meaning (known section names,
//! L2 kinds, duplicates) is left to [`crate::check`].

use proc_macro2::{Span, TokenStream as TokenStream2, TokenTree};
use syn::parse::discouraged::Speculative;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Expr, Ident, Token, Type, Visibility};

/// The whole macro input, syntactically valid but not yet checked.
#[derive(Debug)]
pub struct Input {
    /// The instance: `pub static NET: Stack;`.
    pub instance: Instance,
    /// The sections in the order written (names not yet checked).
    pub sections: Vec<Section>,
    /// Where the invocation is (for errors about something missing).
    pub span: Span,
}

/// The instance declaration.
#[derive(Debug)]
pub struct Instance {
    /// Outer attributes (doc comments pass through).
    pub attrs: Vec<Attribute>,
    /// Visibility of the instance and of the driver statics.
    pub vis: Visibility,
    /// The name of the `static`.
    pub name: Ident,
    /// The written type (must be `Stack`).
    pub ty: Type,
}

/// One `name: value` section.
#[derive(Debug)]
pub struct Section {
    /// The section name as written.
    pub name: Ident,
    /// Its value.
    pub value: SectionValue,
}

/// What a section holds.
#[derive(Debug)]
pub enum SectionValue {
    /// `clock: [Type =] expr`.
    Clock(Box<Clock>),
    /// `interfaces: { ... }`.
    Interfaces {
        /// The interfaces that parsed, in order.
        list: Vec<IfaceDecl>,
        /// The braces.
        span: Span,
        /// How many interfaces did not parse (already reported).
        failed: usize,
    },
    /// A section whose name is not known: its tokens, skipped.
    Unknown,
}

/// The clock: a const expression, with its type written or to be inferred.
#[derive(Debug)]
pub struct Clock {
    /// The type, when written as `Type = expr`.
    pub ty: Option<Type>,
    /// The constructor expression.
    pub expr: Expr,
}

/// One interface: `eth0: Ethernet(DriverType) = expr`.
#[derive(Debug)]
pub struct IfaceDecl {
    /// Outer attributes (doc comments go onto the driver's `static`).
    pub attrs: Vec<Attribute>,
    /// The interface name (`eth0`).
    pub name: Ident,
    /// The L2 kind as written (`Ethernet`, `Dummy`).
    pub l2: Ident,
    /// The driver's type.
    pub driver_ty: Type,
    /// The driver's const constructor expression.
    pub driver: Expr,
}

/// Parses the macro input. Errors go to `errors`; `None` when the instance declaration
/// itself does not parse (nothing useful can be checked then).
pub fn parse(input: TokenStream2, errors: &mut Vec<syn::Error>) -> Option<Input> {
    let parser = |stream: ParseStream<'_>| -> syn::Result<Input> { parse_input(stream, errors) };
    match parser.parse2(input) {
        Ok(input) => Some(input),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

fn parse_input(input: ParseStream<'_>, errors: &mut Vec<syn::Error>) -> syn::Result<Input> {
    let span = Span::call_site();
    let attrs = input.call(Attribute::parse_outer)?;
    let vis: Visibility = input.parse()?;
    input.parse::<Token![static]>().map_err(|e| {
        syn::Error::new(
            e.span(),
            "net_stack!: start with the instance, e.g. `pub static NET: Stack;`",
        )
    })?;
    let name: Ident = input.parse()?;
    input.parse::<Token![:]>()?;
    let ty: Type = input.parse()?;
    input.parse::<Token![;]>()?;
    let mut sections = Vec::new();
    while !input.is_empty() {
        let fork = input.fork();
        match parse_section(&fork, errors) {
            Ok(section) => {
                input.advance_to(&fork);
                sections.push(section);
            }
            Err(e) => {
                errors.push(e);
                skip_to_comma(input)?;
            }
        }
        if input.is_empty() {
            break;
        }
        if let Err(e) = input.parse::<Token![,]>() {
            errors.push(syn::Error::new(e.span(), "expected `,` after a section"));
            skip_to_comma(input)?;
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
    }
    Ok(Input {
        instance: Instance {
            attrs,
            vis,
            name,
            ty,
        },
        sections,
        span,
    })
}

/// Skips token trees up to (not including) the next top-level `,`.
fn skip_to_comma(input: ParseStream<'_>) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}

fn parse_section(input: ParseStream<'_>, errors: &mut Vec<syn::Error>) -> syn::Result<Section> {
    let name: Ident = input.parse()?;
    input.parse::<Token![:]>()?;
    let value = match name.to_string().as_str() {
        "clock" => SectionValue::Clock(Box::new(parse_clock(input)?)),
        "interfaces" => {
            let content;
            let braces = syn::braced!(content in input);
            let before = errors.len();
            let list = parse_ifaces(&content, errors)?;
            SectionValue::Interfaces {
                list,
                span: braces.span.join(),
                failed: errors.len() - before,
            }
        }
        _ => {
            skip_to_comma(input)?;
            SectionValue::Unknown
        }
    };
    Ok(Section { name, value })
}

fn parse_clock(input: ParseStream<'_>) -> syn::Result<Clock> {
    let fork = input.fork();
    if fork.parse::<Type>().is_ok() && fork.peek(Token![=]) && !fork.peek(Token![==]) {
        let ty: Type = input.parse()?;
        input.parse::<Token![=]>()?;
        let expr: Expr = input.parse()?;
        return Ok(Clock { ty: Some(ty), expr });
    }
    Ok(Clock {
        ty: None,
        expr: input.parse()?,
    })
}

fn parse_ifaces(
    input: ParseStream<'_>,
    errors: &mut Vec<syn::Error>,
) -> syn::Result<Vec<IfaceDecl>> {
    let mut ifaces = Vec::new();
    while !input.is_empty() {
        let fork = input.fork();
        match parse_iface(&fork) {
            Ok(iface) => {
                input.advance_to(&fork);
                ifaces.push(iface);
            }
            Err(e) => {
                errors.push(e);
                skip_to_comma(input)?;
            }
        }
        if input.is_empty() {
            break;
        }
        if let Err(e) = input.parse::<Token![,]>() {
            errors.push(syn::Error::new(e.span(), "expected `,` after an interface"));
            skip_to_comma(input)?;
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
    }
    Ok(ifaces)
}

fn parse_iface(input: ParseStream<'_>) -> syn::Result<IfaceDecl> {
    let attrs = input.call(Attribute::parse_outer)?;
    let name: Ident = input.parse()?;
    input.parse::<Token![:]>()?;
    let l2: Ident = input.parse()?;
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            input.span(),
            format!(
                "expected the driver's type in parentheses after the L2 kind: \
                 `{name}: {l2}(DriverType) = DriverType::new(..)`"
            ),
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    let driver_ty: Type = content.parse()?;
    if !content.is_empty() {
        return Err(content.error("expected only the driver's type inside the parentheses"));
    }
    input.parse::<Token![=]>()?;
    let driver: Expr = input.parse()?;
    Ok(IfaceDecl {
        attrs,
        name,
        l2,
        driver_ty,
        driver,
    })
}
