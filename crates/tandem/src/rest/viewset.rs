//! `ModelViewSet` and `ReadOnlyModelViewSet`: list, create, retrieve, update,
//! partial update and destroy over a SeaORM entity, with DRF's request cycle
//! (content negotiation → authentication → permissions → throttles →
//! action) and DRF's responses, headers included (`Allow`, `Vary`).
//!
//! ```ignore
//! /// DRF ViewSet exposed under the backend prefix.
//! pub fn product_viewset() -> ModelViewSet<product::Entity> {
//!     ModelViewSet::new(product_serializer()).description("DRF ViewSet exposed under the backend prefix.")
//! }
//! ```

use std::sync::{Arc, OnceLock};

use axum::Json;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic,
    IntoActiveModel, Iterable, ModelTrait, PaginatorTrait, PrimaryKeyToColumn, QueryFilter, QuerySelect, QueryTrait,
    Select, Statement,
};
use serde_json::{Map, Value, json};

use super::auth::{self, Authentication};
use super::error::RestError;
use super::fields::{Field, FieldKind, capitalize, python_int};
use super::filters::Filters;
use super::pagination::{Pagination, link};
use super::permissions::Permission;
use super::request::{PARSES, RENDERS, RestRequest};
use super::serializer::ModelSerializer;
use crate::auth::{NOT_AUTHENTICATED, PERMISSION_DENIED};
use crate::http::ApiError;
use crate::throttle::Rate;

/// Which of a viewset's routes a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    /// `products/`.
    List,
    /// `products/<pk>/`.
    Detail,
    /// An extra action, by index.
    Action(usize),
}

/// A route's methods, in DRF's order, and the `Allow` header naming them.
pub(super) struct Allow {
    methods: Vec<Method>,
    header: HeaderValue,
}

/// A rate throttle (DRF's `AnonRateThrottle` / `UserRateThrottle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    /// Anonymous requests, counted per IP address.
    Anon(Rate),
    /// Authenticated requests, counted per user.
    User(Rate),
}

type QuerysetFn<E> = Arc<dyn Fn(&RestRequest) -> Select<E> + Send + Sync>;
type ObjectCheck<M> = Arc<dyn Fn(&RestRequest, &M) -> bool + Send + Sync>;
type SaveHook<A> = Arc<dyn Fn(&RestRequest, &mut A) -> Result<(), RestError> + Send + Sync>;
type ActionFn<M> = Arc<dyn Fn(RestRequest, Option<M>) -> BoxFuture<'static, Result<Response, RestError>> + Send + Sync>;

/// An extra action on the list or detail route (DRF's `@action`).
pub struct ExtraAction<M> {
    /// The URL segment, e.g. `recent` for `products/recent/`.
    pub url_path: String,
    /// On `products/<pk>/…` (with the object) or on `products/…`.
    pub detail: bool,
    /// The methods it answers.
    pub methods: Vec<Method>,
    handler: ActionFn<M>,
}

impl<M> Clone for ExtraAction<M> {
    fn clone(&self) -> Self {
        Self {
            url_path: self.url_path.clone(),
            detail: self.detail,
            methods: self.methods.clone(),
            handler: self.handler.clone(),
        }
    }
}

/// DRF's `ModelViewSet` over entity `E`.
pub struct ModelViewSet<E: EntityTrait> {
    pub(super) serializer: ModelSerializer<E>,
    pub(super) read_only: bool,
    pub(super) description: String,
    pub(super) model_label: String,
    pub(super) authentication: Option<Vec<Authentication>>,
    pub(super) permissions: Option<Vec<Permission>>,
    pub(super) pagination: Option<Option<Pagination>>,
    pub(super) throttles: Option<Vec<Throttle>>,
    pub(super) filters: Filters,
    queryset: Option<QuerysetFn<E>>,
    object_permissions: Vec<ObjectCheck<E::Model>>,
    before_create: Option<SaveHook<E::ActiveModel>>,
    before_update: Option<SaveHook<E::ActiveModel>>,
    pub(super) actions: Vec<ExtraAction<E::Model>>,
    /// The single primary key a detail URL names, read once from the entity.
    lookup: Option<(Field, E::Column)>,
    /// `SELECT … WHERE pk = ? LIMIT ?` over the default queryset, built on
    /// the first retrieve; later ones only bind their key.
    retrieve: OnceLock<Statement>,
}

