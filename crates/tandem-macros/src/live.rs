//! Typed live states: the per-field operations `#[derive(State)]` adds (so an
//! event runs on the state's Rust value in place and the engine compares,
//! encodes and rolls back only the fields it may have changed), and the
//! fields each `#[events]` handler may change, read from its body.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FieldsNamed, ImplItemFn};

/// The field methods of `tandem::ui::State` for a struct with `fields`, or
/// nothing (the state is then tracked as a whole, through its JSON) when a
/// serde attribute changes how its fields map to JSON keys (`rename`,
/// `flatten`, `skip`, `with`, …) on the struct or a field.
pub(crate) fn state_fields(attrs: &[syn::Attribute], fields: &FieldsNamed) -> TokenStream {
    let renames_keys = |attrs: &[syn::Attribute], harmless: &[&str]| {
        attrs.iter().filter(|a| a.path().is_ident("serde")).any(|attr| {
            let mut other = false;
            let parsed = attr.parse_nested_meta(|meta| {
                if !harmless.iter().any(|h| meta.path.is_ident(h)) {
                    other = true;
                }
                // Skip the value, if any.
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                } else if meta.input.peek(syn::token::Paren) {
                    let _ = meta.parse_nested_meta(|_| Ok(()));
                }
                Ok(())
            });
            other || parsed.is_err()
        })
    };
    if renames_keys(attrs, &["default", "deny_unknown_fields", "bound"])
        || fields.named.iter().any(|f| renames_keys(&f.attrs, &["default", "alias", "deserialize_with", "bound"]))
    {
        return TokenStream::new();
    }
    let idents: Vec<&syn::Ident> = fields.named.iter().filter_map(|f| f.ident.as_ref()).collect();
    let names: Vec<String> = idents.iter().map(|i| i.to_string()).collect();
    let index = 0..idents.len();
    let write = idents
        .iter()
        .enumerate()
        .map(|(i, ident)| quote!(#i => ::tandem::ui::serde_json::to_writer(out, &self.#ident),));
    let (encode, copy, differs, restore): (Vec<_>, Vec<_>, Vec<_>, Vec<_>) = fields
        .named
        .iter()
        .zip(index)
        .map(|(field, i)| {
            let (ident, ty) = (&field.ident, &field.ty);
            // Spanned at the field's type: a type that is not `Clone +
            // PartialEq + Serialize` is named where it is written.
            (
                quote!(#i => ::tandem::ui::serde_json::to_value(&self.#ident),),
                quote_spanned!(ty.span()=> #i => ::core::option::Option::Some(::tandem::ui::live::copy::<#ty>(&self.#ident)),),
                quote!(#i => ::tandem::ui::live::differs(&self.#ident, before),),
                quote!(#i => ::tandem::ui::live::restore(&mut self.#ident, before),),
            )
        })
        .fold((Vec::new(), Vec::new(), Vec::new(), Vec::new()), |mut all, (a, b, c, d)| {
            all.0.push(a);
            all.1.push(b);
            all.2.push(c);
            all.3.push(d);
            all
        });
    quote! {
        fn field_names() -> &'static [&'static str] {
            &[#(#names),*]
        }
        fn encode_field(&self, index: usize) -> ::core::result::Result<::tandem::ui::serde_json::Value, ::tandem::ui::serde_json::Error> {
            match index {
                #(#encode)*
                _ => ::core::result::Result::Ok(::tandem::ui::serde_json::Value::Null),
            }
        }
        fn write_field(&self, index: usize, out: &mut ::std::vec::Vec<u8>) -> ::core::result::Result<(), ::tandem::ui::serde_json::Error> {
            match index {
                #(#write)*
                _ => ::tandem::ui::serde_json::to_writer(out, &()),
            }
        }
        fn copy_field(&self, index: usize) -> ::core::option::Option<::std::boxed::Box<dyn ::tandem::ui::live::FieldValue>> {
            match index {
                #(#copy)*
                _ => ::core::option::Option::None,
            }
        }
        fn field_differs(&self, index: usize, before: &dyn ::tandem::ui::live::FieldValue) -> bool {
            match index {
                #(#differs)*
                _ => true,
            }
        }
        fn restore_field(&mut self, index: usize, before: &dyn ::tandem::ui::live::FieldValue) {
            match index {
                #(#restore)*
                _ => {}
            }
        }
    }
}

/// The fields the handler `method` may change: the `x` of every `self.x`
/// in its body, when `self` appears only so (not `self.method(…)`, not
/// `self` passed on whole, not `*self = …`); `None` otherwise (any field).
/// Sound because a handler reaches the state only through `self`.
pub(crate) fn touched_fields(method: &ImplItemFn) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    scan(method.block.stmts.iter().map(quote::ToTokens::to_token_stream).collect(), &mut fields)?;
    fields.sort();
    fields.dedup();
    Some(fields)
}

fn scan(tokens: TokenStream, fields: &mut Vec<String>) -> Option<()> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (at, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) => scan(group.stream(), fields)?,
            TokenTree::Ident(ident) if ident == "self" => {
                let dot = matches!(tokens.get(at + 1), Some(TokenTree::Punct(p)) if p.as_char() == '.' && p.spacing() == Spacing::Alone);
                let Some(TokenTree::Ident(field)) = tokens.get(at + 2).filter(|_| dot) else { return None };
                let called = match tokens.get(at + 3) {
                    Some(TokenTree::Group(group)) => group.delimiter() == Delimiter::Parenthesis,
                    // `self.x::<T>(…)`
                    Some(TokenTree::Punct(p)) => p.as_char() == ':' && p.spacing() == Spacing::Joint,
                    _ => false,
                };
                if called {
                    return None;
                }
                fields.push(field.to_string());
            }
            _ => {}
        }
    }
    Some(())
}

/// The `touches` method of `tandem::ui::Events`: handler name → the fields
/// it may change (`handlers`: name and [`touched_fields`]).
pub(crate) fn touches(handlers: &[(String, Option<Vec<String>>)]) -> TokenStream {
    let arms = handlers.iter().filter_map(|(name, fields)| {
        let fields = fields.as_ref()?;
        Some(quote!(#name => ::core::option::Option::Some(&[#(#fields),*]),))
    });
    quote! {
        fn touches(event: &str) -> ::core::option::Option<&'static [&'static str]> {
            match event {
                #(#arms)*
                _ => ::core::option::Option::None,
            }
        }
    }
}

/// `State::take_streams` for a struct with `fields`: each serialised field
/// is asked, through `tandem::ui::stream::Probe`, for its stream's pending
/// changes (a field of another type has none; method resolution decides
/// at the field's type, so an alias of `Stream` is one too). `backend`
/// fields never reach the browser: they are not asked.
pub(crate) fn take_streams(fields: &FieldsNamed, backend: &[String]) -> syn::Result<TokenStream> {
    let serialised = crate::view::serialised(fields)?;
    let asked = serialised.into_iter().filter(|f| !backend.contains(&f.ident.to_string())).map(|field| {
        let (ident, key) = (field.ident, field.key);
        quote!(streams.extend((&mut ::tandem::ui::stream::Probe(&mut self.#ident)).__take_stream(#key));)
    });
    Ok(quote! {
        fn take_streams(&mut self) -> ::std::vec::Vec<::tandem::ui::delta::Op> {
            #[allow(unused_imports)]
            use ::tandem::ui::stream::{NoStream as _, TakeStream as _};
            let mut streams = ::std::vec::Vec::new();
            #(#asked)*
            streams
        }
    })
}
