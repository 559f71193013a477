//! `ModelSerializer`: a SeaORM entity's columns as validated, rendered fields.
//!
//! ```
//! # mod product {
//! #     use sea_orm::entity::prelude::*;
//! #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
//! #     #[sea_orm(table_name = "shop_product")]
//! #     pub struct Model {
//! #         #[sea_orm(primary_key)] pub id: i64,
//! #         #[sea_orm(column_type = "String(StringLen::N(200))")] pub name: String,
//! #         pub internal_note: String,
//! #     }
//! #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
//! #     impl ActiveModelBehavior for ActiveModel {}
//! # }
//! use tandem::rest::ModelSerializer;
//!
//! let serializer = ModelSerializer::<product::Entity>::new().fields(&["id", "name"]);
//! assert_eq!(serializer.field_names(), ["id", "name"]);
//! assert_eq!(serializer.verbose_name(), "product");
//! ```

use std::sync::Arc;

use crate::db::Db;
use futures_util::future::BoxFuture;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic, Iterable, ModelTrait,
    PaginatorTrait, PrimaryKeyToColumn, QueryFilter,
};
use serde_json::{Map, Value, json};

use super::error::RestError;
use super::fields::{Field, FieldKind, capitalize};

/// Validation errors in DRF's shape: `{"field": ["message", …], …}` in field
/// order, `non_field_errors` for whole-object problems.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValidationErrors(pub Vec<(String, Vec<String>)>);

