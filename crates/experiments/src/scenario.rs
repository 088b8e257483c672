//! Reading scenario files: TOML into checked structures (and the
//! distributions both scenarios use), every refusal an
//! [`Error::Scenario`] naming the file (when there is one), the key path
//! (`members.dt`) and the value.

use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// Parse `text` into `T`, naming the key path of the first value that does
/// not fit (an unknown key, a missing one, a wrong type).
///
/// # Errors
/// [`Error::Scenario`] with the key path and the parser's message (which
/// gives the line).
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T> {
    let deserializer = toml::Deserializer::parse(text).map_err(|e| Error::Scenario {
        file: None,
        key: ".".into(),
        value: None,
        message: e.to_string().trim_end().to_string(),
    })?;
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let key = e.path().to_string();
        Error::Scenario {
            file: None,
            key,
            value: None,
            message: e.into_inner().to_string().trim_end().to_string(),
        }
    })
}

/// Read the scenario file `path` with `load` (a `from_toml`), naming the
/// file in any error.
///
/// # Errors
/// [`Error::Scenario`] naming the file: unreadable, or refused by `load`.
pub fn read<T>(path: &Path, load: impl FnOnce(&str) -> Result<T>) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Scenario {
        file: Some(path.to_path_buf()),
        key: ".".into(),
        value: None,
        message: format!("cannot read the file: {e}"),
    })?;
    load(&text).map_err(|e| match e {
        Error::Scenario {
            key,
            value,
            message,
            ..
        } => Error::Scenario {
            file: Some(path.to_path_buf()),
            key,
            value,
            message,
        },
        other => other,
    })
}

/// The refusal of `value` at `key`, for the reason `why`.
pub(crate) fn bad(key: &str, value: impl std::fmt::Display, why: &str) -> Error {
    Error::Scenario {
        file: None,
        key: key.to_string(),
        value: Some(value.to_string()),
        message: why.to_string(),
    }
}

/// `N(mean, variance)`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Normal {
    /// Mean.
    pub mean: f64,
    /// Variance.
    pub variance: f64,
}

/// `N(mean, variance I)` in the plane.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Normal2 {
    /// Mean.
    pub mean: [f64; 2],
    /// Variance of each coordinate.
    pub variance: f64,
}

/// `U(low, high)`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uniform {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}
