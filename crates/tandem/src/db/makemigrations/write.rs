//! Writing the changes as a sea-orm-migration file in the style of the
//! hand-written ones, and adding it to the app's `migrations/mod.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sea_orm::ColumnType;
use sea_orm::sea_query::{Expr, Keyword, StringLen, Value};

use super::diff::Change;
use super::schema::{ColumnSpec, ModelTable};

/// A migration ready to be written.
#[derive(Debug)]
pub(crate) struct Migration {
    /// The module name, `m0003_add_product_stock`.
    pub module: String,
    /// The file's Rust source.
    pub source: String,
}

/// The migration name for `changes` (Django's automatic names): the first
/// change's, with `_and_more` when there are several.
pub(crate) fn name(changes: &[Change], models: &[ModelTable]) -> String {
    let model = |table: &str| {
        models
            .iter()
            .find(|m| m.table == table)
            .and_then(|m| m.label.split_once('.').map(|(_, model)| model.to_string()))
            .unwrap_or_else(|| table.split_once('_').map_or(table, |(_, rest)| rest).to_string())
    };
    let Some(first) = changes.first() else { return "empty".into() };
    let name = match first {
        Change::CreateTable { table } => format!("create_{}", model(table)),
        Change::DropTable { table } => format!("delete_{}", model(table)),
        Change::AddColumn { table, column } => format!("add_{}_{column}", model(table)),
        Change::DropColumn { table, column } => format!("remove_{}_{column}", model(table)),
        Change::AlterColumn { table, column, .. } => format!("alter_{}_{column}", model(table)),
        Change::AddIndex { table, index } => format!("{}_{}_index", model(table), index.columns.join("_")),
        Change::DropIndex { table, index } => format!("remove_{}_{}_index", model(table), index.columns.join("_")),
        Change::AddForeignKey { table, key } => format!("{}_{}_foreign_key", model(table), key.columns.join("_")),
        Change::DropForeignKey { table, key } => {
            format!("remove_{}_{}_foreign_key", model(table), key.columns.join("_"))
        }
    };
    let name = if changes.len() > 1 { format!("{name}_and_more") } else { name };
    sanitize(&name)
}

/// `name` as the tail of a Rust identifier: lower case letters, digits and
/// single underscores, at most 60 characters.
pub(crate) fn sanitize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.truncate(60);
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() { "auto".into() } else { out }
}

/// Where the app's migrations live and the module the next one takes.
pub(crate) struct Folder {
    /// `src/<app>/migrations` under the app root.
    pub dir: PathBuf,
    /// The next number (one after the highest `mNNNN_` file).
    pub number: u32,
}

impl Folder {
    /// Reads `root/src/<app>/migrations`.
    pub(crate) fn open(root: &Path, app: &str) -> Result<Self, String> {
        let dir = root.join("src").join(app).join("migrations");
        let entries = std::fs::read_dir(&dir).map_err(|e| {
            format!(
                "cannot read {}: {e} (the `{app}` app's migrations live in a `migrations` module there)",
                dir.display()
            )
        })?;
        let mut highest = 0;
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().to_string();
            if let Some(number) = migration_number(&file) {
                highest = highest.max(number);
            }
        }
        Ok(Self { dir, number: highest + 1 })
    }

    /// The module name for `name`.
    pub(crate) fn module(&self, name: &str) -> String {
        format!("m{:04}_{name}", self.number)
    }

    /// Writes the migration's file and declares it in `mod.rs`; nothing is
    /// written when `mod.rs` cannot be edited.
    pub(crate) fn write(&self, migration: &Migration) -> Result<PathBuf, String> {
        let mod_rs = self.dir.join("mod.rs");
        let text = std::fs::read_to_string(&mod_rs).map_err(|e| format!("cannot read {}: {e}", mod_rs.display()))?;
        let edited = add_to_mod_rs(&text, &migration.module).ok_or_else(|| {
            format!(
                "cannot see where to add the migration in {}: it needs a `mod mNNNN_…;` line (or a `use` \
                 line), and `Box::new(mNNNN_…::Migration)` items to follow (`….push(…);` lines, or a `vec![…]`, \
                 which may be empty)",
                mod_rs.display()
            )
        })?;
        let file = self.dir.join(format!("{}.rs", migration.module));
        if file.exists() {
            return Err(format!("{} already exists", file.display()));
        }
        std::fs::write(&file, &migration.source).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        std::fs::write(&mod_rs, edited).map_err(|e| format!("cannot write {}: {e}", mod_rs.display()))?;
        Ok(file)
    }
}

