//! Derives for Tandem's reactive UI; use them through `tandem::ui`.
//!
//! - `#[derive(State)]` names a state (`#[state(name = "counter")]`, by default
//!   the type's name in snake case) and lists its backend-only fields
//!   (`#[state(backend)]`), which never leave the server, and the fields kept
//!   in the browser too (`#[state(local_storage)]`, `#[state(cookie)]`).
//! - `#[events]` on an `impl` block turns each `async fn` into an event the
//!   browser can send, with typed arguments decoded from the event's JSON.

mod assets;
mod live;
mod view;

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::quote;
use syn::{Data, DeriveInput, Fields, FnArg, ImplItem, ItemImpl, LitStr, Pat, ReturnType, Type, parse_macro_input};

/// The application's `static/` folder (next to its `Cargo.toml`), every file
/// embedded in the binary with its content hash: `tandem::assets::StaticFiles`.
#[proc_macro]
pub fn static_files(_input: TokenStream) -> TokenStream {
    assets::static_files().into()
}

/// The URL of a file of the application's `static/` folder, with its content
/// hash (`/static/css/app.0123456789abcdef.css`); a file that does not exist
/// is a compile error naming the closest one.
#[proc_macro]
pub fn static_url(input: TokenStream) -> TokenStream {
    let path = parse_macro_input!(input as LitStr);
    match assets::static_url(&path) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

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
    let mut stored = Vec::new();
    for field in &fields.named {
        let field_name = field.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("state")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("backend") {
                    backend.push(field_name.clone());
                } else if meta.path.is_ident("local_storage") {
                    stored.push(quote!((#field_name, ::tandem::ui::ClientStorage::Local)));
                } else if meta.path.is_ident("cookie") {
                    stored.push(quote!((#field_name, ::tandem::ui::ClientStorage::Cookie)));
                } else {
                    return Err(meta.error("expected `backend`, `local_storage` or `cookie`"));
                }
                Ok(())
            })?;
        }
    }
    let view = view::state_view(input, fields, &backend)?;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let live = live::state_fields(&input.attrs, fields);
    let streams = live::take_streams(fields, &backend)?;
    Ok(quote! {
        #view

        impl #impl_generics ::tandem::ui::State for #ident #type_generics #where_clause {
            const NAME: &'static str = #name;
            #live
            #streams
            fn backend_fields() -> &'static [&'static str] {
                &[#(#backend),*]
            }
            fn client_storage() -> &'static [(&'static str, ::tandem::ui::ClientStorage)] {
                &[#(#stored),*]
            }
        }
    })
}

/// Makes a struct a row of a state's list (or option): a view of its
/// fields (`ItemView`) and its key, the field named `id` or the one marked
/// `#[row(key)]`.
#[proc_macro_derive(Row, attributes(row))]
pub fn derive_row(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    view::row(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Implements `tandem::ui::Events` from the `async fn`s of an `impl` block,
/// and computed values from its `#[computed]` methods (`fn(&self) -> T`,
/// `T: Serialize`; `#[computed(deps = ["field"])]` recomputes only when a
/// listed field changed, `backend` keeps the value on the server).
///
/// `#[throttle(ms = 500)]` on a handler makes the server refuse (and not
/// apply) a tab's event that comes sooner than that after the last one.
///
/// Each event handler takes `&mut self`, optionally a
/// `&mut tandem::ui::EventContext` (or `&EventContext`), then any arguments
/// that implement `serde::Deserialize`; it returns nothing or a
/// `Result<(), E>` with `E: Into<tandem::ui::EventError>`.
#[proc_macro_attribute]
pub fn events(_attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut block = parse_macro_input!(item as ItemImpl);
    let generated = events_impl(&block);
    // `#[computed]` and `#[throttle]` are ours: take them off the methods we give back.
    for item in &mut block.items {
        if let ImplItem::Fn(method) = item {
            method.attrs.retain(|a| !a.path().is_ident("computed") && !a.path().is_ident("throttle"));
        }
    }
    match generated {
        Ok(generated) => quote!(#block #generated).into(),
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#block #error).into()
        }
    }
}

/// A `#[computed]` / `#[computed(deps = ["a", "b"], backend)]` method.
struct ComputedSpec {
    name: String,
    ident: syn::Ident,
    deps: Vec<String>,
    backend: bool,
}

fn computed_spec(method: &syn::ImplItemFn) -> syn::Result<Option<ComputedSpec>> {
    let Some(attr) = method.attrs.iter().find(|a| a.path().is_ident("computed")) else { return Ok(None) };
    let mut spec = ComputedSpec {
        name: method.sig.ident.to_string(),
        ident: method.sig.ident.clone(),
        deps: Vec::new(),
        backend: false,
    };
    if matches!(attr.meta, syn::Meta::List(_)) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("backend") {
                spec.backend = true;
                Ok(())
            } else if meta.path.is_ident("deps") {
                let list: syn::ExprArray = meta.value()?.parse()?;
                for element in list.elems {
                    match element {
                        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => spec.deps.push(s.value()),
                        other => return Err(syn::Error::new_spanned(other, "deps are field names in quotes")),
                    }
                }
                Ok(())
            } else {
                Err(meta.error("expected `deps = [\"field\", …]` or `backend`"))
            }
        })?;
    }
    if method.sig.asyncness.is_some() {
        return Err(syn::Error::new_spanned(&method.sig, "a computed value is a plain `fn(&self) -> T`"));
    }
    Ok(Some(spec))
}

