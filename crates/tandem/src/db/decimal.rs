//! Exact decimals on every database.
//!
//! SeaORM reads a `rust_decimal::Decimal` column on SQLite through an `f64`,
//! and SQLite's `NUMERIC` affinity turns `"0.10"` into the float `0.1`, so money
//! does not round-trip. Tandem's [`Decimal`] is a drop-in newtype for model
//! fields that fixes both ends:
//!
//! * on SQLite the column is declared `decimal_text(D, P)`, which has TEXT
//!   affinity, so the digits are stored as written (see [`decimal_column`]);
//! * on PostgreSQL the column is a real `NUMERIC(D, P)`;
//! * reading tries the stored text first and falls back to the driver's
//!   native decimal, so both backends give back exactly what was saved.
//!
//! ```
//! use std::str::FromStr;
//! use tandem::db::Decimal;
//!
//! let price = Decimal::from_str("12345678.99").unwrap();
//! assert_eq!(price.to_string(), "12345678.99");
//! assert_eq!(price.quantize(2).to_string(), "12345678.99");
//! assert_eq!(Decimal::from_str("7").unwrap().quantize(2).to_string(), "7.00");
//! ```

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use sea_orm::sea_query::{ArrayType, ColumnDef, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbBackend, QueryResult, TryGetError, TryGetable, Value};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A decimal number stored exactly on SQLite and PostgreSQL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal(pub rust_decimal::Decimal);

impl Decimal {
    /// Rounds half to even (Python's default, which DRF uses) and pads to
    /// `places` decimal places.
    pub fn quantize(self, places: u32) -> Self {
        let mut d = self.0.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointNearestEven);
        d.rescale(places);
        Self(d)
    }

    /// The `f64` nearest to the value, as Python's `float(p.price)` gives
    /// it (the seed's JSON numbers): correctly rounded.
    ///
    /// ```
    /// use std::str::FromStr;
    /// use tandem::db::Decimal;
    /// assert_eq!(Decimal::from_str("12.34").unwrap().to_f64(), 12.34);
    /// assert_eq!(Decimal::from_str("-0.10").unwrap().to_f64(), -0.1);
    /// ```
    pub fn to_f64(self) -> f64 {
        // Exact powers of ten: every one up to 1e22 is an f64.
        const POWERS: [f64; 23] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
            1e19, 1e20, 1e21, 1e22,
        ];
        let mantissa = self.0.mantissa();
        match POWERS.get(self.0.scale() as usize) {
            // Both operands exact, so the one IEEE division rounds correctly.
            Some(power) if mantissa.unsigned_abs() < 1 << f64::MANTISSA_DIGITS => mantissa as f64 / power,
            // Rust's parser rounds correctly too.
            _ => self.0.to_string().parse().unwrap_or(f64::NAN),
        }
    }
}

impl Deref for Decimal {
    type Target = rust_decimal::Decimal;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl From<rust_decimal::Decimal> for Decimal {
    fn from(d: rust_decimal::Decimal) -> Self {
        Self(d)
    }
}

impl FromStr for Decimal {
    type Err = rust_decimal::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        rust_decimal::Decimal::from_str_exact(s.trim()).map(Self)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Serialized as a string, like DRF's `DecimalField` (`"19.50"`).
impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// Accepts a string (`"19.50"`) or a JSON number.
impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(i64),
            Float(f64),
        }
        let text = match Raw::deserialize(deserializer)? {
            Raw::Text(s) => s,
            Raw::Int(i) => i.to_string(),
            Raw::Float(f) => f.to_string(),
        };
        Decimal::from_str(&text).map_err(|e| serde::de::Error::custom(format!("`{text}` is not a decimal: {e}")))
    }
}

impl From<Decimal> for Value {
    fn from(d: Decimal) -> Self {
        Value::Decimal(Some(d.0))
    }
}

impl TryGetable for Decimal {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        // The embedded SQLite driver's rows hold the value already typed
        // (see `tandem::db::rows`); its NULL reads as `Value::Decimal(None)`.
        if let Some(row) = res.try_as_mock_row() {
            return match row.try_get::<Option<Decimal>, _>(idx) {
                Ok(Some(decimal)) => Ok(decimal),
                Ok(None) => Err(TryGetError::Null(format!("{idx:?}"))),
                Err(e) => Err(TryGetError::DbErr(e)),
            };
        }
        // PostgreSQL's `numeric` first: asking for text first would make
        // the driver format a type-mismatch error for every value read.
        match rust_decimal::Decimal::try_get_by(res, idx) {
            Ok(decimal) => Ok(Decimal(decimal)),
            Err(TryGetError::Null(col)) => Err(TryGetError::Null(col)),
            // A decimal kept as text (a column made by hand).
            Err(_) => {
                let text = String::try_get_by(res, idx)?;
                Decimal::from_str(&text).map_err(|e| {
                    TryGetError::DbErr(sea_orm::DbErr::Type(format!("column {idx:?}: `{text}` is not a decimal: {e}")))
                })
            }
        }
    }
}