/// `0003` of `m0003_add_product_stock.rs`.
fn migration_number(file: &str) -> Option<u32> {
    let stem = file.strip_suffix(".rs")?.strip_prefix('m')?;
    let (digits, _) = stem.split_once('_')?;
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `text` (a `migrations/mod.rs`) with `module` declared and listed last.
///
/// The declaration follows the last `mod mNNNN_…;` (or, in an app without
/// migrations yet, precedes its first `use`). The listing follows the
/// forms an app writes: a `….push(Box::new(mNNNN_…::Migration));` line or
/// one `Box::new(mNNNN_…::Migration),` item a line is repeated with the new
/// module; a one-line `vec![Box::new(…), …]` (what rustfmt makes of a short
/// list) or an empty `vec![]` gets the new item at its end.
pub(crate) fn add_to_mod_rs(text: &str, module: &str) -> Option<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let is_mod = |line: &str| {
        let t = line.trim();
        let t = t.strip_prefix("pub ").unwrap_or(t);
        t.strip_prefix("mod m")
            .and_then(|rest| rest.strip_suffix(';'))
            .is_some_and(|rest| migration_number(&format!("m{rest}.rs")).is_some())
    };
    let is_item = |line: &str| line.contains("Box::new(m") && line.contains("::Migration)");
    let item = format!("Box::new({module}::Migration)");
    // The listing first: its line numbers do not move until the declaration is added.
    let listed = match lines.iter().rposition(|l| is_item(l)) {
        Some(at) if lines[at].contains("vec![") => {
            let close = lines[at].rfind(']')?;
            let before = lines[at][..close].trim_end().trim_end_matches(',').to_string();
            lines[at] = format!("{before}, {item}{}", &lines[at][close..]);
            at
        }
        Some(at) => {
            let line = &lines[at];
            let start = line.find("Box::new(")? + "Box::new(".len();
            let end = start + line[start..].find("::Migration")?;
            let repeated = format!("{}{module}{}", &line[..start], &line[end..]);
            lines.insert(at + 1, repeated);
            at
        }
        None => {
            let at = lines.iter().position(|l| l.trim() == "vec![]")?;
            lines[at] = lines[at].replace("vec![]", &format!("vec![{item}]"));
            at
        }
    };
    let declaration = match lines.iter().rposition(|l| is_mod(l)) {
        Some(at) => {
            let declared = lines[at].trim().trim_start_matches("pub ").trim_start_matches("mod ").trim_end_matches(';');
            (at + 1, lines[at].replace(declared, module))
        }
        None => {
            let at = lines[..listed].iter().position(|l| l.starts_with("use "))?;
            (at, format!("mod {module};\n"))
        }
    };
    lines.insert(declaration.0, declaration.1);
    let mut joined = lines.join("\n");
    if text.ends_with('\n') {
        joined.push('\n');
    }
    Some(joined)
}

