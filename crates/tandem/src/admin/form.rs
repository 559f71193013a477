//! The add and change pages (`add/`, `<pk>/change/`): a form built from the
//! model's columns through its REST serializer (text, numbers, exact
//! decimals, booleans, dates and times, choices and foreign keys as
//! selects), validated with the REST API's rules and messages, each error
//! next to its field; "Save", "Save and add another", "Save and continue
//! editing". Every save is logged in the history.
//!
//! States [`AddForm`] and [`ChangeForm`] (fields of [`FormPage`]); events
//! `load`, `then(next)`, `save(form)`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::layout::{Chrome, Crumb, model_crumbs, notice, page};
use super::log::{self, Flag};
use super::model::text_of;
use super::{can, require, site};
use crate::rest::fields::{Field, FieldKind};
use crate::ui::model_state::Action;
use crate::ui::node::*;
use crate::ui::{EventContext, EventError, Level, State, events};

/// One option of a select.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Opt {
    /// The submitted value.
    pub value: String,
    /// What the option says.
    pub label: String,
    /// Whether it is the field's value.
    pub selected: bool,
}

/// One field of the form, as the view binds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FormField {
    /// The serializer's field name (the input's `name`).
    pub name: String,
    /// The label.
    pub label: String,
    /// The input's type: `text`, `number`, `date`, `datetime-local`, `time`.
    pub input: String,
    /// The input's `inputmode` (`decimal` for exact decimals).
    pub inputmode: String,
    /// A checkbox.
    pub is_check: bool,
    /// A select (choices, foreign keys).
    pub is_select: bool,
    /// A multiple select (many-to-many).
    pub is_multi: bool,
    /// A text area (text without a maximum length).
    pub is_area: bool,
    /// The value as the input shows it.
    pub value: String,
    /// A checkbox's state.
    pub checked: bool,
    /// Whether a value is required.
    pub required: bool,
    /// The field's error message, if any.
    pub error: String,
    /// The control's id (`admin-field-<name>`).
    pub dom_id: String,
    /// The error's id (`admin-field-<name>-error`).
    pub error_id: String,
    /// A select's options.
    pub choices: Vec<Opt>,
}

impl FormField {
    /// The field for serializer field `field` labelled `label` showing
    /// `value`, a select of `options` (value, label) when given.
    pub(crate) fn new(field: &Field, label: &str, value: &Value, options: Option<Vec<(String, String)>>) -> Self {
        let (input, inputmode) = match field.kind {
            FieldKind::Integer { .. } => ("number", "numeric"),
            FieldKind::Float => ("text", "decimal"),
            FieldKind::Decimal { .. } => ("text", "decimal"),
            FieldKind::Date => ("date", ""),
            FieldKind::DateTime => ("datetime-local", ""),
            FieldKind::Time => ("time", ""),
            _ => ("text", ""),
        };
        let mut made = FormField {
            name: field.name.clone(),
            label: label.to_string(),
            input: input.into(),
            inputmode: inputmode.into(),
            is_check: field.kind == FieldKind::Boolean,
            is_select: options.is_some(),
            is_area: field.kind == (FieldKind::String { max_length: None }) && options.is_none(),
            // A checkbox is always answered: never starred.
            required: field.required && field.kind != FieldKind::Boolean,
            dom_id: format!("admin-field-{}", field.name),
            error_id: format!("admin-field-{}-error", field.name),
            ..Default::default()
        };
        if let Some(options) = options {
            let mut choices = vec![Opt { value: String::new(), label: "---------".into(), selected: false }];
            choices.extend(options.into_iter().map(|(value, label)| Opt { value, label, selected: false }));
            made.choices = choices;
        }
        made.show(value);
        made
    }

    /// A multiple select named `name` of `choices` (value, label), those
    /// in `current` selected.
    pub(crate) fn many(name: &str, label: &str, choices: Vec<(String, String)>, current: &[String]) -> Self {
        FormField {
            name: name.to_string(),
            label: label.to_string(),
            is_multi: true,
            dom_id: format!("admin-field-{name}"),
            error_id: format!("admin-field-{name}-error"),
            choices: choices
                .into_iter()
                .map(|(value, label)| Opt { selected: current.contains(&value), value, label })
                .collect(),
            ..Default::default()
        }
    }

