//! The names a page writes as strings, checked against its state when the
//! application starts.
//!
//! A view binds fields (`bind("count")`, `cond`, `foreach`, bound
//! attributes), calls events (`event("search")`, `on_load`, `live`), fills
//! its title and head from fields and route parameters, and its computed
//! values name the fields they read. A name that does not exist would render
//! nothing or fail only when a user clicks; [`check_page`] refuses it up
//! front, naming the page, the string and the closest valid name.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tandem::ui::node::*;
//! use tandem::ui::{Page, State, events};
//!
//! #[derive(Default, Serialize, Deserialize, State)]
//! pub struct Login { pub username: String }
//!
//! #[events]
//! impl Login {
//!     pub async fn submit(&mut self) {}
//! }
//!
//! fn view() -> Node {
//!     form().on_submit(event("submit")).child(p().child(bind("usernme")))
//! }
//!
//! let page = Page::dynamic::<Login>("login", "Log in", view);
//! let error = tandem::ui::check::check_page(&page).unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "page `/login` (state `login`): bind(\"usernme\") names no field of `login`; did you mean `username`?"
//! );
//! ```

use super::node::{Arg, EventSpec, Node};
use super::page::{HeadTag, Page};

/// A name a page uses that its state does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("page `/{route}` (state `{state}`): {written} names {missing}{hint}")]
pub struct UnknownName {
    /// The page's route.
    pub route: String,
    /// The state's name.
    pub state: &'static str,
    /// The call as written: `bind("usernme")`, `on_load("lod")`.
    pub written: String,
    /// What it should name: `no field of `login``.
    pub missing: String,
    /// `; did you mean `username`?`, or why the name cannot be used.
    pub hint: String,
}

/// What a state offers a page, by name.
pub(crate) struct Names {
    /// The state's name.
    pub state: &'static str,
    /// The fields and computed values the browser gets.
    pub public: Vec<String>,
    /// Fields and computed values kept on the server.
    pub backend: Vec<String>,
    /// The events.
    pub events: &'static [&'static str],
    /// The computed values, with the fields each reads.
    pub computed: &'static [super::state::Computed],
}

/// Checks every name `page` writes as a string against its state.
pub fn check_page(page: &Page) -> Result<(), UnknownName> {
    let names = page.kind.names();
    let params: Vec<String> = match page.pattern() {
        Ok(pattern) => pattern.params().iter().map(|(name, _)| name.clone()).collect(),
        Err(_) => Vec::new(),
    };
    let checker = Checker { page, names: &names };
    checker.node(&page.view(), &mut Vec::new())?;
    for (event, state) in &page.typed_events {
        checker.own_state(&format!("{event} (named on the page)"), event, state)?;
    }
    if let Some(event) = &page.on_load {
        checker.event(&format!("on_load({event:?})"), event)?;
    }
    for (event, guard) in &page.event_guards {
        checker.event(&format!("guard_event({event:?}, {}())", guard.name()), event)?;
    }
    for (topic, event) in &page.live {
        checker.event(&format!("live({topic:?}, {event:?})"), event)?;
    }
    let templates = std::iter::once(("title", &page.title)).chain(page.head.iter().map(|tag| match tag {
        HeadTag::Meta { content, .. } | HeadTag::Property { content, .. } => ("meta", content),
        HeadTag::Canonical { href } => ("canonical", href),
    }));
    for (what, template) in templates {
        for name in placeholders(template) {
            if !params.iter().any(|p| p == name) && !names.public.iter().any(|f| f == name) {
                let valid = params.iter().chain(&names.public).map(String::as_str);
                return Err(checker.unknown(
                    format!("{what} {template:?}: `{{{name}}}`"),
                    format!("no route parameter or field of `{}`", names.state),
                    name,
                    valid,
                ));
            }
        }
    }
    for computed in names.computed {
        for dep in computed.deps {
            if !names.public.iter().chain(&names.backend).any(|f| f == dep) {
                return Err(checker.unknown(
                    format!("#[computed(deps)] of `{}`: {dep:?}", computed.name),
                    format!("no field of `{}`", names.state),
                    dep,
                    names.public.iter().chain(&names.backend).map(String::as_str),
                ));
            }
        }
    }
    Ok(())
}

struct Checker<'a> {
    page: &'a Page,
    names: &'a Names,
}

