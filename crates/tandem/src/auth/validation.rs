//! Password validation: Django's default `AUTH_PASSWORD_VALIDATORS`, with
//! their messages, for the pages that set a password (register, password
//! change, password reset).
//!
//! ```
//! use tandem::auth::validation::validate_password;
//!
//! assert_eq!(validate_password("12345678", &["ada"]), vec!["This password is too common.", "This password is entirely numeric."]);
//! assert_eq!(validate_password("ada.lovelace", &["ada.lovelace"]), vec!["The password is too similar to the username."]);
//! assert!(validate_password("correct horse battery", &["ada"]).is_empty());
//! ```

/// `MinimumLengthValidator`'s default.
pub const MIN_LENGTH: usize = 8;

/// `UserAttributeSimilarityValidator`'s default `max_similarity`.
const MAX_SIMILARITY: f64 = 0.7;

/// The names the attributes are given in messages, in the order
/// [`validate_password`] takes their values: Django's verbose names of
/// `username`, `first_name`, `last_name` and `email`.
const ATTRIBUTES: [&str; 4] = ["username", "first name", "last name", "email address"];

/// Passwords everybody tries first. Django's `CommonPasswordValidator`
/// checks a list of 20,000; this is its head, the ones guessed first.
const COMMON: &[&str] = &[
    "123456",
    "password",
    "12345678",
    "qwerty",
    "123456789",
    "12345",
    "1234",
    "111111",
    "1234567",
    "dragon",
    "123123",
    "baseball",
    "abc123",
    "football",
    "monkey",
    "letmein",
    "696969",
    "shadow",
    "master",
    "666666",
    "qwertyuiop",
    "123321",
    "mustang",
    "1234567890",
    "michael",
    "654321",
    "superman",
    "1qaz2wsx",
    "7777777",
    "121212",
    "000000",
    "qazwsx",
    "123qwe",
    "killer",
    "trustno1",
    "jordan",
    "jennifer",
    "zxcvbnm",
    "asdfgh",
    "hunter",
    "buster",
    "soccer",
    "harley",
    "batman",
    "andrew",
    "tigger",
    "sunshine",
    "iloveyou",
    "2000",
    "charlie",
    "robert",
    "thomas",
    "hockey",
    "ranger",
    "daniel",
    "starwars",
    "klaster",
    "112233",
    "george",
    "computer",
    "michelle",
    "jessica",
    "pepper",
    "1111",
    "zxcvbn",
    "555555",
    "11111111",
    "131313",
    "freedom",
    "777777",
    "pass",
    "maggie",
    "159753",
    "aaaaaa",
    "ginger",
    "princess",
    "joshua",
    "cheese",
    "amanda",
    "summer",
    "love",
    "ashley",
    "nicole",
    "chelsea",
    "biteme",
    "matthew",
    "access",
    "yankees",
    "987654321",
    "dallas",
    "austin",
    "thunder",
    "taylor",
    "matrix",
    "minecraft",
    "welcome",
    "password1",
    "password123",
    "admin",
    "administrator",
    "passw0rd",
    "p@ssw0rd",
    "qwerty123",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "q1w2e3r4",
    "abcd1234",
    "aa123456",
    "abcdef",
    "abcdefg",
    "abcdefgh",
    "changeme",
    "secret",
    "default",
    "guest",
    "root",
    "test",
    "test123",
    "testing",
    "login",
    "letmein1",
    "welcome1",
    "iloveyou1",
    "football1",
    "baseball1",
    "monkey1",
    "dragon1",
    "sunshine1",
    "princess1",
    "qwertyui",
    "asdfghjkl",
    "zaq12wsx",
    "11111",
    "88888888",
    "12341234",
    "123123123",
    "00000000",
    "987654",
    "999999",
    "888888",
    "101010",
];

/// Every message the default validators give `password` for a user whose
/// `username`, `first_name`, `last_name` and `email` are `attributes` (in
/// that order; fewer may be given). Empty: the password is acceptable.
pub fn validate_password(password: &str, attributes: &[&str]) -> Vec<String> {
    let mut messages = Vec::new();
    for (value, name) in attributes.iter().zip(ATTRIBUTES) {
        if too_similar(password, value) {
            messages.push(format!("The password is too similar to the {name}."));
            break;
        }
    }
    if password.chars().count() < MIN_LENGTH {
        messages.push(format!("This password is too short. It must contain at least {MIN_LENGTH} characters."));
    }
    if COMMON.contains(&password.trim().to_lowercase().as_str()) {
        messages.push("This password is too common.".into());
    }
    if !password.is_empty() && password.chars().all(|c| c.is_numeric()) {
        messages.push("This password is entirely numeric.".into());
    }
    messages
}

/// `UserAttributeSimilarityValidator`: the password against the value and
/// each of its words, by Python's `SequenceMatcher.quick_ratio`.
fn too_similar(password: &str, value: &str) -> bool {
    if value.is_empty() {
        return false;
    }
    let password = password.to_lowercase();
    let words = value.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty());
    words.chain([value]).any(|part| {
        let part = part.to_lowercase();
        !exceeds_length_ratio(&password, &part) && quick_ratio(&password, &part) >= MAX_SIMILARITY
    })
}

/// Django skips a value far shorter than the password: it cannot make it
/// similar.
fn exceeds_length_ratio(password: &str, value: &str) -> bool {
    let (password, value) = (password.chars().count(), value.chars().count());
    password >= 10 * value && (value as f64) < MAX_SIMILARITY / 2.0 * password as f64
}

/// `2 * matches / (len(a) + len(b))`, matches counted as the multiset
/// intersection of the characters.
fn quick_ratio(a: &str, b: &str) -> f64 {
    let mut left: std::collections::HashMap<char, usize> = std::collections::HashMap::new();
    for c in b.chars() {
        *left.entry(c).or_default() += 1;
    }
    let matches = a
        .chars()
        .filter(|c| match left.get_mut(c) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        })
        .count();
    let total = a.chars().count() + b.chars().count();
    if total == 0 { 1.0 } else { 2.0 * matches as f64 / total as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_validator_speaks_djangos_words() {
        assert_eq!(
            validate_password("short", &[]),
            ["This password is too short. It must contain at least 8 characters."]
        );
        assert_eq!(validate_password("Password", &[]), ["This password is too common."]);
        assert_eq!(validate_password("86420975", &[]), ["This password is entirely numeric."]);
        assert_eq!(
            validate_password("lovelace1815", &["ada", "Ada", "Lovelace", "ada@example.com"]),
            ["The password is too similar to the last name."]
        );
        assert_eq!(
            validate_password("adaexample", &["x", "", "", "ada@example.com"]),
            ["The password is too similar to the email address."]
        );
    }

    #[test]
    fn quick_ratio_is_pythons() {
        // difflib.SequenceMatcher(a="abcd", b="bcde").quick_ratio() == 0.75
        assert!((quick_ratio("abcd", "bcde") - 0.75).abs() < 1e-9);
        assert!((quick_ratio("", "") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_short_value_does_not_make_a_long_password_similar() {
        assert!(!too_similar("a-long-passphrase-indeed", "al"));
    }
}
