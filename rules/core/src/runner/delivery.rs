//! Delivering evaluations to Config: `PutEvaluations` in batches of 100, each batch one
//! [`Caller::call_until_deadline`]. What Config reports in `FailedEvaluations` is sent again,
//! alone, as a retry of the same call, so waiting, backoff and the deadline follow the one retry
//! mechanism; when it gives up, the batch and every batch after it are named as undelivered.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use super::evaluation::Evaluation;
use super::io::{ApiError, Clock, ConfigApi, DEADLINE_REACHED};
use super::retry::Caller;

/// Most evaluations one `PutEvaluations` call takes.
pub const MAX_EVALUATIONS_PER_CALL: usize = 100;

/// Code of the retryable error a `PutEvaluations` call counts as when Config answered but
/// reported some of the batch in `FailedEvaluations`.
pub const FAILED_EVALUATIONS: &str = "FailedEvaluations";

/// Splits evaluations into `PutEvaluations` calls of at most 100.
pub fn batches(evaluations: &[Evaluation]) -> std::slice::Chunks<'_, Evaluation> {
    evaluations.chunks(MAX_EVALUATIONS_PER_CALL)
}

/// Evaluations that did not reach Config, and the error that stopped delivery.
#[derive(Clone, Debug)]
pub struct Undelivered {
    pub lost: Vec<Evaluation>,
    pub error: ApiError,
}

impl Undelivered {
    /// Why delivery stopped, in a few words.
    pub fn cause(&self) -> String {
        let error = &self.error;
        if error.code == DEADLINE_REACHED {
            "the Lambda deadline arrived".into()
        } else if error.code == FAILED_EVALUATIONS {
            "Config kept reporting FailedEvaluations".into()
        } else if error.retryable {
            format!("retries ran out before the deadline: {error}")
        } else {
            error.to_string()
        }
    }
}

/// What delivery did.
#[derive(Debug, Default)]
pub struct Delivery {
    pub delivered: Vec<Evaluation>,
    pub put_calls: usize,
    /// Set when something could not be delivered before the deadline.
    pub undelivered: Option<Undelivered>,
}

/// Sends `evaluations` in batches of 100 until everything is delivered, a call fails for good,
/// or the deadline leaves no time.
pub async fn deliver<C: ConfigApi, K: Clock>(
    token: &str,
    evaluations: Vec<Evaluation>,
    config: &C,
    caller: &Caller<'_, K>,
) -> Delivery {
    let mut out = Delivery::default();
    let mut queue: Vec<Vec<Evaluation>> = batches(&evaluations).map(<[_]>::to_vec).collect();
    queue.reverse();
    while let Some(batch) = queue.pop() {
        let batch = Batch::new(batch);
        let sent = caller
            .call_until_deadline(|| batch.send(config, token))
            .await;
        let (delivered, pending, calls) = batch.into_parts();
        out.delivered.extend(delivered);
        out.put_calls += calls;
        if let Err(error) = sent {
            let mut lost = pending;
            for rest in queue.into_iter().rev() {
                lost.extend(rest);
            }
            out.undelivered = Some(Undelivered { lost, error });
            return out;
        }
    }
    out
}

/// One batch on its way: what is still to send, what Config accepted, and the calls made.
/// Shared with the attempts of one retried call, hence the locks (never held across a wait).
struct Batch {
    pending: Mutex<Vec<Evaluation>>,
    delivered: Mutex<Vec<Evaluation>>,
    calls: AtomicUsize,
}

impl Batch {
    fn new(evaluations: Vec<Evaluation>) -> Batch {
        Batch {
            pending: Mutex::new(evaluations),
            delivered: Mutex::new(Vec::new()),
            calls: AtomicUsize::new(0),
        }
    }

    /// One `PutEvaluations` call with what is still pending; an error (retryable) when Config
    /// reported some of it in `FailedEvaluations`, which stay pending for the next attempt.
    async fn send<C: ConfigApi>(&self, config: &C, token: &str) -> Result<(), ApiError> {
        let sending = lock(&self.pending).clone();
        self.calls.fetch_add(1, Ordering::Relaxed);
        let failed = config.put_evaluations(token, &sending).await?;
        let (retry, done): (Vec<_>, Vec<_>) = sending.into_iter().partition(|e| {
            failed
                .iter()
                .any(|f| f.resource_id == e.resource_id && f.resource_type == e.resource_type)
        });
        lock(&self.delivered).extend(done);
        let left = retry.len();
        *lock(&self.pending) = retry;
        if left == 0 {
            Ok(())
        } else {
            Err(ApiError::new(
                "config:PutEvaluations",
                FAILED_EVALUATIONS,
                format!("Config reported {left} evaluation(s) in FailedEvaluations"),
                true,
            ))
        }
    }

    fn into_parts(self) -> (Vec<Evaluation>, Vec<Evaluation>, usize) {
        (
            into_inner(self.delivered),
            into_inner(self.pending),
            self.calls.into_inner(),
        )
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn into_inner<T>(mutex: Mutex<T>) -> T {
    mutex.into_inner().unwrap_or_else(PoisonError::into_inner)
}