/// The `ms` of a `#[throttle(ms = 500)]` attribute.
fn throttle_ms(method: &syn::ImplItemFn) -> syn::Result<Option<u64>> {
    let Some(attr) = method.attrs.iter().find(|a| a.path().is_ident("throttle")) else { return Ok(None) };
    let mut ms = None;
    attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("ms") {
            ms = Some(meta.value()?.parse::<syn::LitInt>()?.base10_parse::<u64>()?);
            Ok(())
        } else {
            Err(meta.error("expected `ms = <milliseconds>`"))
        }
    })?;
    ms.map(Some).ok_or_else(|| syn::Error::new_spanned(attr, "expected `#[throttle(ms = <milliseconds>)]`"))
}

fn events_impl(block: &ItemImpl) -> syn::Result<proc_macro2::TokenStream> {
    let self_ty = &block.self_ty;
    let (impl_generics, _, where_clause) = block.generics.split_for_impl();
    let mut names = Vec::new();
    let mut arms = Vec::new();
    let mut computed = Vec::new();
    let mut throttles = Vec::new();
    let mut touched = Vec::new();
    for item in &block.items {
        let ImplItem::Fn(method) = item else { continue };
        if let Some(spec) = computed_spec(method)? {
            computed.push(spec);
            continue;
        }
        if method.sig.asyncness.is_none() {
            continue;
        }
        let ident = &method.sig.ident;
        let name = ident.to_string();
        if let Some(ms) = throttle_ms(method)? {
            throttles.push(quote!(#name => ::core::option::Option::Some(::std::time::Duration::from_millis(#ms)),));
        }
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
        touched.push((name.clone(), live::touched_fields(method)));
        names.push(name);
    }
    let touches = live::touches(&touched);
    let shown: Vec<String> = computed.iter().filter(|c| !c.backend).map(|c| c.name.clone()).collect();
    let (view_events, view_computed) = view::collect(block, &shown, is_context);
    let view = view::events_view(block, &view_events, &view_computed);
    let computed_meta = computed.iter().map(|c| {
        let (name, deps, backend) = (&c.name, &c.deps, c.backend);
        quote!(::tandem::ui::Computed { name: #name, deps: &[#(#deps),*], backend: #backend })
    });
    let computed_arms = computed.iter().map(|c| {
        let (name, ident) = (&c.name, &c.ident);
        quote!(#name => ::tandem::ui::serde_json::to_value(Self::#ident(self)).ok(),)
    });
    Ok(quote! {
        #view

        impl #impl_generics ::tandem::ui::Events for #self_ty #where_clause {
            #touches
            fn event_names() -> &'static [&'static str] {
                &[#(#names),*]
            }

            fn computed() -> &'static [::tandem::ui::Computed] {
                &[#(#computed_meta),*]
            }

            fn compute(&self, name: &str) -> ::core::option::Option<::tandem::ui::serde_json::Value> {
                match name {
                    #(#computed_arms)*
                    _ => ::core::option::Option::None,
                }
            }

            fn throttle(event: &str) -> ::core::option::Option<::std::time::Duration> {
                match event {
                    #(#throttles)*
                    _ => ::core::option::Option::None,
                }
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
