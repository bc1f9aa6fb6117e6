//! The one retry mechanism of the project's AWS calls: throttling, 5xx and transport errors are
//! retried with exponential backoff and full jitter until the call succeeds, fails for good, has
//! used its attempts, or the deadline leaves no time for the next wait. Reads, listings (page by
//! page) and delivery all go through [`Caller`].

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::io::{ApiError, Clock, Page, DEADLINE_REACHED};

/// Limits of one invocation (or one CLI command).
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// When the time runs out, in milliseconds since the epoch.
    pub deadline_millis: u64,
    /// Stop this long before the deadline, to report and fail cleanly.
    pub safety_margin_millis: u64,
    pub backoff_base_millis: u64,
    pub backoff_cap_millis: u64,
    /// Give up on a read (list page, describe, history) after this many attempts even with time
    /// left, so one resource that keeps failing (a document the SDK cannot read back, say) is
    /// named unreadable instead of holding the rest until the deadline. Delivery
    /// ([`Caller::call_until_deadline`]) is bound by the deadline alone.
    pub max_attempts: Option<u32>,
}

impl RetryPolicy {
    /// The rule Lambdas' policy: a 1.5 s margin, waits from 100 ms up to 5 s, 8 attempts per read.
    pub fn with_deadline(deadline_millis: u64) -> RetryPolicy {
        RetryPolicy {
            deadline_millis,
            safety_margin_millis: 1_500,
            backoff_base_millis: 100,
            backoff_cap_millis: 5_000,
            max_attempts: Some(8),
        }
    }
}

/// Exponential backoff with full jitter: attempt `n` (0-based) waits a uniformly drawn time in
/// `[0, min(cap, base·2ⁿ)]`. `random` is any u64 (the caller owns the randomness so this stays
/// pure and testable).
pub fn backoff_millis(attempt: u32, base_millis: u64, cap_millis: u64, random: u64) -> u64 {
    let ceiling = base_millis
        .saturating_mul(1u64.checked_shl(attempt.min(32)).unwrap_or(u64::MAX))
        .min(cap_millis);
    if ceiling == 0 {
        0
    } else {
        random % (ceiling + 1)
    }
}

/// Makes calls on behalf of one invocation (or one scan); shared by concurrent requests, which
/// draw on the same deadline and add to the same retry count.
pub struct Caller<'a, K: Clock> {
    clock: &'a K,
    policy: &'a RetryPolicy,
    retries: AtomicUsize,
}

impl<'a, K: Clock> Caller<'a, K> {
    pub fn new(clock: &'a K, policy: &'a RetryPolicy) -> Self {
        Caller {
            clock,
            policy,
            retries: AtomicUsize::new(0),
        }
    }

    /// Retries so far (waits taken before another attempt).
    pub fn retries(&self) -> usize {
        self.retries.load(Ordering::Relaxed)
    }

    /// Milliseconds until the deadline, less the safety margin.
    fn time_left(&self) -> u64 {
        self.policy
            .deadline_millis
            .saturating_sub(self.policy.safety_margin_millis)
            .saturating_sub(self.clock.now_millis())
    }

    /// A read: calls `f` until it succeeds, fails for good, has been tried the policy's
    /// `max_attempts` times, or retrying would pass the deadline. No call starts once the
    /// deadline (less the margin) has come.
    pub async fn call<T, F, Fut>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        self.attempts(self.policy.max_attempts, f).await
    }

    /// Like [`Caller::call`] with no limit on attempts but the deadline: for delivery, where
    /// giving up early would lose evaluations that could still be delivered.
    pub async fn call_until_deadline<T, F, Fut>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        self.attempts(None, f).await
    }

    /// Every page of a listing, in order. Each page is one [`Caller::call`]: a page that fails
    /// is retried on its own, and the pages before it are not asked for again.
    pub async fn pages<T, F, Fut>(&self, mut page: F) -> Result<Vec<T>, ApiError>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = Result<Page<T>, ApiError>>,
    {
        let mut items = Vec::new();
        let mut token = None;
        loop {
            let answer = self.call(|| page(token.clone())).await?;
            items.extend(answer.items);
            match answer.next_token {
                Some(next) => token = Some(next),
                None => return Ok(items),
            }
        }
    }

    async fn attempts<T, F, Fut>(&self, max_attempts: Option<u32>, mut f: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let mut attempt = 0;
        loop {
            if self.time_left() == 0 {
                return Err(ApiError {
                    attempts: attempt,
                    ..ApiError::new(
                        "the next AWS call",
                        DEADLINE_REACHED,
                        "the deadline (less the safety margin) arrived first",
                        false,
                    )
                });
            }
            match f().await {
                Ok(value) => return Ok(value),
                Err(e)
                    if e.retryable
                        && max_attempts.is_none_or(|max| attempt + 1 < max)
                        && self.back_off(attempt).await =>
                {
                    attempt += 1
                }
                Err(e) => {
                    return Err(ApiError {
                        attempts: attempt + 1,
                        ..e
                    })
                }
            }
        }
    }

    /// Waits before attempt `attempt + 1`; false when the deadline leaves no time for the wait.
    async fn back_off(&self, attempt: u32) -> bool {
        let wait = backoff_millis(
            attempt,
            self.policy.backoff_base_millis,
            self.policy.backoff_cap_millis,
            self.clock.random(),
        );
        if wait >= self.time_left() {
            return false;
        }
        self.retries.fetch_add(1, Ordering::Relaxed);
        self.clock.sleep(wait).await;
        true
    }
}
