// The template that the service-managed StackSet deploys to every account of the target OUs,
// in every Region of `regions`. It is synthesized by its own cdk.App (see renderMemberTemplate)
// and embedded in the central stack as the StackSet's TemplateBody.
//
// Per account (only in the stack instance of centralRegion, because IAM is global):
//   - <memberRoleName>: what the rule Lambdas assume (report to Config, read ECS);
//   - <gateMemberRoleName>: what the gate Lambda assumes (describe, deregister, tag task
//     definitions);
//   - with securityHubFindings, <findingsMemberRoleName>: what the findings Lambda assumes
//     (import and update this account's Security Hub findings).
// Per account and Region:
//   - the CloudFormation Lambda hook for AWS::ECS::TaskDefinition and its execution role;
//   - the EventBridge rule that forwards RegisterTaskDefinition API calls to the central bus,
//     and the role it uses to do so; with securityHubFindings, a second rule that forwards the
//     ecs-harden rules' compliance changes to the same bus with the same role;
//   - with packScope stackset, the conformance pack `ecs-harden`: the Config rules of this
//     account and Region, invoking the central functions of the Region. Rules and member roles
//     come from the same stack instances, so the accounts evaluated are exactly the accounts
//     that have the roles, and an account that cannot take the pack (no recorder, an SCP)
//     fails its own stack instance only.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import {
  aws_cloudformation as cloudformation,
  aws_config as config_,
  aws_events as events,
  aws_iam as iam,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { EcsHardenConfig, NAMES, TEMPLATE_BODY_LIMIT } from './config';
import { addMemberFindings } from './findings';
import { REGION_MARKER, regionParts, renderPackBody } from './pack';

/** ECS reads the rules make that IAM cannot scope to a resource (hence `*`). */
export const ECS_UNSCOPABLE_READS = [
  'ecs:ListClusters',
  'ecs:ListServices',
  'ecs:ListTaskDefinitions',
  'ecs:DescribeTaskDefinition',
  'ecs:DescribeCapacityProviders',
];

