//! Serializer fields read from SeaORM column definitions, the way DRF's
//! `ModelSerializer` reads a Django model: kind, max length, digits,
//! nullability, default, uniqueness. Each field validates input with DRF's
//! exact messages and renders values in DRF's format.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use sea_orm::prelude::Uuid;
use sea_orm::sea_query::StringLen;
use sea_orm::{ColumnDef, ColumnType, Value as DbValue};
use serde_json::{Value, json};

/// DRF's `ProhibitNullCharactersValidator` message: a text value may not
/// hold a NUL character (PostgreSQL could not store it).
pub const NULL_CHARACTERS: &str = "Null characters are not allowed.";

/// DRF's `IntegerField.MAX_STRING_LENGTH`: longer input is refused unread.
const MAX_INTEGER_STRING_LENGTH: usize = 1000;

/// What a field holds, with its constraints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A whole number, stored in a column of `width` bits.
    Integer {
        /// 8, 16, 32 or 64.
        width: u8,
    },
    /// A floating point number.
    Float,
    /// Text, with an optional maximum length in characters.
    String {
        /// DRF's `max_length`.
        max_length: Option<u32>,
    },
    /// An exact decimal.
    Decimal {
        /// Digits in all.
        max_digits: u32,
        /// Digits after the point.
        decimal_places: u32,
    },
    /// `true` / `false`.
    Boolean,
    /// A timestamp with time zone, rendered as ISO 8601 in UTC with `Z`.
    DateTime,
    /// A calendar date.
    Date,
    /// A time of day.
    Time,
    /// A UUID, rendered as its lower-case dashed text.
    Uuid,
    /// Any JSON value.
    Json,
}

impl FieldKind {
    /// The kind of a SeaORM column type.
    pub fn of(column_type: &ColumnType) -> Self {
        match column_type {
            ColumnType::TinyInteger | ColumnType::TinyUnsigned => FieldKind::Integer { width: 8 },
            ColumnType::SmallInteger | ColumnType::SmallUnsigned => FieldKind::Integer { width: 16 },
            ColumnType::Integer | ColumnType::Unsigned => FieldKind::Integer { width: 32 },
            ColumnType::BigInteger | ColumnType::BigUnsigned => FieldKind::Integer { width: 64 },
            ColumnType::Float | ColumnType::Double => FieldKind::Float,
            ColumnType::Decimal(Some((digits, places))) | ColumnType::Money(Some((digits, places))) => {
                FieldKind::Decimal { max_digits: *digits, decimal_places: *places }
            }
            ColumnType::Decimal(None) | ColumnType::Money(None) => {
                FieldKind::Decimal { max_digits: 28, decimal_places: 10 }
            }
            ColumnType::Boolean => FieldKind::Boolean,
            ColumnType::DateTime | ColumnType::Timestamp | ColumnType::TimestampWithTimeZone => FieldKind::DateTime,
            ColumnType::Date => FieldKind::Date,
            ColumnType::Time => FieldKind::Time,
            ColumnType::Uuid => FieldKind::Uuid,
            ColumnType::Json | ColumnType::JsonBinary => FieldKind::Json,
            ColumnType::String(StringLen::N(n)) | ColumnType::Char(Some(n)) => {
                FieldKind::String { max_length: Some(*n) }
            }
            _ => FieldKind::String { max_length: None },
        }
    }

    /// DRF's metadata `type` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            FieldKind::Integer { .. } => "integer",
            FieldKind::Float => "float",
            FieldKind::String { .. } => "string",
            FieldKind::Decimal { .. } => "decimal",
            FieldKind::Boolean => "boolean",
            FieldKind::DateTime => "datetime",
            FieldKind::Date => "date",
            FieldKind::Time => "time",
            FieldKind::Uuid => "string",
            FieldKind::Json => "json",
        }
    }
}

