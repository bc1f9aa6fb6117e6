//! AWS Config custom rule `ecs-harden-no-environment-secrets`: ECS.8, Secrets should not be passed as container environment variables.
//! Scaffolded by `cargo xtask new-control ECS.8`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.8")
}
