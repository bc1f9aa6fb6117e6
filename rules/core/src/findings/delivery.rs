//! Carrying out a [`Plan`] in the account that owns the resource: BatchImportFindings, then
//! BatchUpdateFindings for the workflow, in calls of at most 100, each one
//! [`Caller::call_until_deadline`] as PutEvaluations is. What Security Hub reports in
//! `FailedFindings` / `UnprocessedFindings` with a transient code is sent again, alone, as a
//! retry of the same call; a permanent code (invalid finding, Security Hub not enabled) stops
//! with an error naming the finding and the code.

use std::future::Future;
use std::sync::{Mutex, PoisonError};

use serde_json::{json, Value};

use super::asff::{Plan, WorkflowChange};
use crate::runner::io::{ApiError, Clock, Page};
use crate::runner::retry::Caller;

/// Most findings one BatchImportFindings call takes, and most identifiers one
/// BatchUpdateFindings call takes.
pub const MAX_FINDINGS_PER_CALL: usize = 100;

/// Code of the retryable error a call counts as when Security Hub answered but reported some
/// findings as failed with a transient code.
pub const FAILED_FINDINGS: &str = "FailedFindings";
/// Code of the retryable error while Security Hub does not show the imported version of a
/// finding yet (it processes imports asynchronously).
pub const NOT_YET_VISIBLE: &str = "FindingNotYetVisible";

const IMPORT: &str = "securityhub:BatchImportFindings";
const UPDATE: &str = "securityhub:BatchUpdateFindings";
const GET: &str = "securityhub:GetFindings";

/// A finding, as BatchUpdateFindings and GetFindings name it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FindingIdentifier {
    pub id: String,
    pub product_arn: String,
}

/// A finding Security Hub did not take, with its code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failed {
    pub id: String,
    pub code: String,
    pub message: String,
}

/// Whether Security Hub may take a failed finding when it is sent again: internal errors,
/// concurrent updates (an import and an update of the same finding at once), and a finding an
/// update cannot see yet; not an invalid finding, Security Hub being off, or a duplicate.
pub fn transient(code: &str) -> bool {
    matches!(
        code,
        "InternalFailure"
            | "InternalError"
            | "InternalServerError"
            | "InternalException"
            | "ConcurrentUpdateError"
            | "LimitExceededException"
            | "FindingNotFound"
    )
}

/// AWS Security Hub, as the findings Lambda uses it. Each method is one request.
pub trait SecurityHubApi {
    /// One BatchImportFindings call (at most 100 findings): what Security Hub reported in
    /// `FailedFindings`.
    fn batch_import_findings(
        &self,
        findings: &[Value],
    ) -> impl Future<Output = Result<Vec<Failed>, ApiError>> + Send;

    /// One BatchUpdateFindings call (at most 100 findings) setting `Workflow.Status` and
    /// `Note`: what Security Hub reported in `UnprocessedFindings`.
    fn batch_update_findings(
        &self,
        findings: &[FindingIdentifier],
        change: &WorkflowChange,
    ) -> impl Future<Output = Result<Vec<Failed>, ApiError>> + Send;

    /// One page of GetFindings with `filters` (the API's `Filters` object).
    fn get_findings(
        &self,
        filters: &Value,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<Page<Value>, ApiError>> + Send;
}

/// Why a plan could not be carried out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("{0}")]
    Api(ApiError),
    /// Security Hub refused findings for good.
    #[error("{action} refused {count} finding(s), the first {id}: {code}: {message}")]
    Refused {
        action: &'static str,
        count: usize,
        id: String,
        code: String,
        message: String,
    },
}

impl DeliveryError {
    /// The AWS error behind it, to explain.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            DeliveryError::Api(error) => Some(error),
            DeliveryError::Refused { .. } => None,
        }
    }
}

/// What was done.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    pub imported: usize,
    /// The workflow status set on the finding, or why not.
    pub workflow: Option<String>,
    /// Findings of older revisions resolved.
    pub superseded: Vec<FindingIdentifier>,
    /// Calls made, attempts included.
    pub calls: usize,
}

