//! `/playground`: a computed value, the server actions a handler can ask for,
//! the event options a binding can use, and two fields the browser keeps
//! (a cookie and `localStorage`).

use super::layout::layout;
use serde::{Deserialize, Serialize};
use tandem::ui::node::*;
use tandem::ui::{EventContext, Level, State, View, events};

/// The playground's state.
#[derive(Default, Serialize, Deserialize, State)]
pub struct Playground {
    /// The number shown.
    pub count: i64,
    /// A note typed into a debounced input.
    pub note: String,
    /// How many `set_note` events arrived (debouncing keeps it low).
    pub note_events: u32,
    /// Subscribed to the newsletter (allowed from a count of 3).
    pub subscribed: bool,
    /// Clicks that reached the panel itself.
    pub panel_clicks: u32,
    /// Clicks on the button inside the panel (they stop there).
    pub button_clicks: u32,
    /// `light` or `dark`, kept in a cookie: even a new tab's first paint has it.
    #[state(cookie)]
    pub theme: String,
    /// A favourite product, kept in `localStorage`: a new tab gets it back.
    #[state(local_storage)]
    pub favourite: String,
}

#[events]
impl Playground {
    /// Adds one.
    pub async fn increment(&mut self) {
        self.count = self.count.saturating_add(1);
    }

    /// Adds `amount`, saturating.
    pub async fn add(&mut self, amount: i64) {
        self.count = self.count.saturating_add(amount);
    }

    /// Back to zero: a new title, the focus on `+1`, a notice.
    pub async fn reset(&mut self, ctx: &mut EventContext) {
        self.count = 0;
        ctx.set_title("Playground (reset)");
        ctx.focus("#increment");
        ctx.scroll_into_view("#increment");
        ctx.notify(Level::Info, "Back to zero.");
    }

    /// Downloads the count as a text file.
    pub async fn export(&mut self, ctx: &mut EventContext) {
        ctx.download("count.txt", "text/plain", format!("{}\n", self.count).as_bytes());
    }

    /// Subscribes or unsubscribes; refused below a count of 3, when the
    /// checkbox goes back to what the state says.
    pub async fn subscribe(&mut self, on: bool) -> Result<(), tandem::ui::EventError> {
        if on && self.count < 3 {
            return Err(tandem::ui::EventError::new("Count to 3 first."));
        }
        self.subscribed = on;
        Ok(())
    }

    /// Keeps the note (sent after typing pauses).
    pub async fn set_note(&mut self, note: String) {
        self.note = note;
        self.note_events += 1;
    }

    /// A click on the panel.
    pub async fn panel(&mut self) {
        self.panel_clicks += 1;
    }

    /// A click on the panel's button, which does not reach the panel.
    pub async fn button(&mut self) {
        self.button_clicks += 1;
    }

    /// Picks the theme (anything but `dark` is `light`).
    pub async fn set_theme(&mut self, theme: String) {
        self.theme = if theme == "dark" { "dark".into() } else { "light".into() };
    }

    /// Keeps a favourite product name.
    pub async fn set_favourite(&mut self, favourite: String) {
        self.favourite = favourite.chars().take(100).collect();
    }

    /// Twice the count: a computed value, recomputed only when `count` changes.
    #[computed(deps = ["count"])]
    pub fn doubled(&self) -> i64 {
        self.count.saturating_mul(2)
    }
}

/// The page.
pub fn view(s: &View<Playground>) -> Node {
    layout().page(
        "",
        [
            h1().text("Playground"),
            p().attr("id", "count").child(bind(s.count)),
            p().children([text("doubled: "), span().id("doubled").child(bind(s.doubled()))]),
            hstack([
                button().id("increment").text("+1").on_click(s.increment()),
                button().id("add-five").text("+5").on_click(s.add().with(5)),
                button().id("reset").text("Reset").on_click(s.reset()),
                button().id("export").text("Download").on_click(s.export()),
            ]),
            label().children([
                input()
                    .attr("type", "checkbox")
                    .id("subscribe")
                    .bind_attr("checked", s.subscribed)
                    .on_change(s.subscribe()),
                text(" Newsletter (from a count of 3)"),
            ]),
            label().children([
                text("Note "),
                input().id("note").on_input(s.set_note().debounce(300)),
                span().id("note-shown").child(bind(s.note)),
            ]),
            div()
                .id("panel")
                .on_click(s.panel())
                .children([text("Panel "), button().id("inner").text("Inner").on_click(s.button().stop_propagation())]),
            p().children([
                text("panel "),
                span().id("panel-clicks").child(bind(s.panel_clicks)),
                text(", button "),
                span().id("button-clicks").child(bind(s.button_clicks)),
                text(", note events "),
                span().id("note-events").child(bind(s.note_events)),
            ]),
            section().id("kept").children([
                h2().text("Kept in this browser"),
                p().children([text("Theme: "), span().id("theme").child(bind(s.theme))]),
                button().id("light").text("Light").on_click(s.set_theme().with("light")),
                button().id("dark").text("Dark").on_click(s.set_theme().with("dark")),
                label().children([
                    text("Favourite "),
                    input().id("favourite").bind_value(s.favourite).on_input(s.set_favourite()),
                ]),
                span().id("favourite-shown").child(bind(s.favourite)),
            ]),
            p().child(a().href("/").text("Back to the shop")),
        ],
    )
}
