//! Per-model permissions (`view`, `add`, `change`, `delete`), generated for
//! every registered model as Django does after `migrate`, and checked for a
//! user directly or through their groups.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::db::Db;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};

use super::models::{group_permission, permission, user_group, user_permission};
use super::{CurrentUser, NOT_AUTHENTICATED, PERMISSION_DENIED, User};
use crate::context::AppContext;
use crate::http::ApiError;

const ACTIONS: [&str; 4] = ["add", "change", "delete", "view"];

/// Creates the four permissions of model `label` (`app.model`) that do not
/// exist yet, e.g. `shop.add_product` named "Can add product".
pub async fn ensure_model_permissions(db: &Db, label: &str) -> Result<(), DbErr> {
    let (app_label, model) = label.split_once('.').unwrap_or(("", label));
    let existing = permission::Entity::find()
        .filter(permission::Column::AppLabel.eq(app_label))
        .filter(permission::Column::Model.eq(model))
        .all(db)
        .await?;
    for action in ACTIONS {
        let codename = format!("{action}_{model}");
        if existing.iter().any(|p| p.codename == codename) {
            continue;
        }
        permission::ActiveModel {
            name: Set(format!("Can {action} {model}")),
            app_label: Set(app_label.to_string()),
            model: Set(model.to_string()),
            codename: Set(codename),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The permission named `perm` (`app_label.codename`), if it exists.
async fn find_permission(db: &Db, perm: &str) -> Result<Option<permission::Model>, DbErr> {
    let Some((app_label, codename)) = perm.split_once('.') else { return Ok(None) };
    permission::Entity::find()
        .filter(permission::Column::AppLabel.eq(app_label))
        .filter(permission::Column::Codename.eq(codename))
        .one(db)
        .await
}

/// Gives `user` the permission `perm` (`app_label.codename`) directly
/// (Django's `user.user_permissions.add(…)`). An unknown permission is an
/// error naming it (its model is not registered, or the name is misspelt).
///
/// ```no_run
/// # async fn demo(db: &tandem::Db, user: &tandem::auth::User) -> Result<(), sea_orm::DbErr> {
/// tandem::auth::grant_permission(db, user, "shop.change_product").await?;
/// # Ok(()) }
/// ```
pub async fn grant_permission(db: &Db, user: &User, perm: &str) -> Result<(), DbErr> {
    let found = find_permission(db, perm).await?;
    let wanted = found.ok_or_else(|| DbErr::RecordNotFound(format!("no permission `{perm}`")))?;
    user_permission::ActiveModel { user_id: Set(user.id), permission_id: Set(wanted.id), ..Default::default() }
        .insert(db)
        .await?;
    Ok(())
}

/// Whether `user` holds `perm` (`app_label.codename`), directly or through a
/// group. Active superusers hold every permission; inactive users none.
pub async fn has_perm(db: &Db, user: &User, perm: &str) -> Result<bool, DbErr> {
    if !user.is_active {
        return Ok(false);
    }
    if user.is_superuser {
        return Ok(true);
    }
    let Some(wanted) = find_permission(db, perm).await? else { return Ok(false) };
    let direct = user_permission::Entity::find()
        .filter(user_permission::Column::UserId.eq(user.id))
        .filter(user_permission::Column::PermissionId.eq(wanted.id))
        .one(db)
        .await?;
    if direct.is_some() {
        return Ok(true);
    }
    let groups: Vec<i64> = user_group::Entity::find()
        .filter(user_group::Column::UserId.eq(user.id))
        .all(db)
        .await?
        .into_iter()
        .map(|link| link.group_id)
        .collect();
    if groups.is_empty() {
        return Ok(false);
    }
    let via_group = group_permission::Entity::find()
        .filter(group_permission::Column::GroupId.is_in(groups))
        .filter(group_permission::Column::PermissionId.eq(wanted.id))
        .one(db)
        .await?;
    Ok(via_group.is_some())
}

/// A permission a handler can require, named `app_label.codename`.
///
/// ```
/// use tandem::auth::{Permission, PermissionRequired};
///
/// pub struct AddProduct;
/// impl Permission for AddProduct {
///     const NAME: &'static str = "shop.add_product";
/// }
///
/// async fn create(PermissionRequired(user, _): PermissionRequired<AddProduct>) -> String {
///     format!("{} may add products", user.username)
/// }
/// ```
pub trait Permission: Send + Sync + 'static {
    /// `app_label.codename`, e.g. `shop.add_product`.
    const NAME: &'static str;
}

/// Extractor that lets through only users holding permission `P`: anonymous
/// requests get 403 "Authentication credentials were not provided.", users
/// without it 403 "You do not have permission to perform this action."
pub struct PermissionRequired<P: Permission>(pub Arc<User>, pub PhantomData<P>);

impl<S: Send + Sync, P: Permission> FromRequestParts<S> for PermissionRequired<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = AppContext::from_request_parts(parts, state).await?;
        let Ok(CurrentUser::User(user)) = CurrentUser::from_request_parts(parts, state).await else {
            return Err(ApiError::new(StatusCode::FORBIDDEN, NOT_AUTHENTICATED));
        };
        if has_perm(&ctx.db, &user, P::NAME).await? {
            Ok(PermissionRequired(user, PhantomData))
        } else {
            Err(ApiError::new(StatusCode::FORBIDDEN, PERMISSION_DENIED))
        }
    }
}
