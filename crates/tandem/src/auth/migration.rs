//! Creates the auth tables: users, groups, permissions and their links.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_pk_auto, boolean, string_len, string_len_uniq, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
};

/// `tandem_0002_auth`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "tandem_0002_auth"
    }
}

#[derive(DeriveIden)]
enum AuthUser {
    Table,
    Id,
    Password,
    LastLogin,
    IsSuperuser,
    Username,
    FirstName,
    LastName,
    Email,
    IsStaff,
    IsActive,
    DateJoined,
}

#[derive(DeriveIden)]
enum AuthGroup {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
enum AuthPermission {
    Table,
    Id,
    Name,
    AppLabel,
    Model,
    Codename,
}

/// A link table between `left` and `right`, unique per pair, rows deleted
/// with either side.
fn link(table: &str, left: (&str, AuthTable), right: (&str, AuthTable)) -> TableCreateStatement {
    let mut create = Table::create();
    create.table(Alias::new(table)).col(big_pk_auto(Alias::new("id")));
    for (column, target) in [left, right] {
        create.col(big_integer(Alias::new(column))).foreign_key(
            ForeignKey::create()
                .from(Alias::new(table), Alias::new(column))
                .to(target.table(), Alias::new("id"))
                .on_delete(ForeignKeyAction::Cascade),
        );
    }
    create
        .index(Index::create().unique().name(format!("{table}_pair")).col(Alias::new(left.0)).col(Alias::new(right.0)))
        .to_owned()
}

#[derive(Clone, Copy)]
enum AuthTable {
    User,
    Group,
    Permission,
}

impl AuthTable {
    fn table(self) -> DynIden {
        match self {
            AuthTable::User => AuthUser::Table.into_iden(),
            AuthTable::Group => AuthGroup::Table.into_iden(),
            AuthTable::Permission => AuthPermission::Table.into_iden(),
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuthUser::Table)
                    .col(big_pk_auto(AuthUser::Id))
                    .col(string_len(AuthUser::Password, 128))
                    .col(timestamp_with_time_zone_null(AuthUser::LastLogin))
                    .col(boolean(AuthUser::IsSuperuser).default(false))
                    .col(string_len_uniq(AuthUser::Username, 150))
                    .col(string_len(AuthUser::FirstName, 150).default(""))
                    .col(string_len(AuthUser::LastName, 150).default(""))
                    .col(string_len(AuthUser::Email, 254).default(""))
                    .col(boolean(AuthUser::IsStaff).default(false))
                    .col(boolean(AuthUser::IsActive).default(true))
                    .col(timestamp_with_time_zone(AuthUser::DateJoined))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuthGroup::Table)
                    .col(big_pk_auto(AuthGroup::Id))
                    .col(string_len_uniq(AuthGroup::Name, 150))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuthPermission::Table)
                    .col(big_pk_auto(AuthPermission::Id))
                    .col(string_len(AuthPermission::Name, 255))
                    .col(string_len(AuthPermission::AppLabel, 100))
                    .col(string_len(AuthPermission::Model, 100))
                    .col(string_len(AuthPermission::Codename, 100))
                    .index(
                        Index::create()
                            .unique()
                            .name("auth_permission_model_codename")
                            .col(AuthPermission::AppLabel)
                            .col(AuthPermission::Model)
                            .col(AuthPermission::Codename),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(link("auth_user_groups", ("user_id", AuthTable::User), ("group_id", AuthTable::Group)))
            .await?;
        manager
            .create_table(link(
                "auth_group_permissions",
                ("group_id", AuthTable::Group),
                ("permission_id", AuthTable::Permission),
            ))
            .await?;
        manager
            .create_table(link(
                "auth_user_user_permissions",
                ("user_id", AuthTable::User),
                ("permission_id", AuthTable::Permission),
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["auth_user_user_permissions", "auth_group_permissions", "auth_user_groups"] {
            manager.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(AuthPermission::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AuthGroup::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AuthUser::Table).to_owned()).await
    }
}
