use super::*;
use crate::parse::parse_value;
use serde_json::json;

const TODAY: &str = "2026-12-05";

fn today() -> Date {
    Date::parse(TODAY).unwrap()
}

fn register(yaml: &str) -> Result<Register, RegisterError> {
    Register::from_text(yaml, Syntax::Yaml, "exceptions.yaml", today())
}

/// A register with one entry for ECS.4 on the `cadvisor` family, expiring on `expires`.
fn cadvisor(expires: &str) -> Register {
    register(&format!(
        "exceptions:\n  - id: EXC-12\n    controls: [ECS.4]\n    resources: [cadvisor]\n    \
         reason: cAdvisor reads the host's cgroups\n    owner: platform-team\n    \
         approvedBy: security-team\n    expires: {expires}\n    ticket: SEC-1234\n"
    ))
    .unwrap()
}

/// A privileged task definition (ECS.4 fails, ECS.5 fails: no read-only root) in the ECS API
/// shape, with these tags.
fn task_definition(family: &str, tags: Value) -> Resource {
    parse_value(&json!({
        "taskDefinitionArn": format!("arn:aws:ecs:us-east-1:111122223333:task-definition/{family}:3"),
        "family": family,
        "revision": 3,
        "containerDefinitions": [{"name": "agent", "image": "gcr.io/cadvisor/cadvisor:v0.49.1", "privileged": true}],
        "tags": tags,
    }))
    .remove(0)
    .unwrap()
}

fn control(id: &str) -> &'static Control {
    catalogue::find(id).unwrap()
}

#[test]
fn dates_read_write_and_count_days() {
    let date = Date::parse("2028-02-29").unwrap();
    assert_eq!(date.to_string(), "2028-02-29");
    assert_eq!(date.add_days(1).to_string(), "2028-03-01");
    assert_eq!(
        Date::parse("1970-01-01").unwrap(),
        Date::from_unix_seconds(0)
    );
    assert_eq!(
        Date::from_unix_millis(1_795_154_400_000).to_string(),
        "2026-11-20"
    );
    assert_eq!(today().days_until(Date::parse("2027-12-05").unwrap()), 365);
    for bad in [
        "2027-02-29",
        "2027-13-01",
        "2027-6-30",
        "30/06/2027",
        "2027-06-3x",
        "",
    ] {
        assert_eq!(Date::parse(bad), None, "{bad}");
    }
}

#[test]
fn globs_match_whole_identifiers() {
    let glob = Glob::new("arn:aws:ecs:*:111122223333:task-definition/cadvisor:*");
    assert!(glob.matches("arn:aws:ecs:us-east-1:111122223333:task-definition/cadvisor:3"));
    assert!(!glob.matches("arn:aws:ecs:us-east-1:111122223333:task-definition/cadvisor-x"));
    assert!(Glob::new("payments-*").matches("payments-"));
    assert!(Glob::new("web:?").matches("web:7"));
    assert!(!Glob::new("web:?").matches("web:17"));
    assert!(!Glob::new("cadvisor").matches("Cadvisor"));
    assert!(Glob::new("*a*b*").matches("xxaxxbxx"));
}

#[test]
fn an_entry_accepts_the_violations_its_globs_cover_without_a_reference() {
    let register = cadvisor("2027-06-30");
    let resource = task_definition("cadvisor", json!([]));
    let decision = decide(
        Verdict::NonCompliant,
        control("ECS.4"),
        &resource,
        &register,
        today(),
    );
    let acceptance = decision.acceptance().expect("accepted");
    assert_eq!(acceptance.id, "EXC-12");
    assert_eq!(acceptance.owner, "platform-team");
    assert_eq!(acceptance.label(), "accepted (EXC-12, until 2027-06-30)");
    // Only NON_COMPLIANT results are ever accepted.
    assert_eq!(
        decide(
            Verdict::Compliant,
            control("ECS.4"),
            &resource,
            &register,
            today()
        ),
        Decision::NotExcepted
    );
    // Another family is not covered.
    let other = task_definition("node-exporter", json!([]));
    assert_eq!(
        decide(
            Verdict::NonCompliant,
            control("ECS.4"),
            &other,
            &register,
            today()
        ),
        Decision::NotExcepted
    );
}