impl ValidationErrors {
    /// Adds `message` under `key`.
    pub fn add(&mut self, key: &str, message: impl Into<String>) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, messages)) => messages.push(message.into()),
            None => self.0.push((key.to_string(), vec![message.into()])),
        }
    }

    /// A single `non_field_errors` message.
    pub fn non_field(message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add("non_field_errors", message);
        errors
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The JSON body.
    pub fn to_json(&self) -> Value {
        Value::Object(self.0.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
    }
}

type FieldValidator = Arc<dyn Fn(&Value) -> Result<(), String> + Send + Sync>;
type Exists = Arc<dyn Fn(Db, sea_orm::Value) -> BoxFuture<'static, Result<bool, DbErr>> + Send + Sync>;
type ObjectValidator = Arc<dyn Fn(&Map<String, Value>) -> Result<(), ValidationErrors> + Send + Sync>;
type Representation<M> = Arc<dyn Fn(&M, &mut Map<String, Value>) + Send + Sync>;
type MethodField<M> = (String, Arc<dyn Fn(&M) -> Value + Send + Sync>);

/// DRF's `ModelSerializer` over entity `E`.
pub struct ModelSerializer<E: EntityTrait> {
    fields: Vec<(Field, E::Column)>,
    verbose_name: String,
    field_validators: Vec<(String, FieldValidator)>,
    object_validators: Vec<ObjectValidator>,
    methods: Vec<MethodField<E::Model>>,
    representation: Option<Representation<E::Model>>,
    related: Vec<(String, Exists)>,
}

impl<E: EntityTrait> Clone for ModelSerializer<E> {
    fn clone(&self) -> Self {
        Self {
            fields: self.fields.clone(),
            verbose_name: self.verbose_name.clone(),
            field_validators: self.field_validators.clone(),
            object_validators: self.object_validators.clone(),
            methods: self.methods.clone(),
            representation: self.representation.clone(),
            related: self.related.clone(),
        }
    }
}

impl<E: EntityTrait> Default for ModelSerializer<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// The model's name as Django derives it: the entity's module (`product`,
/// `product_review`) with spaces.
fn model_module_name<E>() -> String {
    let path = std::any::type_name::<E>();
    path.rsplit("::").nth(1).unwrap_or(path).replace('_', " ")
}

impl<E: EntityTrait> ModelSerializer<E> {
    /// Every column of `E`, in declaration order (DRF's `fields = "__all__"`).
    pub fn new() -> Self {
        let primary: Vec<String> = E::PrimaryKey::iter().map(|pk| pk.into_column().as_str().to_string()).collect();
        let fields = E::Column::iter()
            .map(|column| {
                let name = column.as_str();
                (Field::from_column(name, &column.def(), primary.iter().any(|p| p == name)), column)
            })
            .collect();
        Self {
            fields,
            verbose_name: model_module_name::<E>(),
            field_validators: Vec::new(),
            object_validators: Vec::new(),
            methods: Vec::new(),
            representation: None,
            related: Vec::new(),
        }
    }

    /// Keeps only `names`, in that order (DRF's `Meta.fields`).
    ///
    /// # Panics
    /// On a name that is not a column: a configuration mistake, reported at start-up.
    pub fn fields(mut self, names: &[&str]) -> Self {
        let mut chosen = Vec::with_capacity(names.len());
        for name in names {
            let Some(found) = self.fields.iter().find(|(f, _)| f.name == *name) else {
                panic!("ModelSerializer<{}>: `{name}` is not a column", std::any::type_name::<E>());
            };
            chosen.push(found.clone());
        }
        self.fields = chosen;
        self
    }

    /// A foreign key to `P`, shown under `key` as the related row's primary
    /// key (DRF's `PrimaryKeyRelatedField`): column `product_id` becomes
    /// `"product": 3`, and a key with no row is
    /// `Invalid pk "3" - object does not exist.`.
    ///
    /// # Panics
    /// When `column` is not a column of `E`.
    pub fn related<P: EntityTrait>(mut self, key: &str, column: &str) -> Self
    where
        P::Model: Sync,
    {
        let Some((field, _)) = self.fields.iter_mut().find(|(f, _)| f.name == column) else {
            panic!("ModelSerializer<{}>: `{column}` is not a column", std::any::type_name::<E>());
        };
        field.name = key.to_string();
        field.label = capitalize(&key.replace('_', " "));
        let exists: Exists = Arc::new(|db: Db, value: sea_orm::Value| {
            Box::pin(async move {
                let mut select = P::find();
                for pk in P::PrimaryKey::iter() {
                    select = select.filter(pk.into_column().eq(value.clone()));
                }
                Ok(select.count(&db).await? > 0)
            })
        });
        self.related.push((key.to_string(), exists));
        self
    }

    /// Drops `names` (DRF's `Meta.exclude`).
    pub fn exclude(mut self, names: &[&str]) -> Self {
        self.fields.retain(|(f, _)| !names.contains(&f.name.as_str()));
        self
    }

    /// Renders `names` but never writes them (DRF's `Meta.read_only_fields`).
    pub fn read_only_fields(mut self, names: &[&str]) -> Self {
        for (field, _) in &mut self.fields {
            if names.contains(&field.name.as_str()) {
                field.read_only = true;
                field.required = false;
            }
        }
        self
    }

    /// The model's verbose name in messages (`product with this sku already exists.`).
    pub fn with_verbose_name(mut self, name: &str) -> Self {
        self.verbose_name = name.to_string();
        self
    }

    /// A check of one field's validated value (DRF's `validate_<field>`).
    pub fn validate_field(
        mut self,
        name: &str,
        check: impl Fn(&Value) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.field_validators.push((name.to_string(), Arc::new(check)));
        self
    }

    /// A check of the whole validated object (DRF's `validate`).
    pub fn validate(
        mut self,
        check: impl Fn(&Map<String, Value>) -> Result<(), ValidationErrors> + Send + Sync + 'static,
    ) -> Self {
        self.object_validators.push(Arc::new(check));
        self
    }

    /// A read-only key computed from the model (DRF's
    /// `SerializerMethodField`), rendered after the fields.
    ///
    /// ```
    /// # mod product {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    /// #     #[sea_orm(table_name = "shop_product")]
    /// #     pub struct Model { #[sea_orm(primary_key)] pub id: i64, pub name: String }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// use serde_json::json;
    /// use tandem::rest::ModelSerializer;
    ///
    /// let serializer = ModelSerializer::<product::Entity>::new()
    ///     .fields(&["id"])
    ///     .method_field("url", |p: &product::Model| json!(format!("/products/{}", p.id)));
    /// let model = product::Model { id: 7, name: "Cup".into() };
    /// assert_eq!(serializer.to_representation(&model), json!({"id": 7, "url": "/products/7"}));
    /// ```
    pub fn method_field(mut self, name: &str, get: impl Fn(&E::Model) -> Value + Send + Sync + 'static) -> Self {
        self.methods.push((name.to_string(), Arc::new(get)));
        self
    }

    /// Adjusts the rendered object (DRF's `to_representation` override).
    pub fn representation(
        mut self,
        adjust: impl Fn(&E::Model, &mut Map<String, Value>) + Send + Sync + 'static,
    ) -> Self {
        self.representation = Some(Arc::new(adjust));
        self
    }

    /// The field names, in order.
    pub fn field_names(&self) -> Vec<&str> {
        self.fields.iter().map(|(f, _)| f.name.as_str()).collect()
    }

    /// The names of the [`method_field`](Self::method_field)s, in order.
    pub fn method_field_names(&self) -> impl Iterator<Item = &str> {
        self.methods.iter().map(|(name, _)| name.as_str())
    }

    /// The fields, in order.
    pub fn field_list(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().map(|(f, _)| f)
    }

    /// The fields with the columns they read and write, in order.
    pub(crate) fn fields_with_columns(&self) -> impl Iterator<Item = (&Field, E::Column)> {
        self.fields.iter().map(|(field, column)| (field, *column))
    }

    /// The model's verbose name, e.g. `product`.
    pub fn verbose_name(&self) -> &str {
        &self.verbose_name
    }

    /// Renders one model.
    pub fn to_representation(&self, model: &E::Model) -> Value {
        let mut object: Map<String, Value> = self
            .fields
            .iter()
            .map(|(field, column)| (field.name.clone(), field.to_representation(&model.get(*column))))
            .chain(self.methods.iter().map(|(name, get)| (name.clone(), get(model))))
            .collect();
        if let Some(adjust) = &self.representation {
            adjust(model, &mut object);
        }
        Value::Object(object)
    }

    /// Renders many models: the rows a UI state binds to (reflex-django's
    /// `ReflexDjangoModelSerializer`) or a list response. Decimals come out
    /// as exact strings, datetimes as ISO 8601, foreign keys as primary keys.
    pub fn many(&self, models: &[E::Model]) -> Vec<Value> {
        models.iter().map(|model| self.to_representation(model)).collect()
    }

    /// Renders many models as typed rows: what [`many`](Self::many) gives,
    /// read into `R` (a UI state's row struct, `#[derive(Row)]`). A row
    /// field the serializer does not render is an error naming it.
    ///
    /// ```
    /// # mod product {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    /// #     #[sea_orm(table_name = "shop_product")]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key)] pub id: i64,
    /// #         pub name: String,
    /// #         #[sea_orm(column_type = "Decimal(Some((10, 2)))")] pub price: tandem::db::Decimal,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// use serde::{Deserialize, Serialize};
    /// use serde_json::json;
    /// use tandem::rest::ModelSerializer;
    /// use tandem::ui::Row;
    ///
    /// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Row)]
    /// pub struct ProductRow { pub id: i64, pub price: String, pub url: String }
    ///
    /// let models = [product::Model { id: 7, name: "Cup".into(), price: "4.5".parse().unwrap() }];
    /// let rows = ModelSerializer::<product::Entity>::new()
    ///     .fields(&["id", "price"])
    ///     .method_field("url", |p: &product::Model| json!(format!("/products/{}", p.id)));
    /// let products: Vec<ProductRow> = rows.rows(&models).unwrap();
    /// assert_eq!(products, [ProductRow { id: 7, price: "4.50".into(), url: "/products/7".into() }]);
    ///
    /// // A row field nothing renders, with and without an override:
    /// let missing = ModelSerializer::<product::Entity>::new().fields(&["id", "price"]);
    /// let error = missing.rows::<ProductRow>(&models).unwrap_err();
    /// assert_eq!(error.to_string(), "missing field `url`");
    /// let error = missing.representation(|_, _| {}).rows::<ProductRow>(&models).unwrap_err();
    /// assert_eq!(error.to_string(), "missing field `url`");
    /// ```
    pub fn rows<R: serde::de::DeserializeOwned>(&self, models: &[E::Model]) -> Result<Vec<R>, serde_json::Error> {
        if self.representation.is_some() {
            // The override sees (and may change) the whole object.
            return models.iter().map(|model| serde_json::from_value(self.to_representation(model))).collect();
        }
        // Each key's value read straight into the row: no object built.
        models
            .iter()
            .map(|model| {
                let fields = self
                    .fields
                    .iter()
                    .map(|(field, column)| (field.name.as_str(), field.to_representation(&model.get(*column))));
                let methods = self.methods.iter().map(|(name, get)| (name.as_str(), get(model)));
                R::deserialize(serde::de::value::MapDeserializer::new(fields.chain(methods)))
            })
            .collect()
    }

    /// Validates request data: every writable field (only those present when
    /// `partial`), uniqueness against the table (excluding `instance`), then
    /// the object validators. `form` applies HTML-form rules (a missing
    /// boolean is `false`).
    pub async fn validate_input(
        &self,
        db: &Db,
        data: &Value,
        partial: bool,
        form: bool,
        instance: Option<&E::Model>,
    ) -> Result<Map<String, Value>, RestError>
    where
        E::Model: Sync,
    {
        let object = match data {
            Value::Object(object) => object,
            other => {
                let found = python_type_name(other);
                return Err(RestError::Invalid(ValidationErrors::non_field(format!(
                    "Invalid data. Expected a dictionary, but got {found}."
                ))));
            }
        };
        let mut errors = ValidationErrors::default();
        let mut validated = Map::new();
        for (field, _) in self.fields.iter().filter(|(f, _)| !f.read_only) {
            let value = match object.get(&field.name) {
                None if partial => continue,
                None if form && field.kind == FieldKind::Boolean => Value::Bool(false),
                None if field.required => {
                    errors.add(&field.name, "This field is required.");
                    continue;
                }
                None => continue,
                Some(Value::Null) if field.allow_null => Value::Null,
                Some(Value::Null) => {
                    errors.add(&field.name, "This field may not be null.");
                    continue;
                }
                Some(Value::String(s)) if form && s.is_empty() && field.allow_null => Value::Null,
                Some(input) => match field.to_internal_value(input) {
                    Ok(value) => value,
                    Err(message) => {
                        errors.add(&field.name, message);
                        continue;
                    }
                },
            };
            if let Some((_, exists)) = self.related.iter().find(|(key, _)| *key == field.name)
                && !value.is_null()
            {
                let column = self.fields.iter().find(|(f, _)| f.name == field.name).map(|(_, c)| *c);
                let db_value = column.map(|c| field.to_db_value(&value, c.def().get_column_type()));
                if let Some(db_value) = db_value
                    && !exists(db.clone(), db_value).await?
                {
                    let shown = match &value {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    errors.add(&field.name, format!("Invalid pk \"{shown}\" - object does not exist."));
                    continue;
                }
            }
            for (_, check) in self.field_validators.iter().filter(|(name, _)| *name == field.name) {
                if let Err(message) = check(&value) {
                    errors.add(&field.name, message);
                }
            }
            validated.insert(field.name.clone(), value);
        }
        for (field, message) in self.unique_violations(db, &validated, instance).await? {
            errors.add(&field, message);
        }
        if !errors.is_empty() {
            return Err(RestError::Invalid(Self::ordered(errors, &self.field_names())));
        }
        for check in &self.object_validators {
            check(&validated)?;
        }
        Ok(validated)
    }

    /// Errors in serializer field order, then any others.
    fn ordered(errors: ValidationErrors, order: &[&str]) -> ValidationErrors {
        let mut sorted = errors.0;
        sorted.sort_by_key(|(k, _)| order.iter().position(|n| n == k).unwrap_or(usize::MAX));
        ValidationErrors(sorted)
    }

    /// Fields whose validated value is already taken by another row.
    pub async fn unique_violations(
        &self,
        db: &impl ConnectionTrait,
        validated: &Map<String, Value>,
        instance: Option<&E::Model>,
    ) -> Result<Vec<(String, String)>, DbErr>
    where
        E::Model: Sync,
    {
        let mut taken = Vec::new();
        for (field, column) in self.fields.iter().filter(|(f, _)| f.unique) {
            let Some(value) = validated.get(&field.name).filter(|v| !v.is_null()) else { continue };
            let mut query = E::find().filter(column.eq(field.to_db_value(value, column.def().get_column_type())));
            if let Some(instance) = instance {
                for pk in E::PrimaryKey::iter() {
                    let pk_column = pk.into_column();
                    query = query.filter(pk_column.ne(instance.get(pk_column)));
                }
            }
            if query.count(db).await? > 0 {
                let message = format!("{} with this {} already exists.", self.verbose_name, field.verbose_name());
                taken.push((field.name.clone(), message));
            }
        }
        Ok(taken)
    }

    /// Writes validated values into an active model.
    pub fn apply(&self, active: &mut E::ActiveModel, validated: &Map<String, Value>) -> Result<(), DbErr>
    where
        E::ActiveModel: ActiveModelTrait<Entity = E>,
    {
        for (field, column) in &self.fields {
            if let Some(value) = validated.get(&field.name) {
                active.try_set(*column, field.to_db_value(value, column.def().get_column_type()))?;
            }
        }
        Ok(())
    }
}

/// The Python type name DRF puts in "Expected a dictionary, but got …".
fn python_type_name(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "list",
        Value::String(_) => "str",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::Null => "NoneType",
        Value::Object(_) => "dict",
    }
}
