//! Derives for Tandem's reactive UI; use them through `tandem::ui`.
//!
//! - `#[derive(State)]` names a state (`#[state(name = "counter")]`, by default
//!   the type's name in snake case) and lists its backend-only fields
//!   (`#[state(backend)]`), which never leave the server.
//! - `#[events]` on an `impl` block turns each `async fn` into an event the
//!   browser can send, with typed arguments decoded from the event's JSON.

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::quote;
use syn::{Data, DeriveInput, Fields, FnArg, ImplItem, ItemImpl, LitStr, Pat, ReturnType, Type, parse_macro_input};

/// Implements `tandem::ui::State` for a struct.
#[proc_macro_derive(State, attributes(state))]
pub fn derive_state(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match state_impl(&input) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn state_impl(input: &DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let ident = &input.ident;
    let mut name = snake_case(&ident.to_string());
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("state")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                name = meta.value()?.parse::<LitStr>()?.value();
                Ok(())
            } else {
                Err(meta.error("expected `name = \"...\"`"))
            }
        })?;
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(ident, "a state is a struct with named fields"));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(ident, "a state is a struct with named fields"));
    };
    let mut backend = Vec::new();
    for field in &fields.named {
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("state")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("backend") {
                    backend.push(field.ident.as_ref().map(|i| i.to_string()).unwrap_or_default());
                    Ok(())
                } else {
                    Err(meta.error("expected `backend`"))
                }
            })?;
        }
    }
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics ::tandem::ui::State for #ident #type_generics #where_clause {
            const NAME: &'static str = #name;
            fn backend_fields() -> &'static [&'static str] {
                &[#(#backend),*]
            }
        }
    })
}

/// Implements `tandem::ui::Events` from the `async fn`s of an `impl` block.
///
/// Each event handler takes `&mut self`, optionally a
/// `&mut tandem::ui::EventContext` (or `&EventContext`), then any arguments
/// that implement `serde::Deserialize`; it returns nothing or a
/// `Result<(), E>` with `E: Into<tandem::ui::EventError>`.
#[proc_macro_attribute]
pub fn events(_attr: TokenStream, item: TokenStream) -> TokenStream {
    let block = parse_macro_input!(item as ItemImpl);
    match events_impl(&block) {
        Ok(generated) => quote!(#block #generated).into(),
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#block #error).into()
        }
    }
}

fn events_impl(block: &ItemImpl) -> syn::Result<proc_macro2::TokenStream> {
    let self_ty = &block.self_ty;
    let (impl_generics, _, where_clause) = block.generics.split_for_impl();
    let mut names = Vec::new();
    let mut arms = Vec::new();
    for item in &block.items {
        let ImplItem::Fn(method) = item else { continue };
        if method.sig.asyncness.is_none() {
            continue;
        }
        let ident = &method.sig.ident;
        let name = ident.to_string();
        let mut inputs = method.sig.inputs.iter();
        match inputs.next() {
            Some(FnArg::Receiver(receiver)) if receiver.mutability.is_some() && receiver.reference.is_some() => {}
            _ => return Err(syn::Error::new_spanned(&method.sig, "an event handler takes `&mut self` first")),
        }
        let mut call_args = Vec::new();
        let mut decode = Vec::new();
        let mut position = 0usize;
        for input in inputs {
            let FnArg::Typed(typed) = input else { continue };
            if is_context(&typed.ty) {
                call_args.push(quote!(ctx));
                continue;
            }
            let Pat::Ident(pat) = &*typed.pat else {
                return Err(syn::Error::new_spanned(&typed.pat, "event arguments must be plain names"));
            };
            let arg_name = pat.ident.to_string();
            let var = syn::Ident::new(&format!("__arg_{arg_name}"), Span::call_site());
            let ty = &typed.ty;
            decode.push(quote! {
                let #var: #ty = ::tandem::ui::event_arg(&args, #arg_name, #position)?;
            });
            call_args.push(quote!(#var));
            position += 1;
        }
        let call = quote!(Self::#ident(self, #(#call_args),*).await);
        let result = match &method.sig.output {
            ReturnType::Default => quote!({ #call; Ok(()) }),
            ReturnType::Type(..) => quote!(#call.map_err(::core::convert::Into::into)),
        };
        arms.push(quote! {
            #name => {
                ::std::boxed::Box::pin(async move {
                    #(#decode)*
                    #result
                })
            }
        });
        names.push(name);
    }
    Ok(quote! {
        impl #impl_generics ::tandem::ui::Events for #self_ty #where_clause {
            fn event_names() -> &'static [&'static str] {
                &[#(#names),*]
            }

            fn dispatch<'a>(
                &'a mut self,
                event: &'a str,
                args: ::tandem::ui::serde_json::Value,
                ctx: &'a mut ::tandem::ui::EventContext,
            ) -> ::tandem::ui::BoxFuture<'a, ::core::result::Result<(), ::tandem::ui::EventError>> {
                let _ = &ctx;
                match event {
                    #(#arms)*
                    other => {
                        let error = ::tandem::ui::EventError::unknown_event(other);
                        ::std::boxed::Box::pin(async move { Err(error) })
                    }
                }
            }
        }
    })
}

/// Whether a parameter is the event context (`&mut EventContext`, `&EventContext`).
fn is_context(ty: &Type) -> bool {
    let Type::Reference(reference) = ty else { return false };
    let Type::Path(path) = &*reference.elem else { return false };
    path.path.segments.last().is_some_and(|s| s.ident == "EventContext")
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