impl Checker<'_> {
    /// Walks `node`; `rows` are the names of the list rows in scope.
    fn node(&self, node: &Node, rows: &mut Vec<String>) -> Result<(), UnknownName> {
        match node {
            Node::Text { .. } => Ok(()),
            Node::Bind { path } => self.path(&format!("bind({path:?})"), path, rows),
            Node::Cond { path, then, otherwise } => {
                self.path(&format!("cond({path:?}, …)"), path, rows)?;
                self.node(then, rows)?;
                self.node(otherwise, rows)
            }
            Node::Each { path, name, template, .. } => {
                self.path(&format!("foreach({path:?}, …)"), path, rows)?;
                rows.push(name.clone());
                let inside = self.node(template, rows);
                rows.pop();
                inside
            }
            Node::El(element) => {
                for (attribute, path) in &element.bound {
                    self.path(&format!("bind_attr({attribute:?}, {path:?})"), path, rows)?;
                }
                for (attribute, path, _) in &element.chosen {
                    self.path(&format!("bind_attr_choice({attribute:?}, {path:?}, …)"), path, rows)?;
                }
                for (dom_event, spec) in &element.on {
                    self.spec(dom_event, spec, rows)?;
                }
                element.children.iter().try_for_each(|child| self.node(child, rows))
            }
        }
    }

    fn spec(&self, dom_event: &str, spec: &EventSpec, rows: &[String]) -> Result<(), UnknownName> {
        let written = format!("on({dom_event:?}, event({:?}))", spec.name);
        if let Some(state) = spec.state {
            self.own_state(&written, &spec.name, state)?;
        }
        self.event(&written, &spec.name)?;
        for arg in &spec.args {
            if let Arg::Path(path) = arg {
                self.path(&format!("event({:?}).arg_from({path:?})", spec.name), path, rows)?;
            }
        }
        Ok(())
    }

    /// A typed handler of state `state` must be of the page's state (a
    /// component of another page's view can hand one over).
    fn own_state(&self, written: &str, event: &str, state: &str) -> Result<(), UnknownName> {
        if state == self.names.state {
            return Ok(());
        }
        Err(UnknownName {
            route: self.page.route.clone(),
            state: self.names.state,
            written: written.to_string(),
            missing: format!("`{event}`, an event of `{state}`"),
            hint: format!("; the page's state is `{}`", self.names.state),
        })
    }

    fn event(&self, written: &str, event: &str) -> Result<(), UnknownName> {
        if self.names.events.contains(&event) {
            return Ok(());
        }
        let missing = format!("no event of `{}`", self.names.state);
        Err(self.unknown(written.to_string(), missing, event, self.names.events.iter().copied()))
    }

    /// A field path's first step must be a list row in scope or a public
    /// field; what is below it is the field's own (maps, rows).
    fn path(&self, written: &str, path: &str, rows: &[String]) -> Result<(), UnknownName> {
        let first = path.split('.').next().unwrap_or("");
        if rows.iter().any(|row| row == first) || self.names.public.iter().any(|f| f == first) {
            return Ok(());
        }
        if self.names.backend.iter().any(|f| f == first) {
            return Err(UnknownName {
                route: self.page.route.clone(),
                state: self.names.state,
                written: written.to_string(),
                missing: format!("`{first}`, a backend-only field of `{}`", self.names.state),
                hint: "; it never reaches the browser (drop #[state(backend)] to show it)".into(),
            });
        }
        let missing = format!("no field of `{}`", self.names.state);
        let valid = rows.iter().chain(&self.names.public).map(String::as_str);
        Err(self.unknown(written.to_string(), missing, first, valid))
    }

    fn unknown<'v>(
        &self,
        written: String,
        missing: String,
        name: &str,
        valid: impl Iterator<Item = &'v str>,
    ) -> UnknownName {
        let closest = valid.min_by_key(|candidate| strsim::levenshtein(name, candidate));
        let hint = match closest {
            Some(closest) => format!("; did you mean `{closest}`?"),
            None => format!("; `{}` has none", self.names.state),
        };
        UnknownName { route: self.page.route.clone(), state: self.names.state, written, missing, hint }
    }
}

