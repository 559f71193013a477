//! The change list (`/admin/<app>/<model>/`): a page of rows read with
//! `LIMIT`/`OFFSET` (100 by default), columns sortable by a click, the
//! search box over `search_fields` (`?q=` on arrival), the filters of
//! `list_filter` with their counts, checkboxes and bulk actions ("Delete
//! selected" with its confirmation, and the model's own). The page is live
//! on the model's table.
//!
//! State [`ChangeList`]; events `load`, `refresh`, `search(text)`,
//! `sort(key)`, `filter(name, value)`, `goto(page)`, `next_page`,
//! `prev_page`, `toggle(pk)`, `toggle_all`, `run_action(form)`,
//! `confirm_action`, `cancel_action`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::delete::{Preview, items};
use super::layout::{Chrome, model_crumbs, page};
use super::model::{AdminModel, ListQuery, capitalize};
use super::{Site, can, require, site};
use crate::ui::components::next_ordering;
use crate::ui::model_state::Action;
use crate::ui::node::*;
use crate::ui::{EventContext, EventError, Level, State, events};

/// A column header.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnHead {
    /// The column's name (`price`); empty for the row's text.
    pub key: String,
    /// The header.
    pub label: String,
    /// Whether a click sorts by it.
    pub sortable: bool,
    /// `ascending`, `descending` or `none`.
    pub sort: String,
}

/// One cell.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Its position.
    pub i: usize,
    /// Its text.
    pub text: String,
    /// The change page's address, in the first cell only.
    pub link: String,
}

/// One row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The primary key.
    pub pk: String,
    /// Its cells.
    pub cells: Vec<Cell>,
    /// Whether its checkbox is ticked.
    pub checked: bool,
    /// The checkbox's accessible name.
    pub check_label: String,
}

/// A choice of a filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterChoice {
    /// The value (`""`: all).
    pub value: String,
    /// `Yes (12)`.
    pub label: String,
    /// Whether it is the filter's current choice.
    pub active: bool,
}

/// A filter of the side bar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterView {
    /// The column.
    pub name: String,
    /// `By is active`.
    pub label: String,
    /// Its choices, "All" first.
    pub choices: Vec<FilterChoice>,
}

/// A bulk action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActionView {
    /// Its name.
    pub name: String,
    /// What the select says.
    pub label: String,
}

/// The change list's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, State)]
#[state(name = "admin_changelist")]
pub struct ChangeList {
    /// Header, breadcrumbs and title.
    #[serde(flatten)]
    pub chrome: Chrome,
    /// The model's plural.
    pub plural: String,
    /// The headers.
    pub columns: Vec<ColumnHead>,
    /// The current page's rows.
    pub rows: Vec<Row>,
    /// How many rows match.
    pub count: u64,
    /// `12 products`.
    pub count_label: String,
    /// The page shown, from 1.
    pub page: u64,
    /// How many pages.
    pub pages: u64,
    /// `Page 2 of 5`.
    pub page_label: String,
    /// Whether this is the first page.
    pub first_page: bool,
    /// Whether this is the last page.
    pub last_page: bool,
    /// Whether the model has a search box.
    pub has_search: bool,
    /// What the search box holds.
    pub search: String,
    /// The sort (`-price`).
    pub ordering: String,
    /// The filters' current values by column.
    pub active: BTreeMap<String, String>,
    /// The filters.
    pub filters: Vec<FilterView>,
    /// The bulk actions the user may run.
    pub actions: Vec<ActionView>,
    /// The ticked rows' primary keys.
    pub selected: Vec<String>,
    /// `2 of 100 selected`.
    pub selected_label: String,
    /// Whether every row of the page is ticked.
    pub all_checked: bool,
    /// Whether the user may add.
    pub can_add: bool,
    /// The add page's address.
    pub add_url: String,
    /// `Add product`.
    pub add_label: String,
    /// The action awaiting confirmation.
    pub pending: String,
    /// The confirmation's question.
    pub confirm_text: String,
    /// What the pending deletion takes along.
    pub preview: Preview,
    /// Whether related rows forbid the pending deletion.
    pub blocked: bool,
    /// Why the address's search, sort or filters were not applied.
    pub problem: String,
}

