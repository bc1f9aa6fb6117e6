//! Terraform: the ECS resources of `terraform show -json` output (plan and state), of `.tf`
//! files (HCL) and of `.tf.json` files, converted into the ECS API's shape so that the same
//! readers serve them. A value Terraform does not know yet (`after_unknown`), a sensitive value,
//! a variable, a local, a data source or another resource's attribute is an unresolved marker
//! (`crate::parse::tree::UNRESOLVED`); a string with some such parts is a template
//! (`crate::parse::tree::TEMPLATE`). A resource's id is its address, module path included.
//!
//! - `plan`: `terraform show -json` output for a plan or a state.
//! - `hcl`: `.tf` files; `config`: `.tf.json` files (Terraform's JSON configuration syntax).
//! - `eval`: what of an HCL expression can be known without Terraform.
//! - `convert`: from a provider's attributes to the ECS API's shape (the conversion table).

mod config;
mod convert;
mod eval;
mod hcl;
mod plan;

pub use hcl::hcl_positions;

use serde_json::Value;

use crate::error::ParseResult;
use crate::model::{ResourceType, Shape};

/// One ECS resource of a Terraform document, in the ECS API's shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Converted {
    /// The resource address: `module.app.aws_ecs_task_definition.this[0]`.
    pub address: String,
    pub resource_type: ResourceType,
    pub shape: Shape,
    /// Where the resource stands in the source document, as a JSON path whose keys a
    /// `PositionIndex` of that document knows (`$.resource_changes[3]`,
    /// `$.resource.aws_ecs_service.web`).
    pub json_path: String,
    /// The resource's values as the ECS API spells them (camelCase keys, blocks as objects or
    /// lists of objects, `container_definitions` decoded), unresolved values as markers.
    pub value: Value,
    /// The resource's ARN, when the document knows it (state).
    pub arn: Option<String>,
}

/// The ECS resources of a Terraform JSON document (plan, state or `.tf.json` configuration), or
/// `None` when the document is not one.
pub fn json_document(root: &Value) -> Option<Vec<ParseResult<Converted>>> {
    let object = root.as_object()?;
    if plan::is_show_output(object) {
        return Some(plan::show_output(object));
    }
    if config::is_configuration(object) {
        return Some(config::configuration(object));
    }
    None
}

/// The ECS resources of a `.tf` file.
pub fn hcl(text: &str) -> ParseResult<Vec<ParseResult<Converted>>> {
    hcl::resources(text)
}
