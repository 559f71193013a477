//! Login and logout tickets. An event handler that logs a user in or out
//! cannot set the HttpOnly `sessionid` cookie over the WebSocket, so the
//! tab's runtime gets a ticket and redeems it with
//! `POST /_tandem/session`, whose response sets the cookie.
//!
//! A ticket is signed, not stored: `<tab token>.<user id or ->.<issued, unix
//! seconds>.<MAC>`, the MAC (HMAC-SHA256 under `SECRET_KEY`) covering those
//! fields, the session it was issued to (which the ticket does not carry:
//! scripts never see the session key) and the user's [`stamp`] (their last
//! login). So minting tickets fills no memory, another session's attempt
//! burns nothing, and a ticket is good for one minute and one use:
//! redeeming a login updates the user's last login, which the ticket was
//! signed with (a logout ticket done twice does nothing new).
//!
//! ```
//! use tandem::ui::tickets::{issue, redeem};
//! let ticket = issue("secret", "the-tab-token", "session-key", Some(7), "stamp");
//! assert_eq!(redeem("secret", &ticket, "another-session", "stamp"), None);
//! assert_eq!(redeem("secret", &ticket, "session-key", "logged in since"), None);
//! let redeemed = redeem("secret", &ticket, "session-key", "stamp").unwrap();
//! assert_eq!((redeemed.token.as_str(), redeemed.user_id), ("the-tab-token", Some(7)));
//! ```

/// How long a ticket can be redeemed, in seconds.
pub const LIFETIME_SECONDS: i64 = 60;

const SALT: &str = "tandem.ui.ticket";

/// A redeemed ticket: a login or logout a tab's event asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// The tab that asked.
    pub token: String,
    /// The user to log in; `None` to log out.
    pub user_id: Option<i64>,
}

fn mac(secret: &str, fields: &str, session_key: &str, stamp: &str) -> String {
    crate::signing::mac_hex(secret, SALT, &[fields, session_key, stamp])
}

/// What a login changes about `user` (its last login, to the microsecond):
/// a ticket signed with it works until the login it asks for is done.
/// `None` (a logout) has a fixed stamp.
///
/// ```
/// assert_eq!(tandem::ui::tickets::stamp(None), "-");
/// ```
pub fn stamp(user: Option<&crate::auth::User>) -> String {
    match user.map(|user| user.last_login) {
        None => "-".into(),
        Some(None) => "never".into(),
        Some(Some(at)) => at.timestamp_micros().to_string(),
    }
}

/// The user a ticket names (`Some(None)` for a logout), before it is
/// checked: the redeeming side loads the user to know its [`stamp`].
///
/// ```
/// let ticket = tandem::ui::tickets::issue("secret", "tok", "key", Some(7), "-");
/// assert_eq!(tandem::ui::tickets::claimed_user(&ticket), Some(Some(7)));
/// assert_eq!(tandem::ui::tickets::claimed_user("nonsense"), None);
/// ```
pub fn claimed_user(ticket: &str) -> Option<Option<i64>> {
    let user = ticket.split('.').nth(1)?;
    if user == "-" { Some(None) } else { user.parse().ok().map(Some) }
}

/// A ticket for tab `token` of the session `session_key`: log `user_id` in,
/// or out (`None`); `stamp` is the user's [`stamp`].
pub fn issue(secret: &str, token: &str, session_key: &str, user_id: Option<i64>, stamp: &str) -> String {
    let user = user_id.map_or_else(|| "-".to_string(), |id| id.to_string());
    let fields = format!("{token}.{user}.{}", chrono::Utc::now().timestamp());
    let mac = mac(secret, &fields, session_key, stamp);
    format!("{fields}.{mac}")
}

/// The ticket's content, if `ticket` was issued to `session_key` less than
/// [`LIFETIME_SECONDS`] ago, with the user's `stamp` as it is now, and is
/// intact.
pub fn redeem(secret: &str, ticket: &str, session_key: &str, stamp: &str) -> Option<Ticket> {
    if ticket.len() > 256 {
        return None;
    }
    let (fields, given) = ticket.rsplit_once('.')?;
    if !crate::signing::equal(given.as_bytes(), mac(secret, fields, session_key, stamp).as_bytes()) {
        return None;
    }
    let mut parts = fields.split('.');
    let (token, user, issued) = (parts.next()?, parts.next()?, parts.next()?);
    let age = chrono::Utc::now().timestamp() - issued.parse::<i64>().ok()?;
    if !(0..LIFETIME_SECONDS).contains(&age) {
        return None;
    }
    let user_id = if user == "-" { None } else { Some(user.parse().ok()?) };
    Some(Ticket { token: token.to_string(), user_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tampered_expired_and_foreign_tickets_are_refused() {
        let ticket = issue("secret", "tok", "key", None, "-");
        assert_eq!(redeem("secret", &ticket, "key", "-"), Some(Ticket { token: "tok".into(), user_id: None }));
        assert_eq!(redeem("other", &ticket, "key", "-"), None, "another secret");
        let forged = ticket.replacen(".-.", ".1.", 1);
        assert_eq!(redeem("secret", &forged, "key", "-"), None, "a logout turned into a login");
        let old = chrono::Utc::now().timestamp() - LIFETIME_SECONDS;
        let fields = format!("tok.-.{old}");
        let stale = format!("{fields}.{}", mac("secret", &fields, "key", "-"));
        assert_eq!(redeem("secret", &stale, "key", "-"), None, "expired");
        assert_eq!(redeem("secret", "", "key", "-"), None);
        assert_eq!(redeem("secret", &"a.".repeat(10_000), "key", "-"), None);
    }
}
