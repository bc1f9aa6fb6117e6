// The central stack: one per Region of `regions`, in the delegated administrator account.
// Config custom Lambda rules invoke a function in their own Region, so every Region gets its
// rule Lambdas and its gate. The stack in centralRegion also holds the organization
// aggregator. Nothing here depends on a member account: the member StackSet and the
// organization packs live in stacks of their own (members-stack.ts,
// organization-pack-stack.ts), so that no account or Region can roll these resources back.

import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import {
  aws_config as config,
  aws_events as events,
  aws_events_targets as targets,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { CatalogueControl, ConfigError, EcsHardenConfig, ENVIRONMENT_SIZE_LIMIT, NAMES } from './config';
import { DeployedRegister } from './exceptions';
import { CentralFindings } from './findings';
import { ECS_UNSCOPABLE_READS, REGISTER_TASK_DEFINITION_PATTERN } from './member-stack';

export interface CentralStackProps extends cdk.StackProps {
  readonly config: EcsHardenConfig;
  readonly region: string;
  /** The stack of centralRegion: it also holds the organization aggregator. */
  readonly primary: boolean;
}

/**
 * The accounts Config may invoke the rule functions from: the listed ones when
 * configSourceAccounts is set (the StackSet then deploys the rules to exactly those accounts
 * of targetOus), else every account (undefined: one permission without SourceAccount).
 */
function configSourceAccounts(c: EcsHardenConfig): readonly string[] | undefined {
  return c.configSourceAccounts.length > 0 ? c.configSourceAccounts : undefined;
}

/** `ECS.13` → `Ecs13`, `HARDEN.1` → `Harden1`: construct ids from control ids. */
export function controlConstructId(control: CatalogueControl): string {
  return control.id
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('');
}

export class CentralStack extends cdk.Stack {
  readonly ruleFunctions: lambda.Function[] = [];
  readonly gate: lambda.Function;
  readonly rulesRole: iam.Role;
  readonly gateRole: iam.Role;
  readonly gateBus: events.EventBus;
  /** With securityHubFindings: the findings Lambda, fed by the same bus. */
  readonly findings?: CentralFindings;
  readonly aggregator?: config.CfnConfigurationAggregator;
  /** With the `exceptions` context key: the register's bucket and object. */
  readonly exceptionRegister?: DeployedRegister;

  constructor(scope: Construct, id: string, props: CentralStackProps) {
    const c = props.config;
    super(scope, id, {
      ...props,
      env: { account: c.delegatedAdminAccount, region: props.region },
      description:
        `ecs-harden central stack (${props.region}): rule Lambdas, gate` +
        (props.primary ? ', organization aggregator' : ''),
    });
    const partition = cdk.Aws.PARTITION;
    const account = c.delegatedAdminAccount;
    const region = props.region;

    // --- Lambda code ----------------------------------------------------------------------
    const codeBucket =
      c.code.kind === 's3'
        ? s3.Bucket.fromBucketName(
            this,
            'LambdaCodeBucket',
            c.code.bucket.replaceAll('{region}', region).replaceAll('{account}', account),
          )
        : undefined;
    const codeFor = (crate: string): lambda.Code =>
      c.code.kind === 'zip'
        ? lambda.Code.fromAsset(path.join(c.code.dir, `${crate}.zip`))
        : lambda.Code.fromBucket(codeBucket!, `${c.code.keyPrefix}${crate}.zip`);
    if (codeBucket) {
      cdk.Annotations.of(this).acknowledgeWarning(
        '@aws-cdk/aws-lambda:codeFromBucketObjectVersionNotSpecified',
        'S3 code is addressed by key: publish each build under a new codeKeyPrefix (docs/deploy.md)',
      );
    }
    if (c.codeNotice) {
      cdk.Annotations.of(this).addWarningV2('ecs-harden:lambda-code', c.codeNotice);
    }

    // --- Rule Lambdas -----------------------------------------------------------------
    // Which member roles a function may assume is decided by the member roles' trust policies,
    // which name the central rules and gate roles only. The statements below add
    // aws:ResourceOrgID with an ...IfExists operator: AWS's list of global condition keys does
    // not document the key for sts:AssumeRole, and a plain StringEquals on a key that is
    // absent from the request would deny every AssumeRole, and so every evaluation outside
    // this account; where the key is present it still keeps the functions inside the
    // organization.
    // One execution role for the rule functions of this Region, with a fixed name: the member
    // role's trust policy names it, and a list of one role per function and Region would not
    // fit IAM's 2,048-character trust policy limit.
    this.rulesRole = new iam.Role(this, 'RulesRole', {
      roleName: NAMES.rulesRole(region),
      description: 'ecs-harden rule Lambdas: assume the member role in organization accounts, write own logs',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      maxSessionDuration: cdk.Duration.hours(1),
    });
    this.rulesRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeMemberRoleInOrganization',
        actions: ['sts:AssumeRole'],
        resources: [`arn:${partition}:iam::*:role/${c.memberRoleName}`],
        conditions: { StringEqualsIfExists: { 'aws:ResourceOrgID': c.organizationId } },
      }),
    );
    // The delegated administrator account is an organization account too: Config invokes the
    // rules for its resources, and the Lambda uses its own credentials there instead of
    // assuming a role (rules/aws/src/accounts.rs, `clients_for`). Same actions as the member
    // role, in this account only.
    this.rulesRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnAccountReportAndListUnscopable',
        actions: [
          'config:PutEvaluations',
          'config:GetResourceConfigHistory',
          'config:ListDiscoveredResources',
          'config:BatchGetResourceConfig',
          'config:SelectResourceConfig',
          ...ECS_UNSCOPABLE_READS,
        ],
        resources: ['*'],
      }),
    );
    // Periodic runs read what the account's recorder records, to take the ECS types it
    // records from Config's record (SelectResourceConfig) and the others from the ECS API.
    this.rulesRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnAccountReadRecorder',
        actions: ['config:DescribeConfigurationRecorders', 'config:DescribeConfigurationRecorderStatus'],
        resources: [`arn:${partition}:config:${region}:${account}:configuration-recorder/*`],
      }),
    );
    // Task roles (HARDEN.15) are read from the organization's aggregator in centralRegion:
    // IAM is global, recorded in one Region of each account.
    this.rulesRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadRolesThroughTheAggregator',
        actions: [
          'config:ListAggregateDiscoveredResources',
          'config:BatchGetAggregateResourceConfig',
        ],
        resources: [
          `arn:${partition}:config:${c.centralRegion}:${account}:config-aggregator/*`,
        ],
      }),
    );
    this.rulesRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnAccountDescribeClustersAndServices',
        actions: ['ecs:DescribeClusters', 'ecs:DescribeServices'],
        resources: [
          `arn:${partition}:ecs:${region}:${account}:cluster/*`,
          `arn:${partition}:ecs:${region}:${account}:service/*`,
        ],
      }),
    );

    // The functions get the role as an immutable import: lambda.Function makes its resource
    // depend on every resource under a Role construct it is given (the role, which the
    // GetAtt already orders, and its policy), which cfn-lint reports as redundant (W3005).
    // The DependsOn that matters, on the policy, is added explicitly below.
    const rulesRoleRef = iam.Role.fromRoleArn(this, 'RulesRoleRef', this.rulesRole.roleArn, {
      mutable: false,
    });
    const ruleLogGroups: logs.LogGroup[] = [];
    for (const control of c.controls) {
      const cid = controlConstructId(control);
      const logGroup = new logs.LogGroup(this, `${cid}Logs`, {
        retention: c.logRetentionDays,
        removalPolicy: cdk.RemovalPolicy.RETAIN,
      });
      ruleLogGroups.push(logGroup);
      const fn = new lambda.Function(this, `${cid}Function`, {
        // The pack's SourceIdentifier is ${LambdaArnPrefix}<ruleName>.
        functionName: control.ruleName,
        description: `ecs-harden ${control.id} (${control.severity}): ${control.title}`.slice(0, 256),
        runtime: lambda.Runtime.PROVIDED_AL2023,
        architecture: lambda.Architecture.ARM_64,
        handler: 'bootstrap',
        code: codeFor(control.crate),
        memorySize: 128,
        // Periodic runs list and describe every resource of an account.
        timeout: cdk.Duration.minutes(5),
        role: rulesRoleRef,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        environment: ruleEnvironmentOf(c),
        // A cap, so that 26 functions cannot take the account's concurrency from the gate and
        // other workloads. Each rule also runs periodically over every resource, which makes
        // up for a change evaluation lost to throttling.
        reservedConcurrentExecutions: c.ruleReservedConcurrency,
      });
      fn.node.addDependency(this.rulesRole.node.findChild('DefaultPolicy'));
      cdk.Tags.of(fn).add('ecs-harden:control', control.id);
      this.addConfigPermissions(fn, c);
      this.ruleFunctions.push(fn);
    }
    this.rulesRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: ruleLogGroups.map((g) => g.logGroupArn),
      }),
    );
    NagSuppressions.addResourceSuppressions(
      this.rulesRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'sts:AssumeRole on the member role name in any account: the accounts are the ' +
            'organization\'s, unknown at synth time and changing; the member roles trust only the ' +
            'central roles, and aws:ResourceOrgID (where present) keeps it within the organization.',
          appliesTo: [`Resource::arn:<AWS::Partition>:iam::*:role/${c.memberRoleName}`],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Config names a configuration recorder\'s ARN with an id it generates ' +
            '(configuration-recorder/<name>/<id>); the rules read only this account\'s recorders in this Region.',
          appliesTo: [`Resource::arn:<AWS::Partition>:config:${region}:${account}:configuration-recorder/*`],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Config names an aggregator\'s ARN with an id it generates (config-aggregator/config-aggregator-…); ' +
            'the rules read only this account\'s aggregators in centralRegion, where ecs-harden creates one.',
          appliesTo: [
            `Resource::arn:<AWS::Partition>:config:${c.centralRegion}:${account}:config-aggregator/*`,
          ],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Own-account evaluations: config:PutEvaluations, config:GetResourceConfigHistory, ' +
            'config:ListDiscoveredResources, config:BatchGetResourceConfig, config:SelectResourceConfig, ' +
            'ecs:ListClusters, ecs:ListServices, ecs:ListTaskDefinitions and ' +
            'ecs:DescribeTaskDefinition have no resource types; ecs:DescribeCapacityProviders is a ' +
            'list-all call (no names).',
          appliesTo: ['Resource::*'],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "Own-account periodic runs describe this Region's clusters and services, whose names " +
            'ListClusters/ListServices return at run time.',
          appliesTo: [
            `Resource::arn:<AWS::Partition>:ecs:${region}:${account}:cluster/*`,
            `Resource::arn:<AWS::Partition>:ecs:${region}:${account}:service/*`,
          ],
        },
      ],
      true,
    );

    // --- Gate ----------------------------------------------------------------------------
    this.gateRole = new iam.Role(this, 'GateRole', {
      roleName: NAMES.gateRole(region),
      description: 'ecs-harden gate Lambda: assume the gate member role in organization accounts, write own logs',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      maxSessionDuration: cdk.Duration.hours(1),
    });
    this.gateRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeGateMemberRoleInOrganization',
        actions: ['sts:AssumeRole'],
        resources: [`arn:${partition}:iam::*:role/${c.gateMemberRoleName}`],
        conditions: { StringEqualsIfExists: { 'aws:ResourceOrgID': c.organizationId } },
      }),
    );
    this.gateRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnAccountDescribeAndDeregister',
        actions: ['ecs:DescribeTaskDefinition', 'ecs:DeregisterTaskDefinition'],
        resources: ['*'],
      }),
    );
    this.gateRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnAccountTagTaskDefinitions',
        actions: ['ecs:TagResource'],
        resources: [`arn:${partition}:ecs:${region}:${account}:task-definition/*`],
      }),
    );
    const gateLogs = new logs.LogGroup(this, 'GateLogs', {
      retention: c.logRetentionDays,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    const gateEnvironment = gateEnvironmentOf(c);
    this.gate = new lambda.Function(this, 'GateFunction', {
      functionName: NAMES.gateFunction,
      description: `ecs-harden gate (${c.gateMode}): CloudFormation hook and RegisterTaskDefinition responder for task definitions`,
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: 'bootstrap',
      code: codeFor(NAMES.gateCrate),
      memorySize: 128,
      // A hook waits at most 30 seconds for its Lambda.
      timeout: cdk.Duration.seconds(30),
      role: iam.Role.fromRoleArn(this, 'GateRoleRef', this.gateRole.roleArn, { mutable: false }),
      logGroup: gateLogs,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: gateEnvironment,
      // The hooks of every account wait on the gate in enforce mode: it keeps its own
      // concurrency, which the rule functions cannot take.
      reservedConcurrentExecutions: c.gateReservedConcurrency,
    });
    this.gateRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [gateLogs.logGroupArn],
      }),
    );
    this.gate.node.addDependency(this.gateRole.node.findChild('DefaultPolicy'));
    // The hooks of the member accounts invoke the gate with their execution roles, which live
    // in accounts unknown at synth time. A Lambda permission cannot name a role pattern, so:
    // any principal of the organization (Principal "*" with PrincipalOrgID, which Lambda
    // accepts for AWS principals only, not for service principals).
    this.gate.addPermission('OrganizationHookInvoke', {
      principal: new iam.OrganizationPrincipal(c.organizationId),
      action: 'lambda:InvokeFunction',
    });
    NagSuppressions.addResourceSuppressions(
      this.gateRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'sts:AssumeRole on the gate member role name in any account; the gate member roles trust ' +
            'only the central gate roles, and the accounts are unknown at synth time.',
          appliesTo: [`Resource::arn:<AWS::Partition>:iam::*:role/${c.gateMemberRoleName}`],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Own-account gate actions: ecs:DescribeTaskDefinition and ecs:DeregisterTaskDefinition ' +
            'have no resource types in the Service Authorization Reference.',
          appliesTo: ['Resource::*'],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'ecs:TagResource on task definitions of this account and Region; the revision is known ' +
            'only when an event arrives.',
          appliesTo: [`Resource::arn:<AWS::Partition>:ecs:${region}:${account}:task-definition/*`],
        },
      ],
      true,
    );

    // The member accounts' EventBridge rules put RegisterTaskDefinition events on this bus.
    this.gateBus = new events.EventBus(this, 'GateBus', { eventBusName: NAMES.gateBus });
    this.gateBus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OrganizationForwardRoles',
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.gateBus.eventBusArn],
        conditions: {
          StringEquals: { 'aws:PrincipalOrgID': c.organizationId },
          ArnLike: { 'aws:PrincipalArn': `arn:${partition}:iam::*:role/${NAMES.forwardRole(region)}` },
        },
      }),
    );
    new events.Rule(this, 'GateRule', {
      eventBus: this.gateBus,
      ruleName: NAMES.gateForwardRule,
      description: 'ecs-harden: RegisterTaskDefinition API calls from the organization to the gate Lambda',
      eventPattern: {
        source: REGISTER_TASK_DEFINITION_PATTERN.source,
        detailType: REGISTER_TASK_DEFINITION_PATTERN['detail-type'],
        detail: REGISTER_TASK_DEFINITION_PATTERN.detail,
      },
      // Adds the Lambda permission for events.amazonaws.com with this rule's ARN as SourceArn.
      targets: [
        new targets.LambdaFunction(this.gate, {
          retryAttempts: 8,
          maxEventAge: cdk.Duration.hours(2),
        }),
      ],
    });

    if (c.securityHubFindings) {
      this.findings = new CentralFindings(this, 'Findings', {
        config: c,
        region,
        code: codeFor(NAMES.findingsCrate),
        bus: this.gateBus,
      });
    }

    // --- Exception register: read by the rule functions and the gate ------------------------
    if (c.exceptions) {
      this.exceptionRegister = new DeployedRegister(this, 'ExceptionRegister', {
        register: c.exceptions,
        readers: [this.rulesRole, this.gateRole],
        functions: [...this.ruleFunctions, this.gate],
        variable: c.environment.exceptions,
        logRetention: c.logRetentionDays,
      });
    }

    if (props.primary) {
      // --- Organization aggregator -------------------------------------------------------
      const aggregatorRole = new iam.Role(this, 'AggregatorRole', {
        description: 'ecs-harden organization Config aggregator',
        assumedBy: new iam.ServicePrincipal('config.amazonaws.com'),
        managedPolicies: [
          iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSConfigRoleForOrganizations'),
        ],
        maxSessionDuration: cdk.Duration.hours(1),
      });
      NagSuppressions.addResourceSuppressions(aggregatorRole, [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            'AWSConfigRoleForOrganizations is the policy AWS provides for organization aggregators ' +
            '(organizations:ListAccounts, DescribeOrganization, ListAWSServiceAccessForOrganization, ' +
            'ListDelegatedAdministrators); AWS keeps it current as the API changes.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSConfigRoleForOrganizations'],
        },
      ]);
      this.aggregator = new config.CfnConfigurationAggregator(this, 'OrganizationAggregator', {
        configurationAggregatorName: NAMES.aggregator,
        organizationAggregationSource: {
          allAwsRegions: true,
          roleArn: aggregatorRole.roleArn,
        },
      });
    }

    cdk.Tags.of(this).add('project', 'ecs-harden');
  }

  /**
   * Config checks that it may invoke a rule's function when it creates the rule in an
   * account, and invokes it from that account afterwards. A Lambda permission for a service
   * principal can be narrowed only by SourceAccount or SourceArn, both with literal 12-digit
   * account ids: PrincipalOrgID becomes aws:PrincipalOrgID, which is absent from a service
   * principal's request (the permission would never let Config in), aws:SourceOrgID cannot be
   * written into an AWS::Lambda::Permission, and Lambda rejects a wildcard account in
   * SourceArn. So the permissions cover exactly the accounts the rules reach: every account
   * when the rules follow the StackSet or the organization (one permission without
   * SourceAccount), or the accounts of configSourceAccounts, which are then the only accounts
   * the StackSet deploys the rules to. Outside this account the functions act only through
   * sts:AssumeRole on the member roles, which trust the central roles only, so another
   * organization's Config can start a function but cannot make it read or report anything in
   * this organization. test/permissions.test.ts and test/org-boundary.test.ts hold this.
   */
  private addConfigPermissions(fn: lambda.Function, c: EcsHardenConfig): void {
    const accounts = configSourceAccounts(c);
    if (accounts === undefined) {
      fn.addPermission('ConfigInvoke', {
        principal: new iam.ServicePrincipal('config.amazonaws.com'),
        action: 'lambda:InvokeFunction',
      });
      return;
    }
    for (const sourceAccount of accounts) {
      fn.addPermission(`ConfigInvoke${sourceAccount}`, {
        principal: new iam.ServicePrincipal('config.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        sourceAccount,
      });
    }
  }
}