/// One serializer field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The key in JSON, the column name.
    pub name: String,
    /// What it holds.
    pub kind: FieldKind,
    /// Rendered but never written (primary keys, `read_only_fields`).
    pub read_only: bool,
    /// Must be present on create and full update.
    pub required: bool,
    /// `null` is a valid value.
    pub allow_null: bool,
    /// Values must be unique in the table.
    pub unique: bool,
    /// DRF's label: the verbose name with a capital (`Is active`, `ID`).
    pub label: String,
}

impl Field {
    /// The field for column `name` defined by `def`.
    pub fn from_column(name: &str, def: &ColumnDef, primary_key: bool) -> Self {
        let allow_null = def.is_null();
        let has_default = def.get_column_default().is_some();
        Field {
            name: name.to_string(),
            kind: FieldKind::of(def.get_column_type()),
            read_only: primary_key,
            required: !primary_key && !allow_null && !has_default,
            allow_null,
            unique: def.is_unique() && !primary_key,
            label: if primary_key && name == "id" { "ID".to_string() } else { capitalize(&verbose_name(name)) },
        }
    }

    /// Django's verbose name of the field: `is_active` → `is active`.
    pub fn verbose_name(&self) -> String {
        verbose_name(&self.name)
    }

    /// DRF's `SimpleMetadata` description of the field.
    pub fn metadata(&self) -> Value {
        let mut info = json!({
            "type": self.kind.type_name(),
            "required": self.required,
            "read_only": self.read_only,
            "label": self.label,
        });
        match self.kind {
            FieldKind::String { max_length: Some(n) } => info["max_length"] = json!(n),
            FieldKind::Decimal { max_digits, decimal_places } => {
                info["max_digits"] = json!(max_digits);
                info["decimal_places"] = json!(decimal_places);
            }
            _ => {}
        }
        info
    }

    /// Renders a stored value in DRF's format.
    pub fn to_representation(&self, value: &DbValue) -> Value {
        match (value, self.kind) {
            (DbValue::Decimal(Some(d)), FieldKind::Decimal { decimal_places, .. }) => {
                json!(crate::db::Decimal(*d).quantize(decimal_places).to_string())
            }
            (DbValue::String(Some(s)), FieldKind::Decimal { decimal_places, .. }) => {
                match crate::db::Decimal::from_str(s) {
                    Ok(d) => json!(d.quantize(decimal_places).to_string()),
                    Err(_) => json!(s),
                }
            }
            (DbValue::ChronoDateTimeUtc(Some(dt)), _) => json!(iso_datetime(dt)),
            (DbValue::ChronoDateTime(Some(dt)), _) => json!(iso_datetime(&dt.and_utc())),
            (DbValue::ChronoDate(Some(d)), _) => json!(d.format("%Y-%m-%d").to_string()),
            (DbValue::ChronoTime(Some(t)), _) => json!(t.format("%H:%M:%S%.f").to_string()),
            (DbValue::Uuid(Some(u)), _) => json!(u.hyphenated().to_string()),
            _ => plain_json(value),
        }
    }

