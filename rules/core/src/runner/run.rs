//! One invocation of a Config rule: gather evaluations for the event (the item in the event, one
//! fetched with GetResourceConfigHistory, or the account's inventory), deliver them, and fail the
//! invocation (so Config retries) naming whatever could not be evaluated or delivered.

use serde_json::Value;

use super::delivery::{deliver, Undelivered};
use super::evaluation::{evaluation_of, read_item, Evaluation, Item, ItemError};
use super::event::{EventError, RuleEvent, Trigger};
use super::inventory::{
    config_inventory, family_and_revision, inventory, recorded_inventory, recorders, records,
    Listed, DEFAULT_CONCURRENCY,
};
use super::io::{ApiError, Clock, ConfigApi, EcsApi, InventoryApi};
use super::related::Fetched;
use super::retry::{Caller, RetryPolicy};
use crate::catalogue::Control;
use crate::error::ParseError;
use crate::exceptions::{self, Date, InForce, Register};
use crate::model::{Resource, ResourceType};
use crate::params::{ParamError, Params};
use crate::related::{Context, Index};
use crate::verdict::{Outcome, Verdict};

/// Why an invocation failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("rule parameters: {0}")]
    Parameters(#[from] ParamError),
    #[error("{0}")]
    Event(#[from] EventError),
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error(
        "{} evaluation(s) not delivered ({}): {}",
        .0.lost.len(),
        .0.cause(),
        describe_lost(&.0.lost)
    )]
    Undelivered(Undelivered),
    #[error("{} resource(s) could not be read: {}", resources.len(), describe_unreadable(resources))]
    Unreadable { resources: Vec<Unreadable> },
}

impl RunError {
    /// The AWS error behind the failure, if an AWS call is what failed (for an unreadable
    /// resource list, the first such error).
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            RunError::Api(error) => Some(error),
            RunError::Undelivered(undelivered) => Some(&undelivered.error),
            RunError::Unreadable { resources } => {
                resources.iter().find_map(|resource| match &resource.error {
                    ReadError::Api(error) => Some(error),
                    ReadError::Parse(_) => None,
                })
            }
            RunError::Parameters(_) | RunError::Event(_) => None,
        }
    }
}

fn describe_lost(lost: &[Evaluation]) -> String {
    let shown: Vec<String> = lost
        .iter()
        .take(20)
        .map(|e| format!("{} {}", e.resource_type, e.resource_id))
        .collect();
    let more = lost.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn describe_unreadable(resources: &[Unreadable]) -> String {
    resources
        .iter()
        .take(10)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A resource that was not evaluated: its document could not be read, or describing it failed.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{resource_type} {resource_id}: {error}")]
pub struct Unreadable {
    pub resource_type: String,
    pub resource_id: String,
    pub error: ReadError,
}

/// Why a resource was not evaluated.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Parse(ParseError),
    #[error("{0}")]
    Api(ApiError),
}

impl From<ItemError> for Unreadable {
    fn from(item: ItemError) -> Self {
        Unreadable {
            resource_type: item.resource_type,
            resource_id: item.resource_id,
            error: ReadError::Parse(item.error),
        }
    }
}

/// What an invocation did. `error` is set when the invocation must fail; `delivered` holds
/// what reached Config either way.
#[derive(Debug, Default)]
pub struct Run {
    pub delivered: Vec<Evaluation>,
    /// Resources that could not be read or described, so were not evaluated; named even when
    /// `error` is about something else (delivery).
    pub unreadable: Vec<Unreadable>,
    pub put_calls: usize,
    pub retries: usize,
    pub error: Option<RunError>,
    /// What is wrong with the exception register entries resources name (unknown, expired,
    /// not covering them), one line per resource and problem.
    pub warnings: Vec<String>,
}

/// What an invocation reads AWS through: Config in the account (evaluations, items), ECS,
/// and where related IAM resources are found.
pub struct Apis<'a, C, E, I> {
    pub config: &'a C,
    pub ecs: &'a E,
    pub inventory: &'a I,
}