/** The event the gate handles when a task definition is registered by a direct API call. */
export const REGISTER_TASK_DEFINITION_PATTERN = {
  source: ['aws.ecs'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: {
    eventSource: ['ecs.amazonaws.com'],
    eventName: ['RegisterTaskDefinition'],
    // Failed calls (AccessDenied, validation errors) registered nothing.
    errorCode: [{ exists: false }],
  },
};

/** ARN of a role in the central account (the principal of a member-role trust policy). */
export function centralRoleArn(config: EcsHardenConfig, roleName: string): string {
  return `arn:${cdk.Aws.PARTITION}:iam::${config.delegatedAdminAccount}:role/${roleName}`;
}

export interface MemberStackProps extends cdk.StackProps {
  readonly config: EcsHardenConfig;
}

export class MemberStack extends cdk.Stack {
  readonly memberRole: iam.Role;
  readonly gateMemberRole: iam.Role;
  readonly hook: cloudformation.CfnLambdaHook;
  readonly forwardRule: events.CfnRule;
  /** With securityHubFindings: the rule that forwards compliance changes. */
  readonly findingsForwardRule?: events.CfnRule;
  /** The per-account conformance pack (packScope stackset). */
  readonly conformancePack?: config_.CfnConformancePack;

  constructor(scope: Construct, id: string, props: MemberStackProps) {
    super(scope, id, {
      ...props,
      description:
        'ecs-harden member account: roles the central ecs-harden Lambdas assume, the ' +
        'AWS::ECS::TaskDefinition Lambda hook and the RegisterTaskDefinition forwarder ' +
        '(deployed by the ecs-harden-member StackSet; do not edit here)',
      // A StackSet template: no bootstrap version parameter, no CDK metadata.
      synthesizer: new cdk.DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      analyticsReporting: false,
    });
    const config = props.config;
    const partition = cdk.Aws.PARTITION;
    const account = cdk.Aws.ACCOUNT_ID;
    const region = cdk.Aws.REGION;
    const admin = config.delegatedAdminAccount;

    // IAM is global: the account-wide roles come from one stack instance per account.
    const roleRegion = new cdk.CfnCondition(this, 'IsMemberRoleRegion', {
      expression: cdk.Fn.conditionEquals(region, config.centralRegion),
    });

    // --- The role the rule Lambdas assume -----------------------------------------------
    this.memberRole = new iam.Role(this, 'MemberRole', {
      roleName: config.memberRoleName,
      description:
        'Assumed by the ecs-harden rule Lambdas of the central account: read ECS, report evaluations to Config',
      maxSessionDuration: cdk.Duration.hours(1),
      assumedBy: new iam.CompositePrincipal(
        ...config.regions.map((r) => new iam.ArnPrincipal(centralRoleArn(config, NAMES.rulesRole(r)))),
      ),
      inlinePolicies: {
        'ecs-harden-rules': new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'ReportEvaluations',
              actions: ['config:PutEvaluations', 'config:GetResourceConfigHistory'],
              resources: ['*'],
            }),
            // Periodic runs read the account's Config inventory: types the ECS API does not
            // list (HARDEN.16's launch templates), and the ECS types the recorder records.
            new iam.PolicyStatement({
              sid: 'ReadConfigInventory',
              actions: [
                'config:ListDiscoveredResources',
                'config:BatchGetResourceConfig',
                'config:SelectResourceConfig',
              ],
              resources: ['*'],
            }),
            new iam.PolicyStatement({
              sid: 'ReadRecorder',
              actions: ['config:DescribeConfigurationRecorders', 'config:DescribeConfigurationRecorderStatus'],
              resources: [`arn:${partition}:config:*:${account}:configuration-recorder/*`],
            }),
            new iam.PolicyStatement({
              sid: 'ListAndDescribeUnscopable',
              actions: [...ECS_UNSCOPABLE_READS],
              resources: ['*'],
            }),
            new iam.PolicyStatement({
              sid: 'DescribeClustersAndServices',
              actions: ['ecs:DescribeClusters', 'ecs:DescribeServices'],
              resources: [
                `arn:${partition}:ecs:*:${account}:cluster/*`,
                `arn:${partition}:ecs:*:${account}:service/*`,
              ],
            }),
          ],
        }),
      },
    });
    (this.memberRole.node.defaultChild as iam.CfnRole).cfnOptions.condition = roleRegion;
    NagSuppressions.addResourceSuppressions(this.memberRole, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'config:PutEvaluations, config:GetResourceConfigHistory, config:ListDiscoveredResources, ' +
          'config:BatchGetResourceConfig and config:SelectResourceConfig have no resource types, ' +
          'nor do ecs:ListClusters, ecs:ListServices, ecs:ListTaskDefinitions and ' +
          'ecs:DescribeTaskDefinition (Service Authorization Reference), so they take Resource "*". ' +
          'ecs:DescribeCapacityProviders is called without names to list every provider of the ' +
          'account; it stays on "*" because IAM\'s resource for such a list-all call is not documented.',
        appliesTo: ['Resource::*'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'DescribeClusters/DescribeServices are scoped to this account\'s clusters and services in ' +
          'any Region (the role is global, the periodic rules run in every Region of the deployment); ' +
          'the names are discovered by ListClusters/ListServices at run time.',
        appliesTo: [
          'Resource::arn:<AWS::Partition>:ecs:*:<AWS::AccountId>:cluster/*',
          'Resource::arn:<AWS::Partition>:ecs:*:<AWS::AccountId>:service/*',
        ],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Config names a configuration recorder\'s ARN with an id it generates ' +
          '(configuration-recorder/<name>/<id>); the role reads only this account\'s recorders, in any ' +
          'Region of the deployment (the role is global).',
        appliesTo: ['Resource::arn:<AWS::Partition>:config:*:<AWS::AccountId>:configuration-recorder/*'],
      },
    ]);

    // --- The role the gate Lambda assumes ------------------------------------------------
    this.gateMemberRole = new iam.Role(this, 'GateMemberRole', {
      roleName: config.gateMemberRoleName,
      description:
        'Assumed by the ecs-harden gate Lambda of the central account: deregister and tag non-compliant task definitions',
      maxSessionDuration: cdk.Duration.hours(1),
      assumedBy: new iam.CompositePrincipal(
        ...config.regions.map((r) => new iam.ArnPrincipal(centralRoleArn(config, NAMES.gateRole(r)))),
      ),
      inlinePolicies: {
        'ecs-harden-gate': new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'DescribeAndDeregisterTaskDefinitions',
              actions: ['ecs:DescribeTaskDefinition', 'ecs:DeregisterTaskDefinition'],
              resources: ['*'],
            }),
            new iam.PolicyStatement({
              sid: 'TagTaskDefinitions',
              actions: ['ecs:TagResource'],
              resources: [`arn:${partition}:ecs:*:${account}:task-definition/*`],
            }),
          ],
        }),
      },
    });
    (this.gateMemberRole.node.defaultChild as iam.CfnRole).cfnOptions.condition = roleRegion;
    NagSuppressions.addResourceSuppressions(this.gateMemberRole, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'ecs:DescribeTaskDefinition and ecs:DeregisterTaskDefinition have no resource types in the ' +
          'Service Authorization Reference, so they take Resource "*".',
        appliesTo: ['Resource::*'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'ecs:TagResource is limited to task definitions of this account; the revision to tag is ' +
          'only known when the gate handles a RegisterTaskDefinition event.',
        appliesTo: ['Resource::arn:<AWS::Partition>:ecs:*:<AWS::AccountId>:task-definition/*'],
      },
    ]);

    // --- The CloudFormation Lambda hook --------------------------------------------------
    const gateArn = `arn:${partition}:lambda:${region}:${admin}:function:${NAMES.gateFunction}`;
    const hookRole = new iam.Role(this, 'GateHookRole', {
      description: 'Execution role of the ecs-harden TaskDefinition hook: invoke the central gate Lambda only',
      maxSessionDuration: cdk.Duration.hours(1),
      assumedBy: new iam.ServicePrincipal('hooks.cloudformation.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudformation:${region}:${account}:type/hook/*` },
      }),
      inlinePolicies: {
        'invoke-gate': new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'InvokeGate',
              actions: ['lambda:InvokeFunction'],
              resources: [gateArn],
            }),
          ],
        }),
      },
    });

    this.hook = new cloudformation.CfnLambdaHook(this, 'GateHook', {
      alias: NAMES.hookAlias,
      lambdaFunction: gateArn,
      executionRole: hookRole.roleArn,
      hookStatus: 'ENABLED',
      // audit: a FAILED verdict is shown as a warning and the operation goes on.
      failureMode: config.gateMode === 'enforce' ? 'FAIL' : 'WARN',
      targetOperations: ['RESOURCE'],
    });
    // The resource schema allows TargetFilters in one of two forms (oneOf): the lists below, or
    // `Targets` (one {TargetName, Action, InvocationPoint} per combination). aws-cdk-lib's
    // generated type merges the two and makes `targets` required, so the list form, the one
    // AWS's Lambda hook examples use, is set as a property override.
    this.hook.addPropertyOverride('TargetFilters', {
      Actions: ['CREATE', 'UPDATE'],
      InvocationPoints: ['PRE_PROVISION'],
      TargetNames: ['AWS::ECS::TaskDefinition'],
    });

    // --- RegisterTaskDefinition API calls → the central gate bus -----------------------
    const busArn = `arn:${partition}:events:${region}:${admin}:event-bus/${NAMES.gateBus}`;
    const ruleArn = `arn:${partition}:events:${region}:${account}:rule/${NAMES.gateForwardRule}`;
    const findingsRuleArn = `arn:${partition}:events:${region}:${account}:rule/${NAMES.findingsForwardRule}`;
    // With securityHubFindings, the compliance change rule uses the same role and bus.
    const forwardedBy = config.securityHubFindings ? [ruleArn, findingsRuleArn] : ruleArn;
    // Named (with the Region, as role names are account-wide) so that the central bus policy
    // can accept PutEvents from exactly these roles.
    const forwardRole = new iam.Role(this, 'GateForwardRole', {
      roleName: NAMES.forwardRole(region),
      description: 'Used by the ecs-harden EventBridge rule to put RegisterTaskDefinition events on the central gate bus',
      maxSessionDuration: cdk.Duration.hours(1),
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': account },
        ArnEquals: { 'aws:SourceArn': forwardedBy },
      }),
      inlinePolicies: {
        'put-gate-events': new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'PutEventsOnGateBus',
              actions: ['events:PutEvents'],
              resources: [busArn],
            }),
          ],
        }),
      },
    });
    this.forwardRule = new events.CfnRule(this, 'GateForwardRule', {
      name: NAMES.gateForwardRule,
      description: 'ecs-harden: send RegisterTaskDefinition API calls to the central gate',
      state: 'ENABLED',
      eventPattern: REGISTER_TASK_DEFINITION_PATTERN,
      targets: [{ id: 'ecs-harden-gate-bus', arn: busArn, roleArn: forwardRole.roleArn }],
    });
    if (config.securityHubFindings) {
      this.findingsForwardRule = addMemberFindings(this, config, roleRegion, busArn, forwardRole);
    }

    // --- The Config rules of this account and Region -------------------------------------
    if (config.packScope === 'stackset') {
      // The body is rendered once with a placeholder for the Region; each stack instance
      // joins the pieces with its own Region, so Config gets literal function ARNs. No
      // delivery bucket: it is optional for a conformance pack of one account.
      const body = renderPackBody({
        source: config.conformancePackSource,
        file: config.conformancePackFile,
        controls: config.controls,
        managed: config.managedRules,
        parameters: config.parameters,
        lambdaArnPrefix: `arn:${config.partition}:lambda:${REGION_MARKER}:${admin}:function:`,
      });
      const parts = regionParts(body, config.controls.length);
      this.conformancePack = new config_.CfnConformancePack(this, 'ConformancePack', {
        conformancePackName: NAMES.conformancePack,
        templateBody: cdk.Fn.join('', parts.flatMap((part, i) => (i === 0 ? [part] : [region, part]))),
      });
    }
  }
}

