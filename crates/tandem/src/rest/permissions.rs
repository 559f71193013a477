//! REST permissions, DRF's `permission_classes`: every listed permission must
//! allow the request. A denied anonymous request is "not authenticated" (401
//! or 403, see [`super::auth`]); a denied user gets 403.
//!
//! ```
//! use tandem::rest::Permission;
//! let p: Permission = serde_json::from_str("\"is_authenticated_or_read_only\"").unwrap();
//! assert_eq!(p, Permission::IsAuthenticatedOrReadOnly);
//! ```

use std::fmt;
use std::sync::Arc;

use axum::http::Method;
use serde::Deserialize;

use super::request::RestRequest;
use crate::auth::has_perm;
use crate::http::ApiError;

type Check = Arc<dyn Fn(&RestRequest) -> bool + Send + Sync>;

/// One permission.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Anyone (DRF's default).
    AllowAny,
    /// Logged-in users.
    IsAuthenticated,
    /// Staff users.
    IsAdminUser,
    /// Anyone may read; only logged-in users may write.
    IsAuthenticatedOrReadOnly,
    /// Logged-in users with the model's `add_` / `change_` / `delete_`
    /// permission for writes (reads need only a login), DRF's
    /// `DjangoModelPermissions`.
    DjangoModelPermissions,
    /// A check of your own (DRF's custom `has_permission`).
    #[serde(skip)]
    Custom(Check),
}

impl fmt::Debug for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Permission::AllowAny => f.write_str("AllowAny"),
            Permission::IsAuthenticated => f.write_str("IsAuthenticated"),
            Permission::IsAdminUser => f.write_str("IsAdminUser"),
            Permission::IsAuthenticatedOrReadOnly => f.write_str("IsAuthenticatedOrReadOnly"),
            Permission::DjangoModelPermissions => f.write_str("DjangoModelPermissions"),
            Permission::Custom(_) => f.write_str("Custom"),
        }
    }
}

impl PartialEq for Permission {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Permission::Custom(a), Permission::Custom(b)) => Arc::ptr_eq(a, b),
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl Permission {
    /// A custom check.
    ///
    /// ```
    /// use tandem::rest::Permission;
    /// let weekdays_only = Permission::custom(|_request| true);
    /// # let _ = weekdays_only;
    /// ```
    pub fn custom(check: impl Fn(&RestRequest) -> bool + Send + Sync + 'static) -> Self {
        Permission::Custom(Arc::new(check))
    }

    /// Whether this permission lets `request` through; `model_label` is the
    /// model's Django label (`shop.product`) for model permissions.
    pub async fn allows(&self, request: &RestRequest, model_label: &str) -> Result<bool, ApiError> {
        let user = request.user.user();
        Ok(match self {
            Permission::AllowAny => true,
            Permission::IsAuthenticated => user.is_some(),
            Permission::IsAdminUser => user.is_some_and(|u| u.is_staff),
            Permission::IsAuthenticatedOrReadOnly => request.is_safe() || user.is_some(),
            Permission::DjangoModelPermissions => match (user, model_codename(&request.method, model_label)) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(user), Some(perm)) => has_perm(&request.db, user, &perm).await?,
            },
            Permission::Custom(check) => check(request),
        })
    }
}

/// The permission `method` needs on `app.model`, e.g. `shop.add_product`.
fn model_codename(method: &Method, model_label: &str) -> Option<String> {
    let verb = match *method {
        Method::POST => "add",
        Method::PUT | Method::PATCH => "change",
        Method::DELETE => "delete",
        _ => return None,
    };
    let (app, model) = model_label.split_once('.')?;
    Some(format!("{app}.{verb}_{model}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_permissions_follow_the_method() {
        assert_eq!(model_codename(&Method::POST, "shop.product").as_deref(), Some("shop.add_product"));
        assert_eq!(model_codename(&Method::PATCH, "shop.product").as_deref(), Some("shop.change_product"));
        assert_eq!(model_codename(&Method::DELETE, "shop.review").as_deref(), Some("shop.delete_review"));
        assert_eq!(model_codename(&Method::GET, "shop.product"), None);
    }
}
