//! AWS Config custom rule `ecs-harden-containers-drop-all-capabilities`: HARDEN.1, Linux containers should drop all capabilities and add back only allowed ones.
//! Scaffolded by `cargo xtask new-control HARDEN.1`; the logic lives in `rules/core`.

fn main() -> Result<(), ecs_harden_aws::Error> {
    ecs_harden_aws::serve("HARDEN.1")
}
