//! AWS Security Hub findings that say why: each evaluation of an ecs-harden rule becomes one
//! finding in the account that owns the resource, with the control's severity, title,
//! requirements and remediation, the annotation, and the workflow the evaluation implies.
//!
//! ```text
//! event     Config Rules Compliance Change → ComplianceChange             pure
//! asff      ComplianceChange → Plan (the ASFF finding, workflow, older revisions)   pure
//! delivery  Plan → BatchImportFindings, GetFindings, BatchUpdateFindings   async, behind
//!           SecurityHubApi (the findings Lambda implements it with the AWS SDK)
//! ```
//!
//! docs/deploy.md ("Security Hub findings") says why findings are imported rather than
//! Config's enriched, and how double counting is avoided.

pub mod asff;
pub mod delivery;
pub mod event;

pub use asff::{finding, plan, Plan, Superseded, WorkflowChange, WorkflowStatus};
pub use delivery::{deliver, Delivered, DeliveryError, Failed, FindingIdentifier, SecurityHubApi};
pub use event::{decode, ComplianceChange, Decoded, EvaluationResult, EventError};

#[cfg(test)]
mod tests;