/// The query parameters the change list reads on arrival.
fn from_query(query: &BTreeMap<String, String>, filters: &[String]) -> ListQuery {
    ListQuery {
        search: query.get("q").cloned().unwrap_or_default(),
        ordering: query.get("o").cloned().unwrap_or_default(),
        filters: filters.iter().filter_map(|f| query.get(f).map(|v| (f.clone(), v.clone()))).collect(),
        page: query.get("p").and_then(|p| p.parse().ok()).unwrap_or(1),
        per_page: 0,
    }
}

/// The longest search accepted, in characters.
const MAX_SEARCH: usize = 200;

impl ChangeList {
    fn query(&self, m: &dyn AdminModel) -> ListQuery {
        ListQuery {
            search: self.search.clone(),
            ordering: self.ordering.clone(),
            filters: self.active.clone(),
            page: self.page,
            per_page: m.per_page(),
        }
    }

    /// Reads the rows, the filters' counts and the labels for the query.
    async fn fill(&mut self, site: &Site, m: &dyn AdminModel, ctx: &EventContext) -> Result<(), EventError> {
        let query = self.query(m);
        let list = m.list(&ctx.db, site, &query).await?;
        let filters = m.filters(&ctx.db, site, &query).await?;
        self.count = list.count;
        self.page = list.page;
        self.pages = list.pages;
        self.page_label = format!("Page {} of {}", list.page, list.pages);
        self.first_page = list.page == 1;
        self.last_page = list.page == list.pages;
        self.count_label = format!("{} {}", list.count, if list.count == 1 { m.verbose() } else { m.plural() });
        self.columns = m
            .columns()
            .into_iter()
            .map(|c| {
                let sort = if c.key.is_empty() {
                    "none"
                } else if self.ordering == c.key {
                    "ascending"
                } else if self.ordering == format!("-{}", c.key) {
                    "descending"
                } else {
                    "none"
                };
                ColumnHead { sortable: !c.key.is_empty(), sort: sort.into(), key: c.key, label: c.label }
            })
            .collect();
        let visible: Vec<String> = list.rows.iter().map(|(pk, _)| pk.clone()).collect();
        self.selected.retain(|pk| visible.contains(pk));
        self.rows = list
            .rows
            .into_iter()
            .map(|(pk, cells)| {
                let link = site.url(m, &format!("{pk}/change/"));
                let first = cells.first().cloned().unwrap_or_default();
                Row {
                    checked: self.selected.contains(&pk),
                    check_label: format!("Select {first}"),
                    cells: cells
                        .into_iter()
                        .enumerate()
                        .map(|(i, text)| Cell { i, text, link: if i == 0 { link.clone() } else { String::new() } })
                        .collect(),
                    pk,
                }
            })
            .collect();
        self.filters = filters
            .into_iter()
            .map(|f| {
                let current = self.active.get(&f.name).cloned().unwrap_or_default();
                let mut choices =
                    vec![FilterChoice { value: String::new(), label: "All".into(), active: current.is_empty() }];
                choices.extend(f.choices.into_iter().map(|(value, label, count)| FilterChoice {
                    active: value == current,
                    label: format!("{label} ({count})"),
                    value,
                }));
                FilterView { label: format!("By {}", f.label.to_lowercase()), name: f.name, choices }
            })
            .collect();
        self.update_selection();
        Ok(())
    }

    fn update_selection(&mut self) {
        for row in &mut self.rows {
            row.checked = self.selected.contains(&row.pk);
        }
        self.all_checked = !self.rows.is_empty() && self.rows.iter().all(|r| r.checked);
        self.selected_label = format!("{} of {} selected", self.selected.len(), self.rows.len());
    }

    async fn model<'s>(site: &'s Site, ctx: &EventContext) -> Result<&'s dyn AdminModel, EventError> {
        let m = site.model_of_path(&ctx.router.path)?;
        if can(&ctx.db, &ctx.user, m, Action::View).await? || can(&ctx.db, &ctx.user, m, Action::Change).await? {
            Ok(m)
        } else {
            Err(EventError::new(format!("You do not have permission to view {}.", m.plural())))
        }
    }
}

