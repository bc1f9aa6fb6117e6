//! AWS Config custom rule `ecs-harden-task-no-host-ipc`: HARDEN.2, ECS task definitions should not share the host's IPC namespace.
//! Scaffolded by `cargo xtask new-control HARDEN.2`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.2")
}
