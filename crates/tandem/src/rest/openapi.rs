//! The OpenAPI 3.1 document of the backend (`/api/schema/`) and an
//! interactive explorer for it (`/api/docs/`) that needs nothing from the
//! network: one HTML page and one script, both served from the binary.
//!
//! Viewsets document themselves from their serializer, filters, pagination
//! and permissions; plain views are documented with [`View::openapi`].
//!
//! ```ignore
//! vec![path("api/", include(tandem::rest::openapi::urls()))]   // api/schema/, api/docs/
//! ```

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, EntityTrait, IdenStatic, IntoActiveModel, Iterable,
    PrimaryKeyToColumn,
};
use serde_json::{Map, Value, json};

use super::auth::Authentication;
use super::fields::{Field, FieldKind};
use super::pagination::Pagination;
use super::permissions::Permission;
use super::viewset::{ModelViewSet, RouteKind};
use crate::config::Settings;
use crate::context::AppContext;
use crate::urls::{UrlConf, UrlPattern, path};
use crate::views::{View, get};

/// `schema/` (the document), `docs/` and `docs/explorer.js` (the explorer),
/// to include under the backend prefix.
pub fn urls() -> Vec<UrlPattern> {
    vec![
        path(
            "schema/",
            get(schema).openapi(
                Method::GET,
                operation(
                    "The OpenAPI document of this API.",
                    &[],
                    None,
                    &[("200", "The document.", json!({"type": "object"}))],
                ),
            ),
        )
        .name("openapi-schema"),
        path("docs/", get(docs_page)).name("openapi-docs"),
        path("docs/explorer.js", get(explorer_script)).name("openapi-explorer"),
    ]
}

/// A plain operation object: summary, query parameters, an optional JSON
/// request body schema and `(status, description, schema)` responses.
///
/// ```
/// use serde_json::json;
/// let op = tandem::rest::openapi::operation("Who am I?", &[], None, &[("200", "The user.", json!({"type": "object"}))]);
/// assert_eq!(op["responses"]["200"]["content"]["application/json"]["schema"]["type"], "object");
/// ```
pub fn operation(
    summary: &str,
    query: &[(&str, Value)],
    body: Option<Value>,
    responses: &[(&str, &str, Value)],
) -> Value {
    let mut op = json!({"summary": summary, "responses": {}});
    if !query.is_empty() {
        op["parameters"] = Value::Array(
            query
                .iter()
                .map(|(name, schema)| json!({"name": name, "in": "query", "required": false, "schema": schema}))
                .collect(),
        );
    }
    if let Some(schema) = body {
        op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": schema}}});
    }
    for (status, description, schema) in responses {
        op["responses"][*status] = response(description, schema);
    }
    op
}

/// A response object: `schema` as JSON content, none when `null`.
fn response(description: &str, schema: &Value) -> Value {
    if schema.is_null() {
        json!({"description": description})
    } else {
        json!({"description": description, "content": {"application/json": {"schema": schema}}})
    }
}

