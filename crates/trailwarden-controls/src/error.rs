//! Errors of loading and looking up controls. Each names the data file and the field at fault, so a
//! mistake in `controls/` reads like a compiler message.

/// Why the catalog could not be loaded, or a lookup failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Error {
    /// A file could not be read (only for [`crate::Catalog::load_dir`]).
    #[error("{file}: cannot read: {message}")]
    Io { file: String, message: String },

    /// The file is not valid TOML, or does not have the expected fields and types.
    #[error("{file}: {message}")]
    Toml { file: String, message: String },

    /// A field has a value the catalog does not accept.
    #[error("{file}: field `{field}`: {message}")]
    Invalid {
        file: String,
        field: String,
        message: String,
    },

    /// A pattern does not parse as a CloudWatch Logs filter pattern.
    #[error("{file}: field `{field}`: not a valid filter pattern: {source}")]
    Pattern {
        file: String,
        field: String,
        #[source]
        source: cwl_filter::Error,
    },

    /// No benchmark has this id or version.
    #[error("unknown benchmark `{given}`; known benchmarks: {}", .known.join(", "))]
    UnknownBenchmark { given: String, known: Vec<String> },

    /// The benchmark has no control with this id or slug.
    #[error("unknown control `{given}` in {benchmark}; valid ids: {}", .valid.join(", "))]
    UnknownControl {
        given: String,
        benchmark: String,
        valid: Vec<String>,
    },
}

impl Error {
    pub(crate) fn invalid(
        file: &str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error::Invalid {
            file: file.to_string(),
            field: field.into(),
            message: message.into(),
        }
    }
}