#[events]
impl ChangeList {
    /// The first page for the address's `?q=`, `?o=`, `?p=` and filters.
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let site = site()?;
        let m = Self::model(&site, ctx).await?;
        let names: Vec<String> = m.columns().into_iter().map(|c| c.key).collect();
        let filter_names = m.filter_names(&site);
        let query = from_query(&ctx.router.query, &filter_names);
        let title = format!(
            "Select {} to {}",
            m.verbose(),
            if can(&ctx.db, &ctx.user, m, Action::Change).await? { "change" } else { "view" }
        );
        let mut actions = Vec::new();
        if can(&ctx.db, &ctx.user, m, Action::Delete).await? {
            actions
                .push(ActionView { name: "delete_selected".into(), label: format!("Delete selected {}", m.plural()) });
        }
        if can(&ctx.db, &ctx.user, m, Action::Change).await? {
            actions.extend(m.actions().iter().map(|a| ActionView { name: a.name.clone(), label: a.label.clone() }));
        }
        let ordering_ok = {
            let key = query.ordering.trim_start_matches('-');
            !key.is_empty() && names.iter().any(|n| n == key)
        };
        *self = ChangeList {
            chrome: Chrome::new(&site, &ctx.user, &title, model_crumbs(&site, m)),
            plural: capitalize(&m.plural()),
            has_search: m.has_search(),
            search: query.search.chars().take(MAX_SEARCH).collect(),
            ordering: if ordering_ok { query.ordering } else { String::new() },
            active: query.filters,
            page: query.page.max(1),
            can_add: can(&ctx.db, &ctx.user, m, Action::Add).await?,
            add_url: site.url(m, "add/"),
            add_label: format!("Add {}", m.verbose()),
            actions,
            ..ChangeList::default()
        };
        if let Err(refused) = self.fill(&site, m, ctx).await {
            // Django's `?e=1`: the address asked for what cannot be shown;
            // say so and show every row.
            self.problem = format!("The address’s search or filters were not applied: {}", refused.message);
            self.search.clear();
            self.ordering.clear();
            self.active.clear();
            self.page = 1;
            self.fill(&site, m, ctx).await?;
        }
        Ok(())
    }

    /// Reads the current page again (the table changed somewhere).
    pub async fn refresh(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let site = site()?;
        let m = Self::model(&site, ctx).await?;
        self.fill(&site, m, ctx).await
    }

    /// Shows the rows matching `text`, from the first page.
    pub async fn search(&mut self, ctx: &mut EventContext, text: String) -> Result<(), EventError> {
        if text.chars().count() > MAX_SEARCH {
            return Err(EventError::new(format!("Search for at most {MAX_SEARCH} characters.")));
        }
        let site = site()?;
        let m = Self::model(&site, ctx).await?;
        self.search = text;
        self.page = 1;
        self.fill(&site, m, ctx).await
    }

    /// Sorts by column `key` (ascending, then flipping), from the first page.
    pub async fn sort(&mut self, ctx: &mut EventContext, key: String) -> Result<(), EventError> {
        let site = site()?;
        let m = Self::model(&site, ctx).await?;
        if key.is_empty() || !m.columns().iter().any(|c| c.key == key) {
            return Err(EventError::new(format!("Cannot sort by `{}`.", crate::http::log::clip(&key))));
        }
        self.ordering = next_ordering(&self.ordering, &key);
        self.page = 1;
        self.fill(&site, m, ctx).await
    }

    /// Narrows the rows to `value` of filter `name` (`""`: all).
    pub async fn filter(&mut self, ctx: &mut EventContext, name: String, value: String) -> Result<(), EventError> {
        let site = site()?;
        let m = Self::model(&site, ctx).await?;
        if !self.filters.iter().any(|f| f.name == name) {
            return Err(EventError::new(format!("Cannot filter by `{}`.", crate::http::log::clip(&name))));
        }
        if value.chars().count() > MAX_SEARCH {
            return Err(EventError::new("That filter value is too long."));
        }
        if value.is_empty() {
            self.active.remove(&name);
        } else {
            self.active.insert(name, value);
        }
        self.page = 1;
        self.fill(&site, m, ctx).await
    }

    /// Shows page `page` (clamped to the pages there are).
    pub async fn goto(&mut self, ctx: &mut EventContext, page: i64) -> Result<(), EventError> {
        let site = site()?;
        let m = Self::model(&site, ctx).await?;
        self.page = u64::try_from(page).unwrap_or(1).max(1);
        self.fill(&site, m, ctx).await
    }

    /// The next page.
    pub async fn next_page(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let next = i64::try_from(self.page.saturating_add(1)).unwrap_or(i64::MAX);
        self.goto(ctx, next).await
    }

    /// The previous page.
    pub async fn prev_page(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let previous = i64::try_from(self.page.saturating_sub(1).max(1)).unwrap_or(1);
        self.goto(ctx, previous).await
    }

    /// Ticks or unticks row `pk` of the page.
    pub async fn toggle(&mut self, pk: String) -> Result<(), EventError> {
        if !self.rows.iter().any(|r| r.pk == pk) {
            return Err(EventError::new("That row is not on this page."));
        }
        match self.selected.iter().position(|s| *s == pk) {
            Some(at) => {
                self.selected.remove(at);
            }
            None => self.selected.push(pk),
        }
        self.update_selection();
        Ok(())
    }

    /// Ticks every row of the page, or none when all are.
    pub async fn toggle_all(&mut self) {
        self.selected = if self.all_checked { Vec::new() } else { self.rows.iter().map(|r| r.pk.clone()).collect() };
        self.update_selection();
    }

    /// Runs the chosen action on the ticked rows; "Delete selected" first
    /// asks to confirm.
    pub async fn run_action(&mut self, ctx: &mut EventContext, form: Map<String, Value>) -> Result<(), EventError> {
        let site = site()?;
        let m = Self::model(&site, ctx).await?;
        let action = form.get("action").and_then(Value::as_str).unwrap_or_default().to_string();
        if !self.actions.iter().any(|a| a.name == action) {
            return Err(EventError::new("Choose an action."));
        }
        if self.selected.is_empty() {
            ctx.notify(
                Level::Warning,
                "Items must be selected in order to perform actions on them. No items have been changed.",
            );
            return Ok(());
        }
        if action == "delete_selected" {
            require(&ctx.db, &ctx.user, m, Action::Delete).await?;
            self.preview = super::delete::preview(&site, m, &ctx.db, &self.selected).await?;
            self.blocked = !self.preview.blocked.is_empty();
            self.confirm_text = if self.blocked {
                format!(
                    "Deleting the selected {} would require deleting the following protected related objects:",
                    m.plural()
                )
            } else {
                format!(
                    "Are you sure you want to delete the selected {}? All of the following objects and their related items will be deleted:",
                    m.plural()
                )
            };
            self.pending = action;
            ctx.focus("#admin-confirm-action");
            return Ok(());
        }
        require(&ctx.db, &ctx.user, m, Action::Change).await?;
        let Some(custom) = m.actions().iter().find(|a| a.name == action) else {
            return Err(EventError::new("Choose an action."));
        };
        let message = (custom.run)(ctx.db.clone(), self.selected.clone()).await?;
        ctx.table_changed(&m.table());
        ctx.notify(Level::Success, &message);
        self.selected.clear();
        self.fill(&site, m, ctx).await
    }

    /// Deletes the ticked rows after the confirmation.
    pub async fn confirm_action(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let site = site()?;
        let m = Self::model(&site, ctx).await?;
        if self.pending != "delete_selected" {
            return Err(EventError::new("Nothing awaits confirmation."));
        }
        let deleted = super::delete::delete(&site, m, ctx, &self.selected).await?;
        let noun = if deleted == 1 { m.verbose() } else { m.plural() };
        ctx.notify(Level::Success, &format!("Successfully deleted {deleted} {noun}."));
        self.cancel_action().await;
        self.selected.clear();
        self.fill(&site, m, ctx).await
    }

    /// Forgets the action awaiting confirmation.
    pub async fn cancel_action(&mut self) {
        self.pending.clear();
        self.confirm_text.clear();
        self.preview = Preview::default();
        self.blocked = false;
    }
}