/// `{"detail": "…"}`.
pub fn detail_schema() -> Value {
    json!({"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]})
}

/// A bare list of messages (`["Null characters are not allowed."]`), DRF's
/// shape for a filter's `ValidationError`.
fn messages_schema() -> Value {
    json!({"type": "array", "items": {"type": "string"}})
}

fn validation_schema() -> Value {
    json!({"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}})
}

/// The JSON schema of one serializer field, as read (`input: false`) or written.
fn field_schema(field: &Field, input: bool) -> Value {
    let mut schema = match field.kind {
        FieldKind::Integer { width } if width < 64 => {
            let max = (1i64 << (width - 1)) - 1;
            json!({"type": "integer", "minimum": -max - 1, "maximum": max})
        }
        FieldKind::Integer { .. } => json!({"type": "integer", "format": "int64"}),
        FieldKind::Float => json!({"type": "number"}),
        FieldKind::String { max_length } => {
            let mut s = json!({"type": "string"});
            if input {
                s["minLength"] = json!(1);
                s["pattern"] = json!("\\S");
            }
            if let Some(n) = max_length {
                s["maxLength"] = json!(n);
            }
            s
        }
        FieldKind::Decimal { max_digits, decimal_places } => {
            let whole = max_digits - decimal_places;
            json!({"type": "string", "format": "decimal", "pattern": format!("^-?\\d{{0,{whole}}}(?:\\.\\d{{0,{decimal_places}}})?$")})
        }
        FieldKind::Boolean => json!({"type": "boolean"}),
        FieldKind::DateTime => json!({"type": "string", "format": "date-time"}),
        FieldKind::Date => json!({"type": "string", "format": "date"}),
        FieldKind::Time => json!({"type": "string", "format": "time"}),
        FieldKind::Uuid => json!({"type": "string", "format": "uuid"}),
        FieldKind::Json => json!({}),
    };
    if field.allow_null
        && let Some(kind) = schema.get("type").cloned()
    {
        schema["type"] = json!([kind, "null"]);
    }
    if field.read_only {
        schema["readOnly"] = json!(true);
    }
    schema
}

fn object_schema<'a>(fields: impl Iterator<Item = &'a Field>, input: bool, partial: bool) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in fields {
        if input && field.read_only {
            continue;
        }
        properties.insert(field.name.clone(), field_schema(field, input));
        if !input || (field.required && !partial) {
            required.push(json!(field.name));
        }
    }
    json!({"type": "object", "properties": properties, "required": required})
}

/// Attaches the generated operations of a viewset route to its view.
pub(super) fn document_route<E: EntityTrait>(view: View, viewset: &ModelViewSet<E>, kind: RouteKind) -> View
where
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send + Sync,
{
    let fields: Vec<Field> = viewset.serializer().field_list().cloned().collect();
    let method_fields: Vec<String> = viewset.serializer().method_field_names().map(str::to_string).collect();
    let name = viewset.view_name();
    let pk_schema = E::PrimaryKey::iter()
        .next()
        .map(|pk| {
            let column = pk.into_column();
            field_schema(&Field::from_column(column.as_str(), &column.def(), false), false)
        })
        .unwrap_or_else(|| json!({"type": "string"}));
    let methods = viewset.allowed_methods(kind);
    let filters = viewset.filters.clone();
    let pagination = viewset.pagination;
    let authentication = viewset.authentication.clone();
    let permissions = viewset.permissions.clone();
    let throttled = viewset.throttles.as_ref().map(|t| !t.is_empty());
    let description = viewset.description.clone();
    let action_paths: Vec<String> = viewset.actions.iter().map(|a| a.url_path.clone()).collect();
    let action_details: Vec<bool> = viewset.actions.iter().map(|a| a.detail).collect();
    view.openapi_generated(move |settings| {
        let rest = &settings.rest;
        let schemes = authentication.clone().unwrap_or_else(|| rest.authentication.clone());
        let permissions = permissions.clone().unwrap_or_else(|| vec![rest.permission.clone()]);
        let pagination = pagination.unwrap_or_else(|| Pagination::from_settings(rest.pagination, rest.page_size));
        let throttled = throttled.unwrap_or(rest.throttle_anon.is_some() || rest.throttle_user.is_some());
        let mut read = object_schema(fields.iter(), false, false);
        for name in &method_fields {
            // Any JSON value the function returns (drf-spectacular's default for an unannotated one is a string).
            read["properties"][name] = json!({"readOnly": true});
            if let Some(required) = read["required"].as_array_mut() {
                required.push(json!(name));
            }
        }
        let mut operations = Vec::new();
        for method in methods.iter().filter(|m| **m != Method::HEAD && **m != Method::OPTIONS) {
            let (summary, status, body_partial) = match (kind, method) {
                (RouteKind::List, &Method::GET) => (format!("List {name} objects."), "200", None),
                (RouteKind::List, _) => (format!("Create a {name}."), "201", Some(false)),
                (RouteKind::Detail, &Method::GET) => (format!("Retrieve a {name}."), "200", None),
                (RouteKind::Detail, &Method::PUT) => (format!("Replace a {name}."), "200", Some(false)),
                (RouteKind::Detail, &Method::PATCH) => (format!("Change some fields of a {name}."), "200", Some(true)),
                (RouteKind::Detail, _) => (format!("Delete a {name}."), "204", None),
                (RouteKind::Action(i), _) => (format!("The `{}` action.", action_paths[i]), "200", None),
            };
            let mut op = json!({"summary": summary, "description": description, "tags": [name], "responses": {}});
            let mut parameters = Vec::new();
            let detail = match kind {
                RouteKind::Detail => true,
                RouteKind::Action(i) => action_details[i],
                RouteKind::List => false,
            };
            if detail {
                parameters.push(json!({"name": "pk", "in": "path", "required": true, "schema": pk_schema}));
            }
            let listing = kind == RouteKind::List && *method == Method::GET;
            if listing {
                for name in filters.parameters() {
                    let schema = fields
                        .iter()
                        .find(|f| f.name == name)
                        .map_or(json!({"type": "string"}), |f| field_schema(f, false));
                    let schema = match () {
                        _ if name == "search" => json!({"type": "string", "maxLength": rest.max_search_length}),
                        _ if schema.get("readOnly").is_some() => json!({"type": "string"}),
                        _ => schema,
                    };
                    parameters.push(json!({"name": name, "in": "query", "required": false, "schema": schema}));
                }
                for name in pagination.iter().flat_map(|p| p.parameters()) {
                    let schema = if *name == "page" {
                        json!({"type": "integer", "minimum": 1})
                    } else {
                        json!({"type": "integer", "minimum": 0})
                    };
                    parameters.push(json!({"name": name, "in": "query", "required": false, "schema": schema}));
                }
            }
            if !parameters.is_empty() {
                op["parameters"] = Value::Array(parameters);
            }
            if let Some(partial) = body_partial {
                let schema = object_schema(fields.iter(), true, partial);
                op["requestBody"] = json!({"required": true, "content": {
                    "application/json": {"schema": schema},
                    "application/x-www-form-urlencoded": {"schema": schema},
                    "multipart/form-data": {"schema": schema},
                }});
            }
            let success = match (listing, status, &pagination) {
                (true, _, None) => json!({"type": "array", "items": read}),
                (true, _, Some(_)) => {
                    json!({"type": "object", "required": ["count", "next", "previous", "results"], "properties": {
                        "count": {"type": "integer"},
                        "next": {"type": ["string", "null"], "format": "uri"},
                        "previous": {"type": ["string", "null"], "format": "uri"},
                        "results": {"type": "array", "items": read},
                    }})
                }
                (false, "204", _) => Value::Null,
                (false, _, _) if matches!(kind, RouteKind::Action(_)) => json!({}),
                _ => read.clone(),
            };
            let mut responses = vec![(status, "Success.", success)];
            if body_partial.is_some() {
                responses.push((
                    "400",
                    "Invalid data (per-field messages) or malformed body.",
                    json!({"oneOf": [validation_schema(), detail_schema()]}),
                ));
                responses.push(("415", "Unsupported media type.", detail_schema()));
                responses.push(("413", "Body too large.", detail_schema()));
            }
            if detail || (listing && pagination.is_some()) {
                responses.push(("404", "No such object or page.", detail_schema()));
            }
            if listing && !filters.search.is_empty() {
                let either = json!({"oneOf": [validation_schema(), messages_schema()]});
                responses.push(("400", "A filter value of the wrong type, or a search out of bounds.", either));
            } else if listing && !filters.fields.is_empty() {
                responses.push(("400", "A filter value of the wrong type.", validation_schema()));
            }
            responses.push(("403", "Not allowed (or a CSRF failure for session users).", detail_schema()));
            if schemes.first().and_then(Authentication::challenge).is_some() {
                responses.push(("401", "Not authenticated.", detail_schema()));
            }
            responses.push(("406", "The Accept header cannot be met.", detail_schema()));
            // Basic credentials go through the login throttle (tandem::auth::LoginGuard).
            if throttled || schemes.contains(&Authentication::Basic) {
                responses.push(("429", "Throttled.", detail_schema()));
            }
            for (status, description, schema) in responses {
                if op["responses"].get(status).is_some() {
                    continue;
                }
                op["responses"][status] = response(description, &schema);
            }
            op["security"] = security(&schemes, &permissions, method);
            operations.push((method.clone(), op));
        }
        operations
    })
}

/// The schemes that may call an operation; `{}` when anonymous calls can pass.
fn security(schemes: &[Authentication], permissions: &[Permission], method: &Method) -> Value {
    let mut list: Vec<Value> = schemes
        .iter()
        .map(|scheme| match scheme {
            Authentication::Session => json!({"cookieAuth": []}),
            Authentication::Basic => json!({"basicAuth": []}),
            Authentication::Token => json!({"tokenAuth": []}),
        })
        .collect();
    let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    let anonymous = permissions.iter().all(|p| match p {
        Permission::AllowAny | Permission::Custom(_) => true,
        Permission::IsAuthenticatedOrReadOnly => safe,
        _ => false,
    });
    if anonymous {
        list.push(json!({}));
    }
    Value::Array(list)
}

/// `/api/schema/`: every documented backend route.
async fn schema(ctx: AppContext, request: Request) -> Response {
    let Some(urls) = request.extensions().get::<UrlConf>().cloned() else {
        return crate::http::ApiError::internal("the URL configuration is missing").into_response();
    };
    let mut response = Json(document(&urls, &ctx.settings)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The OpenAPI document for `urls`.
pub fn document(urls: &UrlConf, settings: &Settings) -> Value {
    let mut paths = Map::new();
    for route in urls.routes() {
        let operations = route.view().openapi_operations(settings);
        if operations.is_empty() {
            continue;
        }
        let mut item = Map::new();
        for (method, op) in operations {
            item.insert(method.as_str().to_lowercase(), op);
        }
        paths.insert(openapi_path(route.route()), Value::Object(item));
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": settings.app.name, "version": "1.0.0"},
        "paths": paths,
        "components": {"securitySchemes": {
            "cookieAuth": {"type": "apiKey", "in": "cookie", "name": crate::sessions::SESSION_COOKIE,
                "description": "The session of a logged-in user; unsafe methods also need the X-CSRFToken header."},
            "basicAuth": {"type": "http", "scheme": "basic"},
            "tokenAuth": {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <key>`; keys come from the `createtoken` command."},
        }},
    })
}

/// `api/shop/products/<lookup:pk>/` → `/api/shop/products/{pk}/`.
fn openapi_path(route: &str) -> String {
    let mut out = String::from("/");
    let mut rest = route;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('>').map_or(rest.len(), |c| c + open);
        let inner = &rest[open + 1..close.min(rest.len())];
        let name = inner.split_once(':').map_or(inner, |(_, n)| n);
        out.push_str(&format!("{{{name}}}"));
        rest = rest.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

const DOCS_PAGE: &str = include_str!("openapi/docs.html");
const EXPLORER_JS: &str = include_str!("openapi/explorer.js");

async fn docs_page(ctx: AppContext) -> Response {
    let title = crate::http::html_escape(&ctx.settings.app.name);
    let mut response = axum::response::Html(DOCS_PAGE.replace("{title}", &title)).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'"),
    );
    response
}

async fn explorer_script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], EXPLORER_JS).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_become_openapi_paths() {
        assert_eq!(openapi_path("api/shop/products/<lookup:pk>/"), "/api/shop/products/{pk}/");
        assert_eq!(openapi_path("api/x/<int:id>/y/<slug:s>/"), "/api/x/{id}/y/{s}/");
        assert_eq!(openapi_path("api/shop/"), "/api/shop/");
    }

    #[test]
    fn decimals_are_patterned_strings() {
        let field = Field {
            name: "price".into(),
            kind: FieldKind::Decimal { max_digits: 10, decimal_places: 2 },
            read_only: false,
            required: true,
            allow_null: false,
            unique: false,
            label: "Price".into(),
        };
        let schema = field_schema(&field, true);
        assert_eq!(schema["pattern"], "^-?\\d{0,8}(?:\\.\\d{0,2})?$");
    }
}
