//! Custom scalars.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// A 64-bit integer (Telegram ids exceed GraphQL's 32-bit `Int`).
///
/// Sent as a JSON number: Telegram ids fit in 52 bits, so JavaScript reads them
/// exactly. Accepted as a number or a decimal string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BigInt(pub i64);

/// A 64-bit integer, sent as a JSON number; also accepted as a decimal string.
#[Scalar(name = "BigInt")]
impl ScalarType for BigInt {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(n) => n
                .as_i64()
                .map(BigInt)
                .ok_or_else(|| InputValueError::custom("BigInt must be a whole 64-bit number")),
            Value::String(s) => s
                .trim()
                .parse()
                .map(BigInt)
                .map_err(|_| InputValueError::custom("BigInt string must be a decimal integer")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

/// Parses a GraphQL `ID` holding a database id.
pub fn parse_id(id: &async_graphql::ID, field: &str) -> Result<i64, crate::error::AppError> {
    id.parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| crate::error::AppError::invalid(field, "must be a positive integer id"))
}
