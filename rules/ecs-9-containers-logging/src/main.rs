//! AWS Config custom rule `ecs-harden-containers-logging`: ECS.9, ECS task definitions should have a logging configuration.
//! Scaffolded by `cargo xtask new-control ECS.9`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.9")
}