#[test]
fn an_entry_for_another_control_accepts_nothing_else() {
    let register = cadvisor("2027-06-30");
    let resource = task_definition(
        "cadvisor",
        json!([{"key": "ecs-harden:exception", "value": "EXC-12"}]),
    );
    assert!(matches!(
        decide(
            Verdict::NonCompliant,
            control("ECS.4"),
            &resource,
            &register,
            today()
        ),
        Decision::Accepted(_)
    ));
    let ecs5 = decide(
        Verdict::NonCompliant,
        control("ECS.5"),
        &resource,
        &register,
        today(),
    );
    assert!(
        matches!(ecs5, Decision::NotCovered(entry) if entry.id == "EXC-12"),
        "{ecs5:?}"
    );
    assert_eq!(ecs5.acceptance(), None);
    // The reference itself is sound: no warning.
    let in_force = InForce {
        register: &register,
        today: today(),
    };
    assert!(reference_warnings(&resource, &in_force).is_empty());
}

#[test]
fn an_expired_entry_stops_counting_the_day_after_it_expires() {
    let register = cadvisor("2026-12-05");
    let resource = task_definition(
        "cadvisor",
        json!([{"key": "ecs-harden:exception", "value": "EXC-12"}]),
    );
    let ecs4 = control("ECS.4");
    assert!(matches!(
        decide(Verdict::NonCompliant, ecs4, &resource, &register, today()),
        Decision::Accepted(_)
    ));
    let tomorrow = today().add_days(1);
    assert!(matches!(
        decide(Verdict::NonCompliant, ecs4, &resource, &register, tomorrow),
        Decision::Expired(entry) if entry.id == "EXC-12"
    ));
    let warnings = reference_warnings(
        &resource,
        &InForce {
            register: &register,
            today: tomorrow,
        },
    );
    assert_eq!(
        warnings,
        ["tag ecs-harden:exception names EXC-12, which expired on 2026-12-05: it no longer counts"]
    );
}

#[test]
fn an_unknown_id_on_a_tag_is_reported_and_excepts_nothing() {
    let register = cadvisor("2027-06-30");
    for tags in [
        json!([{"key": "ecs-harden:exception", "value": "EXC-99, EXC-12"}]),
        json!({"ecs-harden:exception": "EXC-99,EXC-12"}),
    ] {
        let resource = task_definition("node-exporter", tags);
        let ids: Vec<&str> = resource
            .meta
            .exceptions
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(ids, ["EXC-99", "EXC-12"]);
        let decision = decide(
            Verdict::NonCompliant,
            control("ECS.4"),
            &resource,
            &register,
            today(),
        );
        assert!(
            matches!(decision, Decision::NotCovered(entry) if entry.id == "EXC-12"),
            "EXC-12 covers ECS.4 but not node-exporter: {decision:?}"
        );
        assert_eq!(
            decide(
                Verdict::NonCompliant,
                control("ECS.5"),
                &resource,
                &register,
                today()
            ),
            Decision::UnknownEntry("EXC-99")
        );
        let warnings = reference_warnings(
            &resource,
            &InForce {
                register: &register,
                today: today(),
            },
        );
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("EXC-99, which is not in the exception register"));
        assert!(warnings[1].contains("EXC-12, whose resources"));
    }
}

#[test]
fn inline_metadata_without_a_register_entry_has_no_effect() {
    let template = json!({"Resources": {"Cadvisor": {
        "Type": "AWS::ECS::TaskDefinition",
        "Metadata": {"ecs-harden": {"exceptions": ["EXC-7"]}},
        "Properties": {"Family": "cadvisor", "ContainerDefinitions": [
            {"Name": "agent", "Image": "gcr.io/cadvisor/cadvisor:v0.49.1", "Privileged": true}
        ]},
    }}});
    let resource = parse_value(&template).remove(0).unwrap();
    assert_eq!(
        resource.meta.exceptions,
        [ExceptionRef {
            id: "EXC-7".into(),
            source: crate::model::RefSource::Metadata
        }]
    );
    let empty = Register::default();
    assert_eq!(
        decide(
            Verdict::NonCompliant,
            control("ECS.4"),
            &resource,
            &empty,
            today()
        ),
        Decision::UnknownEntry("EXC-7")
    );
    let warnings = reference_warnings(
        &resource,
        &InForce {
            register: &empty,
            today: today(),
        },
    );
    assert_eq!(
        warnings,
        ["Metadata ecs-harden.exceptions names EXC-7, which is not in the exception register: it has no effect"]
    );
    // With the entry in the register, the logical id or the family is what its globs match.
    let register = register(
        "exceptions:\n  - id: EXC-7\n    controls: [ECS.4]\n    resources: [Cadvisor]\n    \
         reason: r\n    owner: o\n    approvedBy: a\n    expires: 2027-01-31\n",
    )
    .unwrap();
    assert!(matches!(
        decide(
            Verdict::NonCompliant,
            control("ECS.4"),
            &resource,
            &register,
            today()
        ),
        Decision::Accepted(_)
    ));
}

