//! Users and groups, registered on every admin site as Django's `auth` app
//! registers them. A user added through the admin starts with an unusable
//! password; the change page links to the password page
//! ([`super::password`]); a user's groups and permissions and a group's
//! permissions are multiple selects.

use futures_util::future::BoxFuture;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

use super::Admin;
use crate::auth::models::{group, group_permission, permission, user, user_group, user_permission};
use crate::db::Db;
use crate::rest::ModelSerializer;

/// Registers `auth.user` and `auth.group` on `admin`.
pub(crate) fn register(admin: &mut Admin) {
    use user::Column as U;
    admin
        .register::<user::Entity>()
        .serializer(
            ModelSerializer::new()
                .fields(&[
                    "id",
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "last_login",
                    "date_joined",
                ])
                .read_only_fields(&["last_login", "date_joined"])
                .with_verbose_name("user"),
        )
        .display(|u| u.username.clone())
        .blank([U::FirstName, U::LastName, U::Email])
        .list_display([U::Username, U::Email, U::FirstName, U::LastName, U::IsStaff])
        .search_fields([U::Username, U::FirstName, U::LastName, U::Email])
        .list_filter([U::IsStaff, U::IsSuperuser, U::IsActive])
        .ordering([super::asc(U::Username)])
        .prepare(|new| {
            new.password = Set(crate::auth::password::make_unusable_password());
            new.date_joined = Set(chrono::Utc::now());
        })
        .many_to_many("groups", "Groups", all_groups, groups_of_user, set_groups_of_user)
        .many_to_many(
            "user_permissions",
            "User permissions",
            all_permissions,
            permissions_of_user,
            set_permissions_of_user,
        );
    admin
        .register::<group::Entity>()
        .serializer(ModelSerializer::new().with_verbose_name("group"))
        .display(|g| g.name.clone())
        .list_display([group::Column::Name])
        .search_fields([group::Column::Name])
        .ordering([super::asc(group::Column::Name)])
        .many_to_many("permissions", "Permissions", all_permissions, permissions_of_group, set_permissions_of_group);
}

/// `pk` as a row id; an error for anything else (the admin only passes
/// primary keys it has read).
fn id(pk: &str) -> Result<i64, DbErr> {
    pk.parse().map_err(|_| DbErr::Custom(format!("`{pk}` is not an id")))
}

fn all_groups(db: Db) -> BoxFuture<'static, Result<Vec<(String, String)>, DbErr>> {
    Box::pin(async move {
        let groups = group::Entity::find().order_by_asc(group::Column::Name).all(&db).await?;
        Ok(groups.into_iter().map(|g| (g.id.to_string(), g.name)).collect())
    })
}

/// Every permission as Django's select shows it: `shop | product | Can change product`.
fn all_permissions(db: Db) -> BoxFuture<'static, Result<Vec<(String, String)>, DbErr>> {
    Box::pin(async move {
        let perms = permission::Entity::find()
            .order_by_asc(permission::Column::AppLabel)
            .order_by_asc(permission::Column::Model)
            .order_by_asc(permission::Column::Codename)
            .all(&db)
            .await?;
        Ok(perms
            .into_iter()
            .map(|p| (p.id.to_string(), format!("{} | {} | {}", p.app_label, p.model, p.name)))
            .collect())
    })
}

fn groups_of_user(db: Db, pk: String) -> BoxFuture<'static, Result<Vec<String>, DbErr>> {
    Box::pin(async move {
        let links = user_group::Entity::find().filter(user_group::Column::UserId.eq(id(&pk)?)).all(&db).await?;
        Ok(links.into_iter().map(|l| l.group_id.to_string()).collect())
    })
}

fn set_groups_of_user(db: Db, pk: String, values: Vec<String>) -> BoxFuture<'static, Result<(), DbErr>> {
    Box::pin(async move {
        let user_id = id(&pk)?;
        user_group::Entity::delete_many().filter(user_group::Column::UserId.eq(user_id)).exec(&db).await?;
        for value in values {
            user_group::ActiveModel { user_id: Set(user_id), group_id: Set(id(&value)?), ..Default::default() }
                .insert(&db)
                .await?;
        }
        Ok(())
    })
}

fn permissions_of_user(db: Db, pk: String) -> BoxFuture<'static, Result<Vec<String>, DbErr>> {
    Box::pin(async move {
        let links =
            user_permission::Entity::find().filter(user_permission::Column::UserId.eq(id(&pk)?)).all(&db).await?;
        Ok(links.into_iter().map(|l| l.permission_id.to_string()).collect())
    })
}

fn set_permissions_of_user(db: Db, pk: String, values: Vec<String>) -> BoxFuture<'static, Result<(), DbErr>> {
    Box::pin(async move {
        let user_id = id(&pk)?;
        user_permission::Entity::delete_many().filter(user_permission::Column::UserId.eq(user_id)).exec(&db).await?;
        for value in values {
            user_permission::ActiveModel {
                user_id: Set(user_id),
                permission_id: Set(id(&value)?),
                ..Default::default()
            }
            .insert(&db)
            .await?;
        }
        Ok(())
    })
}

fn permissions_of_group(db: Db, pk: String) -> BoxFuture<'static, Result<Vec<String>, DbErr>> {
    Box::pin(async move {
        let links =
            group_permission::Entity::find().filter(group_permission::Column::GroupId.eq(id(&pk)?)).all(&db).await?;
        Ok(links.into_iter().map(|l| l.permission_id.to_string()).collect())
    })
}

fn set_permissions_of_group(db: Db, pk: String, values: Vec<String>) -> BoxFuture<'static, Result<(), DbErr>> {
    Box::pin(async move {
        let group_id = id(&pk)?;
        group_permission::Entity::delete_many()
            .filter(group_permission::Column::GroupId.eq(group_id))
            .exec(&db)
            .await?;
        for value in values {
            group_permission::ActiveModel {
                group_id: Set(group_id),
                permission_id: Set(id(&value)?),
                ..Default::default()
            }
            .insert(&db)
            .await?;
        }
        Ok(())
    })
}
