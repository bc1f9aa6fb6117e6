#!/usr/bin/env bash
# The check step of the GitHub Action (action.yml): `ecs-harden check` over the given paths,
# the SARIF report written for code scanning, the exit status kept for the action's last step.
#
# Reads the action's inputs from the environment:
#   INPUT_PATH        files or directories, separated by whitespace or newlines (default: .)
#   INPUT_FAIL_ON     low, medium or high (default: low)
#   INPUT_EXCEPTIONS  an exception register (optional)
#   INPUT_SARIF_FILE  where the SARIF report goes (default: ecs-harden.sarif)
# Writes `exit-code` and `sarif-file` (empty when no report was written) to $GITHUB_OUTPUT
# when it is set, prints the failures as text for the log, and exits with ecs-harden's status:
# 0 nothing NON_COMPLIANT at or above the level, 1 something is, 2 usage or input error.
set -u

paths=()
read -r -d '' -a paths <<<"${INPUT_PATH:-.}"
if [ "${#paths[@]}" -eq 0 ]; then
    paths=(.)
fi
fail_on="${INPUT_FAIL_ON:-low}"
sarif="${INPUT_SARIF_FILE:-ecs-harden.sarif}"

options=(--fail-on "$fail_on")
if [ -n "${INPUT_EXCEPTIONS:-}" ]; then
    options+=(--exceptions "$INPUT_EXCEPTIONS")
fi

output() {
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    fi
}

if ! command -v ecs-harden >/dev/null 2>&1; then
    echo "::error::ecs-harden is not on PATH: install it first (pip install ecs-harden)"
    output exit-code 2
    output sarif-file ""
    exit 2
fi

rm -f -- "$sarif"
ecs-harden check --format sarif --output "$sarif" "${options[@]}" -- "${paths[@]}"
status=$?

if [ "$status" -le 1 ]; then
    # The same run as text, for whoever reads the job's log.
    ecs-harden check --color never "${options[@]}" -- "${paths[@]}" || true
fi
if [ -s "$sarif" ]; then
    output sarif-file "$sarif"
else
    output sarif-file ""
fi
output exit-code "$status"
case "$status" in
0) ;;
1) echo "::error::ecs-harden: NON_COMPLIANT results of severity $fail_on or higher (SARIF report: $sarif)" ;;
*) echo "::error::ecs-harden check could not run (exit status $status): see the message above" ;;
esac
exit "$status"
