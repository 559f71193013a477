//! Buttons in the default look: primary (the accent colour, for the one
//! action a screen is for), secondary (outlined) and danger (destructive).
//! Each is a plain `<button>`: add `.attr("type", "submit")`, `.id(…)` or
//! `.on_click(…)` as usual. A bare `button()` gets the secondary look.
//!
//! ```
//! use tandem::ui::buttons::*;
//! use tandem::ui::node::*;
//!
//! let toolbar = hstack([
//!     primary_button("Save").attr("type", "submit"),
//!     secondary_button("Cancel").on_click(event("cancel")),
//!     danger_button("Delete").on_click(event("delete")),
//! ]);
//! # let _ = toolbar;
//! ```

use super::node::*;

/// A button in the accent colour (`.t-button.t-primary`).
///
/// ```
/// let html = tandem::ui::render::render(&tandem::ui::buttons::primary_button("Save"), &serde_json::json!({}));
/// assert_eq!(html, r#"<button class="t-button t-primary">Save</button>"#);
/// ```
pub fn primary_button(label: impl Into<Node>) -> Node {
    button().class("t-button t-primary").child(label.into())
}

/// An outlined button (`.t-button.t-secondary`).
///
/// ```
/// let cancel = tandem::ui::buttons::secondary_button("Cancel");
/// # let _ = cancel;
/// ```
pub fn secondary_button(label: impl Into<Node>) -> Node {
    button().class("t-button t-secondary").child(label.into())
}

/// A button for destructive actions, in the danger colour (`.t-button.t-danger`).
///
/// ```
/// let delete = tandem::ui::buttons::danger_button("Delete");
/// # let _ = delete;
/// ```
pub fn danger_button(label: impl Into<Node>) -> Node {
    button().class("t-button t-danger").child(label.into())
}
