//! One invocation of a Config rule: gather evaluations for the event, deliver them with
//! `PutEvaluations` in batches of 100, retry throttling and 5xx with backoff and jitter, re-send
//! `FailedEvaluations`, and fail the invocation (so Config retries) naming whatever could not be
//! delivered before the deadline.

use serde_json::Value;

use super::caller::Caller;
use super::inventory::{inventory, Listed, DEFAULT_CONCURRENCY};
use super::io::{ApiError, Clock, ConfigApi, EcsApi};
use super::{batches, evaluate_item, Evaluation, EventError, ItemError, RuleEvent, Trigger};
use crate::catalogue::Control;
use crate::error::ParseError;
use crate::model::ResourceType;
use crate::params::{ParamError, Params};
use crate::verdict::{Outcome, Verdict};

/// Limits of one invocation.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// When the Lambda's time runs out, in milliseconds since the epoch.
    pub deadline_millis: u64,
    /// Stop this long before the deadline, to report and fail cleanly.
    pub safety_margin_millis: u64,
    pub backoff_base_millis: u64,
    pub backoff_cap_millis: u64,
    /// Give up on a read (list, describe, history) after this many attempts even with time
    /// left, so one resource that keeps failing (a document the SDK cannot read back, say) is
    /// named unreadable instead of holding the rest until the deadline. Delivery
    /// (`PutEvaluations`) is bound by the deadline alone.
    pub max_attempts: Option<u32>,
}

impl RunOptions {
    pub fn with_deadline(deadline_millis: u64) -> RunOptions {
        RunOptions {
            deadline_millis,
            safety_margin_millis: 1_500,
            backoff_base_millis: 100,
            backoff_cap_millis: 5_000,
            max_attempts: Some(8),
        }
    }
}

/// Why an invocation failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("rule parameters: {0}")]
    Parameters(#[from] ParamError),
    #[error("{0}")]
    Event(#[from] EventError),
    #[error("{0}")]
    Api(ApiError),
    #[error(
        "{} evaluation(s) not delivered ({cause}): {}",
        lost.len(),
        describe_lost(lost)
    )]
    Undelivered {
        lost: Vec<Evaluation>,
        cause: String,
    },
    #[error("{} resource(s) could not be read: {}", errors.len(), describe_unreadable(errors))]
    Unreadable { errors: Vec<ItemError> },
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

