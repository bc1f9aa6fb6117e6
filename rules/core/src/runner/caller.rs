//! Retrying AWS calls within a deadline: throttling, 5xx and transport errors are retried with
//! exponential backoff and full jitter until the time left runs out.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::backoff_millis;
use super::io::{ApiError, Clock};
use super::run::RunOptions;

/// Makes calls on behalf of one invocation (or one scan); shared by concurrent requests.
pub struct Caller<'a, K: Clock> {
    pub(crate) clock: &'a K,
    pub(crate) options: &'a RunOptions,
    retries: AtomicUsize,
}

impl<'a, K: Clock> Caller<'a, K> {
    pub fn new(clock: &'a K, options: &'a RunOptions) -> Self {
        Caller {
            clock,
            options,
            retries: AtomicUsize::new(0),
        }
    }

    /// Retries so far.
    pub fn retries(&self) -> usize {
        self.retries.load(Ordering::Relaxed)
    }

    /// Milliseconds until the deadline, less the safety margin.
    pub fn time_left(&self) -> u64 {
        self.options
            .deadline_millis
            .saturating_sub(self.options.safety_margin_millis)
            .saturating_sub(self.clock.now_millis())
    }

    /// Waits before attempt `attempt + 1`; false when the deadline leaves no time.
    pub async fn back_off(&self, attempt: u32) -> bool {
        let wait = backoff_millis(
            attempt,
            self.options.backoff_base_millis,
            self.options.backoff_cap_millis,
            self.clock.random(),
        );
        if wait >= self.time_left() {
            return false;
        }
        self.retries.fetch_add(1, Ordering::Relaxed);
        self.clock.sleep(wait).await;
        true
    }

    /// Calls `f` until it succeeds, fails for good, has been tried `max_attempts` times, or
    /// retrying would pass the deadline; no
    /// call starts once the deadline (less the margin) has come.
    pub async fn call<T, F, Fut>(&self, mut f: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        let mut attempt = 0;
        loop {
            if self.time_left() == 0 {
                return Err(ApiError {
                    operation: "the next AWS call",
                    code: "DeadlineReached".into(),
                    message: "the deadline (less the safety margin) arrived first".into(),
                    retryable: false,
                });
            }
            match f().await {
                Ok(value) => return Ok(value),
                Err(e)
                    if e.retryable
                        && self
                            .options
                            .max_attempts
                            .is_none_or(|max| attempt + 1 < max)
                        && self.back_off(attempt).await =>
                {
                    attempt += 1
                }
                Err(e) => return Err(e),
            }
        }
    }
}
