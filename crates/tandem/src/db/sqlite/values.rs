//! SeaORM's values in and out of SQLite, stored exactly as sqlx-sqlite
//! stores them, so the two drivers read and write the same files.
//!
//! Binding follows `sea-query-sqlx`'s SQLite binder (decimals and dates as
//! text, UUIDs as 16-byte blobs, booleans as 0/1). Reading needs the Rust
//! type a column is decoded into, since SeaORM's rows built outside sqlx
//! carry typed values: [`Kind`] is that type, taken from the model.

use chrono::{DateTime, FixedOffset, Local, NaiveDate, NaiveDateTime, NaiveTime, Offset, SecondsFormat, TimeZone, Utc};
use rusqlite::types::{ToSqlOutput, Value as Stored, ValueRef};
use sea_orm::Value;
use sea_orm::prelude::Uuid;

/// The SeaORM value type a column is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
    String,
    Char,
    Bytes,
    Json,
    Date,
    Time,
    DateTime,
    DateTimeUtc,
    DateTimeLocal,
    DateTimeWithTimeZone,
    Uuid,
    Decimal,
}

impl Kind {
    /// The kind of `value`'s variant; `None` for variants this driver
    /// does not read (arrays, vectors, enums of the database, other crates').
    pub(crate) fn of(value: &Value) -> Option<Kind> {
        Some(match value {
            Value::Bool(_) => Kind::Bool,
            Value::TinyInt(_) => Kind::I8,
            Value::SmallInt(_) => Kind::I16,
            Value::Int(_) => Kind::I32,
            Value::BigInt(_) => Kind::I64,
            Value::TinyUnsigned(_) => Kind::U8,
            Value::SmallUnsigned(_) => Kind::U16,
            Value::Unsigned(_) => Kind::U32,
            Value::BigUnsigned(_) => Kind::U64,
            Value::Float(_) => Kind::F32,
            Value::Double(_) => Kind::F64,
            Value::String(_) => Kind::String,
            Value::Char(_) => Kind::Char,
            Value::Bytes(_) => Kind::Bytes,
            Value::Json(_) => Kind::Json,
            Value::ChronoDate(_) => Kind::Date,
            Value::ChronoTime(_) => Kind::Time,
            Value::ChronoDateTime(_) => Kind::DateTime,
            Value::ChronoDateTimeUtc(_) => Kind::DateTimeUtc,
            Value::ChronoDateTimeLocal(_) => Kind::DateTimeLocal,
            Value::ChronoDateTimeWithTimeZone(_) => Kind::DateTimeWithTimeZone,
            Value::Uuid(_) => Kind::Uuid,
            Value::Decimal(_) => Kind::Decimal,
            #[allow(unreachable_patterns)]
            _ => return None,
        })
    }

    /// This kind's NULL.
    fn null(self) -> Value {
        match self {
            Kind::Bool => Value::Bool(None),
            Kind::I8 => Value::TinyInt(None),
            Kind::I16 => Value::SmallInt(None),
            Kind::I32 => Value::Int(None),
            Kind::I64 => Value::BigInt(None),
            Kind::U8 => Value::TinyUnsigned(None),
            Kind::U16 => Value::SmallUnsigned(None),
            Kind::U32 => Value::Unsigned(None),
            Kind::U64 => Value::BigUnsigned(None),
            Kind::F32 => Value::Float(None),
            Kind::F64 => Value::Double(None),
            Kind::String => Value::String(None),
            Kind::Char => Value::Char(None),
            Kind::Bytes => Value::Bytes(None),
            Kind::Json => Value::Json(None),
            Kind::Date => Value::ChronoDate(None),
            Kind::Time => Value::ChronoTime(None),
            Kind::DateTime => Value::ChronoDateTime(None),
            Kind::DateTimeUtc => Value::ChronoDateTimeUtc(None),
            Kind::DateTimeLocal => Value::ChronoDateTimeLocal(None),
            Kind::DateTimeWithTimeZone => Value::ChronoDateTimeWithTimeZone(None),
            Kind::Uuid => Value::Uuid(None),
            Kind::Decimal => Value::Decimal(None),
        }
    }