    /// Shows `value` (stored, or as submitted).
    fn show(&mut self, value: &Value) {
        if self.is_multi {
            let chosen: Vec<String> = value.as_array().map(|a| a.iter().map(text_of).collect()).unwrap_or_default();
            for choice in &mut self.choices {
                choice.selected = chosen.contains(&choice.value);
            }
            return;
        }
        if self.is_check {
            self.checked = value.as_bool().unwrap_or(false);
            return;
        }
        let mut text = text_of(value);
        if self.input == "datetime-local" {
            // `2024-05-01T10:00:00Z` as the input takes it, in UTC.
            text = text.trim_end_matches('Z').chars().take(19).collect();
        }
        for choice in &mut self.choices {
            choice.selected = choice.value == text;
        }
        self.value = text;
    }
}

/// The state both form pages share.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FormPage {
    /// Header, breadcrumbs and title.
    #[serde(flatten)]
    pub chrome: Chrome,
    /// The fields, in the serializer's order.
    pub fields: Vec<FormField>,
    /// Errors not about one field.
    pub form_error: String,
    /// Why there is no form (no such object).
    pub missing: String,
    /// The object's primary key (`""` when adding).
    pub pk: String,
    /// Whether the user may save (a `view`-only user sees the values).
    pub can_save: bool,
    /// Whether the values are shown without a way to save them.
    pub read_only: bool,
    /// Whether the user may delete the object.
    pub can_delete: bool,
    /// Whether the user may add another.
    pub can_add: bool,
    /// The delete page's address.
    pub delete_url: String,
    /// The history page's address.
    pub history_url: String,
    /// The password page's address (users only).
    pub password_url: String,
    /// What follows a save: `""` (the list), `another`, `continue`.
    pub then: String,
}

impl FormPage {
    async fn load(&mut self, ctx: &mut EventContext, pk: Option<String>) -> Result<(), EventError> {
        let site = site()?;
        let m = site.model_of_path(&ctx.router.path)?;
        let verbose = m.verbose();
        let mut crumbs = model_crumbs(&site, m);
        let fields = m.form(&ctx.db, &site, pk.as_deref()).await?;
        let can_change = can(&ctx.db, &ctx.user, m, Action::Change).await?;
        *self = FormPage {
            can_add: can(&ctx.db, &ctx.user, m, Action::Add).await?,
            can_delete: pk.is_some() && can(&ctx.db, &ctx.user, m, Action::Delete).await?,
            ..FormPage::default()
        };
        let title = match &pk {
            None => {
                self.can_save = self.can_add;
                crumbs.push(Crumb { href: site.url(m, "add/"), label: format!("Add {verbose}") });
                format!("Add {verbose}")
            }
            Some(pk) => {
                self.can_save = can_change;
                let reprs = m.reprs(&ctx.db, std::slice::from_ref(pk)).await?;
                let repr = reprs.first().map(|(_, r)| r.clone()).unwrap_or_else(|| pk.clone());
                crumbs.push(Crumb { href: site.url(m, &format!("{pk}/change/")), label: repr });
                self.pk = pk.clone();
                self.delete_url = site.url(m, &format!("{pk}/delete/"));
                self.history_url = site.url(m, &format!("{pk}/history/"));
                if m.app() == "auth" && m.model() == "user" {
                    self.password_url = site.url(m, &format!("{pk}/password/"));
                }
                format!("{} {verbose}", if can_change { "Change" } else { "View" })
            }
        };
        self.read_only = !self.can_save;
        self.chrome = Chrome::new(&site, &ctx.user, &title, crumbs);
        match fields {
            Some(fields) => self.fields = fields,
            None => {
                self.missing = format!(
                    "{} with ID “{}” doesn’t exist. Perhaps it was deleted?",
                    super::model::capitalize(&verbose),
                    pk.unwrap_or_default()
                );
                self.can_save = false;
                self.can_delete = false;
            }
        }
        Ok(())
    }