fn describe_unreadable(errors: &[ItemError]) -> String {
    errors
        .iter()
        .take(10)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// What an invocation did. `error` is set when the invocation must fail; `delivered` holds
/// what reached Config either way.
#[derive(Debug, Default)]
pub struct Run {
    pub delivered: Vec<Evaluation>,
    /// Resources that could not be read or described, so were not evaluated; named even when
    /// `error` is about something else (delivery).
    pub unreadable: Vec<ItemError>,
    pub put_calls: usize,
    pub retries: usize,
    pub error: Option<RunError>,
}

/// Handles one decoded Config rule event for `control`.
pub async fn run<C: ConfigApi, E: EcsApi, K: Clock>(
    control: &Control,
    event: &RuleEvent,
    config: &C,
    ecs: &E,
    clock: &K,
    options: &RunOptions,
) -> Run {
    let mut out = Run::default();
    let params = match event.params(control) {
        Ok(params) => params,
        Err(e) => {
            out.error = Some(RunError::Parameters(e));
            return out;
        }
    };
    let caller = Caller::new(clock, options);
    let gathered = gather(control, &params, event, config, ecs, &caller).await;
    out.retries = caller.retries();
    let (evaluations, unreadable) = match gathered {
        Ok(found) => found,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    deliver(&event.result_token, evaluations, config, &caller, &mut out).await;
    out.retries = caller.retries();
    if out.error.is_none() && !unreadable.is_empty() {
        out.error = Some(RunError::Unreadable {
            errors: unreadable.clone(),
        });
    }
    out.unreadable = unreadable;
    out
}

type Gathered = (Vec<Evaluation>, Vec<ItemError>);

async fn gather<C: ConfigApi, E: EcsApi, K: Clock>(
    control: &Control,
    params: &Params,
    event: &RuleEvent,
    config: &C,
    ecs: &E,
    caller: &Caller<'_, K>,
) -> Result<Gathered, RunError> {
    match &event.trigger {
        Trigger::Change {
            item,
            notification_time,
        } => {
            let evaluation = evaluate_item(
                control,
                params,
                item,
                event.event_left_scope,
                notification_time.as_deref(),
            );
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
                    vec![ItemError {
                        resource_type: resource_type.clone(),
                        resource_id: resource_id.clone(),
                        error: ParseError::document(
                            "GetResourceConfigHistory returned no configuration item",
                        ),
                    }],
                ));
            };
            let evaluation = evaluate_item(control, params, &item, false, Some(capture_time));
            single(evaluation, ecs, caller).await
        }
        Trigger::Scheduled { notification_time } => {
            periodic(control, params, notification_time, ecs, caller).await
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
        Err(error) => return Ok((Vec::new(), vec![error])),
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

/// `family` and revision from `arn:aws:ecs:<region>:<account>:task-definition/<family>:<rev>`.
pub fn family_and_revision(arn: &str) -> Option<(&str, u64)> {
    let (_, name) = arn.rsplit_once("task-definition/")?;
    let (family, revision) = name.rsplit_once(':')?;
    Some((family, revision.parse().ok()?))
}

fn latest_revision(described: &Value) -> Option<u64> {
    let td = described.get("taskDefinition").unwrap_or(described);
    let status = td.get("status").and_then(Value::as_str).unwrap_or("ACTIVE");
    if status != "ACTIVE" {
        return None;
    }
    td.get("revision").and_then(Value::as_u64)
}

/// Every resource of the control's type in the account, through the ECS API; older ACTIVE
/// task definition revisions are NOT_APPLICABLE without being described.
async fn periodic<E: EcsApi, K: Clock>(
    control: &Control,
    params: &Params,
    timestamp: &str,
    ecs: &E,
    caller: &Caller<'_, K>,
) -> Result<Gathered, RunError> {
    let mut evaluations = Vec::new();
    let mut errors = Vec::new();
    let found = inventory(
        ecs,
        &[control.resource_type()],
        caller,
        DEFAULT_CONCURRENCY,
        &|_| {},
        &mut |listed: Listed| match evaluate_document(control, params, timestamp, &listed) {
            Ok(evaluation) => evaluations.push(evaluation),
            Err(error) => errors.push(error),
        },
    )
    .await?;
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
    errors.extend(found.failed.into_iter().map(|failed| ItemError {
        resource_type: failed.resource_type.aws_name().to_string(),
        resource_id: failed.resource_id,
        error: ParseError::document(failed.error.to_string()),
    }));
    Ok((evaluations, errors))
}

fn evaluate_document(
    control: &Control,
    params: &Params,
    timestamp: &str,
    listed: &Listed,
) -> Result<Evaluation, ItemError> {
    match listed.read() {
        Ok(resource) => {
            let outcome = control
                .evaluate(&resource, params)
                .unwrap_or_else(|| Outcome::not_applicable("Not this control's resource type."));
            Ok(Evaluation::new(
                listed.resource_type.aws_name(),
                &resource.meta.resource_id,
                outcome,
                timestamp,
            ))
        }
        Err(error) => Err(ItemError {
            resource_type: listed.resource_type.aws_name().to_string(),
            resource_id: listed.id_hint(),
            error,
        }),
    }
}

/// Sends evaluations in batches of 100, retrying throttling and 5xx and re-sending what Config
/// reports as failed, until everything is delivered or the deadline leaves no time.
async fn deliver<C: ConfigApi, K: Clock>(
    token: &str,
    evaluations: Vec<Evaluation>,
    config: &C,
    caller: &Caller<'_, K>,
    out: &mut Run,
) {
    let mut queue: Vec<Vec<Evaluation>> = batches(&evaluations).map(<[_]>::to_vec).collect();
    queue.reverse();
    while let Some(mut batch) = queue.pop() {
        let mut attempt = 0;
        loop {
            if caller.time_left() == 0 {
                fail_rest(out, batch, queue, "the Lambda deadline arrived".into());
                return;
            }
            out.put_calls += 1;
            match config.put_evaluations(token, &batch).await {
                Ok(failed) if failed.is_empty() => {
                    out.delivered.append(&mut batch);
                    break;
                }
                Ok(failed) => {
                    let (retry, done): (Vec<_>, Vec<_>) = batch.into_iter().partition(|e| {
                        failed.iter().any(|f| {
                            f.resource_id == e.resource_id && f.resource_type == e.resource_type
                        })
                    });
                    out.delivered.extend(done);
                    batch = retry;
                    if batch.is_empty() {
                        break;
                    }
                    if !caller.back_off(attempt).await {
                        fail_rest(
                            out,
                            batch,
                            queue,
                            "Config kept reporting FailedEvaluations".into(),
                        );
                        return;
                    }
                    attempt += 1;
                }
                Err(e) if e.retryable => {
                    if !caller.back_off(attempt).await {
                        fail_rest(
                            out,
                            batch,
                            queue,
                            format!("retries ran out before the deadline: {e}"),
                        );
                        return;
                    }
                    attempt += 1;
                }
                Err(e) => {
                    fail_rest(out, batch, queue, e.to_string());
                    return;
                }
            }
        }
    }
}

fn fail_rest(out: &mut Run, batch: Vec<Evaluation>, queue: Vec<Vec<Evaluation>>, cause: String) {
    let mut lost = batch;
    for mut rest in queue.into_iter().rev() {
        lost.append(&mut rest);
    }
    out.error = Some(RunError::Undelivered { lost, cause });
}

impl From<ApiError> for RunError {
    fn from(e: ApiError) -> Self {
        RunError::Api(e)
    }
}
