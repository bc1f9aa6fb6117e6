//! ecs-harden core: one typed model of ECS resources, parsers for the three shapes they arrive
//! in (ECS API JSON, AWS Config configuration items, CloudFormation), a pure evaluator per
//! control, and the catalogue that lists them all.
//!
//! ```
//! use ecs_harden_core::{catalogue, parse};
//!
//! let text = r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "privileged": true}]}"#;
//! let resources = parse::parse_text(text, parse::Syntax::Json);
//! let resource = resources[0].as_ref().unwrap();
//! let control = catalogue::find("ECS.4").unwrap();
//! let outcome = control.evaluate(resource, &control.default_params().unwrap()).unwrap();
//! assert_eq!(outcome.verdict.as_str(), "NON_COMPLIANT");
//! assert!(outcome.annotation.unwrap().contains("app"));
//! ```

pub mod catalogue;
pub mod contract;
pub mod controls;
pub mod error;
pub mod exceptions;
pub mod export;
pub mod findings;
pub mod gate;
pub mod image;
pub mod managed;
pub mod model;
pub mod parameter_map;
pub mod params;
pub mod parse;
pub mod related;
pub mod requirements;
pub mod revisions;
pub mod runner;
pub mod verdict;

pub use catalogue::{Control, CATALOGUE};
pub use error::ParseError;
pub use model::{Resource, ResourceType};
pub use verdict::{Outcome, Verdict};
