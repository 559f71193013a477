//! The typed views the derives generate: a struct of field handles next to
//! each state (`CounterView`) and row (`ItemView`), and, from `#[events]`,
//! one method on it per event (a `Handler` typed by the event's arguments)
//! and per computed value (a `Field` of its type).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{DeriveInput, Field, FnArg, Ident, ImplItem, ItemImpl, Pat, ReturnType, Type};

/// A serialised field: its Rust name, the key serde writes, its type.
pub(crate) struct Named<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) key: String,
    ty: &'a Type,
    docs: Vec<&'a syn::Attribute>,
}

/// The fields serde writes, with their keys (`#[serde(rename)]` followed,
/// `#[serde(skip)]` left out).
pub(crate) fn serialised(fields: &syn::FieldsNamed) -> syn::Result<Vec<Named<'_>>> {
    let mut out = Vec::new();
    for field in &fields.named {
        let Some(ident) = &field.ident else { continue };
        let mut key = ident.to_string().trim_start_matches("r#").to_string();
        let mut skipped = false;
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            // serde checks its own attributes: only `rename = "…"` and `skip…` matter here.
            let _ = attr.parse_nested_meta(|meta| {
                let is = |name: &str| meta.path.is_ident(name);
                skipped |= is("skip") || is("skip_serializing");
                if meta.input.peek(syn::Token![=]) {
                    let value: syn::Expr = meta.value()?.parse()?;
                    if let (true, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(name), .. })) = (is("rename"), value)
                    {
                        key = name.value();
                    }
                } else if meta.input.peek(syn::token::Paren) {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    content.parse::<TokenStream>()?;
                }
                Ok(())
            });
        }
        if !skipped {
            out.push(Named { ident, key, ty: &field.ty, docs: docs(&field.attrs) });
        }
    }
    Ok(out)
}

fn docs(attrs: &[syn::Attribute]) -> Vec<&syn::Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("doc")).collect()
}

/// `CounterView` for `Counter`.
fn view_ident(ident: &Ident) -> Ident {
    format_ident!("{}View", ident)
}

/// The view struct of a state: a `Field` per public field. `backend` are
/// the fields that never leave the server (not in the view). Generic
/// states get none (they are used through `Page::dynamic`).
pub fn state_view(input: &DeriveInput, fields: &syn::FieldsNamed, backend: &[String]) -> syn::Result<TokenStream> {
    if !input.generics.params.is_empty() {
        return Ok(TokenStream::new());
    }
    let (ident, vis) = (&input.ident, &input.vis);
    let view = view_ident(ident);
    let public: Vec<Named> =
        serialised(fields)?.into_iter().filter(|f| !backend.contains(&f.ident.to_string())).collect();
    let declared = public.iter().map(|f| {
        let (name, ty, docs) = (f.ident, f.ty, &f.docs);
        quote!(#(#docs)* pub #name: ::tandem::ui::view::Field<#ty>,)
    });
    let made = public.iter().map(|f| {
        let (name, key) = (f.ident, &f.key);
        quote!(#name: ::tandem::ui::view::Field::__at(#key),)
    });
    let doc = format!(
        "The fields of [`{ident}`] a view binds to, and (from `#[events]`) its events; \
         a view is a `fn(&{view}) -> Node`."
    );
    Ok(quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug)]
        #vis struct #view {
            #(#declared)*
        }

        impl ::tandem::ui::view::StateView for #view {
            type State = #ident;
            fn __new() -> Self {
                #view { #(#made)* }
            }
        }

        impl ::tandem::ui::view::HasView for #ident {
            type View = #view;
        }
    })
}

/// `#[derive(Row)]`: the row's view (`Field`s under a prefix) and its key.
pub fn row(input: &DeriveInput) -> syn::Result<TokenStream> {
    let (ident, vis) = (&input.ident, &input.vis);
    let syn::Data::Struct(syn::DataStruct { fields: syn::Fields::Named(fields), .. }) = &input.data else {
        return Err(syn::Error::new_spanned(ident, "a row is a struct with named fields"));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(&input.generics, "a row cannot be generic"));
    }
    let named = serialised(fields)?;
    let marked: Vec<&Field> = fields.named.iter().filter(|f| has_key_attr(f)).collect();
    let key = match marked.as_slice() {
        [one] => named.iter().find(|n| Some(n.ident) == one.ident.as_ref()).map(|n| n.key.clone()),
        [] => named.iter().find(|n| n.key == "id").map(|n| n.key.clone()),
        [_, second, ..] => return Err(syn::Error::new_spanned(second, "a row has one `#[row(key)]` field")),
    };
    let Some(key) = key else {
        return Err(syn::Error::new_spanned(
            ident,
            "a row needs a key that tells rows apart: a field named `id`, or one marked `#[row(key)]`",
        ));
    };
    let view = view_ident(ident);
    let declared = named.iter().map(|f| {
        let (name, ty, docs) = (f.ident, f.ty, &f.docs);
        quote!(#(#docs)* pub #name: ::tandem::ui::view::Field<#ty>,)
    });
    let made = named.iter().map(|f| {
        let (name, key) = (f.ident, &f.key);
        quote!(#name: ::tandem::ui::view::Field::__at(&::std::format!("{}{}", prefix, #key)),)
    });
    let doc = format!("The fields of a [`{ident}`] row a view binds to.");
    Ok(quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug)]
        #vis struct #view {
            #(#declared)*
        }

        impl ::tandem::ui::view::Row for #ident {
            type View = #view;
            const KEY: &'static str = #key;
            fn __view(prefix: &str) -> #view {
                #view { #(#made)* }
            }
        }
    })
}

