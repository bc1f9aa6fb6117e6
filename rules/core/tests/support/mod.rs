//! What the fixture tests share: reading a case and evaluating its control on it.
//!
//! A case's `resource` is one document; the resource judged is the one of the case's
//! `resourceType` in it. Every other resource of that document, and of the documents in the
//! case's optional `related` list, is what controls that look across resources may read
//! (the revision a service runs, a task definition's role).

use std::collections::BTreeMap;

use ecs_harden_core::catalogue::Control;
use ecs_harden_core::related::{Context, Index};
use ecs_harden_core::{parse, Outcome, Resource, ResourceType};
use serde_json::Value;

/// The case's parameters over the control's defaults.
pub fn params(control: &Control, case: &Value) -> Result<ecs_harden_core::params::Params, String> {
    let given: BTreeMap<String, String> = case["parameters"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    control
        .params_from_strings(&given)
        .map_err(|e| e.to_string())
}

/// The resource a case judges and the control's outcome on it.
pub fn evaluate(control: &Control, case: &Value) -> Result<(Resource, Outcome), String> {
    evaluate_with(control, case, &params(control, case)?)
}

/// [`evaluate`] with the given parameters instead of the case's.
pub fn evaluate_with(
    control: &Control,
    case: &Value,
    params: &ecs_harden_core::params::Params,
) -> Result<(Resource, Outcome), String> {
    let wanted = case["resourceType"]
        .as_str()
        .and_then(ResourceType::from_aws_name)
        .ok_or("the case has no known resourceType")?;
    let mut all = Vec::new();
    for read in parse::parse_value(case) {
        all.push(read.map_err(|e| format!("parse error {e}"))?);
    }
    for related in case["related"].as_array().into_iter().flatten() {
        for read in parse::parse_value(related) {
            let resource = read.map_err(|e| format!("related: parse error {e}"))?;
            if resource.meta.resource_type == wanted {
                return Err("a related document holds a resource of the case's type".into());
            }
            all.push(resource);
        }
    }
    let judged: Vec<&Resource> = all
        .iter()
        .filter(|r| r.meta.resource_type == wanted)
        .collect();
    let [resource] = judged.as_slice() else {
        return Err(format!("{} resources of type {wanted} read", judged.len()));
    };
    let index = Index::new(all.iter());
    let context = Context {
        related: &index,
        gated: &[],
    };
    let outcome = control
        .evaluate_in(resource, params, &context)
        .ok_or_else(|| {
            format!(
                "{} does not apply to {}",
                control.id, resource.meta.resource_type
            )
        })?;
    Ok(((*resource).clone(), outcome))
}
