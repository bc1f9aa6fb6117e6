//! The organization's rule parameters, in one map that feeds every place a control runs: the
//! conformance packs' `InputParameters` (the CDK app reads the same map), the gate (through the
//! `ECS_HARDEN_PARAMETERS` environment variable) and `ecs-harden check` / `scan`
//! (`--config FILE`). The same map gives the same verdict everywhere.
//!
//! The map is keyed by control id, each an object of parameter name → string value exactly as
//! AWS Config passes rule parameters (lists comma-separated):
//!
//! ```yaml
//! parameters:
//!   HARDEN.5:
//!     allowedRegistries: "{account}.dkr.ecr.{region}.amazonaws.com,222233334444.dkr.ecr.*.amazonaws.com"
//!   ECS.13:
//!     requiredTagKeys: team,env
//! ```

use std::collections::BTreeMap;

use serde_json::Value;

use crate::catalogue::{self, Control};
use crate::params::{ParamError, Params};
use crate::parse::{load, Syntax};

/// Parameter values by control id (the catalogue's spelling) and parameter name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParameterMap {
    values: BTreeMap<&'static str, BTreeMap<String, String>>,
}

/// A parameter map that cannot be used, with where and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct MapError {
    /// The file, environment variable or context key the map came from.
    pub source_name: String,
    pub message: String,
}

impl ParameterMap {
    /// The map of a JSON object `{"<control id>": {"<name>": "<value>"}}`; `source_name` says
    /// where it came from in errors. Unknown controls, unknown parameter names and values a
    /// parameter does not accept are errors naming them.
    pub fn from_value(value: &Value, source_name: &str) -> Result<ParameterMap, MapError> {
        let fail = |message: String| MapError {
            source_name: source_name.to_string(),
            message,
        };
        let Some(object) = value.as_object() else {
            return Err(fail(format!(
                "the parameters must be an object keyed by control id, found {}",
                crate::parse::tree::type_name(value)
            )));
        };
        let mut values = BTreeMap::new();
        for (id, given) in object {
            let control = catalogue::find(id).ok_or_else(|| {
                fail(format!(
                    "parameters.{id}: no control {id:?} in the catalogue"
                ))
            })?;
            let Some(given) = given.as_object() else {
                return Err(fail(format!(
                    "parameters.{id}: expected an object of parameter name → value"
                )));
            };
            let mut strings = BTreeMap::new();
            for (name, v) in given {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    Value::Array(items) if items.iter().all(Value::is_string) => items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(","),
                    _ => {
                        return Err(fail(format!(
                            "parameters.{id}.{name}: expected a string (lists comma-separated, as AWS Config passes them)"
                        )))
                    }
                };
                strings.insert(name.clone(), text);
            }
            // Unknown names and bad values are refused now, not when the control first runs.
            control
                .params_from_strings(&strings)
                .map_err(|e| fail(format!("parameters.{id}: {e}")))?;
            values.insert(control.id, strings);
        }
        Ok(ParameterMap { values })
    }

    /// The map of a configuration file's text (YAML or JSON): its top-level `parameters`
    /// object. Other top-level keys are left to the features that read them.
    pub fn from_file_text(
        text: &str,
        syntax: Syntax,
        file: &str,
    ) -> Result<ParameterMap, MapError> {
        let value = load(text, syntax).map_err(|e| MapError {
            source_name: file.to_string(),
            message: e.to_string(),
        })?;
        match value.get("parameters") {
            None | Some(Value::Null) => Ok(ParameterMap::default()),
            Some(parameters) => ParameterMap::from_value(parameters, file),
        }
    }

    /// The map in the gate's environment variable (empty or unset: no parameters).
    pub fn from_environment(text: Option<&str>, variable: &str) -> Result<ParameterMap, MapError> {
        match text.map(str::trim) {
            None | Some("") => Ok(ParameterMap::default()),
            Some(text) => {
                let value: Value = serde_json::from_str(text).map_err(|e| MapError {
                    source_name: variable.to_string(),
                    message: format!("not a JSON object: {e}"),
                })?;
                ParameterMap::from_value(&value, variable)
            }
        }
    }

    /// The values given for one control.
    pub fn given(&self, control: &Control) -> BTreeMap<String, String> {
        self.values.get(control.id).cloned().unwrap_or_default()
    }

    /// One control's parameters: the map's values over the catalogue defaults.
    pub fn params(&self, control: &Control) -> Result<Params, ParamError> {
        control.params_from_strings(&self.given(control))
    }

    /// Sets one value (a command line's `--param` over a file's map).
    pub fn set(&mut self, control: &'static Control, name: &str, value: &str) {
        self.values
            .entry(control.id)
            .or_default()
            .insert(name.to_string(), value.to_string());
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The control ids the map gives values for.
    pub fn controls(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.values.keys().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_file_gives_every_control_its_values_over_the_defaults() {
        let text = "parameters:\n  HARDEN.5:\n    allowedRegistries: 222233334444.dkr.ecr.*.amazonaws.com\n  ECS.13:\n    requiredTagKeys: [team, env]\nexceptions: register.yaml\n";
        let map = ParameterMap::from_file_text(text, Syntax::Yaml, "ecs-harden.yaml").unwrap();
        let harden5 = catalogue::find("HARDEN.5").unwrap();
        assert_eq!(
            map.params(harden5).unwrap().list("allowedRegistries"),
            ["222233334444.dkr.ecr.*.amazonaws.com"]
        );
        let ecs13 = catalogue::find("ECS.13").unwrap();
        assert_eq!(
            map.params(ecs13).unwrap().list("requiredTagKeys"),
            ["team", "env"]
        );
        let ecs4 = catalogue::find("ECS.4").unwrap();
        assert!(map.given(ecs4).is_empty());
        assert!(map.params(ecs4).is_ok());
    }

    #[test]
    fn unknown_controls_names_and_values_are_named() {
        for (value, named) in [
            (json!({"ECS.99": {}}), "ECS.99"),
            (json!({"ECS.13": {"requiredTags": "a"}}), "requiredTags"),
            (
                json!({"ECS.13": {"requiredTagKeys": "a,b,c,d,e,f,g"}}),
                "at most 6",
            ),
            (
                json!({"HARDEN.6": {"requireDigest": "maybe"}}),
                "requireDigest",
            ),
            (json!(["HARDEN.5"]), "object"),
        ] {
            let error = ParameterMap::from_value(&value, "ECS_HARDEN_PARAMETERS").unwrap_err();
            assert!(error.to_string().contains(named), "{error}");
            assert!(
                error.to_string().starts_with("ECS_HARDEN_PARAMETERS"),
                "{error}"
            );
        }
        assert!(ParameterMap::from_environment(Some(""), "X")
            .unwrap()
            .is_empty());
        assert!(ParameterMap::from_environment(Some("{"), "X").is_err());
    }
}
