//! The AWS side of the ecs-harden Config rules: AWS SDK implementations of the runner's
//! `ConfigApi`/`EcsApi`, credentials for member accounts, and the Lambda handler every
//! `rules/<control>` crate hands its control to.

pub mod accounts;
pub mod clients;
pub mod convert;
pub mod gate;
pub mod lambda;

pub use lambda::serve;
pub use lambda_runtime::Error;