/**
 * The rule functions' environment: the member role, the organization's aggregator (where
 * task roles are read), and the gate's controls and parameters (what a service's running
 * revision must pass, HARDEN.14).
 */
export function ruleEnvironmentOf(c: EcsHardenConfig): Record<string, string> {
  const environment: Record<string, string> = {
    [c.environment.memberRoleName]: c.memberRoleName,
    [c.environment.aggregator]: `${c.centralRegion}/${NAMES.aggregator}`,
    [c.environment.parameters]: JSON.stringify(c.parameters),
  };
  if (c.gateControls.length > 0) {
    environment[c.environment.gateControls] = c.gateControls.join(',');
  }
  return environment;
}

/**
 * The gate's environment, named as the Lambdas' contract (catalogue.json) names it: mode,
 * member role, the parameter map the packs' InputParameters are made from, and the controls
 * (unset: the gate's default, every High-severity task definition control).
 */
export function gateEnvironmentOf(c: EcsHardenConfig): Record<string, string> {
  const environment: Record<string, string> = {
    [c.environment.gateMode]: c.gateMode,
    [c.environment.memberRoleName]: c.gateMemberRoleName,
    [c.environment.parameters]: JSON.stringify(c.parameters),
  };
  if (c.gateControls.length > 0) {
    environment[c.environment.gateControls] = c.gateControls.join(',');
  }
  const size = Object.entries(environment).reduce(
    (total, [name, value]) => total + Buffer.byteLength(name) + Buffer.byteLength(value),
    0,
  );
  if (size > ENVIRONMENT_SIZE_LIMIT) {
    throw new ConfigError(
      `parameters: the gate's environment would be ${size} bytes, over Lambda's ${ENVIRONMENT_SIZE_LIMIT}-byte limit; ` +
        'set fewer parameters or shorter values',
    );
  }
  return environment;
}
