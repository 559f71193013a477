//! Forms: a submitted form as a typed struct, per-field errors, and the
//! nodes that show them.
//!
//! The runtime sends a form's fields as one JSON object: text inputs,
//! textareas and single selects as strings, number inputs as numbers (empty:
//! `null`), a lone checkbox as `true`/`false`, checkboxes sharing a name and
//! multiple selects as lists of the checked values, a radio group as the
//! chosen value (`null` when none is). Take it as [`Form<T>`] to get either
//! a `T` or the errors of each field, in the REST layer's words.
//!
//! ```
//! use serde::Deserialize;
//! use tandem::ui::forms::{FieldErrors, Form};
//!
//! #[derive(Deserialize)]
//! struct Signup { name: String, age: u8, newsletter: bool }
//!
//! let form: Form<Signup> = serde_json::from_value(serde_json::json!(
//!     {"name": "Ada", "age": null, "newsletter": true}
//! )).unwrap();
//! let errors: FieldErrors = form.into_result().err().unwrap();
//! assert_eq!(errors.get("age"), Some("This field is required."));
//! ```

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::node::{Node, bind, cond, nothing, small};

/// Messages by field name; `__all__` for the form as a whole. Keep it in
/// the state (`pub errors: FieldErrors`) and show it with [`field_error`].
///
/// ```
/// let mut errors = tandem::ui::forms::FieldErrors::default();
/// errors.add("email", "Enter a valid email address.");
/// assert_eq!(serde_json::to_value(&errors).unwrap(), serde_json::json!({"email": "Enter a valid email address."}));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    /// Adds `message` to `field` (after any message it already has).
    pub fn add(&mut self, field: &str, message: &str) {
        let entry = self.0.entry(field.to_string()).or_default();
        if !entry.is_empty() {
            entry.push(' ');
        }
        entry.push_str(message);
    }

    /// The message of `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Whether no field has an error.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Forgets every message.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The errors of a REST serializer (`RestError::Invalid`), so a page can
    /// validate with the same rules and messages as the API.
    ///
    /// ```
    /// use tandem::ui::forms::FieldErrors;
    /// let errors = FieldErrors::from_messages([("price".to_string(), vec!["A valid number is required.".to_string()])]);
    /// assert_eq!(errors.get("price"), Some("A valid number is required."));
    /// ```
    pub fn from_messages(messages: impl IntoIterator<Item = (String, Vec<String>)>) -> Self {
        Self(messages.into_iter().map(|(field, messages)| (field, messages.join(" "))).collect())
    }
}

/// A submitted form: the typed value, or why its fields do not fit `T`.
///
/// ```
/// # use serde::Deserialize;
/// # use tandem::ui::forms::Form;
/// #[derive(Deserialize)]
/// struct Quantity { amount: u32 }
/// let form: Form<Quantity> = serde_json::from_value(serde_json::json!({"amount": "many"})).unwrap();
/// assert_eq!(form.into_result().err().unwrap().get("amount"), Some("A valid integer is required."));
/// ```
#[derive(Debug)]
pub struct Form<T>(Result<T, FieldErrors>);

impl<T> Form<T> {
    /// The value, or the errors by field.
    pub fn into_result(self) -> Result<T, FieldErrors> {
        self.0
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Form<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Ok(Form(decode(value)))
    }
}

/// How many strings one form may have turned into numbers or booleans.
const MAX_COERCIONS: usize = 64;

/// Decodes `value` as `T`, naming the field that does not fit. Inputs only
/// know strings: where `T` wants a number or a boolean and the input sent
/// a string that reads as one (a select of ids, a hidden input), it is
/// taken as such, as Django's form fields do.
fn decode<T: DeserializeOwned>(mut value: Value) -> Result<T, FieldErrors> {
    for _ in 0..MAX_COERCIONS {
        let error = match serde_path_to_error::deserialize::<_, T>(value.clone()) {
            Ok(decoded) => return Ok(decoded),
            Err(error) => error,
        };
        if !coerce(&mut value, &error) {
            return Err(field_errors(&error));
        }
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|error| field_errors(&error))
}

/// Replaces the string `error` points at by the number or boolean it
/// reads as; `false` when there is no such string.
fn coerce(value: &mut Value, error: &serde_path_to_error::Error<serde_json::Error>) -> bool {
    let message = error.inner().to_string();
    if !message.starts_with("invalid type: string") {
        return false;
    }
    let mut target = &mut *value;
    for segment in error.path().iter() {
        let next = match segment {
            serde_path_to_error::Segment::Map { key } => target.get_mut(key.as_str()),
            serde_path_to_error::Segment::Seq { index } => target.get_mut(*index),
            _ => None,
        };
        let Some(next) = next else { return false };
        target = next;
    }
    let Value::String(text) = &*target else { return false };
    let text = text.trim();
    let expected = message.rsplit("expected ").next().unwrap_or("");
    let replacement = if expected.starts_with("a boolean") {
        match text {
            "true" | "on" | "1" => Some(Value::Bool(true)),
            "false" | "off" | "0" | "" => Some(Value::Bool(false)),
            _ => None,
        }
    } else if let Ok(integer) = text.parse::<i64>() {
        Some(integer.into())
    } else if let Ok(unsigned) = text.parse::<u64>() {
        Some(unsigned.into())
    } else {
        text.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number)
    };
    match replacement {
        Some(replacement) => {
            *target = replacement;
            true
        }
        None => false,
    }
}