fn has_key_attr(field: &Field) -> bool {
    field.attrs.iter().filter(|a| a.path().is_ident("row")).any(|attr| {
        let mut key = false;
        let _ = attr.parse_nested_meta(|meta| {
            key |= meta.path.is_ident("key");
            Ok(())
        });
        key
    })
}

/// One method of the view for an event handler: `fn add(&self) -> Handler<(i64,)>`.
pub struct EventMethod<'a> {
    pub method: &'a syn::ImplItemFn,
    pub name: String,
    /// The argument types the browser sends, in order (the context left out).
    pub args: Vec<&'a Type>,
}

/// One method of the view for a public computed value: `fn total(&self) -> Field<u32>`.
pub struct ComputedMethod<'a> {
    pub method: &'a syn::ImplItemFn,
    pub name: String,
}

/// The event handlers' argument types, for [`EventMethod::args`].
pub fn argument_types(method: &syn::ImplItemFn, is_context: impl Fn(&Type) -> bool) -> Vec<&Type> {
    method
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) if !is_context(&typed.ty) && matches!(&*typed.pat, Pat::Ident(_)) => Some(&*typed.ty),
            _ => None,
        })
        .collect()
}

/// `impl CounterView { … }` for an `#[events]` block; nothing for a
/// generic block or one whose type is not a plain path.
pub fn events_view(block: &ItemImpl, events: &[EventMethod], computed: &[ComputedMethod]) -> TokenStream {
    if !block.generics.params.is_empty() {
        return TokenStream::new();
    }
    let Type::Path(self_path) = &*block.self_ty else { return TokenStream::new() };
    let mut view_path = self_path.path.clone();
    let Some(last) = view_path.segments.last_mut() else { return TokenStream::new() };
    if !last.arguments.is_empty() {
        return TokenStream::new();
    }
    last.ident = view_ident(&last.ident);
    let self_ty = &block.self_ty;
    let event_methods = events.iter().map(|event| {
        let (ident, vis, docs) = (&event.method.sig.ident, &event.method.vis, docs(&event.method.attrs));
        let (name, args) = (&event.name, &event.args);
        quote! {
            #(#docs)*
            #vis fn #ident(&self) -> ::tandem::ui::view::Handler<(#(#args,)*)> {
                ::tandem::ui::view::Handler::__new(<#self_ty as ::tandem::ui::State>::NAME, #name)
            }
        }
    });
    let computed_methods = computed.iter().map(|c| {
        let (ident, vis, docs) = (&c.method.sig.ident, &c.method.vis, docs(&c.method.attrs));
        let name = &c.name;
        let ty = match &c.method.sig.output {
            ReturnType::Type(_, ty) => quote!(#ty),
            ReturnType::Default => quote!(()),
        };
        quote! {
            #(#docs)*
            #vis fn #ident(&self) -> ::tandem::ui::view::Field<#ty> {
                ::tandem::ui::view::Field::__at(#name)
            }
        }
    });
    quote! {
        impl #view_path {
            #(#event_methods)*
            #(#computed_methods)*
        }
    }
}

/// The handlers and computed values of an `#[events]` block as the view
/// methods need them (`computed` holds the non-backend ones' names).
pub fn collect<'a>(
    block: &'a ItemImpl,
    computed_names: &[String],
    is_context: impl Fn(&Type) -> bool + Copy,
) -> (Vec<EventMethod<'a>>, Vec<ComputedMethod<'a>>) {
    let mut events = Vec::new();
    let mut computed = Vec::new();
    for item in &block.items {
        let ImplItem::Fn(method) = item else { continue };
        let name = method.sig.ident.to_string();
        if method.attrs.iter().any(|a| a.path().is_ident("computed")) {
            if computed_names.contains(&name) {
                computed.push(ComputedMethod { method, name });
            }
        } else if method.sig.asyncness.is_some() {
            events.push(EventMethod { method, name, args: argument_types(method, is_context) });
        }
    }
    (events, computed)
}
