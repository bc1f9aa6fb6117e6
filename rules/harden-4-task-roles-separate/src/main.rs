//! AWS Config custom rule `ecs-harden-task-roles-separate`: HARDEN.4, ECS task role and execution role should be separate roles.
//! Scaffolded by `cargo xtask new-control HARDEN.4`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.4")
}