    async fn save(&mut self, ctx: &mut EventContext, form: Map<String, Value>) -> Result<(), EventError> {
        let site = site()?;
        let m = site.model_of_path(&ctx.router.path)?;
        let pk = (!self.pk.is_empty()).then(|| self.pk.clone());
        require(&ctx.db, &ctx.user, m, if pk.is_some() { Action::Change } else { Action::Add }).await?;
        let Some(user_id) = ctx.user.user().map(|u| u.id) else { return Err(EventError::new("Log in to do this.")) };
        let then = std::mem::take(&mut self.then);
        match m.save(&ctx.db, pk.as_deref(), form.clone()).await? {
            Err(errors) => {
                for field in &mut self.fields {
                    field.error.clear();
                    if let Some(value) = form.get(&field.name) {
                        field.show(value);
                    }
                }
                self.form_error.clear();
                for (name, messages) in errors {
                    match self.fields.iter_mut().find(|f| f.name == name) {
                        Some(field) => field.error = messages.join(" "),
                        None => self.form_error = messages.join(" "),
                    }
                }
                ctx.focus("[aria-invalid=true]");
                Ok(())
            }
            Ok(saved) => {
                let flag = if pk.is_some() { Flag::Change } else { Flag::Addition };
                log::record(&ctx.db, user_id, m.app(), m.model(), &saved.pk, &saved.repr, flag, &saved.changed).await?;
                ctx.table_changed(&m.table());
                let verbose = m.verbose();
                let done = if pk.is_some() { "changed" } else { "added" };
                let next = match then.as_str() {
                    "another" => {
                        ctx.notify(
                            Level::Success,
                            &format!(
                                "The {verbose} “{}” was {done} successfully. You may add another {verbose} below.",
                                saved.repr
                            ),
                        );
                        site.url(m, "add/")
                    }
                    "continue" => {
                        ctx.notify(
                            Level::Success,
                            &format!(
                                "The {verbose} “{}” was {done} successfully. You may edit it again below.",
                                saved.repr
                            ),
                        );
                        site.url(m, &format!("{}/change/", saved.pk))
                    }
                    _ => {
                        ctx.notify(Level::Success, &format!("The {verbose} “{}” was {done} successfully.", saved.repr));
                        site.url(m, "")
                    }
                };
                if next == ctx.router.path {
                    // The same page again: start it afresh.
                    self.load(ctx, pk).await?;
                } else {
                    ctx.redirect(&next);
                }
                Ok(())
            }
        }
    }

    fn then(&mut self, next: String) -> Result<(), EventError> {
        if !["", "another", "continue"].contains(&next.as_str()) {
            return Err(EventError::new("Unknown next step."));
        }
        self.then = next;
        Ok(())
    }
}

/// The add page's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, State)]
#[state(name = "admin_add")]
pub struct AddForm {
    /// The form.
    #[serde(flatten)]
    pub form: FormPage,
}

#[events]
impl AddForm {
    /// Builds the empty form.
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        self.form.load(ctx, None).await
    }

    /// Chooses what follows the save the same click submits.
    pub async fn then(&mut self, next: String) -> Result<(), EventError> {
        self.form.then(next)
    }

    /// Validates and adds the object.
    pub async fn save(&mut self, ctx: &mut EventContext, form: Map<String, Value>) -> Result<(), EventError> {
        self.form.save(ctx, form).await
    }
}

/// The change page's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, State)]
#[state(name = "admin_change")]
pub struct ChangeForm {
    /// The form.
    #[serde(flatten)]
    pub form: FormPage,
}

/// The `pk` route parameter.
pub(crate) fn pk_param(ctx: &EventContext) -> Result<String, EventError> {
    ctx.router.params.get("pk").cloned().ok_or_else(|| EventError::new("No object given."))
}

#[events]
impl ChangeForm {
    /// Loads the object into the form.
    pub async fn load(&mut self, ctx: &mut EventContext) -> Result<(), EventError> {
        let pk = pk_param(ctx)?;
        self.form.load(ctx, Some(pk)).await
    }

    /// Chooses what follows the save the same click submits.
    pub async fn then(&mut self, next: String) -> Result<(), EventError> {
        self.form.then(next)
    }

