//! The AWS Config side of a control: one rule invocation from the Lambda event to
//! `PutEvaluations`, and the inventory `ecs-harden scan` shares with periodic runs.
//!
//! Modules, each using only those listed above it (no module uses one below it):
//!
//! ```text
//! event       decode the Lambda event into a RuleEvent                      pure
//! evaluation  a configuration item → an Evaluation                          pure   uses event
//! io          the boundary: ConfigApi, EcsApi (a page per list call),
//!             Clock, ApiError                                                       uses evaluation
//! retry       RetryPolicy, Caller: attempts, backoff, deadline, pages               uses io
//! inventory   list and describe an account's resources into a sink                  uses io, retry
//!             (inside: shared ← ecs, the ECS API path; both ← the entry point)
//! delivery    PutEvaluations in batches of 100, FailedEvaluations re-sent           uses io, retry, evaluation
//! run         one invocation: event → evaluations → delivery → outcome             uses all of the above
//! ```
//!
//! Only `event` and `evaluation` are pure. `retry`, `inventory`, `delivery` and `run` are async
//! orchestration: they wait, retry and call AWS, but only through the `io` traits, so the unit
//! tests drive them with fakes and a virtual clock. The AWS SDK implementations of those traits
//! are in the `ecs-harden-aws` crate.

pub mod delivery;
pub mod evaluation;
pub mod event;
pub mod inventory;
pub mod io;
pub mod related;
pub mod retry;
mod run;

pub use evaluation::{evaluate_item, Evaluation, ItemError};
pub use event::{decode_event, EventError, RuleEvent, Trigger};
pub use retry::RetryPolicy;
pub use run::{run, run_with_register, Apis, ReadError, Run, RunError, Unreadable};

#[cfg(test)]
mod run_tests;
#[cfg(test)]
mod tests;
