//! Real time for the runner's [`Clock`]: the Lambdas' and the CLI's.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ecs_harden_core::runner::io::Clock;

/// The system clock, tokio's timer, and randomness for backoff jitter.
pub struct SystemClock {
    counter: AtomicU64,
    hasher: RandomState,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock {
            counter: AtomicU64::new(0),
            hasher: RandomState::new(),
        }
    }
}

impl Clock for SystemClock {
    fn now_millis(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    fn sleep(&self, millis: u64) -> impl std::future::Future<Output = ()> + Send {
        tokio::time::sleep(Duration::from_millis(millis))
    }

    fn random(&self) -> u64 {
        self.hasher
            .hash_one(self.counter.fetch_add(1, Ordering::Relaxed))
    }
}