/// The Rust source of a migration making `changes` (all of one app); the
/// reasons it cannot be written when some change is not expressible on both
/// SQLite and PostgreSQL.
pub(crate) fn render(module: &str, changes: &[Change], models: &[ModelTable]) -> Result<String, Vec<String>> {
    let mut ctx = Render { models, idens: BTreeMap::new(), backend: false };
    let mut refused = Vec::new();
    let mut up: Vec<String> = Vec::new();
    let mut down: Vec<String> = Vec::new();
    let mut irreversible: Vec<String> = Vec::new();
    let model_of = |table: &str| models.iter().find(|m| m.table == table);

    // Tables SQLite cannot alter in place are rebuilt whole
    // (`tandem::db::migrations::rebuild_table`), which makes every change of
    // theirs at once.
    let rebuilt: BTreeSet<&str> = changes
        .iter()
        .filter(|c| match c {
            Change::AlterColumn { .. } | Change::AddForeignKey { .. } | Change::DropForeignKey { .. } => true,
            Change::DropIndex { index, .. } => index.name.starts_with("sqlite_autoindex_"),
            _ => false,
        })
        .map(Change::table)
        .collect();

    // Drops first (an index before its column), then creations.
    for change in changes.iter().filter(|c| !rebuilt.contains(c.table())) {
        if let Change::DropIndex { table, index } = change {
            up.push(format!(
                "manager\n    .drop_index(Index::drop().name({:?}).table({}).to_owned())\n    .await?;",
                index.name,
                ctx.table(table)
            ));
            down.push(ctx.create_index(table, &index.name, &index.columns, index.unique));
        }
    }
    for change in changes.iter().filter(|c| !rebuilt.contains(c.table())) {
        match change {
            Change::DropColumn { table, column } => {
                up.push(format!(
                    "manager\n    .alter_table(Table::alter().table({}).drop_column({}).to_owned())\n    .await?;",
                    ctx.table(table),
                    ctx.column(table, column)
                ));
                irreversible.push(format!("it removes column {table}.{column}"));
            }
            Change::DropTable { table } => {
                up.push(format!("manager.drop_table(Table::drop().table({}).to_owned()).await?;", ctx.table(table)));
                irreversible.push(format!("it drops table {table}"));
            }
            _ => {}
        }
    }
    let created: Vec<&ModelTable> = creation_order(
        changes
            .iter()
            .filter_map(|c| match c {
                Change::CreateTable { table } => model_of(table),
                _ => None,
            })
            .collect(),
    );
    for model in &created {
        match ctx.create_table(model) {
            Ok(code) => up.push(code),
            Err(reason) => refused.push(reason),
        }
    }
    for table in &rebuilt {
        let Some(model) = model_of(table) else {
            refused.push(format!("{table}: no model describes it"));
            continue;
        };
        let added: Vec<&str> = changes
            .iter()
            .filter_map(|c| match c {
                Change::AddColumn { table: t, column } if t == table => Some(column.as_str()),
                _ => None,
            })
            .collect();
        for column in model.columns.iter().filter(|c| added.contains(&c.name.as_str())) {
            if !column.null && column.default.is_none() && !column.auto_increment {
                refused.push(format!(
                    "{table}.{} is NOT NULL without a default, so existing rows have no value for it: give the \
                     field a `#[sea_orm(default_value = …)]` or make it an `Option`",
                    column.name
                ));
            }
        }
        let kept: Vec<String> =
            model.columns.iter().filter(|c| !added.contains(&c.name.as_str())).map(|c| c.name.clone()).collect();
        match ctx.rebuild_table(model, &kept) {
            Ok(code) => up.push(code),
            Err(reason) => refused.push(reason),
        }
        irreversible.push(format!(
            "it rebuilds table {table} with its new definition and does not write the previous one; to reverse \
             it, call rebuild_table with the previous definition here"
        ));
    }
    for change in changes.iter().filter(|c| !rebuilt.contains(c.table())) {
        let Change::AddColumn { table, column } = change else { continue };
        let Some(spec) = model_of(table).and_then(|m| m.columns.iter().find(|c| &c.name == column)) else {
            refused.push(format!("{table}.{column}: no model describes it"));
            continue;
        };
        if spec.primary_key || spec.auto_increment {
            refused.push(format!("{table}.{column}: a new primary key column cannot be added to an existing table"));
            continue;
        }
        if !spec.null && spec.default.is_none() {
            refused.push(format!(
                "{table}.{column} is NOT NULL without a default, so existing rows have no value for it: give the \
                 field a `#[sea_orm(default_value = …)]` or make it an `Option`"
            ));
            continue;
        }
        if !matches!(spec.default, None | Some(Expr::Value(_))) {
            refused.push(format!(
                "{table}.{column}: SQLite adds a column only with a constant default; write this migration by hand"
            ));
            continue;
        }
        // SQLite cannot add a UNIQUE column; the unique index comes with the indexes below.
        let spec = ColumnSpec { unique: false, ..spec.clone() };
        match ctx.column_def(table, &spec) {
            Ok(def) => {
                up.push(format!(
                    "manager\n    .alter_table(\n        Table::alter()\n            .table({})\n            \
                     .add_column({def})\n            .to_owned(),\n    )\n    .await?;",
                    ctx.table(table)
                ));
                down.push(format!(
                    "manager\n    .alter_table(Table::alter().table({}).drop_column({}).to_owned())\n    .await?;",
                    ctx.table(table),
                    ctx.column(table, column)
                ));
            }
            Err(reason) => refused.push(reason),
        }
    }
    for change in changes.iter().filter(|c| !rebuilt.contains(c.table())) {
        let Change::AddIndex { table, index } = change else { continue };
        let name = if index.name.starts_with("sqlite_autoindex_") {
            format!("{table}_{}_key", index.columns.join("_"))
        } else {
            index.name.clone()
        };
        up.push(ctx.create_index(table, &name, &index.columns, index.unique));
        down.push(format!(
            "manager\n    .drop_index(Index::drop().name({name:?}).table({}).to_owned())\n    .await?;",
            ctx.table(table)
        ));
    }
    for model in created.iter().rev() {
        down.push(format!("manager.drop_table(Table::drop().table({}).to_owned()).await?;", ctx.table(&model.table)));
    }
    if !refused.is_empty() {
        return Err(refused);
    }
    Ok(ctx.file(module, changes, &up, &down, &irreversible))
}