#[test]
fn tags_name_entries_in_every_shape() {
    let cloudformation = parse_value(&json!({"Type": "AWS::ECS::Cluster", "Properties": {
        "ClusterName": "batch", "Tags": [{"Key": "ecs-harden:exception", "Value": "EXC-3"}]}}));
    let config = parse_value(&json!({
        "configurationItemCaptureTime": "2026-12-01T00:00:00Z", "configurationItemStatus": "OK",
        "resourceType": "AWS::ECS::Cluster", "resourceId": "batch", "awsAccountId": "111122223333",
        "awsRegion": "us-east-1", "tags": {"ecs-harden:exception": "EXC-3"},
        "configuration": {"ClusterName": "batch"}}));
    let terraform = crate::parse::parse_text(
        "resource \"aws_ecs_cluster\" \"batch\" {\n  name = \"batch\"\n  tags = {\n    \"ecs-harden:exception\" = \"EXC-3\"\n  }\n}\n",
        Syntax::Hcl,
    );
    for read in [cloudformation, config, terraform] {
        let resource = read.into_iter().next().unwrap().unwrap();
        let ids: Vec<&str> = resource
            .meta
            .exceptions
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(ids, ["EXC-3"], "{:?}", resource.meta.shape);
    }
}

#[test]
fn the_maximum_lifetime_is_365_days_unless_the_register_says_otherwise() {
    assert!(cadvisor("2027-12-05").entries().len() == 1);
    let error = register(
        "exceptions:\n  - id: EXC-1\n    controls: [ECS.4]\n    resources: ['*']\n    reason: r\n    \
         owner: o\n    approvedBy: a\n    expires: 2027-12-06\n",
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "exceptions.yaml: exceptions[0] (EXC-1).expires: 2027-12-06 is more than 365 days after \
         today (2026-12-05); the latest allowed is 2027-12-05"
    );
    let longer = register(
        "maxLifetimeDays: 730\nexceptions:\n  - id: EXC-1\n    controls: [ECS.4]\n    resources: ['*']\n    \
         reason: r\n    owner: o\n    approvedBy: a\n    expires: 2028-06-30\n",
    )
    .unwrap();
    assert_eq!(longer.max_lifetime_days(), 730);
}

#[test]
fn invalid_entries_are_errors_naming_the_entry_and_field() {
    let error = register(
        "exceptions:
  - id: EXC-1
    controls: [ECS.99]
    resources: [web]
    reason: r
    owner: o
    approvedBy: a
    expires: 2027-01-01
  - id: EXC-2
    controls: [ECS.4]
    resources: [web]
    reason: r
    owner: o
    approvedBy: a
  - id: EXC-3
    controls: [ECS.4]
    resources: [web]
    reason: r
    owner: o
    approvedBy: a
    expires: 31/01/2027
  - id: EXC-3
    controls: [ECS.4]
    resources: [web]
    reason: r
    owner: o
    approvedBy: a
    expires: 2027-01-31
    approver: nobody
",
    )
    .unwrap_err();
    let problems = error.problems;
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems[0].starts_with("exceptions[0] (EXC-1).controls: no control \"ECS.99\""));
    assert_eq!(
        problems[1],
        "exceptions[1] (EXC-2).expires: missing (required)"
    );
    assert_eq!(
        problems[2],
        "exceptions[2] (EXC-3).expires: \"31/01/2027\" is not a date (YYYY-MM-DD)"
    );
    assert!(problems[3].starts_with("exceptions[3] (EXC-3).approver: unknown field"));
    let duplicate = register(
        "exceptions:
  - {id: EXC-3, controls: [ECS.4], resources: [a], reason: r, owner: o, approvedBy: a, expires: 2027-01-01}
  - {id: EXC-3, controls: [ECS.5], resources: [b], reason: r, owner: o, approvedBy: a, expires: 2027-01-01}
",
    )
    .unwrap_err();
    assert_eq!(
        duplicate.problems,
        ["exceptions[1] (EXC-3).id: EXC-3 is used by an earlier entry; ids must be unique"]
    );
}