    /// Validates and saves the object.
    pub async fn save(&mut self, ctx: &mut EventContext, form: Map<String, Value>) -> Result<(), EventError> {
        self.form.save(ctx, form).await
    }
}

/// One field of the form: label, control, error.
fn field_view() -> Node {
    let control_attrs = |node: Node| {
        node.bind_attr("id", "item.dom_id")
            .bind_attr("name", "item.name")
            .bind_attr("required", "item.required")
            .bind_attr("aria-describedby", "item.error_id")
            .bind_attr("disabled", "read_only")
            .bind_attr_choice("aria-invalid", "item.error", choice().absent_when("").otherwise("true"))
    };
    let options = || Node::Each {
        path: "item.choices".into(),
        key: "value".into(),
        name: "opt".into(),
        template: Box::new(
            option().bind_attr("value", "opt.value").bind_attr("selected", "opt.selected").child(bind("opt.label")),
        ),
    };
    let multi = control_attrs(select().attr("multiple", "").attr("size", "8")).child(options());
    let select = control_attrs(select()).child(options());
    let area = control_attrs(textarea()).attr("rows", "4").bind_value("item.value");
    let checkbox = control_attrs(input().attr("type", "checkbox")).bind_attr("checked", "item.checked");
    let text_input = control_attrs(input())
        .bind_attr("type", "item.input")
        .bind_attr("inputmode", "item.inputmode")
        .bind_value("item.value");
    let label = label().class("t-field-label").bind_attr("for", "item.dom_id").child(bind("item.label")).child(cond(
        "item.required",
        span().class("t-required").attr("aria-hidden", "true").text("*"),
        nothing(),
    ));
    let error = cond(
        "item.error",
        small()
            .class("t-field-error")
            .bind_attr("id", "item.error_id")
            .bind_attr("data-field", "item.name")
            .attr("role", "alert")
            .child(bind("item.error")),
        nothing(),
    );
    div().class("admin-field").bind_attr("data-field", "item.name").child(cond(
        "item.is_check",
        div().class("t-field-check").children([checkbox, label.clone(), error.clone()]),
        div().class("t-field").children([
            label,
            cond("item.is_select", select, cond("item.is_multi", multi, cond("item.is_area", area, text_input))),
            error,
        ]),
    ))
}

fn form_body() -> Node {
    let save = |id: &str, label: &str, then: &str, class: &str| {
        button().id(id).class(class).attr("type", "submit").text(label).on_click(event("then").arg(then))
    };
    let links = div().class("t-hstack admin-object-tools").children([
        cond(
            "history_url",
            a().id("admin-history").class("t-button").bind_attr("href", "history_url").text("History"),
            nothing(),
        ),
        cond(
            "password_url",
            a().id("admin-password").class("t-button").bind_attr("href", "password_url").text("Change password"),
            nothing(),
        ),
    ]);
    let actions = div().class("t-form-actions admin-submit-row").children([
        cond(
            "can_save",
            span().class("t-hstack").children([
                save("admin-save", "Save", "", "t-button t-primary"),
                cond("can_add", save("admin-save-another", "Save and add another", "another", "t-button"), nothing()),
                save("admin-save-continue", "Save and continue editing", "continue", "t-button"),
            ]),
            nothing(),
        ),
        cond(
            "can_delete",
            a().id("admin-delete").class("t-button t-danger").bind_attr("href", "delete_url").text("Delete"),
            nothing(),
        ),
    ]);
    div().children([
        notice("missing", "admin-missing", "warning"),
        cond(
            "missing",
            nothing(),
            div().children([
                links,
                notice("form_error", "admin-form-error", "danger"),
                form()
                    .id("admin-form")
                    .class("t-form t-card admin-form")
                    .attr("novalidate", "")
                    .on_submit(event("save"))
                    .children([foreach("fields", "name", field_view()), actions]),
            ]),
        ),
    ])
}

/// The add page.
pub fn add_view() -> Node {
    page([form_body()])
}

/// The change page.
pub fn change_view() -> Node {
    page([form_body()])
}