    /// Reads `stored` as this kind, converting between SQLite's storage
    /// classes as sqlx-sqlite's decoders do; an error names what did not fit.
    pub(crate) fn read(self, stored: ValueRef<'_>) -> Result<Value, String> {
        if let ValueRef::Null = stored {
            return Ok(self.null());
        }
        let value = match self {
            Kind::Bool => Value::Bool(Some(integer(stored)? != 0)),
            Kind::I8 => Value::TinyInt(Some(narrow(stored)?)),
            Kind::I16 => Value::SmallInt(Some(narrow(stored)?)),
            Kind::I32 => Value::Int(Some(narrow(stored)?)),
            Kind::I64 => Value::BigInt(Some(integer(stored)?)),
            Kind::U8 => Value::TinyUnsigned(Some(narrow(stored)?)),
            Kind::U16 => Value::SmallUnsigned(Some(narrow(stored)?)),
            Kind::U32 => Value::Unsigned(Some(narrow(stored)?)),
            Kind::U64 => Value::BigUnsigned(Some(narrow(stored)?)),
            Kind::F32 => Value::Float(Some(real(stored)? as f32)),
            Kind::F64 => Value::Double(Some(real(stored)?)),
            Kind::String => Value::String(Some(text(stored)?.into_owned())),
            Kind::Char => Value::Char(text(stored)?.chars().next()),
            Kind::Bytes => Value::Bytes(Some(match stored {
                ValueRef::Blob(bytes) | ValueRef::Text(bytes) => bytes.to_vec(),
                other => return Err(mismatch(other, "bytes")),
            })),
            Kind::Json => {
                let text = text(stored)?;
                Value::Json(Some(Box::new(serde_json::from_str(&text).map_err(|e| format!("invalid JSON: {e}"))?)))
            }
            Kind::Date => Value::ChronoDate(Some(
                NaiveDate::parse_from_str(&text(stored)?, "%F").map_err(|e| format!("invalid date: {e}"))?,
            )),
            Kind::Time => Value::ChronoTime(Some(time(&text(stored)?)?)),
            Kind::DateTime => Value::ChronoDateTime(Some(datetime(stored)?.naive_local())),
            Kind::DateTimeUtc => Value::ChronoDateTimeUtc(Some(datetime(stored)?.with_timezone(&Utc))),
            Kind::DateTimeLocal => Value::ChronoDateTimeLocal(Some(datetime(stored)?.with_timezone(&Local))),
            Kind::DateTimeWithTimeZone => Value::ChronoDateTimeWithTimeZone(Some(datetime(stored)?)),
            Kind::Uuid => Value::Uuid(Some(match stored {
                ValueRef::Blob(bytes) => Uuid::from_slice(bytes).map_err(|e| format!("invalid UUID: {e}"))?,
                other => text(other)?.parse().map_err(|e| format!("invalid UUID: {e}"))?,
            })),
            Kind::Decimal => Value::Decimal(Some(match stored {
                ValueRef::Integer(i) => i.into(),
                ValueRef::Real(f) => rust_decimal::Decimal::try_from(f).map_err(|e| format!("invalid decimal: {e}"))?,
                other => text(other)?.parse().map_err(|e| format!("invalid decimal: {e}"))?,
            })),
        };
        Ok(value)
    }
}

fn mismatch(stored: ValueRef<'_>, wanted: &str) -> String {
    format!("a {:?} value cannot be read as {wanted}", stored.data_type())
}