impl ValueType for Decimal {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        match v {
            Value::Decimal(Some(d)) => Ok(Decimal(d)),
            Value::String(Some(s)) => Decimal::from_str(&s).map_err(|_| ValueTypeErr),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        "Decimal".into()
    }

    fn array_type() -> ArrayType {
        ArrayType::Decimal
    }

    fn column_type() -> ColumnType {
        ColumnType::Decimal(None)
    }
}

impl Nullable for Decimal {
    fn null() -> Value {
        Value::Decimal(None)
    }
}

impl sea_orm::IntoActiveValue<Decimal> for Decimal {
    fn into_active_value(self) -> sea_orm::ActiveValue<Decimal> {
        sea_orm::ActiveValue::Set(self)
    }
}

/// The column definition for a [`Decimal`] field with `max_digits` digits in
/// all and `decimal_places` after the point, right for `backend`.
///
/// ```
/// use sea_orm::DbBackend;
/// use sea_orm_migration::prelude::*;
///
/// #[derive(DeriveIden)]
/// enum Product { Price }
///
/// let mut col = tandem::db::decimal_column(DbBackend::Sqlite, Product::Price, 10, 2);
/// col.not_null();
/// ```
pub fn decimal_column(
    backend: DbBackend,
    name: impl sea_orm::sea_query::IntoIden,
    max_digits: u32,
    decimal_places: u32,
) -> ColumnDef {
    let mut col = ColumnDef::new(name);
    match backend {
        DbBackend::Sqlite => {
            col.custom(sea_orm::sea_query::Alias::new(format!("decimal_text({max_digits}, {decimal_places})")));
        }
        _ => {
            col.decimal_len(max_digits, decimal_places);
        }
    }
    col
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `numeric` is read as a decimal at once; a decimal kept as text (a
    /// column made by hand) still reads; NULL is NULL; text that is not a
    /// number is an error naming the column. Needs `DATABASE_URL=postgres://…`.
    #[tokio::test]
    async fn postgres_reads_numeric_and_text_decimals() {
        use sea_orm::{ConnectionTrait, DbBackend, Statement};
        let Some(database) = crate::testing::TestDatabase::postgres().await else { return };
        let db = crate::db::connect(&database.url).await.unwrap();
        let sql = "SELECT CAST('14.50' AS numeric(10, 2)) AS exact, CAST('-0.10' AS text) AS text, \
                   CAST(NULL AS numeric) AS missing, CAST('lots' AS text) AS wrong";
        let row = db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql)).await.unwrap().unwrap();
        let exact: Decimal = row.try_get("", "exact").unwrap();
        assert_eq!(exact.0.to_string(), "14.50");
        let text: Decimal = row.try_get("", "text").unwrap();
        assert_eq!(text, Decimal::from_str("-0.10").unwrap());
        assert!(matches!(Decimal::try_get_by(&row, "missing"), Err(TryGetError::Null(_))));
        let wrong = row.try_get::<Decimal>("", "wrong").unwrap_err().to_string();
        assert!(wrong.contains("`lots` is not a decimal"), "{wrong}");
        let _ = db.close().await;
        database.drop_database().await;
    }

    #[test]
    fn to_f64_is_the_nearest_float_as_pythons_float_gives_it() {
        let cases = [
            "0",
            "0.1",
            "0.10",
            "12.34",
            "-12.34",
            "199.99",
            "0.3",
            "2.675",
            "1.005",
            "123456789.123456789",
            "9007199254740993",
            "9007199254740993.5",
            "0.000000000000000000000001",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "3.1415926535897932384626433832",
        ];
        for text in cases {
            let expected: f64 = text.parse().unwrap();
            let got = Decimal::from_str(text).unwrap().to_f64();
            assert_eq!(got.to_bits(), expected.to_bits(), "{text}: {got} != {expected}");
        }
        // A sweep of money-like values through the fast path.
        for cents in (-100_000i64..100_000).step_by(7) {
            let text = format!("{}{}.{:02}", if cents < 0 { "-" } else { "" }, cents.abs() / 100, cents.abs() % 100);
            let expected: f64 = text.parse().unwrap();
            assert_eq!(Decimal::from_str(&text).unwrap().to_f64().to_bits(), expected.to_bits(), "{text}");
        }
    }
}