/// The table: a checkbox column, then the columns, the first cell a link.
fn table_view() -> Node {
    let header = th().attr("scope", "col").bind_attr("aria-sort", "item.sort").child(cond(
        "item.sortable",
        button()
            .class("t-sort")
            .attr("type", "button")
            .bind_attr("data-column", "item.key")
            .child(bind("item.label"))
            .on_click(event("sort").arg_from("item.key")),
        span().child(bind("item.label")),
    ));
    let cell = Node::Each {
        path: "item.cells".into(),
        key: "i".into(),
        name: "cell".into(),
        template: Box::new(td().child(cond(
            "cell.link",
            a().class("admin-change-link").bind_attr("href", "cell.link").child(bind("cell.text")),
            bind("cell.text"),
        ))),
    };
    let check = td().class("admin-check").child(
        input()
            .attr("type", "checkbox")
            .class("admin-row-check")
            .bind_attr("aria-label", "item.check_label")
            .bind_attr("value", "item.pk")
            .bind_attr("checked", "item.checked")
            .on_change(event("toggle").arg_from("item.pk")),
    );
    table().id("admin-results").class("t-table admin-results").children([
        thead().child(
            tr().children([
                th().attr("scope", "col").class("admin-check").child(
                    input()
                        .id("admin-check-all")
                        .attr("type", "checkbox")
                        .attr("aria-label", "Select all rows of this page")
                        .bind_attr("checked", "all_checked")
                        .on_change(event("toggle_all")),
                ),
                foreach("columns", "label", header),
            ]),
        ),
        tbody().child(foreach("rows", "pk", tr().bind_attr("data-pk", "item.pk").children([check, cell]))),
    ])
}