    /// Validates one input value (not `null`, not absent: the serializer
    /// handles those) into the JSON form the database conversion takes.
    pub fn to_internal_value(&self, input: &Value) -> Result<Value, String> {
        match self.kind {
            FieldKind::String { max_length } => {
                let text = match input {
                    Value::String(s) => s.trim().to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => return Err("Not a valid string.".into()),
                };
                if text.is_empty() {
                    return Err("This field may not be blank.".into());
                }
                if let Some(max) = max_length
                    && text.chars().count() > max as usize
                {
                    return Err(format!("Ensure this field has no more than {max} characters."));
                }
                if text.contains('\0') {
                    return Err(NULL_CHARACTERS.into());
                }
                Ok(Value::String(text))
            }
            FieldKind::Integer { width } => validate_integer(input, width).map(|v| json!(v)),
            FieldKind::Float => {
                let invalid = || "A valid number is required.".to_string();
                let parsed = match input {
                    Value::Number(n) => n.as_f64(),
                    Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
                    _ => None,
                }
                .ok_or_else(invalid)?;
                Ok(json!(parsed))
            }
            FieldKind::Decimal { max_digits, decimal_places } => {
                validate_decimal(input, max_digits, decimal_places).map(|d| json!(d.to_string()))
            }
            FieldKind::Boolean => parse_bool(input).map(Value::Bool).ok_or_else(|| "Must be a valid boolean.".into()),
            FieldKind::DateTime => {
                let text = input.as_str().unwrap_or_default().trim();
                parse_datetime(text).map(|dt| json!(iso_datetime(&dt))).ok_or_else(|| {
                    "Datetime has wrong format. Use one of these formats instead: \
                     YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
                        .into()
                })
            }
            FieldKind::Date => {
                let text = input.as_str().unwrap_or_default().trim();
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map(|d| json!(d.format("%Y-%m-%d").to_string()))
                    .map_err(|_| "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.".into())
            }
            FieldKind::Time => {
                let text = input.as_str().unwrap_or_default().trim();
                ["%H:%M:%S%.f", "%H:%M"]
                    .iter()
                    .find_map(|f| NaiveTime::parse_from_str(text, f).ok())
                    .map(|t| json!(t.format("%H:%M:%S%.f").to_string()))
                    .ok_or_else(|| {
                        "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]].".into()
                    })
            }
            FieldKind::Uuid => input
                .as_str()
                .and_then(|s| Uuid::parse_str(s.trim()).ok())
                .map(|u| json!(u.hyphenated().to_string()))
                .ok_or_else(|| "Must be a valid UUID.".into()),
            FieldKind::Json => Ok(input.clone()),
        }
    }

    /// Converts a validated value to the database value of `column_type`.
    pub fn to_db_value(&self, value: &Value, column_type: &ColumnType) -> DbValue {
        let null = value.is_null();
        match column_type {
            ColumnType::TinyInteger => DbValue::TinyInt(value.as_i64().and_then(|v| v.try_into().ok())),
            ColumnType::SmallInteger => DbValue::SmallInt(value.as_i64().and_then(|v| v.try_into().ok())),
            ColumnType::Integer => DbValue::Int(value.as_i64().and_then(|v| v.try_into().ok())),
            ColumnType::BigInteger => DbValue::BigInt(value.as_i64()),
            ColumnType::TinyUnsigned => DbValue::TinyUnsigned(value.as_u64().and_then(|v| v.try_into().ok())),
            ColumnType::SmallUnsigned => DbValue::SmallUnsigned(value.as_u64().and_then(|v| v.try_into().ok())),
            ColumnType::Unsigned => DbValue::Unsigned(value.as_u64().and_then(|v| v.try_into().ok())),
            ColumnType::BigUnsigned => DbValue::BigUnsigned(value.as_u64()),
            ColumnType::Float => DbValue::Float(value.as_f64().map(|v| v as f32)),
            ColumnType::Double => DbValue::Double(value.as_f64()),
            ColumnType::Decimal(_) | ColumnType::Money(_) => {
                DbValue::Decimal(value.as_str().and_then(|s| rust_decimal::Decimal::from_str_exact(s).ok()))
            }
            ColumnType::Boolean => DbValue::Bool(value.as_bool()),
            ColumnType::TimestampWithTimeZone => DbValue::ChronoDateTimeUtc(value.as_str().and_then(parse_datetime)),
            ColumnType::DateTime | ColumnType::Timestamp => {
                DbValue::ChronoDateTime(value.as_str().and_then(parse_datetime).map(|d| d.naive_utc()))
            }
            ColumnType::Date => {
                DbValue::ChronoDate(value.as_str().and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()))
            }
            ColumnType::Time => {
                DbValue::ChronoTime(value.as_str().and_then(|s| NaiveTime::parse_from_str(s, "%H:%M:%S%.f").ok()))
            }
            ColumnType::Uuid => DbValue::Uuid(value.as_str().and_then(|s| Uuid::parse_str(s).ok())),
            ColumnType::Json | ColumnType::JsonBinary => {
                DbValue::Json(if null { None } else { Some(Box::new(value.clone())) })
            }
            _ => DbValue::String(value.as_str().map(str::to_string)),
        }
    }
}