/// Handles one decoded Config rule event for `control`. `gated` is the gate's list of
/// controls with the organization's parameters, for the controls that judge a service by the
/// revision it runs (empty: the gate's defaults).
pub async fn run<C: ConfigApi, E: EcsApi, I: InventoryApi, K: Clock>(
    control: &Control,
    event: &RuleEvent,
    apis: Apis<'_, C, E, I>,
    gated: &[(&'static Control, Params)],
    clock: &K,
    policy: &RetryPolicy,
) -> Run {
    run_with_register(control, event, apis, gated, None, clock, policy).await
}

/// [`run`] with the exception register in force: a NON_COMPLIANT evaluation an entry accepts
/// stays NON_COMPLIANT, its annotation beginning `Accepted risk <id> until <date>: `. Entries
/// are judged on the clock's date (UTC), so an expired entry stops counting at the first
/// evaluation after its last day, periodic runs included.
pub async fn run_with_register<C: ConfigApi, E: EcsApi, I: InventoryApi, K: Clock>(
    control: &Control,
    event: &RuleEvent,
    apis: Apis<'_, C, E, I>,
    gated: &[(&'static Control, Params)],
    register: Option<&Register>,
    clock: &K,
    policy: &RetryPolicy,
) -> Run {
    let Apis {
        config,
        ecs,
        inventory,
    } = apis;
    let mut out = Run::default();
    let params = match event.params(control) {
        Ok(params) => params,
        Err(e) => {
            out.error = Some(RunError::Parameters(e));
            return out;
        }
    };
    let caller = Caller::new(clock, policy);
    let rule = Rule {
        control,
        params: &params,
        gated,
        exceptions: register.map(|register| InForce {
            register,
            today: Date::from_unix_millis(clock.now_millis()),
        }),
        warnings: std::sync::Mutex::default(),
    };
    let gathered = gather(&rule, event, config, ecs, inventory, &caller).await;
    out.warnings = rule.take_warnings();
    out.retries = caller.retries();
    let (evaluations, unreadable) = match gathered {
        Ok(found) => found,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    let delivery = deliver(&event.result_token, evaluations, config, &caller).await;
    out.delivered = delivery.delivered;
    out.put_calls = delivery.put_calls;
    out.retries = caller.retries();
    out.error = match delivery.undelivered {
        Some(undelivered) => Some(RunError::Undelivered(undelivered)),
        None if !unreadable.is_empty() => Some(RunError::Unreadable {
            resources: unreadable.clone(),
        }),
        None => None,
    };
    out.unreadable = unreadable;
    out
}

type Gathered = (Vec<Evaluation>, Vec<Unreadable>);

/// The control an invocation runs, with its parameters, the gate's controls and the exception
/// register in force.
struct Rule<'a> {
    control: &'a Control,
    params: &'a Params,
    gated: &'a [(&'static Control, Params)],
    exceptions: Option<InForce<'a>>,
    /// Problems with the register entries resources name, gathered while evaluating.
    warnings: std::sync::Mutex<Vec<String>>,
}

impl Rule<'_> {
    /// The evaluation with the register applied: an accepted NON_COMPLIANT result keeps its
    /// verdict and says which entry accepts it, until when.
    fn except(&self, resource: &Resource, mut evaluation: Evaluation) -> Evaluation {
        let Some(in_force) = &self.exceptions else {
            return evaluation;
        };
        let problems = exceptions::reference_warnings(resource, in_force);
        if !problems.is_empty() {
            let mut warnings = self
                .warnings
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            warnings.extend(problems.into_iter().map(|problem| {
                format!(
                    "{} {}: {problem}",
                    resource.meta.resource_type, resource.meta.resource_id
                )
            }));
        }
        if let Some(accepted) = in_force
            .decide(evaluation.verdict, self.control, resource)
            .acceptance()
        {
            evaluation.annotation = Some(accepted.annotate(evaluation.annotation.as_deref()));
        }
        evaluation
    }

    fn take_warnings(&self) -> Vec<String> {
        std::mem::take(
            &mut *self
                .warnings
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Evaluates an item; for a control that looks across resources, with what it relates to
    /// fetched first.
    async fn evaluate<E: EcsApi, I: InventoryApi, K: Clock>(
        &self,
        item: &Value,
        left_scope: bool,
        fallback_timestamp: Option<&str>,
        ecs: &E,
        inventory: &I,
        caller: &Caller<'_, K>,
    ) -> Result<Result<Evaluation, ItemError>, RunError> {
        let (resource, timestamp) = match read_item(item, left_scope, fallback_timestamp) {
            Ok(Item::Read(resource, timestamp)) => (resource, timestamp),
            Ok(Item::LeftScope(evaluation)) => return Ok(Ok(evaluation)),
            Err(error) => return Ok(Err(error)),
        };
        if !self.control.evaluator.reads_related() {
            let context = Context {
                related: &crate::related::Nothing,
                gated: &[],
            };
            let evaluation =
                evaluation_of(self.control, self.params, &resource, &timestamp, &context);
            return Ok(Ok(self.except(&resource, evaluation)));
        }
        let mut fetched = Fetched::default();
        let related = if resource.meta.item_status.is_none_or(|s| s.is_evaluated()) {
            fetched.of(&resource, ecs, inventory, caller).await?
        } else {
            Vec::new()
        };
        Ok(Ok(self.in_context(&resource, &related, &timestamp)))
    }

    /// The evaluation of a resource with its related resources.
    fn in_context(&self, resource: &Resource, related: &[Resource], timestamp: &str) -> Evaluation {
        let index = Index::new(std::iter::once(resource).chain(related));
        let context = Context {
            related: &index,
            gated: self.gated,
        };
        let evaluation = evaluation_of(self.control, self.params, resource, timestamp, &context);
        self.except(resource, evaluation)
    }
}

async fn gather<C: ConfigApi, E: EcsApi, I: InventoryApi, K: Clock>(
    rule: &Rule<'_>,
    event: &RuleEvent,
    config: &C,
    ecs: &E,
    inventory: &I,
    caller: &Caller<'_, K>,
) -> Result<Gathered, RunError> {
    match &event.trigger {
        Trigger::Change {
            item,
            notification_time,
        } => {
            let evaluation = rule
                .evaluate(
                    item,
                    event.event_left_scope,
                    notification_time.as_deref(),
                    ecs,
                    inventory,
                    caller,
                )
                .await?;
            single(evaluation, ecs, caller).await
        }
        Trigger::Oversized {
            resource_type,
            resource_id,
            capture_time,
            item_status,
            notification_time: _,
        } => {
            let gone = item_status
                .as_deref()
                .and_then(crate::model::ItemStatus::parse)
                .is_some_and(|s| !s.is_evaluated());
            if event.event_left_scope || gone {
                let reason = if gone {
                    "The resource no longer exists."
                } else {
                    "The resource left the rule's scope."
                };
                let evaluation = Evaluation::new(
                    resource_type,
                    resource_id,
                    Outcome::not_applicable(reason),
                    capture_time,
                );
                return Ok((vec![evaluation], Vec::new()));
            }
            let item = caller
                .call(|| {
                    config.get_resource_config_history(resource_type, resource_id, capture_time)
                })
                .await?;
            let Some(item) = item else {
                return Ok((
                    Vec::new(),
                    vec![Unreadable {
                        resource_type: resource_type.clone(),
                        resource_id: resource_id.clone(),
                        error: ReadError::Parse(ParseError::document(
                            "GetResourceConfigHistory returned no configuration item",
                        )),
                    }],
                ));
            };
            let evaluation = rule
                .evaluate(&item, false, Some(capture_time), ecs, inventory, caller)
                .await?;
            single(evaluation, ecs, caller).await
        }
        Trigger::Scheduled { notification_time } => {
            periodic(rule, notification_time, config, ecs, inventory, caller).await
        }
    }
}

/// A change-triggered evaluation; a task definition revision that is not its family's latest
/// ACTIVE one is NOT_APPLICABLE.
async fn single<E: EcsApi, K: Clock>(
    evaluation: Result<Evaluation, ItemError>,
    ecs: &E,
    caller: &Caller<'_, K>,
) -> Result<Gathered, RunError> {
    let mut evaluation = match evaluation {
        Ok(e) => e,
        Err(error) => return Ok((Vec::new(), vec![error.into()])),
    };
    if evaluation.resource_type == ResourceType::TaskDefinition.aws_name()
        && evaluation.verdict != Verdict::NotApplicable
    {
        if let Some((family, revision)) = family_and_revision(&evaluation.resource_id) {
            let latest = caller
                .call(|| ecs.describe_task_definition(family))
                .await
                .ok()
                .and_then(|doc| latest_revision(&doc));
            if let Some(latest) = latest.filter(|latest| *latest > revision) {
                let outcome = Outcome::not_applicable(format!(
                    "Revision {revision} is not the latest ACTIVE revision of {family} ({latest} is)."
                ));
                evaluation.verdict = outcome.verdict;
                evaluation.annotation = outcome.annotation;
            }
        }
    }
    Ok((vec![evaluation], Vec::new()))
}

fn latest_revision(described: &Value) -> Option<u64> {
    let td = described.get("taskDefinition").unwrap_or(described);
    let status = td.get("status").and_then(Value::as_str).unwrap_or("ACTIVE");
    if status != "ACTIVE" {
        return None;
    }
    td.get("revision").and_then(Value::as_u64)
}

/// Every resource of the control's type in the account, from the inventory (the ECS API for
/// ECS types, AWS Config's record for the others); older ACTIVE task definition revisions are
/// NOT_APPLICABLE without being described. A control that looks across resources gets them
/// fetched once each, after the listing.
async fn periodic<C: ConfigApi, E: EcsApi, I: InventoryApi, K: Clock>(
    rule: &Rule<'_>,
    timestamp: &str,
    config: &C,
    ecs: &E,
    inventory_api: &I,
    caller: &Caller<'_, K>,
) -> Result<Gathered, RunError> {
    let control = rule.control;
    let mut evaluations = Vec::new();
    let mut errors = Vec::new();
    let mut waiting = Vec::new();
    let types = [control.resource_type()];
    let mut sink = |listed: Listed| {
        if control.evaluator.reads_related() {
            match listed.read() {
                Ok(resource) => waiting.push(resource),
                Err(error) => errors.push(Unreadable::from(ItemError {
                    resource_type: listed.resource_type.aws_name().to_string(),
                    resource_id: listed.id_hint(),
                    error,
                })),
            }
            return;
        }
        match evaluate_document(rule, timestamp, &listed) {
            Ok(evaluation) => evaluations.push(evaluation),
            Err(error) => errors.push(Unreadable::from(error)),
        }
    };
    let found = if recorded_by_config(control, config, caller).await {
        recorded_inventory(
            config,
            &types,
            caller,
            DEFAULT_CONCURRENCY,
            &|_| {},
            &mut sink,
        )
        .await?
    } else if ResourceType::ECS.contains(&control.resource_type()) {
        inventory(ecs, &types, caller, DEFAULT_CONCURRENCY, &|_| {}, &mut sink).await?
    } else {
        config_inventory(
            config,
            &types,
            caller,
            DEFAULT_CONCURRENCY,
            &|_| {},
            &mut sink,
        )
        .await?
    };
    let mut fetched = Fetched::default();
    for resource in &waiting {
        match fetched.of(resource, ecs, inventory_api, caller).await {
            Ok(related) => evaluations.push(rule.in_context(resource, &related, timestamp)),
            Err(error) => errors.push(Unreadable {
                resource_type: resource.meta.resource_type.aws_name().to_string(),
                resource_id: resource.meta.resource_id.clone(),
                error: ReadError::Api(error),
            }),
        }
    }
    for old in &found.superseded {
        evaluations.push(Evaluation::new(
            ResourceType::TaskDefinition.aws_name(),
            &old.arn,
            Outcome::not_applicable(format!(
                "Revision {} is not the latest ACTIVE revision of {} ({} is).",
                old.revision, old.family, old.latest
            )),
            timestamp,
        ));
    }
    for arn in &found.inactive {
        let outcome = match family_and_revision(arn) {
            Some((family, revision)) => Outcome::not_applicable(format!(
                "Revision {revision} of {family} is INACTIVE (deregistered)."
            )),
            None => Outcome::not_applicable("The revision is INACTIVE (deregistered)."),
        };
        evaluations.push(Evaluation::new(
            ResourceType::TaskDefinition.aws_name(),
            arn,
            outcome,
            timestamp,
        ));
    }
    errors.extend(found.failed.into_iter().map(|failed| Unreadable {
        resource_type: failed.resource_type.aws_name().to_string(),
        resource_id: failed.resource_id,
        error: ReadError::Api(failed.error),
    }));
    Ok((evaluations, errors))
}

/// Whether a periodic run reads the control's type from AWS Config's record: an ECS type the
/// account's recorder records now, for a control that judges a resource by its own item
/// (Config's items of services carry no deployments, which the controls that look across
/// resources read). When the recorders cannot be read (no permission), the ECS API is used.
async fn recorded_by_config<C: ConfigApi, K: Clock>(
    control: &Control,
    config: &C,
    caller: &Caller<'_, K>,
) -> bool {
    let resource_type = control.resource_type();
    if !ResourceType::ECS.contains(&resource_type) || control.evaluator.reads_related() {
        return false;
    }
    recorders(config, caller)
        .await
        .is_ok_and(|recorders| records(&recorders, resource_type))
}

fn evaluate_document(
    rule: &Rule<'_>,
    timestamp: &str,
    listed: &Listed,
) -> Result<Evaluation, ItemError> {
    let control = rule.control;
    match listed.read() {
        Ok(resource) => {
            let outcome = control
                .evaluate(&resource, rule.params)
                .unwrap_or_else(|| Outcome::not_applicable("Not this control's resource type."));
            let evaluation = Evaluation::new(
                listed.resource_type.aws_name(),
                &resource.meta.resource_id,
                outcome,
                timestamp,
            );
            Ok(rule.except(&resource, evaluation))
        }
        Err(error) => Err(ItemError {
            resource_type: listed.resource_type.aws_name().to_string(),
            resource_id: listed.id_hint(),
            error,
        }),
    }
}
