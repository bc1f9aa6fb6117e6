//! AWS Config custom rule `ecs-harden-task-network-mode-allowed`: HARDEN.3, ECS task definitions should use an allowed network mode.
//! Scaffolded by `cargo xtask new-control HARDEN.3`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.3")
}
