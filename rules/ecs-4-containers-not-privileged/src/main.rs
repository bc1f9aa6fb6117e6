//! AWS Config custom rule `ecs-harden-containers-not-privileged`: ECS.4, ECS containers should run as non-privileged.
//! Scaffolded by `cargo xtask new-control ECS.4`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("ECS.4")
}