/// A stored value as plain JSON (no field-specific formatting).
fn plain_json(value: &DbValue) -> Value {
    match value {
        DbValue::Bool(Some(b)) => json!(b),
        DbValue::TinyInt(Some(v)) => json!(v),
        DbValue::SmallInt(Some(v)) => json!(v),
        DbValue::Int(Some(v)) => json!(v),
        DbValue::BigInt(Some(v)) => json!(v),
        DbValue::TinyUnsigned(Some(v)) => json!(v),
        DbValue::SmallUnsigned(Some(v)) => json!(v),
        DbValue::Unsigned(Some(v)) => json!(v),
        DbValue::BigUnsigned(Some(v)) => json!(v),
        DbValue::Float(Some(v)) => json!(v),
        DbValue::Double(Some(v)) => json!(v),
        DbValue::String(Some(s)) => json!(s.as_str()),
        DbValue::Char(Some(c)) => json!(c.to_string()),
        DbValue::Decimal(Some(d)) => json!(d.to_string()),
        DbValue::Json(Some(j)) => (**j).clone(),
        _ => Value::Null,
    }
}

/// DRF's datetime format: ISO 8601 in UTC, microseconds when there are
/// any, `Z` for UTC.
fn iso_datetime(dt: &DateTime<Utc>) -> String {
    if dt.timestamp_subsec_micros() == 0 {
        dt.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        dt.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|naive| naive.and_utc())
}

/// DRF's `IntegerField.to_internal_value` (`int()` of the text, a zero
/// fraction dropped) and the model field's range validators: a value the
/// column cannot hold is refused with DRF's words, never wrapped or cut.
fn validate_integer(input: &Value, width: u8) -> Result<i64, String> {
    let invalid = || "A valid integer is required.".to_string();
    let text = match input {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err(invalid()),
    };
    if text.len() > MAX_INTEGER_STRING_LENGTH {
        return Err("String value too large.".into());
    }
    let parsed = python_int(without_zero_fraction(&text)).ok_or_else(invalid)?;
    let bits = u32::from(width.clamp(8, 64)) - 1;
    let (min, max) = (-(1i128 << bits), (1i128 << bits) - 1);
    if parsed > max {
        return Err(format!("Ensure this value is less than or equal to {max}."));
    }
    if parsed < min {
        return Err(format!("Ensure this value is greater than or equal to {min}."));
    }
    i64::try_from(parsed).map_err(|_| invalid())
}

/// `text` without a trailing `.`, `.0`, `.000…` (and whitespace after it):
/// DRF's `re_decimal` (`\.0*\s*$`) removed.
fn without_zero_fraction(text: &str) -> &str {
    match text.rfind('.') {
        Some(dot) if text[dot + 1..].trim_start_matches('0').trim().is_empty() => &text[..dot],
        _ => text,
    }
}

/// Python's `int(text)` for a base-10 text: surrounding whitespace, an
/// optional sign, digits with single `_` between them. Saturates at `i128`'s
/// bounds instead of failing, so a huge value reads as huge, never as an
/// error or a wrapped number.
///
/// ```
/// use tandem::rest::fields::python_int;
/// assert_eq!(python_int(" +1_000 "), Some(1000));
/// assert_eq!(python_int("-3"), Some(-3));
/// assert_eq!(python_int("99999999999999999999999999999999999999999"), Some(i128::MAX));
/// assert_eq!(python_int("1e9"), None);
/// assert_eq!(python_int("1__0"), None);
/// ```
pub fn python_int(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    let mut value: i128 = 0;
    for c in digits.chars().filter(|c| *c != '_') {
        let digit = i128::from(c.to_digit(10)?);
        value = value.saturating_mul(10).saturating_add(digit);
    }
    Some(if negative { -value } else { value })
}

