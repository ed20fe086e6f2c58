//! Reading and writing the evidence document, with errors that say where the document is wrong.

use crate::{Evidence, SCHEMA_V1};

/// Why an evidence document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// Not JSON at all (or truncated).
    #[error("evidence is not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's message.
        message: String,
    },
    /// The document has no `schema` field.
    #[error("evidence has no \"schema\" field (expected \"{expected}\")")]
    MissingSchema {
        /// The supported schema.
        expected: &'static str,
    },
    /// The `schema` is not one this version reads.
    #[error("unsupported evidence schema \"{found}\": this trailwarden reads \"{expected}\"")]
    UnsupportedSchema {
        /// What the document says.
        found: String,
        /// The supported schema.
        expected: &'static str,
    },
    /// Valid JSON that does not fit the schema: a missing field, a wrong type, an unknown enum value.
    #[error(
        "evidence does not match {schema} at {path} (line {line}, column {column}): {message}"
    )]
    Shape {
        /// The schema checked against.
        schema: &'static str,
        /// JSON path of the offending value, e.g. `accounts[0].trails.ok[1].status`.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde's message, e.g. `missing field \`is_logging\``.
        message: String,
    },
}

impl Evidence {
    /// Parses an evidence document, checking its schema version first.
    pub fn from_json(text: &str) -> Result<Evidence, EvidenceError> {
        // Parse once untyped: syntax errors get their position, and the version is checked before the shape
        // so that a future schema is reported as such rather than as a confusing shape error.
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| EvidenceError::Syntax {
                line: e.line(),
                column: e.column(),
                message: strip_position(&e.to_string()),
            })?;
        let Some(object) = value.as_object() else {
            return Err(EvidenceError::Shape {
                schema: SCHEMA_V1,
                path: ".".to_string(),
                line: 1,
                column: 1,
                message: "the document must be a JSON object".to_string(),
            });
        };
        match object.get("schema") {
            None => {
                return Err(EvidenceError::MissingSchema {
                    expected: SCHEMA_V1,
                })
            }
            Some(serde_json::Value::String(s)) if s == SCHEMA_V1 => {}
            Some(serde_json::Value::String(s)) => {
                return Err(EvidenceError::UnsupportedSchema {
                    found: s.clone(),
                    expected: SCHEMA_V1,
                })
            }
            Some(other) => {
                return Err(EvidenceError::UnsupportedSchema {
                    found: other.to_string(),
                    expected: SCHEMA_V1,
                })
            }
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let evidence: Evidence = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            EvidenceError::Shape {
                schema: SCHEMA_V1,
                path,
                line: inner.line(),
                column: inner.column(),
                message: strip_position(&inner.to_string()),
            }
        })?;
        Ok(evidence)
    }

    /// The document as pretty-printed JSON (what `trailwarden collect` writes).
    pub fn to_json_pretty(&self) -> String {
        // Serialising these plain structs (string keys, finite or null numbers) cannot fail, except for a
        // non-finite f64, which serde_json writes as null; so the fallback is unreachable in practice.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// serde_json appends " at line L column C" to its messages; we report the position separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
