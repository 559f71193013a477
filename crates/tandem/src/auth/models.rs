//! Django's `django.contrib.auth` tables: users, groups, permissions and the
//! links between them.

/// `auth_user`: an account that can log in.
pub mod user {
    use sea_orm::entity::prelude::*;

    /// A user. `Debug` never shows the password hash.
    #[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_user")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// `argon2$argon2id$v=19$…`, Django's Argon2 format; `!` + random means
        /// no usable password.
        #[sea_orm(column_type = "String(StringLen::N(128))")]
        pub password: String,
        /// Last successful login.
        pub last_login: Option<DateTimeUtc>,
        /// Has every permission without being granted any.
        pub is_superuser: bool,
        /// Unique login name, at most 150 characters.
        #[sea_orm(unique, column_type = "String(StringLen::N(150))")]
        pub username: String,
        /// Given name.
        #[sea_orm(column_type = "String(StringLen::N(150))")]
        pub first_name: String,
        /// Family name.
        #[sea_orm(column_type = "String(StringLen::N(150))")]
        pub last_name: String,
        /// E-mail address.
        #[sea_orm(column_type = "String(StringLen::N(254))")]
        pub email: String,
        /// May use staff pages.
        pub is_staff: bool,
        /// Inactive users cannot log in.
        pub is_active: bool,
        /// When the account was created.
        pub date_joined: DateTimeUtc,
    }

    impl std::fmt::Debug for Model {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("User")
                .field("id", &self.id)
                .field("username", &self.username)
                .field("is_active", &self.is_active)
                .field("is_staff", &self.is_staff)
                .field("is_superuser", &self.is_superuser)
                .finish_non_exhaustive()
        }
    }

    /// Links are queried through their own entities.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `auth_group`: a named set of permissions.
pub mod group {
    use sea_orm::entity::prelude::*;

    /// A group.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_group")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Unique name.
        #[sea_orm(unique, column_type = "String(StringLen::N(150))")]
        pub name: String,
    }

    /// Links are queried through their own entities.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `auth_permission`: `app_label.codename`, e.g. `shop.add_product`.
pub mod permission {
    use sea_orm::entity::prelude::*;

    /// A permission on one model.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_permission")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Human name, e.g. `Can add product`.
        #[sea_orm(column_type = "String(StringLen::N(255))")]
        pub name: String,
        /// The model's app, e.g. `shop`.
        #[sea_orm(column_type = "String(StringLen::N(100))")]
        pub app_label: String,
        /// The model, e.g. `product`.
        #[sea_orm(column_type = "String(StringLen::N(100))")]
        pub model: String,
        /// e.g. `add_product`.
        #[sea_orm(column_type = "String(StringLen::N(100))")]
        pub codename: String,
    }

    /// Links are queried through their own entities.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

macro_rules! link_table {
    ($module:ident, $table:literal, $doc:literal, $left:ident, $right:ident) => {
        #[doc = $doc]
        pub mod $module {
            use sea_orm::entity::prelude::*;

            #[doc = $doc]
            #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model {
                /// Primary key.
                #[sea_orm(primary_key)]
                pub id: i64,
                /// The owning side.
                pub $left: i64,
                /// The granted side.
                pub $right: i64,
            }

            /// Plain link rows.
            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

link_table!(user_group, "auth_user_groups", "`auth_user_groups`: a user's membership of a group.", user_id, group_id);
link_table!(
    group_permission,
    "auth_group_permissions",
    "`auth_group_permissions`: a permission granted to a group.",
    group_id,
    permission_id
);
link_table!(
    user_permission,
    "auth_user_user_permissions",
    "`auth_user_user_permissions`: a permission granted to one user.",
    user_id,
    permission_id
);
