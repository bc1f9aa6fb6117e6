// Security Hub findings (`securityHubFindings`, on by default): AWS Config's compliance
// changes of the ecs-harden rules in every member account and Region travel to the central
// event bus of the Region (the bus the RegisterTaskDefinition events already use, with the
// same forwarder role), where the findings Lambda imports one ASFF finding per evaluation into
// the account that owns the resource, through the findings member role there. Security Hub
// accepts a finding of the default product only from the account it is about, so the import
// cannot be done from the central account (docs/deploy.md, "Security Hub findings").

import * as cdk from 'aws-cdk-lib';
import {
  aws_events as events,
  aws_events_targets as targets,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
} from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { EcsHardenConfig, NAMES } from './config';

/** The compliance changes of the ecs-harden rules (conformance packs add a suffix to the names). */
export const COMPLIANCE_CHANGE_PATTERN = {
  source: ['aws.config'],
  'detail-type': ['Config Rules Compliance Change'],
  detail: {
    messageType: ['ComplianceChangeNotification'],
    configRuleName: [{ prefix: 'ecs-harden-' }],
  },
};

/** The Security Hub actions of the findings Lambda, all within one account. */
export const FINDINGS_ACTIONS = {
  import: 'securityhub:BatchImportFindings',
  hub: ['securityhub:BatchUpdateFindings', 'securityhub:GetFindings'],
};

/**
 * Import into `account`'s default product only (`securityhub:TargetAccount`, the finding's
 * AwsAccountId), and update and read findings of that account's hub, in `region` (`*`: any).
 */
export function findingsStatements(partition: string, account: string, region: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ImportOwnFindings',
      actions: [FINDINGS_ACTIONS.import],
      resources: [`arn:${partition}:securityhub:${region}:${account}:product/${account}/default`],
      conditions: { StringEquals: { 'securityhub:TargetAccount': account } },
    }),
    new iam.PolicyStatement({
      sid: 'WorkflowOfOwnFindings',
      actions: FINDINGS_ACTIONS.hub,
      resources: [`arn:${partition}:securityhub:${region}:${account}:hub/default`],
    }),
  ];
}

export interface CentralFindingsProps {
  readonly config: EcsHardenConfig;
  readonly region: string;
  readonly code: lambda.Code;
  /** The bus the member accounts forward to. */
  readonly bus: events.IEventBus;
}

/** The findings Lambda of one Region of the central account, its role and its bus rule. */
export class CentralFindings extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: CentralFindingsProps) {
    super(scope, id);
    const c = props.config;
    const partition = cdk.Aws.PARTITION;
    const account = c.delegatedAdminAccount;
    this.role = new iam.Role(this, 'Role', {
      roleName: NAMES.findingsRole(props.region),
      description: 'ecs-harden findings Lambda: assume the findings member role in organization accounts, write own logs',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      maxSessionDuration: cdk.Duration.hours(1),
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeFindingsMemberRoleInOrganization',
        actions: ['sts:AssumeRole'],
        resources: [`arn:${partition}:iam::*:role/${c.findingsMemberRoleName}`],
        conditions: { StringEqualsIfExists: { 'aws:ResourceOrgID': c.organizationId } },
      }),
    );
    // The delegated administrator's own resources: the Lambda uses its own credentials there.
    for (const statement of findingsStatements(partition, account, props.region)) {
      statement.sid = `OwnAccount${statement.sid}`;
      this.role.addToPrincipalPolicy(statement);
    }
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: c.logRetentionDays,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.function = new lambda.Function(this, 'Function', {
      functionName: NAMES.findingsFunction,
      description: 'ecs-harden findings: compliance changes of the ecs-harden rules as Security Hub findings in the owning account',
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: 'bootstrap',
      code: props.code,
      memorySize: 128,
      // One event: an import, a read until Security Hub shows it, an update, and the older
      // revisions of a task definition family.
      timeout: cdk.Duration.minutes(1),
      role: iam.Role.fromRoleArn(this, 'RoleRef', this.role.roleArn, { mutable: false }),
      logGroup,
      environment: { [c.environment.memberRoleName]: c.findingsMemberRoleName },
      // The same cap as a rule function: a burst of compliance changes waits in EventBridge's
      // retries instead of taking the gate's concurrency.
      reservedConcurrentExecutions: c.ruleReservedConcurrency,
    });
    this.function.node.addDependency(this.role.node.findChild('DefaultPolicy'));
    new events.Rule(this, 'Rule', {
      eventBus: props.bus,
      ruleName: NAMES.findingsForwardRule,
      description: 'ecs-harden: compliance changes of the ecs-harden rules from the organization to the findings Lambda',
      eventPattern: {
        source: COMPLIANCE_CHANGE_PATTERN.source,
        detailType: COMPLIANCE_CHANGE_PATTERN['detail-type'],
        detail: COMPLIANCE_CHANGE_PATTERN.detail,
      },
      // Adds the Lambda permission for events.amazonaws.com with this rule's ARN as SourceArn.
      targets: [
        new targets.LambdaFunction(this.function, {
          retryAttempts: 8,
          maxEventAge: cdk.Duration.hours(2),
        }),
      ],
    });
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'sts:AssumeRole on the findings member role name in any account; the findings member roles ' +
            'trust only the central findings roles, and the accounts are unknown at synth time.',
          appliesTo: [`Resource::arn:<AWS::Partition>:iam::*:role/${c.findingsMemberRoleName}`],
        },
      ],
      true,
    );
  }
}

/**
 * The member template's part: the role the findings Lambda assumes (account-wide, made by the
 * centralRegion instance) and the rule that forwards the compliance changes of this account
 * and Region to the central bus with the existing forwarder role.
 */
export function addMemberFindings(
  scope: Construct,
  config: EcsHardenConfig,
  roleCondition: cdk.CfnCondition,
  busArn: string,
  forwardRole: iam.IRole,
): events.CfnRule {
  const partition = cdk.Aws.PARTITION;
  const account = cdk.Aws.ACCOUNT_ID;
  const role = new iam.Role(scope, 'FindingsMemberRole', {
    roleName: config.findingsMemberRoleName,
    description: "ecs-harden findings Lambda: import and update this account's Security Hub findings",
    maxSessionDuration: cdk.Duration.hours(1),
    assumedBy: new iam.CompositePrincipal(
      ...config.regions.map(
        (r) =>
          new iam.ArnPrincipal(
            `arn:${partition}:iam::${config.delegatedAdminAccount}:role/${NAMES.findingsRole(r)}`,
          ),
      ),
    ),
    inlinePolicies: {
      'ecs-harden-findings': new iam.PolicyDocument({
        statements: findingsStatements(partition, account, '*'),
      }),
    },
  });
  (role.node.defaultChild as iam.CfnRole).cfnOptions.condition = roleCondition;
  NagSuppressions.addResourceSuppressions(role, [
    {
      id: 'AwsSolutions-IAM5',
      reason: "Global role for the findings Lambdas of every Region: this account's product and hub, any Region.",
      appliesTo: [
        'Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:product/<AWS::AccountId>/default',
        'Resource::arn:<AWS::Partition>:securityhub:*:<AWS::AccountId>:hub/default',
      ],
    },
  ]);
  return new events.CfnRule(scope, 'FindingsForwardRule', {
    name: NAMES.findingsForwardRule,
    description: 'ecs-harden: compliance changes to the central findings Lambda',
    state: 'ENABLED',
    eventPattern: COMPLIANCE_CHANGE_PATTERN,
    targets: [{ id: 'ecs-harden-gate-bus', arn: busArn, roleArn: forwardRole.roleArn }],
  });
}