fn field_errors(error: &serde_path_to_error::Error<serde_json::Error>) -> FieldErrors {
    {
        let message = error.inner().to_string();
        let mut field = error.path().iter().next().map(|segment| segment.to_string()).unwrap_or_default();
        if let Some(missing) = message.strip_prefix("missing field `").and_then(|m| m.split('`').next()) {
            field = missing.to_string();
        }
        let mut errors = FieldErrors::default();
        errors.add(if field.is_empty() || field == "?" { "__all__" } else { &field }, &friendly(&message));
        errors
    }
}

/// serde's message in the words a person filling a form expects.
fn friendly(message: &str) -> String {
    let expected = message.rsplit("expected ").next().unwrap_or("");
    if message.starts_with("missing field") || message.starts_with("invalid type: null") {
        "This field is required.".into()
    } else if ["u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "usize", "isize"]
        .iter()
        .any(|t| expected.starts_with(t))
    {
        "A valid integer is required.".into()
    } else if expected.starts_with("f32") || expected.starts_with("f64") {
        "A valid number is required.".into()
    } else if expected.starts_with("a boolean") {
        "Must be a valid boolean.".into()
    } else if let Some(variant) = message.strip_prefix("unknown variant ") {
        format!("{} is not a valid choice.", variant.split(',').next().unwrap_or("").replace('`', "\""))
    } else {
        message.to_string()
    }
}

/// The message of `field` from the state's errors at `errors_path`, shown
/// only while there is one (`<small class="t-field-error" data-field=…>`).
///
/// ```
/// use tandem::ui::forms::field_error;
/// let node = field_error("errors", "email");
/// let html = tandem::ui::render::render(&node, &serde_json::json!({"errors": {"email": "Enter an email."}}));
/// assert_eq!(html, r#"<small class="t-field-error" data-field="email" role="alert">Enter an email.</small>"#);
/// ```
pub fn field_error(errors_path: impl crate::ui::view::Path, field: &str) -> Node {
    let errors_path = errors_path.path_string();
    let path = format!("{errors_path}.{field}");
    cond(
        &path,
        small().class("t-field-error").attr("data-field", field).attr("role", "alert").child(bind(&path)),
        nothing(),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Delivery {
        Standard,
        Express,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Order {
        name: String,
        quantity: u32,
        price: f64,
        gift: bool,
        delivery: Delivery,
        extras: Vec<String>,
    }

    fn errors_of(value: Value) -> FieldErrors {
        serde_json::from_value::<Form<Order>>(value).unwrap().into_result().unwrap_err()
    }

    fn valid() -> Value {
        json!({"name": "Ada", "quantity": 2, "price": 1.5, "gift": false, "delivery": "express", "extras": ["card"]})
    }

    #[test]
    fn a_fitting_form_is_typed() {
        let order = serde_json::from_value::<Form<Order>>(valid()).unwrap().into_result().unwrap();
        assert_eq!(order.delivery, Delivery::Express);
        assert_eq!(order.extras, ["card"]);
    }

    #[test]
    fn each_misfit_names_its_field_in_plain_words() {
        let with = |field: &str, value: Value| {
            let mut form = valid();
            form[field] = value;
            form
        };
        assert_eq!(errors_of(with("quantity", json!("two"))).get("quantity"), Some("A valid integer is required."));
        assert_eq!(errors_of(with("quantity", Value::Null)).get("quantity"), Some("This field is required."));
        assert_eq!(errors_of(with("price", json!("x"))).get("price"), Some("A valid number is required."));
        assert_eq!(errors_of(with("gift", json!("yes"))).get("gift"), Some("Must be a valid boolean."));
        assert_eq!(
            errors_of(with("delivery", json!("drone"))).get("delivery"),
            Some("\"drone\" is not a valid choice.")
        );
        let mut missing = valid();
        missing.as_object_mut().unwrap().remove("name");
        assert_eq!(errors_of(missing).get("name"), Some("This field is required."));
        assert_eq!(errors_of(json!("not a form")).get("__all__").map(|m| m.contains("expected")), Some(true));
    }

    #[test]
    fn strings_that_read_as_numbers_or_booleans_are_taken_as_such() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Pick {
            product: i64,
            ids: Vec<u32>,
            price: f64,
            agreed: bool,
        }
        let form = json!({"product": "3", "ids": ["1", "2"], "price": " 2.50", "agreed": "on"});
        let pick = serde_json::from_value::<Form<Pick>>(form).unwrap().into_result().unwrap();
        assert_eq!(pick, Pick { product: 3, ids: vec![1, 2], price: 2.5, agreed: true });
        let form = json!({"product": "three", "ids": [], "price": 1, "agreed": false});
        let errors = serde_json::from_value::<Form<Pick>>(form).unwrap().into_result().unwrap_err();
        assert_eq!(errors.get("product"), Some("A valid integer is required."));
    }

    #[test]
    fn messages_accumulate_per_field() {
        let mut errors = FieldErrors::default();
        errors.add("name", "Too short.");
        errors.add("name", "Not a name.");
        assert_eq!(errors.get("name"), Some("Too short. Not a name."));
        errors.clear();
        assert!(errors.is_empty());
    }
}