export interface MemberTemplate {
  /** The template as an object. */
  readonly template: Record<string, unknown>;
  /** The TemplateBody (compact JSON). */
  readonly body: string;
  /** cdk-nag and other annotations of the member stack, to be re-raised in the central stack. */
  readonly messages: ReadonlyArray<{ level: 'error' | 'warning' | 'info'; path: string; text: string }>;
}

/**
 * Synthesizes MemberStack in a cdk.App of its own (with AwsSolutions checks) and returns its
 * template. `context` is passed on so feature flags match the main app.
 */
export function renderMemberTemplate(
  config: EcsHardenConfig,
  context: Record<string, unknown> = {},
): MemberTemplate {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-harden-member-'));
  try {
    const app = new cdk.App({
      outdir,
      autoSynth: false,
      analyticsReporting: false,
      context,
      // aws:cdk:path metadata would only say where in this throwaway app a resource came from
      // (postCliContext: the CLI's CDK_CONTEXT_JSON would override `context`).
      postCliContext: { 'aws:cdk:enable-path-metadata': false },
    });
    const stack = new MemberStack(app, 'ecs-harden-member', { config });
    cdk.Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true, reports: false }));
    const assembly = app.synth();
    const artifact = assembly.getStackArtifact(stack.artifactId);
    const template = artifact.template as Record<string, unknown>;
    const body = JSON.stringify(template);
    if (Buffer.byteLength(body, 'utf8') > TEMPLATE_BODY_LIMIT) {
      throw new Error(
        `the member template is ${Buffer.byteLength(body, 'utf8')} bytes, over the ${TEMPLATE_BODY_LIMIT}-byte ` +
          'TemplateBody limit of a StackSet; upload it and use TemplateURL instead',
      );
    }
    const messages = artifact.messages.map((m) => ({
      level: m.level as 'error' | 'warning' | 'info',
      path: m.id,
      text: typeof m.entry.data === 'string' ? m.entry.data : JSON.stringify(m.entry.data),
    }));
    return { template, body, messages };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