/// Milliseconds since the epoch of an RFC 3339 timestamp (`2026-03-02T10:00:05.120Z`,
/// `…+01:00`); `None` when it is not one.
pub fn timestamp_millis(text: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b't')
    {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        let padded = format!("{:0<3}", &fraction[..digits.min(3)]);
        millis = padded.parse::<i64>().ok()?;
        rest = &fraction[digits..];
    }
    let offset_minutes = match rest.as_bytes().first()? {
        b'Z' | b'z' if rest.len() == 1 => 0,
        sign @ (b'+' | b'-') => {
            let zone = rest.get(1..)?.replace(':', "");
            if zone.len() != 4 || !zone.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let minutes = zone[..2].parse::<i64>().ok()? * 60 + zone[2..].parse::<i64>().ok()?;
            if *sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    // Days since 1970-01-01 (H. Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1_000 + millis)
}

/// Filters that find one finding.
fn by_identifier(finding: &FindingIdentifier) -> Value {
    json!({
        "Id": [{"Value": finding.id, "Comparison": "EQUALS"}],
        "ProductArn": [{"Value": finding.product_arn, "Comparison": "EQUALS"}],
    })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Sends `items` in calls of at most 100 with `send`, each call retried until Security Hub
/// takes every item or refuses one for good: items reported with a transient code are sent
/// again alone; the calls made are added to `calls`.
async fn in_batches<T, K, F, Fut>(
    action: &'static str,
    items: Vec<T>,
    key: impl Fn(&T) -> &str,
    caller: &Caller<'_, K>,
    calls: &Mutex<usize>,
    send: F,
) -> Result<(), DeliveryError>
where
    T: Clone,
    K: Clock,
    F: Fn(Vec<T>) -> Fut,
    Fut: Future<Output = Result<Vec<Failed>, ApiError>>,
{
    for batch in items.chunks(MAX_FINDINGS_PER_CALL) {
        let pending = Mutex::new(batch.to_vec());
        let refused = Mutex::new(Vec::<Failed>::new());
        let sent = caller
            .call_until_deadline(|| async {
                let sending = lock(&pending).clone();
                *lock(calls) += 1;
                let failed = send(sending.clone()).await?;
                let (permanent, retry): (Vec<Failed>, Vec<Failed>) =
                    failed.into_iter().partition(|f| !transient(&f.code));
                if !permanent.is_empty() {
                    *lock(&refused) = permanent;
                    return Ok(());
                }
                let left: Vec<T> = sending
                    .into_iter()
                    .filter(|item| retry.iter().any(|f| f.id == key(item)))
                    .collect();
                let count = left.len();
                *lock(&pending) = left;
                match retry.first() {
                    None => Ok(()),
                    Some(first) => Err(ApiError::new(
                        action,
                        FAILED_FINDINGS,
                        format!(
                            "{count} finding(s) reported failed, the first {}: {}: {}",
                            first.id, first.code, first.message
                        ),
                        true,
                    )),
                }
            })
            .await;
        sent.map_err(DeliveryError::Api)?;
        let refused = refused.into_inner().unwrap_or_else(PoisonError::into_inner);
        if let Some(first) = refused.first() {
            return Err(DeliveryError::Refused {
                action,
                count: refused.len(),
                id: first.id.clone(),
                code: first.code.clone(),
                message: first.message.clone(),
            });
        }
    }
    Ok(())
}

/// Every finding GetFindings returns for `filters`, page by page.
pub async fn find<A: SecurityHubApi, K: Clock>(
    api: &A,
    caller: &Caller<'_, K>,
    filters: &Value,
    calls: &Mutex<usize>,
) -> Result<Vec<Value>, DeliveryError> {
    caller
        .pages(|token| {
            *lock(calls) += 1;
            api.get_findings(filters, token)
        })
        .await
        .map_err(DeliveryError::Api)
}

/// Whether Security Hub shows the finding as imported at `updated_at`: `Some(true)` when it
/// does, `Some(false)` when it shows a later version (this evaluation is out of date), after
/// waiting (a retried read) while it shows an earlier version or none.
async fn is_current<A: SecurityHubApi, K: Clock>(
    api: &A,
    caller: &Caller<'_, K>,
    finding: &FindingIdentifier,
    updated_at: &str,
    calls: &Mutex<usize>,
) -> Result<bool, DeliveryError> {
    let ours = timestamp_millis(updated_at);
    let filters = by_identifier(finding);
    caller
        .call(|| async {
            *lock(calls) += 1;
            let page = api.get_findings(&filters, None).await?;
            let shown = page
                .items
                .first()
                .and_then(|f| f.get("UpdatedAt"))
                .and_then(Value::as_str)
                .and_then(timestamp_millis);
            match (shown, ours) {
                (Some(shown), Some(ours)) if shown > ours => Ok(false),
                (Some(shown), Some(ours)) if shown == ours => Ok(true),
                _ => Err(ApiError::new(
                    GET,
                    NOT_YET_VISIBLE,
                    format!(
                        "Security Hub does not show finding {} as imported at {updated_at} yet",
                        finding.id
                    ),
                    true,
                )),
            }
        })
        .await
        .map_err(DeliveryError::Api)
}

/// Filters for the failed, open findings of a control on the older revisions of a family.
pub fn superseded_filters(generator_id: &str, product_arn: &str, arn_prefix: &str) -> Value {
    json!({
        "ProductArn": [{"Value": product_arn, "Comparison": "EQUALS"}],
        "GeneratorId": [{"Value": generator_id, "Comparison": "EQUALS"}],
        "ResourceId": [{"Value": arn_prefix, "Comparison": "PREFIX"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
        "ComplianceStatus": [{"Value": "FAILED", "Comparison": "EQUALS"}],
        "WorkflowStatus": [
            {"Value": "NEW", "Comparison": "EQUALS"},
            {"Value": "NOTIFIED", "Comparison": "EQUALS"},
        ],
    })
}

fn identifier_of(finding: &Value) -> Option<FindingIdentifier> {
    Some(FindingIdentifier {
        id: finding.get("Id")?.as_str()?.to_string(),
        product_arn: finding.get("ProductArn")?.as_str()?.to_string(),
    })
}

/// Carries out `plan`: imports its finding, then sets its workflow once Security Hub shows
/// this version of it (skipped when it shows a later one), then resolves the findings of
/// superseded revisions.
pub async fn deliver<A: SecurityHubApi, K: Clock>(
    api: &A,
    caller: &Caller<'_, K>,
    plan: Plan,
) -> Result<Delivered, DeliveryError> {
    let calls = Mutex::new(0);
    let mut delivered = Delivered::default();
    let Some(finding) = plan.finding else {
        return Ok(delivered);
    };
    let (Some(identifier), Some(updated_at)) = (
        identifier_of(&finding),
        finding
            .get("UpdatedAt")
            .and_then(Value::as_str)
            .map(str::to_string),
    ) else {
        return Err(DeliveryError::Refused {
            action: IMPORT,
            count: 1,
            id: finding.get("Id").map(Value::to_string).unwrap_or_default(),
            code: "InvalidInput".into(),
            message: "the finding has no Id, ProductArn or UpdatedAt".into(),
        });
    };
    let result = async {
        in_batches(
            IMPORT,
            vec![finding],
            |f: &Value| f.get("Id").and_then(Value::as_str).unwrap_or_default(),
            caller,
            &calls,
            |batch| async move { api.batch_import_findings(&batch).await },
        )
        .await?;
        delivered.imported = 1;
        if let Some(change) = &plan.workflow {
            if is_current(api, caller, &identifier, &updated_at, &calls).await? {
                update(api, caller, vec![identifier.clone()], change, &calls).await?;
                delivered.workflow = Some(change.status.as_str().to_string());
            } else {
                delivered.workflow =
                    Some("unchanged: Security Hub shows a later evaluation".to_string());
            }
        }
        if let Some(superseded) = &plan.superseded {
            let filters = superseded_filters(
                superseded.generator_id,
                &identifier.product_arn,
                &superseded.arn_prefix,
            );
            let older: Vec<FindingIdentifier> = find(api, caller, &filters, &calls)
                .await?
                .iter()
                .filter(|f| {
                    f.pointer("/Resources/0/Id")
                        .and_then(Value::as_str)
                        .is_some_and(|arn| superseded.covers(arn))
                })
                .filter_map(identifier_of)
                .collect();
            if !older.is_empty() {
                update(api, caller, older.clone(), &superseded.change, &calls).await?;
            }
            delivered.superseded = older;
        }
        Ok::<(), DeliveryError>(())
    }
    .await;
    delivered.calls = calls.into_inner().unwrap_or_else(PoisonError::into_inner);
    result.map(|()| delivered)
}

async fn update<A: SecurityHubApi, K: Clock>(
    api: &A,
    caller: &Caller<'_, K>,
    findings: Vec<FindingIdentifier>,
    change: &WorkflowChange,
    calls: &Mutex<usize>,
) -> Result<(), DeliveryError> {
    in_batches(
        UPDATE,
        findings,
        |f: &FindingIdentifier| f.id.as_str(),
        caller,
        calls,
        |batch| async move { api.batch_update_findings(&batch, change).await },
    )
    .await
}