/// `tables` ordered so that a table comes after those its foreign keys
/// reference among them (a cycle keeps the remaining order).
fn creation_order(mut tables: Vec<&ModelTable>) -> Vec<&ModelTable> {
    let mut ordered: Vec<&ModelTable> = Vec::new();
    while !tables.is_empty() {
        let ready = tables
            .iter()
            .position(|t| {
                t.foreign_keys
                    .iter()
                    .all(|k| k.to_table == t.table || !tables.iter().any(|other| other.table == k.to_table))
            })
            .unwrap_or(0);
        ordered.push(tables.remove(ready));
    }
    ordered
}

struct Render<'a> {
    models: &'a [ModelTable],
    /// Table → the identifiers used of it, in order of first use.
    idens: BTreeMap<String, Vec<String>>,
    /// Whether `backend` is needed (decimal columns).
    backend: bool,
}

impl Render<'_> {
    fn table(&mut self, table: &str) -> String {
        self.idens.entry(table.to_string()).or_default();
        format!("{}::Table", pascal(table))
    }

    fn column(&mut self, table: &str, column: &str) -> String {
        let columns = self.idens.entry(table.to_string()).or_default();
        if !columns.iter().any(|c| c == column) {
            columns.push(column.to_string());
        }
        format!("{}::{}", pascal(table), pascal(column))
    }

    fn create_index(&mut self, table: &str, name: &str, columns: &[String], unique: bool) -> String {
        let mut code = format!(
            "manager\n    .create_index(\n        Index::create()\n            .name({name:?})\n            .table({})",
            self.table(table)
        );
        for column in columns {
            let _ = write!(code, "\n            .col({})", self.column(table, column));
        }
        if unique {
            code.push_str("\n            .unique()");
        }
        code.push_str("\n            .to_owned(),\n    )\n    .await?;");
        code
    }

    fn column_def(&mut self, table: &str, spec: &ColumnSpec) -> Result<String, String> {
        let iden = self.column(table, &spec.name);
        let mut code = match &spec.col_type {
            ColumnType::Decimal(Some((digits, places))) => {
                self.backend = true;
                format!("tandem::db::decimal_column(backend, {iden}, {digits}, {places})")
            }
            other => {
                let method = type_method(other)
                    .ok_or_else(|| format!("{table}.{}: no migration code for the column type {other:?}", spec.name))?;
                format!("ColumnDef::new({iden}).{method}")
            }
        };
        if !spec.null {
            code.push_str(".not_null()");
        }
        if spec.unique {
            code.push_str(".unique_key()");
        }
        if let Some(default) = &spec.default {
            let value = default_code(default)
                .ok_or_else(|| format!("{table}.{}: no migration code for the default {default:?}", spec.name))?;
            let _ = write!(code, ".default({value})");
        }
        if spec.auto_increment && spec.primary_key {
            code.push_str(".auto_increment()");
        }
        if spec.primary_key {
            code.push_str(".primary_key()");
        }
        Ok(code)
    }

    fn create_table(&mut self, model: &ModelTable) -> Result<String, String> {
        let table = self.table_statement(model)?;
        let mut code = format!("manager\n    .create_table(\n{}    )\n    .await?;", indent(&format!("{table},"), 8));
        for index in &model.indexes {
            code.push('\n');
            code.push_str(&self.create_index(&model.table, &index.name, &index.columns, index.unique));
        }
        Ok(code)
    }

    /// `Table::create()…to_owned()` with the model's whole definition.
    fn table_statement(&mut self, model: &ModelTable) -> Result<String, String> {
        let table = &model.table;
        let mut code = format!("Table::create()\n    .table({})", self.table(table));
        for column in &model.columns {
            let def = self.column_def(table, column)?;
            let _ = write!(code, "\n    .col({def})");
        }
        if !model.composite_key.is_empty() {
            code.push_str("\n    .primary_key(Index::create()");
            for column in &model.composite_key {
                let _ = write!(code, ".col({})", self.column(table, column));
            }
            code.push(')');
        }
        for key in &model.foreign_keys {
            code.push_str("\n    .foreign_key(\n        ForeignKey::create()");
            if key.columns.len() == 1 && key.to_columns.len() == 1 {
                let from = format!("{}, {}", self.table(table), self.column(table, &key.columns[0]));
                let to = format!("{}, {}", self.table(&key.to_table), self.column(&key.to_table, &key.to_columns[0]));
                let _ = write!(code, "\n            .from({from})\n            .to({to})");
            } else {
                let _ = write!(code, "\n            .from_tbl({})", self.table(table));
                for column in &key.columns {
                    let _ = write!(code, "\n            .from_col({})", self.column(table, column));
                }
                let _ = write!(code, "\n            .to_tbl({})", self.table(&key.to_table));
                for column in &key.to_columns {
                    let _ = write!(code, "\n            .to_col({})", self.column(&key.to_table, column));
                }
            }
            if let Some(action) = key.on_delete {
                let _ = write!(code, "\n            .on_delete(ForeignKeyAction::{action:?})");
            }
            if let Some(action) = key.on_update {
                let _ = write!(code, "\n            .on_update(ForeignKeyAction::{action:?})");
            }
            code.push_str(",\n    )");
        }
        code.push_str("\n    .to_owned()");
        Ok(code)
    }

    /// A call of `tandem::db::migrations::rebuild_table` giving `model`'s
    /// table its whole new definition, keeping the values of `kept`.
    fn rebuild_table(&mut self, model: &ModelTable, kept: &[String]) -> Result<String, String> {
        let table = self.table_statement(model)?;
        let mut code =
            format!("tandem::db::migrations::rebuild_table(\n    manager,\n{}", indent(&format!("{table},"), 4));
        code.push_str("    vec![");
        for index in &model.indexes {
            let mut stmt =
                format!("Index::create()\n    .name({:?})\n    .table({})", index.name, self.table(&model.table));
            for column in &index.columns {
                let _ = write!(stmt, "\n    .col({})", self.column(&model.table, column));
            }
            if index.unique {
                stmt.push_str("\n    .unique()");
            }
            stmt.push_str("\n    .to_owned(),");
            code.push('\n');
            code.push_str(&indent(&stmt, 8));
        }
        if !model.indexes.is_empty() {
            code.push_str("    ");
        }
        code.push_str("],\n");
        let names: Vec<String> = kept.iter().map(|c| format!("{c:?}")).collect();
        let _ = writeln!(code, "    &[{}],", names.join(", "));
        code.push_str(")\n.await?;");
        Ok(code)
    }

    fn file(
        &self,
        module: &str,
        changes: &[Change],
        up: &[String],
        down: &[String],
        irreversible: &[String],
    ) -> String {
        let mut out = format!("//! `{module}`, written by `makemigrations`; edit it freely.\n//!\n");
        for change in changes {
            let _ = writeln!(out, "//! * {change}");
        }
        // Through Tandem's re-exports, so the app needs no dependency of its own.
        out.push_str(
            "\nuse tandem::sea_orm_migration::prelude::*;\nuse tandem::sea_orm_migration::{self, sea_orm};\n\n\
             #[derive(DeriveMigrationName)]\npub struct Migration;\n",
        );
        for (table, columns) in &self.idens {
            let _ = write!(out, "\n#[derive(DeriveIden)]\nenum {} {{\n", pascal(table));
            if !iden_round_trips(table) {
                let _ = writeln!(out, "    #[sea_orm(iden = {table:?})]");
            }
            out.push_str("    Table,\n");
            for column in columns {
                if !iden_round_trips(column) {
                    let _ = writeln!(out, "    #[sea_orm(iden = {column:?})]");
                }
                let _ = writeln!(out, "    {},", pascal(column));
            }
            out.push_str("}\n");
        }
        let _ = self.models;
        out.push_str("\n#[async_trait::async_trait]\nimpl MigrationTrait for Migration {\n");
        out.push_str("    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {\n");
        if self.backend {
            out.push_str("        let backend = manager.get_database_backend();\n");
        }
        for step in up {
            out.push_str(&indent(step, 8));
        }
        out.push_str("        Ok(())\n    }\n\n");
        out.push_str("    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {\n");
        if irreversible.is_empty() {
            for step in down.iter().rev() {
                out.push_str(&indent(step, 8));
            }
            out.push_str("        Ok(())\n");
        } else {
            let _ = writeln!(out, "        let _ = manager;");
            let _ = writeln!(
                out,
                "        Err(DbErr::Migration({:?}.into()))",
                format!("{module} cannot be reversed: {}", irreversible.join("; "))
            );
        }
        out.push_str("    }\n}\n");
        out
    }
}

