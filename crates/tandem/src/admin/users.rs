//! Users and groups, registered on every admin site as Django's `auth` app
//! registers them. A user added through the admin starts with an unusable
//! password; the change page links to the password page
//! ([`super::password`]).

use sea_orm::Set;

use super::Admin;
use crate::auth::models::{group, user};
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
        .list_display([U::Username, U::Email, U::FirstName, U::LastName, U::IsStaff])
        .search_fields([U::Username, U::FirstName, U::LastName, U::Email])
        .list_filter([U::IsStaff, U::IsSuperuser, U::IsActive])
        .ordering([super::asc(U::Username)])
        .prepare(|new| {
            new.password = Set(crate::auth::password::make_unusable_password());
            new.date_joined = Set(chrono::Utc::now());
        });
    admin
        .register::<group::Entity>()
        .serializer(ModelSerializer::new().with_verbose_name("group"))
        .display(|g| g.name.clone())
        .list_display([group::Column::Name])
        .search_fields([group::Column::Name])
        .ordering([super::asc(group::Column::Name)]);
}