/// DRF's `ReadOnlyModelViewSet`: list and retrieve only.
///
/// ```ignore
/// let viewset = ReadOnlyModelViewSet::new(product_serializer());
/// ```
pub struct ReadOnlyModelViewSet;

impl ReadOnlyModelViewSet {
    /// A [`ModelViewSet`] that answers only GET, HEAD and OPTIONS.
    #[allow(clippy::new_ret_no_self)]
    pub fn new<E: EntityTrait>(serializer: ModelSerializer<E>) -> ModelViewSet<E>
    where
        E::Model: IntoActiveModel<E::ActiveModel> + Sync,
        E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send + Sync,
    {
        let mut viewset = ModelViewSet::new(serializer);
        viewset.read_only = true;
        viewset
    }
}

impl<E: EntityTrait> ModelViewSet<E>
where
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send + Sync,
{
    /// CRUD over every row of `E`, rendered by `serializer`; the global
    /// `[rest]` defaults apply until overridden.
    pub fn new(serializer: ModelSerializer<E>) -> Self {
        let table = E::default().table_name().to_string();
        let model_label = match table.split_once('_') {
            Some((app, model)) => format!("{app}.{model}"),
            None => table,
        };
        Self {
            serializer,
            read_only: false,
            description: String::new(),
            model_label,
            authentication: None,
            permissions: None,
            pagination: None,
            throttles: None,
            filters: Filters::default(),
            queryset: None,
            object_permissions: Vec::new(),
            before_create: None,
            before_update: None,
            actions: Vec::new(),
            lookup: {
                let mut pks = E::PrimaryKey::iter();
                match (pks.next(), pks.next()) {
                    (Some(pk), None) => {
                        let column = pk.into_column();
                        Some((Field::from_column(column.as_str(), &column.def(), false), column))
                    }
                    _ => None,
                }
            },
            retrieve: OnceLock::new(),
        }
    }

    /// The text of OPTIONS' `description` and of the OpenAPI operations (the
    /// viewset's docstring in DRF).
    pub fn description(mut self, text: &str) -> Self {
        self.description = text.to_string();
        self
    }

    /// The Django label `app.model` for model permissions; by default the
    /// table name `app_model` with its first `_` made a dot.
    pub fn model_label(mut self, label: &str) -> Self {
        self.model_label = label.to_string();
        self
    }

    /// Authentication schemes, in order (DRF's `authentication_classes`).
    pub fn authentication(mut self, schemes: &[Authentication]) -> Self {
        self.authentication = Some(schemes.to_vec());
        self
    }

    /// Required permissions, all of them (DRF's `permission_classes`).
    pub fn permissions(mut self, permissions: Vec<Permission>) -> Self {
        self.permissions = Some(permissions);
        self
    }

    /// Pagination for the list (`None`: a plain array), DRF's `pagination_class`.
    pub fn pagination(mut self, pagination: Option<Pagination>) -> Self {
        self.pagination = Some(pagination);
        self
    }

    /// Rate throttles (DRF's `throttle_classes`).
    pub fn throttles(mut self, throttles: Vec<Throttle>) -> Self {
        self.throttles = Some(throttles);
        self
    }

    /// Filtering, search and ordering of the list.
    pub fn filters(mut self, filters: Filters) -> Self {
        self.filters = filters;
        self
    }

    /// The rows this viewset sees, per request (DRF's `get_queryset`), e.g.
    /// only the current user's.
    pub fn queryset(mut self, select: impl Fn(&RestRequest) -> Select<E> + Send + Sync + 'static) -> Self {
        self.queryset = Some(Arc::new(select));
        self
    }

    /// An object-level check for retrieve, update, destroy and detail
    /// actions (DRF's `has_object_permission`).
    pub fn object_permission(
        mut self,
        check: impl Fn(&RestRequest, &E::Model) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.object_permissions.push(Arc::new(check));
        self
    }

    /// Adjusts a new row before it is inserted (DRF's `perform_create`), e.g.
    /// to set its owner from `request.user`.
    pub fn before_create(
        mut self,
        hook: impl Fn(&RestRequest, &mut E::ActiveModel) -> Result<(), RestError> + Send + Sync + 'static,
    ) -> Self {
        self.before_create = Some(Arc::new(hook));
        self
    }

    /// Adjusts a row before an update is saved (DRF's `perform_update`).
    pub fn before_update(
        mut self,
        hook: impl Fn(&RestRequest, &mut E::ActiveModel) -> Result<(), RestError> + Send + Sync + 'static,
    ) -> Self {
        self.before_update = Some(Arc::new(hook));
        self
    }

    /// An extra action on the list route, `products/<url_path>/` (DRF's
    /// `@action(detail=False)`).
    pub fn list_action<F, Fut, R>(self, url_path: &str, methods: &[Method], handler: F) -> Self
    where
        F: Fn(RestRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, RestError>> + Send + 'static,
        R: IntoResponse,
    {
        let handler = Arc::new(handler);
        self.push_action(url_path, false, methods, move |request, _| {
            let handler = handler.clone();
            Box::pin(async move { handler(request).await.map(IntoResponse::into_response) })
        })
    }

    /// An extra action on the detail route, `products/<pk>/<url_path>/`,
    /// given the object after object permissions passed (DRF's
    /// `@action(detail=True)`).
    pub fn detail_action<F, Fut, R>(self, url_path: &str, methods: &[Method], handler: F) -> Self
    where
        F: Fn(RestRequest, E::Model) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, RestError>> + Send + 'static,
        R: IntoResponse,
    {
        let handler = Arc::new(handler);
        self.push_action(url_path, true, methods, move |request, object| {
            let handler = handler.clone();
            Box::pin(async move {
                let object = object.ok_or_else(|| RestError::Api(ApiError::not_found()))?;
                handler(request, object).await.map(IntoResponse::into_response)
            })
        })
    }

    fn push_action(
        mut self,
        url_path: &str,
        detail: bool,
        methods: &[Method],
        handler: impl Fn(RestRequest, Option<E::Model>) -> BoxFuture<'static, Result<Response, RestError>>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.actions.push(ExtraAction {
            url_path: url_path.trim_matches('/').to_string(),
            detail,
            methods: methods.to_vec(),
            handler: Arc::new(handler),
        });
        self
    }

    /// The serializer.
    pub fn serializer(&self) -> &ModelSerializer<E> {
        &self.serializer
    }

    /// The model's class name, for messages: `product_review` → `ProductReview`.
    pub(super) fn object_name(&self) -> String {
        self.serializer.verbose_name().split(' ').map(capitalize).collect()
    }

    /// The view's name: `Product Review`.
    pub(super) fn view_name(&self) -> String {
        self.serializer.verbose_name().split(' ').map(capitalize).collect::<Vec<_>>().join(" ")
    }

    /// The methods a route answers, in DRF's `Allow` order.
    pub(super) fn allowed_methods(&self, kind: RouteKind) -> Vec<Method> {
        let mut methods = match kind {
            RouteKind::List if self.read_only => vec![Method::GET],
            RouteKind::List => vec![Method::GET, Method::POST],
            RouteKind::Detail if self.read_only => vec![Method::GET],
            RouteKind::Detail => vec![Method::GET, Method::PUT, Method::PATCH, Method::DELETE],
            RouteKind::Action(i) => self.actions.get(i).map(|a| a.methods.clone()).unwrap_or_default(),
        };
        if methods.contains(&Method::GET) {
            methods.push(Method::HEAD);
        }
        methods.push(Method::OPTIONS);
        methods
    }

    /// The methods a route answers and its `Allow` header, computed once
    /// per route rather than per request.
    pub(super) fn allow(&self, kind: RouteKind) -> Allow {
        let methods = self.allowed_methods(kind);
        let text = methods.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
        let header = HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""));
        Allow { methods, header }
    }

    /// Answers one request on the route `allow` was computed for: DRF's
    /// `APIView.dispatch`.
    pub(super) async fn handle(self: Arc<Self>, kind: RouteKind, allow: &Allow, request: Request) -> Response {
        let allowed = &allow.methods;
        let head = request.method() == Method::HEAD;
        let settings = request.extensions().get::<crate::context::AppContext>().map(|c| c.settings.clone());
        let schemes = match (&self.authentication, &settings) {
            (Some(schemes), _) => schemes.clone(),
            (None, Some(settings)) => settings.rest.authentication.clone(),
            (None, None) => Vec::new(),
        };
        let mut response = match self.respond(kind, request, allowed, &schemes).await {
            Ok(response) => response,
            Err(error) => {
                let unauthorized = error.status() == StatusCode::UNAUTHORIZED;
                let mut response = error.into_response();
                if unauthorized && let Some(challenge) = schemes.first().and_then(Authentication::challenge) {
                    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
                }
                response
            }
        };
        let headers = response.headers_mut();
        headers.insert(header::ALLOW, allow.header.clone());
        headers.insert(header::VARY, HeaderValue::from_static("Accept, Cookie"));
        if head {
            *response.body_mut() = axum::body::Body::empty();
        }
        response
    }

    async fn respond(
        &self,
        kind: RouteKind,
        request: Request,
        allowed: &[Method],
        schemes: &[Authentication],
    ) -> Result<Response, RestError> {
        let peer = request.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
        let throttles_store = request.extensions().get::<crate::context::AppContext>().map(|c| c.throttles.clone());
        let login = request.extensions().get::<crate::context::AppContext>().map(|c| c.login.clone());
        let mut req = RestRequest::read(request).await?;
        req.negotiate()?;
        let authenticated = auth::authenticate(schemes, &req, login.as_deref(), peer).await?;
        req.user = authenticated.user;
        let not_authenticated = authenticated.scheme.is_none();
        self.check_permissions(&req, schemes, not_authenticated).await?;
        if let Some(store) = throttles_store {
            self.check_throttles(&req, &store, peer).await?;
        }
        if !allowed.contains(&req.method) {
            return Err(ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("Method \"{}\" not allowed.", req.method),
            )
            .into());
        }
        let method = req.method.clone();
        match (kind, method) {
            (_, Method::OPTIONS) => self.metadata(&req, kind, schemes).await,
            (RouteKind::List, Method::GET | Method::HEAD) => self.list(&req).await,
            (RouteKind::List, Method::POST) => self.create(&req).await,
            (RouteKind::Detail, Method::GET | Method::HEAD) => {
                let object = self.get_object(&req, schemes).await?;
                Ok(Json(self.serializer.to_representation(&object)).into_response())
            }
            (RouteKind::Detail, Method::PUT) => self.update(&req, schemes, false).await,
            (RouteKind::Detail, Method::PATCH) => self.update(&req, schemes, true).await,
            (RouteKind::Detail, Method::DELETE) => self.destroy(&req, schemes).await,
            (RouteKind::Action(i), _) => {
                let action = self.actions.get(i).cloned().ok_or_else(|| RestError::Api(ApiError::not_found()))?;
                let object = if action.detail { Some(self.get_object(&req, schemes).await?) } else { None };
                (action.handler)(req, object).await
            }
            (_, method) => {
                Err(ApiError::new(StatusCode::METHOD_NOT_ALLOWED, format!("Method \"{method}\" not allowed.")).into())
            }
        }
    }

    fn permission_list(&self, req: &RestRequest) -> Vec<Permission> {
        self.permissions.clone().unwrap_or_else(|| vec![req.settings.rest.permission.clone()])
    }

    async fn check_permissions(
        &self,
        req: &RestRequest,
        schemes: &[Authentication],
        anonymous: bool,
    ) -> Result<(), RestError> {
        for permission in self.permission_list(req) {
            if !permission.allows(req, &self.model_label).await? {
                return Err(denied(schemes, anonymous));
            }
        }
        Ok(())
    }

    async fn check_throttles(
        &self,
        req: &RestRequest,
        store: &crate::throttle::ThrottleStore,
        peer: Option<std::net::IpAddr>,
    ) -> Result<(), RestError> {
        let throttles = self.throttles.clone().unwrap_or_else(|| {
            let rest = &req.settings.rest;
            rest.throttle_anon.map(Throttle::Anon).into_iter().chain(rest.throttle_user.map(Throttle::User)).collect()
        });
        let mut longest = None;
        for throttle in throttles {
            let (key, rate) = match (throttle, req.user.user()) {
                (Throttle::Anon(rate), None) => {
                    (format!("anon:{}", peer.map(|ip| ip.to_string()).unwrap_or_default()), rate)
                }
                (Throttle::User(rate), Some(user)) => (format!("user:{}", user.id), rate),
                _ => continue,
            };
            if let Some(wait) = store.request(&key, rate).await {
                longest = longest.max(Some(wait));
            }
        }
        match longest {
            Some(wait) => Err(RestError::Throttled(wait)),
            None => Ok(()),
        }
    }

    fn base_queryset(&self, req: &RestRequest) -> Select<E> {
        match &self.queryset {
            Some(select) => select(req),
            None => E::find(),
        }
    }

    async fn list(&self, req: &RestRequest) -> Result<Response, RestError> {
        let query = req.query_pairs();
        let backend = req.db.get_database_backend();
        let rest = &req.settings.rest;
        let select = self.filters.apply(self.base_queryset(req), &query, backend, rest)?;
        let pagination = self
            .pagination
            .unwrap_or_else(|| Pagination::from_settings(rest.pagination, rest.page_size))
            .map(|pagination| pagination.capped(rest.max_limit));
        let Some(pagination) = pagination else {
            let rows = models::<E>(req, select).await?;
            let items: Vec<Value> = rows.iter().map(|row| self.serializer.to_representation(row)).collect();
            return Ok(Json(Value::Array(items)).into_response());
        };
        let count = select.clone().count(&req.db).await?;
        let window = pagination.window(&query, count)?;
        // Past the end there is nothing to read (DRF does not query either):
        // an offset beyond the database's integers never reaches it.
        let rows = if window.offset >= count {
            Vec::new()
        } else {
            models::<E>(req, select.offset(window.offset).limit(window.limit)).await?
        };
        let url = req.absolute(req.uri.path());
        let to_link =
            |params: Option<Vec<(String, String)>>| params.map_or(Value::Null, |p| json!(link(&url, &query, &p)));
        let results: Vec<Value> = rows.iter().map(|row| self.serializer.to_representation(row)).collect();
        Ok(Json(json!({
            "count": count,
            "next": to_link(window.next),
            "previous": to_link(window.previous),
            "results": results,
        }))
        .into_response())
    }

    /// The object named by the URL's `pk`, after object permissions: DRF's `get_object`.
    async fn get_object(&self, req: &RestRequest, schemes: &[Authentication]) -> Result<E::Model, RestError> {
        let raw = req.kwargs.raw("pk").unwrap_or_default().to_string();
        let Some((field, column)) = &self.lookup else { return Err(ApiError::not_found().into()) };
        let no_match =
            || ApiError::new(StatusCode::NOT_FOUND, format!("No {} matches the given query.", self.object_name()));
        let value = match field.to_internal_value(&Value::String(raw.clone())) {
            Ok(value) => value,
            // A number the column cannot hold names no row (Django finds
            // nothing); a value that is no number at all is Django's
            // `ValueError`, DRF's bare 404.
            Err(_) if matches!(field.kind, FieldKind::Integer { .. }) && python_int(&raw).is_some() => {
                return Err(no_match().into());
            }
            Err(_) => return Err(ApiError::not_found().into()),
        };
        let key = field.to_db_value(&value, column.def().get_column_type());
        let statement = match &self.queryset {
            Some(_) => self.base_queryset(req).filter(column.eq(key)).limit(1).build(req.db.get_database_backend()),
            None => self.retrieve_statement(req, *column, key),
        };
        let found = match req.db.query_one_raw(statement).await? {
            Some(row) => Some(E::Model::from_query_result(&row, "")?),
            None => None,
        };
        let object = found.ok_or_else(no_match)?;
        if self.object_permissions.iter().any(|check| !check(req, &object)) {
            return Err(denied(schemes, !req.user.is_authenticated()));
        }
        Ok(object)
    }

    /// The default queryset's retrieve for `key`: the cached statement with
    /// its first value (the key; the second is the limit) replaced.
    fn retrieve_statement(&self, req: &RestRequest, column: E::Column, key: sea_orm::Value) -> Statement {
        let backend = req.db.get_database_backend();
        let build = |key| E::find().filter(column.eq(key)).limit(1).build(backend);
        let cached = self.retrieve.get_or_init(|| build(key.clone()));
        if cached.db_backend != backend {
            return build(key);
        }
        let mut statement = cached.clone();
        if let Some(first) = statement.values.as_mut().and_then(|values| values.0.first_mut()) {
            *first = key;
        }
        statement
    }

    async fn create(&self, req: &RestRequest) -> Result<Response, RestError> {
        let (data, form) = req.data()?;
        let validated = self.serializer.validate_input(&req.db, &data, false, form, None).await?;
        let mut active = <E::ActiveModel as ActiveModelBehavior>::new();
        self.serializer.apply(&mut active, &validated)?;
        if let Some(hook) = &self.before_create {
            hook(req, &mut active)?;
        }
        let saved = match active.insert(&req.db).await {
            Ok(model) => model,
            Err(error) => return Err(self.write_failure(req, &validated, None, error).await),
        };
        changed::<E>(req);
        Ok((StatusCode::CREATED, Json(self.serializer.to_representation(&saved))).into_response())
    }

    async fn update(
        &self,
        req: &RestRequest,
        schemes: &[Authentication],
        partial: bool,
    ) -> Result<Response, RestError> {
        let object = self.get_object(req, schemes).await?;
        let (data, form) = req.data()?;
        let validated = self.serializer.validate_input(&req.db, &data, partial, form, Some(&object)).await?;
        let mut active = object.clone().into_active_model();
        self.serializer.apply(&mut active, &validated)?;
        if let Some(hook) = &self.before_update {
            hook(req, &mut active)?;
        }
        let saved = if active.is_changed() {
            let saved = match active.update(&req.db).await {
                Ok(model) => model,
                Err(error) => return Err(self.write_failure(req, &validated, Some(&object), error).await),
            };
            changed::<E>(req);
            saved
        } else {
            object
        };
        Ok(Json(self.serializer.to_representation(&saved)).into_response())
    }

    async fn destroy(&self, req: &RestRequest, schemes: &[Authentication]) -> Result<Response, RestError> {
        let object = self.get_object(req, schemes).await?;
        object.delete(&req.db).await?;
        changed::<E>(req);
        Ok(StatusCode::NO_CONTENT.into_response())
    }

    /// A write the database refused. A uniqueness race (another request took
    /// the value between our check and the write) is the same 400 the check
    /// gives; anything else is a 500.
    async fn write_failure(
        &self,
        req: &RestRequest,
        validated: &Map<String, Value>,
        instance: Option<&E::Model>,
        error: sea_orm::DbErr,
    ) -> RestError {
        if matches!(crate::db::sql_err(&error), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) {
            match self.serializer.unique_violations(&req.db, validated, instance).await {
                Ok(taken) if !taken.is_empty() => {
                    let mut errors = super::serializer::ValidationErrors::default();
                    for (field, message) in taken {
                        errors.add(&field, message);
                    }
                    return RestError::Invalid(errors);
                }
                Ok(_) => {}
                Err(check) => return check.into(),
            }
        }
        error.into()
    }

    /// OPTIONS: DRF's `SimpleMetadata`.
    async fn metadata(
        &self,
        req: &RestRequest,
        kind: RouteKind,
        schemes: &[Authentication],
    ) -> Result<Response, RestError> {
        let suffix = match kind {
            RouteKind::List => " List",
            RouteKind::Detail => " Instance",
            RouteKind::Action(_) => "",
        };
        let mut body = json!({
            "name": format!("{}{suffix}", self.view_name()),
            "description": self.description,
            "renders": RENDERS,
            "parses": PARSES,
        });
        let write = match kind {
            RouteKind::List if !self.read_only => Some(Method::POST),
            RouteKind::Detail if !self.read_only => Some(Method::PUT),
            _ => None,
        };
        if let Some(method) = write {
            let mut probe = req.clone_for(method.clone());
            probe.user = req.user.clone();
            let mut allowed = self.check_permissions(&probe, schemes, !probe.user.is_authenticated()).await.is_ok();
            if allowed && kind == RouteKind::Detail {
                allowed = self.get_object(&probe, schemes).await.is_ok();
            }
            if allowed {
                let fields: Map<String, Value> =
                    self.serializer.field_list().map(|f| (f.name.clone(), f.metadata())).collect();
                body["actions"] = json!({ method.as_str(): fields });
            }
        }
        Ok(Json(body).into_response())
    }
}

/// DRF's `permission_denied`: "not authenticated" for anonymous requests,
/// else 403.
fn denied(schemes: &[Authentication], anonymous: bool) -> RestError {
    if anonymous {
        auth::unauthenticated(schemes, NOT_AUTHENTICATED).into()
    } else {
        ApiError::new(StatusCode::FORBIDDEN, PERMISSION_DENIED).into()
    }
}

/// Signals that the viewset wrote to `E`'s table (the UI's live pages,
/// `Page::live(<table>, …)`, follow in every process).
fn changed<E: EntityTrait>(req: &RestRequest) {
    req.signals.changed(E::default().table_name());
}

/// The models `select` finds, its statement run by [`crate::db::query_all`].
async fn models<E: EntityTrait>(req: &RestRequest, select: Select<E>) -> Result<Vec<E::Model>, sea_orm::DbErr> {
    let rows = req.db.query_all_raw(select.build(req.db.get_database_backend())).await?;
    rows.iter().map(|row| E::Model::from_query_result(row, "")).collect()
}
