//! Django's `reverse`: the URL of a named route or page, from its name and
//! parameters, so that code builds no URL by hand.
//!
//! The names are those given with [`UrlPattern::name`](super::UrlPattern::name)
//! on backend routes and [`Page::name`](crate::ui::Page::name) on pages; the
//! application installs them when it starts (the first of two routes with
//! one name wins).
//!
//! ```
//! use tandem::urls::{Pattern, reverse};
//!
//! tandem::urls::install_names([("product".to_string(), Pattern::compile_page("products/<int:id>").unwrap())]);
//! assert_eq!(reverse("product", [("id", 3)]).unwrap(), "/products/3");
//! let error = reverse("prodcut", [("id", 3)]).unwrap_err().to_string();
//! assert_eq!(error, "reverse of `prodcut`: no route or page has that name; did you mean `product`?");
//! ```

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::{Arc, RwLock};

use super::{Pattern, ReverseError};

/// The named routes and pages of the running application.
static NAMED: RwLock<Option<Arc<HashMap<String, Pattern>>>> = RwLock::new(None);

/// Makes `named` the names [`reverse`] knows (the application calls it at
/// start-up with its named routes and pages; the first of a name wins).
pub fn install_names(named: impl IntoIterator<Item = (String, Pattern)>) {
    let mut names = HashMap::new();
    for (name, pattern) in named {
        names.entry(name).or_insert(pattern);
    }
    *NAMED.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(names));
}

/// The path (with its leading `/`) of the route or page named `name`, with
/// `params` (see [`Pattern::reverse`]).
///
/// ```ignore
/// let url = tandem::urls::reverse("reviews", [("id", 3), ("page", 2)])?; // "/products/3/reviews/2"
/// ```
pub fn reverse<K: AsRef<str>, V: Display>(
    name: &str,
    params: impl IntoIterator<Item = (K, V)>,
) -> Result<String, ReverseError> {
    let names = NAMED.read().unwrap_or_else(|p| p.into_inner()).clone().unwrap_or_default();
    let Some(pattern) = names.get(name) else {
        let closest = names.keys().min_by_key(|known| strsim::levenshtein(name, known));
        let hint = closest.map_or(String::new(), |closest| format!("; did you mean `{closest}`?"));
        return Err(ReverseError::new(name, format!("no route or page has that name{hint}")));
    };
    let params: Vec<(String, String)> =
        params.into_iter().map(|(k, v)| (k.as_ref().to_string(), v.to_string())).collect();
    let borrowed: Vec<(&str, String)> = params.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    pattern.reverse(&borrowed)
}