fn indent(code: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    code.lines().map(|l| format!("{pad}{l}\n")).collect()
}

/// `shop_product` → `ShopProduct`.
pub(crate) fn pascal(name: &str) -> String {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Whether `DeriveIden` spells [`pascal`]`(name)` back as `name`: lower-case
/// words of ASCII letters and digits, each starting with a letter.
fn iden_round_trips(name: &str) -> bool {
    !name.is_empty()
        && name.split('_').all(|w| {
            w.starts_with(|c: char| c.is_ascii_lowercase())
                && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// The `ColumnDef` builder call for a type.
fn type_method(col_type: &ColumnType) -> Option<String> {
    Some(match col_type {
        ColumnType::Char(Some(n)) => format!("char_len({n})"),
        ColumnType::Char(None) => "char()".into(),
        ColumnType::String(StringLen::N(n)) => format!("string_len({n})"),
        ColumnType::String(StringLen::None) => "string()".into(),
        ColumnType::Text => "text()".into(),
        ColumnType::TinyInteger => "tiny_integer()".into(),
        ColumnType::SmallInteger => "small_integer()".into(),
        ColumnType::Integer => "integer()".into(),
        ColumnType::BigInteger => "big_integer()".into(),
        ColumnType::TinyUnsigned => "tiny_unsigned()".into(),
        ColumnType::SmallUnsigned => "small_unsigned()".into(),
        ColumnType::Unsigned => "unsigned()".into(),
        ColumnType::BigUnsigned => "big_unsigned()".into(),
        ColumnType::Float => "float()".into(),
        ColumnType::Double => "double()".into(),
        ColumnType::Decimal(None) => "decimal()".into(),
        ColumnType::DateTime => "date_time()".into(),
        ColumnType::Timestamp => "timestamp()".into(),
        ColumnType::TimestampWithTimeZone => "timestamp_with_time_zone()".into(),
        ColumnType::Time => "time()".into(),
        ColumnType::Date => "date()".into(),
        ColumnType::Binary(n) => format!("binary_len({n})"),
        ColumnType::VarBinary(StringLen::N(n)) => format!("var_binary({n})"),
        ColumnType::Blob => "blob()".into(),
        ColumnType::Boolean => "boolean()".into(),
        ColumnType::Json => "json()".into(),
        ColumnType::JsonBinary => "json_binary()".into(),
        ColumnType::Uuid => "uuid()".into(),
        _ => return None,
    })
}

/// Rust for a default value.
fn default_code(default: &Expr) -> Option<String> {
    Some(match default {
        Expr::Value(value) => match value {
            Value::Bool(Some(b)) => b.to_string(),
            Value::TinyInt(Some(n)) => format!("{n}i8"),
            Value::SmallInt(Some(n)) => format!("{n}i16"),
            Value::Int(Some(n)) => n.to_string(),
            Value::BigInt(Some(n)) => format!("{n}i64"),
            Value::TinyUnsigned(Some(n)) => format!("{n}u8"),
            Value::SmallUnsigned(Some(n)) => format!("{n}u16"),
            Value::Unsigned(Some(n)) => format!("{n}u32"),
            Value::BigUnsigned(Some(n)) => format!("{n}u64"),
            Value::Float(Some(n)) if n.is_finite() => format!("{n:?}f32"),
            Value::Double(Some(n)) if n.is_finite() => format!("{n:?}f64"),
            Value::String(Some(s)) => format!("{s:?}"),
            Value::Char(Some(c)) => format!("{c:?}"),
            _ => return None,
        },
        Expr::Keyword(Keyword::CurrentTimestamp) => "Expr::current_timestamp()".into(),
        Expr::Keyword(Keyword::CurrentDate) => "Expr::current_date()".into(),
        Expr::Keyword(Keyword::CurrentTime) => "Expr::current_time()".into(),
        _ => return None,
    })
}
