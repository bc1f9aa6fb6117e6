//! AWS Config custom rule `ecs-harden-task-role-not-administrative`: HARDEN.15, ECS task roles should not be administrative.
//! Scaffolded by `cargo xtask new-control HARDEN.15`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.15")
}