/// The filters' side bar: for each, a list of links-as-buttons.
fn filters_view() -> Node {
    let choice = li().child(
        button()
            .class("admin-filter-choice")
            .attr("type", "button")
            .bind_attr("aria-pressed", "item.active")
            .bind_attr("data-value", "item.value")
            .child(bind("item.label"))
            .on_click(event("filter").arg_from("filter.name").arg_from("item.value")),
    );
    let each = Node::Each {
        path: "filters".into(),
        key: "name".into(),
        name: "filter".into(),
        template: Box::new(
            section()
                .class("admin-filter")
                .bind_attr("data-filter", "filter.name")
                .children([h3().child(bind("filter.label")), ul().child(foreach("filter.choices", "value", choice))]),
        ),
    };
    cond(
        "filters",
        nav()
            .id("admin-filters")
            .class("t-card admin-filters")
            .attr("aria-label", "Filter")
            .children([h2().text("Filter"), each]),
        nothing(),
    )
}

/// The change list page.
pub fn view() -> Node {
    let toolbar = div().class("t-hstack admin-toolbar").children([
        cond(
            "has_search",
            div().id("admin-search-form").attr("role", "search").child(
                input()
                    .id("admin-search")
                    .attr("type", "search")
                    .attr("name", "q")
                    .attr("aria-label", "Search")
                    .attr("placeholder", "Search")
                    .bind_value("search")
                    .on_input(event("search").debounce(200)),
            ),
            nothing(),
        ),
        cond(
            "can_add",
            a().id("admin-add").class("t-button t-primary").bind_attr("href", "add_url").child(bind("add_label")),
            nothing(),
        ),
    ]);
    let actions = cond(
        "actions",
        form().id("admin-actions").class("t-hstack admin-actions").on_submit(event("run_action")).children([
            label().attr("for", "admin-action").text("Action:"),
            select()
                .id("admin-action")
                .attr("name", "action")
                .child(option().attr("value", "").text("---------"))
                .child(foreach("actions", "name", option().bind_attr("value", "item.name").child(bind("item.label")))),
            button().id("admin-go").class("t-button").attr("type", "submit").text("Go"),
            span().id("admin-selected").child(bind("selected_label")),
        ]),
        nothing(),
    );
    let confirm = cond(
        "pending",
        div().id("admin-confirm").class("t-card admin-confirm").attr("role", "alertdialog").children([
            p().child(bind("confirm_text")),
            cond(
                "blocked",
                items("preview.blocked", "admin-blocked"),
                div().children([
                    items("preview.objects", "admin-objects"),
                    items("preview.related", "admin-related"),
                    div().class("t-form-actions").children([
                        button()
                            .id("admin-confirm-action")
                            .class("t-button t-danger")
                            .attr("type", "button")
                            .text("Yes, I’m sure")
                            .on_click(event("confirm_action")),
                        button()
                            .id("admin-cancel-action")
                            .class("t-button")
                            .attr("type", "button")
                            .text("No, take me back")
                            .on_click(event("cancel_action")),
                    ]),
                ]),
            ),
        ]),
        nothing(),
    );
    let pager = div().class("t-hstack admin-pager").children([
        button()
            .id("admin-prev")
            .class("t-button")
            .attr("type", "button")
            .bind_attr("disabled", "first_page")
            .text("Previous")
            .on_click(event("prev_page")),
        span().id("admin-page").child(bind("page_label")),
        span().id("admin-count").child(bind("count_label")),
        button()
            .id("admin-next")
            .class("t-button")
            .attr("type", "button")
            .bind_attr("disabled", "last_page")
            .text("Next")
            .on_click(event("next_page")),
    ]);
    let results = div().class("admin-results-wrap").child(table_view());
    page([
        super::layout::notice("problem", "admin-problem", "warning"),
        toolbar,
        confirm,
        div()
            .class("admin-changelist")
            .children([div().class("t-vstack admin-list").children([actions, results, pager]), filters_view()]),
    ])
}