#[test]
fn a_glob_that_matches_nothing_is_a_warning() {
    let register = register(
        "exceptions:\n  - id: EXC-12\n    controls: [ECS.4]\n    resources: [cadvisor, 'payments-*']\n    \
         reason: r\n    owner: o\n    approvedBy: a\n    expires: 2027-01-31\n",
    )
    .unwrap();
    let resource = task_definition("cadvisor", json!([]));
    assert_eq!(
        unmatched_globs(&register, &identifiers(&resource)),
        ["EXC-12: resources \"payments-*\" matches no resource of the input"]
    );
}

#[test]
fn accounts_and_regions_limit_an_entry() {
    let register = register(
        "exceptions:\n  - id: EXC-12\n    controls: [ECS.4]\n    resources: [cadvisor]\n    \
         accounts: ['111122223333']\n    regions: [eu-*]\n    reason: r\n    owner: o\n    \
         approvedBy: a\n    expires: 2027-01-31\n",
    )
    .unwrap();
    let in_us = task_definition("cadvisor", json!([]));
    assert_eq!(
        decide(
            Verdict::NonCompliant,
            control("ECS.4"),
            &in_us,
            &register,
            today()
        ),
        Decision::NotExcepted
    );
    let mut in_eu = in_us.clone();
    in_eu.meta.region = Some("eu-west-1".into());
    assert!(decide(
        Verdict::NonCompliant,
        control("ECS.4"),
        &in_eu,
        &register,
        today()
    )
    .acceptance()
    .is_some());
    // A template does not say its account: an entry limited to accounts does not cover it.
    in_eu.meta.account = None;
    assert_eq!(
        decide(
            Verdict::NonCompliant,
            control("ECS.4"),
            &in_eu,
            &register,
            today()
        ),
        Decision::NotExcepted
    );
}

#[test]
fn annotations_begin_with_the_acceptance_and_stay_within_256_characters() {
    let acceptance = cadvisor("2027-06-30").entries()[0].acceptance();
    let annotation = acceptance.annotate(Some(&"Privileged containers: agent. ".repeat(20)));
    assert!(annotation.starts_with("Accepted risk EXC-12 until 2027-06-30: Privileged"));
    assert_eq!(annotation.chars().count(), 256);
    assert_eq!(
        accepted_in_annotation(&annotation),
        Some(("EXC-12".to_string(), Date::parse("2027-06-30").unwrap()))
    );
    assert_eq!(
        accepted_in_annotation("Privileged containers: agent."),
        None
    );
    assert_eq!(
        accepted_in_annotation("Accepted risk is not a thing here"),
        None
    );
}

#[test]
fn entries_expiring_soon_are_listed_soonest_first() {
    let register = register(
        "exceptions:
  - {id: LATER, controls: [ECS.4], resources: [a], reason: r, owner: o, approvedBy: a, expires: 2026-12-30}
  - {id: GONE, controls: [ECS.4], resources: [a], reason: r, owner: o, approvedBy: a, expires: 2026-12-01}
  - {id: SOON, controls: [ECS.4], resources: [a], reason: r, owner: o, approvedBy: a, expires: 2026-12-10}
  - {id: FAR, controls: [ECS.4], resources: [a], reason: r, owner: o, approvedBy: a, expires: 2027-03-01}
",
    )
    .unwrap();
    let ids: Vec<&str> = register
        .expiring_within(today(), EXPIRING_SOON_DAYS)
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(ids, ["SOON", "LATER"]);
}
