//! The AWS side of the ecs-harden Config rules: AWS SDK implementations of the runner's
//! `ConfigApi`/`EcsApi`, credentials for member accounts, the Lambda handler every
//! `rules/<control>` crate hands its control to, the exception register they read ([`register`]), and what the CLI shares with them: the SDK
//! configuration ([`sdk`]), the real clock ([`clock`]) and AWS failures explained ([`errors`]).

pub mod accounts;
pub mod clients;
pub mod clock;
pub mod convert;
pub mod errors;
pub mod gate;
pub mod lambda;
pub mod register;
pub mod sdk;

pub use lambda::serve;
pub use lambda_runtime::Error;
