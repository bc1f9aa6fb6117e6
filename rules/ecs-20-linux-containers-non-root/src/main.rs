//! AWS Config custom rule `ecs-harden-linux-containers-non-root`: ECS.20, ECS task definitions should configure non-root users in Linux container definitions.
//! Scaffolded by `cargo xtask new-control ECS.20`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.20")
}