fn integer(stored: ValueRef<'_>) -> Result<i64, String> {
    match stored {
        ValueRef::Integer(i) => Ok(i),
        // SQLite hands back what its affinity made of the value: a whole
        // REAL in an INTEGER column reads as that integer, as sqlx does.
        ValueRef::Real(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(f as i64),
        other => Err(mismatch(other, "an integer")),
    }
}

fn narrow<T: TryFrom<i64>>(stored: ValueRef<'_>) -> Result<T, String> {
    let wide = integer(stored)?;
    T::try_from(wide).map_err(|_| format!("{wide} is out of range for {}", std::any::type_name::<T>()))
}

fn real(stored: ValueRef<'_>) -> Result<f64, String> {
    match stored {
        ValueRef::Real(f) => Ok(f),
        ValueRef::Integer(i) => Ok(i as f64),
        other => Err(mismatch(other, "a float")),
    }
}

fn text(stored: ValueRef<'_>) -> Result<std::borrow::Cow<'_, str>, String> {
    match stored {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).map(Into::into).map_err(|e| format!("invalid UTF-8: {e}")),
        ValueRef::Integer(i) => Ok(i.to_string().into()),
        ValueRef::Real(f) => Ok(f.to_string().into()),
        other => Err(mismatch(other, "text")),
    }
}

/// The time formats SQLite's date functions and sqlx write.
fn time(text: &str) -> Result<NaiveTime, String> {
    ["%T%.f", "%R", "%T"]
        .iter()
        .find_map(|format| NaiveTime::parse_from_str(text, format).ok())
        .ok_or_else(|| format!("invalid time: {text}"))
}

/// A timestamp as sqlx-sqlite reads one: RFC 3339 or one of SQLite's text
/// formats, a Unix time as an integer, a Julian day as a real.
fn datetime(stored: ValueRef<'_>) -> Result<DateTime<FixedOffset>, String> {
    match stored {
        ValueRef::Integer(seconds) => {
            Utc.fix().timestamp_opt(seconds, 0).single().ok_or_else(|| format!("invalid timestamp: {seconds}"))
        }
        ValueRef::Real(julian) => {
            let seconds = (julian - 2_440_587.5) * 86_400.0;
            let whole = seconds.floor();
            if !whole.is_finite() || whole.abs() > 1e15 {
                return Err(format!("invalid Julian day: {julian}"));
            }
            let nanos = ((seconds - whole) * 1e9) as u32;
            Utc.fix().timestamp_opt(whole as i64, nanos).single().ok_or_else(|| format!("invalid Julian day: {julian}"))
        }
        other => {
            let text = text(other)?;
            if let Ok(parsed) = DateTime::parse_from_rfc3339(&text) {
                return Ok(parsed);
            }
            for format in ["%F %T%.f%:z", "%FT%T%.f%:z", "%F %T%.f%#z", "%FT%T%.f%#z"] {
                if let Ok(parsed) = DateTime::parse_from_str(&text, format) {
                    return Ok(parsed);
                }
            }
            for format in ["%F %T%.f", "%FT%T%.f", "%F %R", "%FT%R", "%F %RZ", "%F %T%.fZ", "%FT%T%.fZ", "%FT%RZ"] {
                if let Ok(naive) = NaiveDateTime::parse_from_str(&text, format) {
                    return Ok(Utc.fix().from_utc_datetime(&naive));
                }
            }
            Err(format!("invalid datetime: {text}"))
        }
    }
}

/// `value` as SQLite stores it; `Err` names a value SQLite cannot hold.
pub(crate) fn bind(value: &Value) -> Result<ToSqlOutput<'_>, String> {
    use ToSqlOutput::{Borrowed, Owned};
    let null = Owned(Stored::Null);
    let int = |i: Option<i64>| i.map_or(Owned(Stored::Null), |i| Owned(Stored::Integer(i)));
    let text = |s: Option<String>| s.map_or(Owned(Stored::Null), |s| Owned(Stored::Text(s)));
    Ok(match value {
        Value::Bool(b) => int(b.map(i64::from)),
        Value::TinyInt(i) => int(i.map(i64::from)),
        Value::SmallInt(i) => int(i.map(i64::from)),
        Value::Int(i) => int(i.map(i64::from)),
        Value::BigInt(i) => int(*i),
        Value::TinyUnsigned(i) => int(i.map(i64::from)),
        Value::SmallUnsigned(i) => int(i.map(i64::from)),
        Value::Unsigned(i) => int(i.map(i64::from)),
        Value::BigUnsigned(i) => match i {
            Some(i) => {
                Owned(Stored::Integer(i64::try_from(*i).map_err(|_| format!("{i} does not fit SQLite's integer"))?))
            }
            None => null,
        },
        Value::Float(f) => f.map_or(null, |f| Owned(Stored::Real(f64::from(f)))),
        Value::Double(f) => f.map_or(null, |f| Owned(Stored::Real(f))),
        Value::String(Some(s)) => Borrowed(ValueRef::Text(s.as_bytes())),
        Value::String(None) => null,
        Value::Enum(e) => match e {
            sea_orm::sea_query::OptionEnum::Some(v) => Borrowed(ValueRef::Text(v.value.as_bytes())),
            sea_orm::sea_query::OptionEnum::None(_) => null,
        },
        Value::Char(c) => text(c.map(String::from)),
        Value::Bytes(Some(b)) => Borrowed(ValueRef::Blob(b)),
        Value::Bytes(None) => null,
        Value::Json(j) => text(j.as_ref().map(|j| j.to_string())),
        Value::ChronoDate(d) => text(d.map(|d| d.format("%F").to_string())),
        Value::ChronoTime(t) => text(t.map(|t| t.format("%T%.f").to_string())),
        Value::ChronoDateTime(t) => text(t.map(|t| t.format("%F %T%.f").to_string())),
        Value::ChronoDateTimeUtc(t) => text(t.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, false))),
        Value::ChronoDateTimeLocal(t) => text(t.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, false))),
        Value::ChronoDateTimeWithTimeZone(t) => text(t.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, false))),
        Value::Uuid(u) => u.map_or(null, |u| Owned(Stored::Blob(u.as_bytes().to_vec()))),
        Value::Decimal(d) => text(d.map(|d| d.to_string())),
        #[allow(unreachable_patterns)]
        other => return Err(format!("SQLite cannot store {other:?}")),
    })
}