/// Checks that every topic `page` is live on (`Page::live`) is one of
/// `topics`: the app's models' tables and the topics it declared.
///
/// ```
/// use tandem::ui::check::check_topics;
/// # use serde::{Deserialize, Serialize};
/// # use tandem::ui::{EventContext, Page, State, View, events, node::*};
/// # #[derive(Default, Serialize, Deserialize, State)]
/// # pub struct Catalog { pub count: i64 }
/// # #[events]
/// # impl Catalog { pub async fn load(&mut self) {} }
/// let page = Page::new("", "Shop", |s: &View<Catalog>| p().child(s.count)).live("shop_prodcut", CatalogView::load);
/// let error = check_topics(&page, &["shop_product".to_string()]).unwrap_err();
/// assert!(error.to_string().contains("did you mean `shop_product`"), "{error}");
/// assert!(check_topics(&page, &["shop_prodcut".to_string()]).is_ok());
/// ```
pub fn check_topics(page: &Page, topics: &[String]) -> Result<(), UnknownName> {
    for (topic, event) in &page.live {
        if topics.contains(topic) {
            continue;
        }
        return Err(UnknownName {
            route: page.route.clone(),
            state: page.state_name(),
            written: format!("live({topic:?}, {event:?})"),
            missing: NOT_A_TOPIC.into(),
            hint: topic_hint(topic, topics),
        });
    }
    Ok(())
}

/// What a name that is not a topic is not.
pub(crate) const NOT_A_TOPIC: &str = "no model's table (`App::model`) or declared topic (`App::topic`)";

/// `; did you mean `shop_product`?` for `topic`, the closest of `topics`.
pub(crate) fn topic_hint(topic: &str, topics: &[String]) -> String {
    match topics.iter().min_by_key(|known| strsim::levenshtein(topic, known)) {
        Some(closest) => format!("; did you mean `{closest}`?"),
        None => "; the app declares none".into(),
    }
}