/// DRF's `BooleanField` truth table.
fn parse_bool(input: &Value) -> Option<bool> {
    match input {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => Some(true),
            Some(0.0) => Some(false),
            _ => None,
        },
        Value::String(s) => match s.as_str() {
            "t" | "T" | "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" | "1" => {
                Some(true)
            }
            "f" | "F" | "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" | "0" => {
                Some(false)
            }
            _ => None,
        },
        _ => None,
    }
}

/// DRF's `DecimalField.to_internal_value` and `validate_precision`, then
/// quantized to the field's places.
fn validate_decimal(input: &Value, max_digits: u32, decimal_places: u32) -> Result<crate::db::Decimal, String> {
    let invalid = || "A valid number is required.".to_string();
    let text = match input {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return Err(invalid()),
    };
    if text.len() > 1000 {
        return Err("String value too large.".into());
    }
    let value = rust_decimal::Decimal::from_str_exact(&text)
        .or_else(|_| rust_decimal::Decimal::from_scientific(&text))
        .map_err(|_| invalid())?;
    let scale = value.scale();
    let digits = {
        let mantissa = value.mantissa().unsigned_abs();
        if mantissa == 0 { 1 } else { mantissa.to_string().len() as u32 }
    };
    let (total, whole, places) = if scale == 0 {
        (digits, digits, 0)
    } else if digits > scale {
        (digits, digits - scale, scale)
    } else {
        (scale, 0, scale)
    };
    if total > max_digits {
        return Err(format!("Ensure that there are no more than {max_digits} digits in total."));
    }
    if places > decimal_places {
        return Err(format!("Ensure that there are no more than {decimal_places} decimal places."));
    }
    let max_whole = max_digits - decimal_places;
    if whole > max_whole {
        return Err(format!("Ensure that there are no more than {max_whole} digits before the decimal point."));
    }
    Ok(crate::db::Decimal(value).quantize(decimal_places))
}

fn verbose_name(name: &str) -> String {
    name.replace('_', " ")
}

