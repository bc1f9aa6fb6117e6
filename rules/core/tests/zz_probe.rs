use ecs_harden_core::catalogue;
use ecs_harden_core::parse::{parse_text, Syntax};
use std::collections::BTreeMap;

fn run(control: &str, params: &[(&str, &str)], doc: &str, syntax: Syntax) {
    let c = catalogue::find(control).unwrap();
    let p: BTreeMap<String, String> = params
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let p = c.params_from_strings(&p).unwrap();
    for r in parse_text(doc, syntax) {
        match r {
            Ok(r) => println!("{control}: {:?}", c.evaluate(&r, &p)),
            Err(e) => println!("{control}: ERR {e}"),
        }
    }
}

#[test]
fn probe() {
    let td = |container: &str| {
        format!(
            r#"{{"Type":"AWS::ECS::TaskDefinition","Properties":{{"ContainerDefinitions":[{container}]}}}}"#
        )
    };
    run(
        "HARDEN.5",
        &[("allowedRegistries", "acme-us-east-1.jfrog.io")],
        &td(r#"{"Name":"a","Image":{"Fn::Sub":"acme-${AWS::Region}.jfrog.io/app:1"}}"#),
        Syntax::Json,
    );
    run(
        "ECS.5",
        &[],
        &td(r#"{"Name":"a","Image":"x","ReadonlyRootFilesystem":{"Ref":"AWS::NoValue"}}"#),
        Syntax::Json,
    );
    run(
        "ECS.9",
        &[],
        &td(r#"{"Name":"a","Image":"x","LogConfiguration":{"Ref":"AWS::NoValue"}}"#),
        Syntax::Json,
    );
    run("HARDEN.9", &[], "Type: AWS::ECS::TaskDefinition\nProperties:\n  ContainerDefinitions:\n    - Name: a\n      Image: x\n      Environment:\n        - Name: FEATURE_ENABLED\n          Value: true\n", Syntax::Yaml);
    run("ECS.20", &[], "Type: AWS::ECS::TaskDefinition\nProperties:\n  ContainerDefinitions:\n    - Name: a\n      Image: x\n      User: 1000\n", Syntax::Yaml);
    run(
        "ECS.8",
        &[],
        &td(
            r#"{"Name":"a","Image":"x","Environment":[{"Fn::If":["c",{"Name":"A","Value":"b"},{"Ref":"AWS::NoValue"}]},{"Name":"AWS_SECRET_ACCESS_KEY","Value":{"Ref":"S"}}]}"#,
        ),
        Syntax::Json,
    );
    run(
        "ECS.12",
        &[],
        r#"{"Type":"AWS::ECS::Cluster","Properties":{"ClusterSettings":{"Fn::If":["c",[{"Name":"containerInsights","Value":"enabled"}],{"Ref":"AWS::NoValue"}]}}}"#,
        Syntax::Json,
    );
    run(
        "ECS.12",
        &[],
        r#"{"Type":"AWS::ECS::Cluster","Properties":{"ClusterSettings":[{"Name":{"Ref":"N"},"Value":"enabled"},{"Name":"containerInsights","Value":"disabled"}]}}"#,
        Syntax::Json,
    );
    run(
        "ECS.10",
        &[],
        r#"{"Type":"AWS::ECS::Service","Properties":{"LaunchType":{"Ref":"LT"},"PlatformVersion":"1.3.0"}}"#,
        Syntax::Json,
    );
    run(
        "HARDEN.5",
        &[],
        &td(
            r#"{"Name":"a","Image":{"Fn::Sub":"${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/app:1"}}"#,
        ),
        Syntax::Json,
    );
    run(
        "HARDEN.5",
        &[],
        &td(
            r#"{"Name":"a","Image":{"Fn::Sub":"${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com:443/app:1"}}"#,
        ),
        Syntax::Json,
    );
    run(
        "ECS.4",
        &[],
        &td(r#"{"Name":"a","Image":"x","Privileged":{"Fn::Equals":["a","a"]}}"#),
        Syntax::Json,
    );
    run(
        "ECS.13",
        &[],
        r#"{"Type":"AWS::ECS::Service","Properties":{"Tags":[{"Key":"aws:x","Value":"y"},{"Fn::If":["c",{"Key":"team","Value":"x"},{"Ref":"AWS::NoValue"}]}]}}"#,
        Syntax::Json,
    );
    // hook with account
    run(
        "HARDEN.5",
        &[],
        r#"{"clientRequestToken":"t","awsAccountId":"111122223333","stackId":"arn:aws:cloudformation:us-east-1:111122223333:stack/s/x","actionInvocationPoint":"CREATE_PRE_PROVISION","requestData":{"targetName":"AWS::ECS::TaskDefinition","targetType":"AWS::ECS::TaskDefinition","targetLogicalId":"TD","targetModel":{"resourceProperties":{"ContainerDefinitions":[{"Name":"a","Image":"444455556666.dkr.ecr.us-east-1.amazonaws.com/app:1"}]}}}}"#,
        Syntax::Json,
    );
}