/// The `{name}` placeholders of a title or head template (`{{` and `}}`
/// are braces).
fn placeholders(template: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        let tail = &rest[at..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            rest = &tail[2..];
            continue;
        }
        match tail.starts_with('{').then(|| tail.find('}')).flatten() {
            Some(close) => {
                found.push(&tail[1..close]);
                rest = &tail[close + 1..];
            }
            None => rest = &tail[1..],
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::ui::node::*;
    use crate::ui::{Page, State};

    #[derive(Default, Serialize, Deserialize, State)]
    #[state(name = "shelf")]
    struct Shelf {
        query: String,
        books: Vec<serde_json::Value>,
        #[state(backend)]
        owner_id: i64,
    }

    #[crate::ui::events]
    impl Shelf {
        async fn search(&mut self, query: String) {
            self.query = query;
        }

        async fn remove(&mut self, id: i64) {
            let _ = id;
        }

        #[computed(deps = ["books"])]
        fn count(&self) -> usize {
            self.books.len()
        }
    }

    #[derive(Default, Serialize, Deserialize, State)]
    #[state(name = "typo")]
    struct Typo {
        books: Vec<u32>,
    }

    #[crate::ui::events]
    impl Typo {
        #[computed(deps = ["bookz"])]
        fn count(&self) -> usize {
            self.books.len()
        }
    }

    fn good() -> Node {
        main().children([
            input().bind_value("query").on_input(event("search")),
            p().child(bind("count")),
            cond("books", nothing(), text("None yet.")),
            ul().child(foreach(
                "books",
                "id",
                li().children([
                    span().child(bind("item.title")),
                    button().on_click(event("remove").arg_from("item.id")).text("Remove"),
                ]),
            )),
        ])
    }

    fn error_of(view: fn() -> Node) -> String {
        check_page(&Page::dynamic::<Shelf>("shelf/<int:id>", "Shelf {id}", view)).unwrap_err().to_string()
    }

    #[test]
    fn a_page_naming_only_what_its_state_has_passes() {
        let page = Page::dynamic::<Shelf>("shelf/<int:id>", "Shelf {id}: {query}", good)
            .on_load("search")
            .live("shelf_book", "search")
            .meta("description", "{count} books");
        assert_eq!(check_page(&page), Ok(()));
    }

    #[test]
    fn a_misspelt_field_names_the_page_the_call_and_the_closest_field() {
        fn view() -> Node {
            p().child(bind("qurey"))
        }
        assert_eq!(
            error_of(view),
            "page `/shelf/<int:id>` (state `shelf`): bind(\"qurey\") names no field of `shelf`; did you mean `query`?"
        );
        fn attribute() -> Node {
            input().bind_value("querry")
        }
        assert!(
            error_of(attribute).contains("bind_attr(\"value\", \"querry\") names no field"),
            "{}",
            error_of(attribute)
        );
        fn list() -> Node {
            foreach("bokos", "id", li())
        }
        assert!(error_of(list).ends_with("did you mean `books`?"), "{}", error_of(list));
    }

    #[test]
    fn a_row_name_is_known_only_inside_its_list() {
        fn outside() -> Node {
            div().children([foreach("books", "id", li().child(bind("item.title"))), p().child(bind("item.title"))])
        }
        assert!(error_of(outside).contains("bind(\"item.title\") names no field"), "{}", error_of(outside));
    }

    #[test]
    fn a_backend_field_is_refused_with_the_reason() {
        fn view() -> Node {
            p().child(bind("owner_id"))
        }
        assert!(error_of(view).contains("a backend-only field of `shelf`; it never reaches the browser"));
    }

    #[test]
    fn misspelt_events_are_refused_wherever_they_are_named() {
        fn view() -> Node {
            button().on_click(event("serch"))
        }
        assert_eq!(
            error_of(view),
            "page `/shelf/<int:id>` (state `shelf`): on(\"click\", event(\"serch\")) names no event of `shelf`; \
             did you mean `search`?"
        );
        fn argument() -> Node {
            button().on_click(event("remove").arg_from("id_of_book"))
        }
        assert!(error_of(argument).contains("arg_from(\"id_of_book\") names no field"));
        let on_load = Page::dynamic::<Shelf>("", "Shelf", good).on_load("serach");
        assert!(check_page(&on_load).unwrap_err().to_string().contains("on_load(\"serach\") names no event"));
        let live = Page::dynamic::<Shelf>("", "Shelf", good).live("shelf_book", "reload");
        assert!(check_page(&live).unwrap_err().to_string().contains("live(\"shelf_book\", \"reload\") names no event"));
        let guarded = Page::dynamic::<Shelf>("", "Shelf", good).guard_event("remove", crate::auth::login_required());
        assert_eq!(check_page(&guarded), Ok(()));
        let misspelt = Page::dynamic::<Shelf>("", "Shelf", good).guard_event("remov", crate::auth::staff_required());
        let error = check_page(&misspelt).unwrap_err().to_string();
        assert!(
            error
                .contains("guard_event(\"remov\", staff_required()) names no event of `shelf`; did you mean `remove`?"),
            "{error}"
        );
    }

    #[test]
    fn titles_and_head_tags_take_route_parameters_and_fields_only() {
        let title = Page::dynamic::<Shelf>("shelf/<int:id>", "Shelf {ide}", good);
        let error = check_page(&title).unwrap_err().to_string();
        assert!(error.contains("title \"Shelf {ide}\": `{ide}` names no route parameter or field"), "{error}");
        assert!(error.ends_with("did you mean `id`?"), "{error}");
        let head = Page::dynamic::<Shelf>("", "Shelf {{literal}}", good).canonical("/shelf/{querry}");
        assert!(check_page(&head).unwrap_err().to_string().contains("`{querry}`"));
    }

    #[test]
    fn computed_values_name_fields_of_their_own_state() {
        fn view() -> Node {
            p().child(bind("count"))
        }
        let error = check_page(&Page::dynamic::<Typo>("", "Typo", view)).unwrap_err().to_string();
        assert!(error.contains("#[computed(deps)] of `count`: \"bookz\" names no field of `typo`"), "{error}");
        assert!(error.ends_with("did you mean `books`?"), "{error}");
    }

    #[derive(Default, Serialize, Deserialize, State)]
    #[state(name = "till")]
    struct Till {
        total: i64,
    }

    #[crate::ui::events]
    impl Till {
        async fn ring(&mut self) {
            self.total += 1;
        }
    }

    #[test]
    fn a_typed_handler_of_another_state_is_refused() {
        // A typed view of `Shelf` that slips in `Till`'s handler (as a
        // component shared between views could) compiles, but does not start.
        fn mixed(s: &ShelfView) -> Node {
            let till = <TillView as crate::ui::view::StateView>::__new();
            div().children([p().child(s.query), button().on_click(till.ring())])
        }
        let error = check_page(&Page::new("shelf", "Shelf", mixed)).unwrap_err().to_string();
        assert_eq!(
            error,
            "page `/shelf` (state `shelf`): on(\"click\", event(\"ring\")) names `ring`, an event of `till`; the page's state is `shelf`"
        );
        let on_load = Page::new("shelf", "Shelf", |s: &ShelfView| p().child(s.query)).on_load(TillView::ring);
        let error = check_page(&on_load).unwrap_err().to_string();
        assert!(error.contains("names `ring`, an event of `till`"), "{error}");
        // Its own typed handlers pass.
        let own = Page::new("shelf", "Shelf", |s: &ShelfView| input().bind_value(s.query).on_input(s.search()));
        assert_eq!(check_page(&own), Ok(()));
    }
}
