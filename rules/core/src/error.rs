//! Errors raised while reading a document into the resource model.

use std::fmt;

/// Where in a document a problem sits: a JSON path for structural errors, a line and column for
/// syntax errors, or the document as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The whole document (empty input, too large).
    Document,
    /// A line and column (1-based), for syntax errors.
    LineColumn { line: usize, column: usize },
    /// A JSON path such as `$.containerDefinitions[1].privileged`.
    Path(String),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Document => f.write_str("document"),
            Location::LineColumn { line, column } => write!(f, "line {line}, column {column}"),
            Location::Path(path) => f.write_str(path),
        }
    }
}

/// A document, or one resource in it, could not be read. It carries no verdict: the resource is
/// reported as an error and every other resource is still evaluated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ParseError {
    pub location: Location,
    pub message: String,
}

impl ParseError {
    pub fn at_path(path: impl Into<String>, message: impl Into<String>) -> Self {
        ParseError {
            location: Location::Path(path.into()),
            message: message.into(),
        }
    }

    pub fn document(message: impl Into<String>) -> Self {
        ParseError {
            location: Location::Document,
            message: message.into(),
        }
    }

    pub fn at_line(line: usize, column: usize, message: impl Into<String>) -> Self {
        ParseError {
            location: Location::LineColumn { line, column },
            message: message.into(),
        }
    }

    /// The JSON path, when the error has one.
    pub fn path(&self) -> Option<&str> {
        match &self.location {
            Location::Path(path) => Some(path),
            _ => None,
        }
    }
}

pub type ParseResult<T> = Result<T, ParseError>;
