//! A tab's large fields, kept apart from its row (`tandem_ui_tab_part`).
//!
//! The embedded store writes a whole tab on every change it keeps, and a
//! state holding a 1,000-row list would otherwise rewrite the list with
//! every event that changes anything else. So a field whose JSON text is
//! [`LARGE`] bytes or more is stored in a row of its own, named
//! `state.field`, and the tab's JSON holds a marker in its place; the
//! writer rewrites that row only when the field's text is a new one (a
//! field's text is the same allocation until the field changes, see
//! [`super::live`]). Reading a tab back splices the parts into its JSON.
//!
//! ```
//! use serde_json::json;
//! use tandem::ui::tab_parts::splice;
//!
//! let mut states = json!({"catalog": {"page": 2, "rows": {"__tandem_part__": true}}});
//! let states = states.as_object_mut().unwrap();
//! splice(states, [("catalog.rows".to_string(), "[1,2,3]".to_string())]);
//! assert_eq!(states["catalog"], json!({"page": 2, "rows": [1, 2, 3]}));
//! ```

use serde_json::{Map, Value};

/// The size from which a field's JSON text is kept in a row of its own.
pub const LARGE: usize = 2048;

/// Puts each of `parts` (`state.field` → JSON text) in `states` where the
/// stored JSON marks it as kept apart. A part the JSON does not mark (left
/// from an earlier write that kept the field apart) is ignored.
pub fn splice(states: &mut Map<String, Value>, parts: impl IntoIterator<Item = (String, String)>) {
    let marker: Value = serde_json::from_str(super::live::PART_MARKER).unwrap_or_default();
    for (name, text) in parts {
        let Some((state, field)) = name.rsplit_once('.') else { continue };
        let Some(slot) = states.get_mut(state).and_then(|state| state.get_mut(field)) else { continue };
        if *slot == marker {
            match serde_json::from_str(&text) {
                Ok(value) => *slot = value,
                Err(error) => tracing::error!(part = %name, %error, "a stored part of a tab is not JSON"),
            }
        }
    }
}

/// Whether a tab's stored JSON has parts kept apart.
pub(crate) fn has_parts(data: &str) -> bool {
    data.contains(super::live::PART_MARKER)
}

/// `tandem_ui_tab_part`.
pub mod model {
    use sea_orm::entity::prelude::*;

    /// One large field of one tab's state.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tandem_ui_tab_part")]
    pub struct Model {
        /// The tab's token.
        #[sea_orm(primary_key, auto_increment = false, column_type = "String(StringLen::N(64))")]
        pub token: String,
        /// `state.field` (a state's name has no length limit).
        #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
        pub name: String,
        /// The field's JSON.
        #[sea_orm(column_type = "Text")]
        pub data: String,
    }

    /// Queried directly.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Creates `tandem_ui_tab_part`.
pub mod migration {
    use sea_orm_migration::prelude::*;
    use sea_orm_migration::schema::{string_len, text};

    /// `tandem_0006_ui_tab_parts`.
    pub struct Migration;

    impl MigrationName for Migration {
        fn name(&self) -> &str {
            "tandem_0006_ui_tab_parts"
        }
    }

    #[derive(DeriveIden)]
    enum TandemUiTabPart {
        Table,
        Token,
        Name,
        Data,
    }

    #[async_trait::async_trait]
    impl MigrationTrait for Migration {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager
                .create_table(
                    Table::create()
                        .table(TandemUiTabPart::Table)
                        .col(string_len(TandemUiTabPart::Token, 64))
                        .col(text(TandemUiTabPart::Name))
                        .col(text(TandemUiTabPart::Data))
                        .primary_key(Index::create().col(TandemUiTabPart::Token).col(TandemUiTabPart::Name))
                        .to_owned(),
                )
                .await
        }

        async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager.drop_table(Table::drop().table(TandemUiTabPart::Table).to_owned()).await
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_part_the_json_does_not_mark_is_ignored() {
        let mut states = json!({"a": {"rows": [9], "other": {"__tandem_part__": true}}});
        let states = states.as_object_mut().unwrap();
        splice(
            states,
            [
                ("a.rows".to_string(), "[1]".to_string()),
                ("a.other".to_string(), "\"kept apart\"".to_string()),
                ("gone.rows".to_string(), "[]".to_string()),
            ],
        );
        assert_eq!(states["a"], json!({"rows": [9], "other": "kept apart"}));
    }
}
