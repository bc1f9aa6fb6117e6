//! Rule parameters: declared per control with defaults, passed by AWS Config as strings,
//! validated once into typed values.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;

/// What kind of value a parameter takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// Comma-separated list, at most `max_items` entries when set.
    List { max_items: Option<usize> },
    /// `true` or `false`.
    Bool,
    /// A dotted numeric version such as `1.4.0`.
    Version,
    /// A regular expression (Rust `regex` syntax, `(?i)` for case-insensitive).
    Regex,
}

impl ParamKind {
    pub fn name(self) -> &'static str {
        match self {
            ParamKind::List { .. } => "comma-separated list",
            ParamKind::Bool => "boolean",
            ParamKind::Version => "version",
            ParamKind::Regex => "regular expression",
        }
    }
}

/// A parameter a control accepts.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    pub default: &'static str,
    pub description: &'static str,
}

/// A dotted version compared numerically (`1.10.0` > `1.4.0`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub Vec<u64>);

impl Version {
    pub fn parse(text: &str) -> Option<Version> {
        let parts: Option<Vec<u64>> = text.trim().split('.').map(|p| p.parse().ok()).collect();
        let mut parts = parts?;
        while parts.len() > 1 && parts.last() == Some(&0) {
            parts.pop();
        }
        Some(Version(parts))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self.0.iter().map(u64::to_string).collect();
        while parts.len() < 3 {
            parts.push("0".into());
        }
        f.write_str(&parts.join("."))
    }
}

/// A validated parameter value.
#[derive(Clone, Debug)]
pub enum ParamValue {
    List(Vec<String>),
    Bool(bool),
    Version(Version),
    Regex(Regex),
}

/// A parameter that could not be accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("{control} has no parameter {name:?} (it accepts: {known})")]
    Unknown {
        control: &'static str,
        name: String,
        known: String,
    },
    #[error("{control} parameter {name}: {message}")]
    Invalid {
        control: &'static str,
        name: &'static str,
        message: String,
    },
}

/// Validated parameters of one control: every declared parameter has a value.
#[derive(Clone, Debug)]
pub struct Params {
    values: Vec<(&'static str, ParamValue)>,
}

impl Params {
    /// The defaults of `specs` (which are valid by construction; a test checks them).
    pub fn defaults(
        control: &'static str,
        specs: &'static [ParamSpec],
    ) -> Result<Params, ParamError> {
        Params::from_strings(control, specs, &BTreeMap::new())
    }

    /// Parameters as AWS Config passes them (every value a string) over the defaults. A given
    /// value replaces the default entirely.
    pub fn from_strings(
        control: &'static str,
        specs: &'static [ParamSpec],
        given: &BTreeMap<String, String>,
    ) -> Result<Params, ParamError> {
        for name in given.keys() {
            if !specs.iter().any(|s| s.name == name) {
                let known = if specs.is_empty() {
                    "no parameters".to_string()
                } else {
                    specs.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
                };
                return Err(ParamError::Unknown {
                    control,
                    name: name.clone(),
                    known,
                });
            }
        }
        let mut values = Vec::with_capacity(specs.len());
        for spec in specs {
            let text = given.get(spec.name).map_or(spec.default, String::as_str);
            let invalid = |message: String| ParamError::Invalid {
                control,
                name: spec.name,
                message,
            };
            let value = match spec.kind {
                ParamKind::List { max_items } => {
                    let items: Vec<String> = text
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                    if let Some(max) = max_items {
                        if items.len() > max {
                            return Err(invalid(format!(
                                "at most {max} entries are allowed, got {}",
                                items.len()
                            )));
                        }
                    }
                    ParamValue::List(items)
                }
                ParamKind::Bool => match text.trim().to_ascii_lowercase().as_str() {
                    "true" => ParamValue::Bool(true),
                    "false" | "" => ParamValue::Bool(false),
                    other => return Err(invalid(format!("expected true or false, got {other:?}"))),
                },
                ParamKind::Version => {
                    ParamValue::Version(Version::parse(text).ok_or_else(|| {
                        invalid(format!(
                            "expected a dotted version such as 1.4.0, got {text:?}"
                        ))
                    })?)
                }
                ParamKind::Regex => ParamValue::Regex(
                    regex::RegexBuilder::new(text)
                        .size_limit(1 << 20)
                        .build()
                        .map_err(|e| invalid(format!("not a valid regular expression: {e}")))?,
                ),
            };
            values.push((spec.name, value));
        }
        Ok(Params { values })
    }

    fn get(&self, name: &str) -> Option<&ParamValue> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// A list parameter (empty when the control declares no such list).
    pub fn list(&self, name: &str) -> &[String] {
        match self.get(name) {
            Some(ParamValue::List(items)) => items,
            _ => &[],
        }
    }

    pub fn boolean(&self, name: &str) -> bool {
        matches!(self.get(name), Some(ParamValue::Bool(true)))
    }

    pub fn version(&self, name: &str) -> Option<&Version> {
        match self.get(name) {
            Some(ParamValue::Version(v)) => Some(v),
            _ => None,
        }
    }

    pub fn regex(&self, name: &str) -> Option<&Regex> {
        match self.get(name) {
            Some(ParamValue::Regex(r)) => Some(r),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SPECS: [ParamSpec; 2] = [
        ParamSpec {
            name: "requiredTagKeys",
            kind: ParamKind::List { max_items: Some(6) },
            default: "",
            description: "",
        },
        ParamSpec {
            name: "latest",
            kind: ParamKind::Version,
            default: "1.4.0",
            description: "",
        },
    ];

    #[test]
    fn versions_compare_numerically() {
        assert!(Version::parse("1.10.0").unwrap() > Version::parse("1.4.0").unwrap());
        assert_eq!(
            Version::parse("1.4").unwrap(),
            Version::parse("1.4.0").unwrap()
        );
    }

    #[test]
    fn unknown_and_invalid_parameters_are_named() {
        let mut given = BTreeMap::new();
        given.insert("requiredTags".to_string(), "a".to_string());
        let err = Params::from_strings("ECS.13", &SPECS, &given).unwrap_err();
        assert!(err.to_string().contains("requiredTags"), "{err}");
        let mut given = BTreeMap::new();
        given.insert("requiredTagKeys".to_string(), "a,b,c,d,e,f,g".to_string());
        let err = Params::from_strings("ECS.13", &SPECS, &given).unwrap_err();
        assert!(err.to_string().contains("at most 6"), "{err}");
        let mut given = BTreeMap::new();
        given.insert("latest".to_string(), "one".to_string());
        assert!(Params::from_strings("ECS.10", &SPECS, &given).is_err());
    }
}