/// `text` with its first letter in upper case (Django's `capfirst`).
pub(crate) fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(v: Value) -> Result<String, String> {
        validate_decimal(&v, 10, 2).map(|d| d.to_string())
    }

    #[test]
    fn decimals_follow_drf() {
        assert_eq!(decimal(json!("7")), Ok("7.00".into()));
        assert_eq!(decimal(json!(19.5)), Ok("19.50".into()));
        assert_eq!(decimal(json!("12345678.99")), Ok("12345678.99".into()));
        assert_eq!(decimal(json!("0.00")), Ok("0.00".into()));
        for bad in [json!("abc"), json!(""), json!("NaN"), json!(true), json!([1])] {
            assert_eq!(decimal(bad), Err("A valid number is required.".into()));
        }
        assert_eq!(decimal(json!("1.234")), Err("Ensure that there are no more than 2 decimal places.".into()));
        assert_eq!(decimal(json!("1.230")), Err("Ensure that there are no more than 2 decimal places.".into()));
        assert_eq!(decimal(json!("12345678901")), Err("Ensure that there are no more than 10 digits in total.".into()));
        assert_eq!(
            decimal(json!("123456789.1")),
            Err("Ensure that there are no more than 8 digits before the decimal point.".into())
        );
    }

    #[test]
    fn hostile_numbers_are_refused_not_panicked_on() {
        for text in ["1e999999999999", "1e-4294967296", "9e99999999999999999999", "-0e-0", "1E+28", "."] {
            let _ = decimal(json!(text));
        }
        let small = field(FieldKind::Integer { width: 16 });
        assert_eq!(small.to_internal_value(&json!("7.000 ")), Ok(json!(7)), "DRF drops a zero fraction");
        assert_eq!(small.to_internal_value(&json!(7.0)), Ok(json!(7)));
        assert_eq!(small.to_internal_value(&json!("7.5")), Err("A valid integer is required.".into()));
        assert_eq!(
            small.to_internal_value(&json!("-32769")),
            Err("Ensure this value is greater than or equal to -32768.".into())
        );
        let big = field(FieldKind::Integer { width: 64 });
        assert_eq!(
            big.to_internal_value(&json!("9223372036854775808")),
            Err("Ensure this value is less than or equal to 9223372036854775807.".into())
        );
        assert_eq!(big.to_internal_value(&json!("-9223372036854775808")), Ok(json!(i64::MIN)));
        let text = field(FieldKind::String { max_length: None });
        assert_eq!(text.to_internal_value(&json!("a\u{0}b")), Err(NULL_CHARACTERS.into()));
    }

    #[test]
    fn booleans_follow_drf() {
        for t in [json!(true), json!("true"), json!("1"), json!(1), json!("on"), json!("Y")] {
            assert_eq!(parse_bool(&t), Some(true), "{t}");
        }
        for f in [json!(false), json!("false"), json!("0"), json!(0), json!("off")] {
            assert_eq!(parse_bool(&f), Some(false), "{f}");
        }
        assert_eq!(parse_bool(&json!("maybe")), None);
        assert_eq!(parse_bool(&json!(2)), None);
    }

    #[test]
    fn strings_are_trimmed_and_bounded() {
        let field = Field {
            name: "name".into(),
            kind: FieldKind::String { max_length: Some(3) },
            read_only: false,
            required: true,
            allow_null: false,
            unique: false,
            label: "Name".into(),
        };
        assert_eq!(field.to_internal_value(&json!("  ab ")), Ok(json!("ab")));
        assert_eq!(field.to_internal_value(&json!("   ")), Err("This field may not be blank.".into()));
        assert_eq!(
            field.to_internal_value(&json!("abcd")),
            Err("Ensure this field has no more than 3 characters.".into())
        );
        assert_eq!(field.to_internal_value(&json!("żół")), Ok(json!("żół")), "characters, not bytes");
        assert_eq!(field.to_internal_value(&json!(["x"])), Err("Not a valid string.".into()));
        assert_eq!(field.to_internal_value(&json!(12)), Ok(json!("12")));
    }

    #[test]
    fn datetimes_render_with_z() {
        let dt = DateTime::parse_from_rfc3339("2026-11-25T10:00:00.123456+02:00").unwrap().with_timezone(&Utc);
        assert_eq!(iso_datetime(&dt), "2026-11-25T08:00:00.123456Z");
    }

    fn field(kind: FieldKind) -> Field {
        Field {
            name: "x".into(),
            kind,
            read_only: false,
            required: true,
            allow_null: false,
            unique: false,
            label: "X".into(),
        }
    }

    #[test]
    fn uuids_dates_and_times_are_strings() {
        let id = Uuid::parse_str("3F2B8C1E-9D4A-4E6B-8F0A-1C2D3E4F5A6B").unwrap();
        let uuid = field(FieldKind::Uuid);
        assert_eq!(uuid.to_representation(&DbValue::Uuid(Some(id))), json!("3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b"));
        assert_eq!(uuid.to_internal_value(&json!("3F2B8C1E-9D4A-4E6B-8F0A-1C2D3E4F5A6B")), Ok(json!(id.to_string())));
        assert_eq!(uuid.to_internal_value(&json!("nope")), Err("Must be a valid UUID.".to_string()));
        let time = field(FieldKind::Time);
        let noon = NaiveTime::from_hms_micro_opt(12, 30, 5, 250).unwrap();
        assert_eq!(time.to_representation(&DbValue::ChronoTime(Some(noon))), json!("12:30:05.000250"));
        assert_eq!(time.to_internal_value(&json!("12:30")), Ok(json!("12:30:00")));
        let date = field(FieldKind::Date);
        let day = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(date.to_representation(&DbValue::ChronoDate(Some(day))), json!("2026-11-25"));
        assert_eq!(FieldKind::of(&ColumnType::Uuid), FieldKind::Uuid);
    }
}
