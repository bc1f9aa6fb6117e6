// The central stack: one per Region of `regions`, in the delegated administrator account.
// Config custom Lambda rules invoke a function in their own Region, so every Region gets its
// rule Lambdas, its organization conformance pack (packs are regional too) and its gate.
// The stack in centralRegion also holds the organization aggregator and the member StackSet.

import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import {
  aws_cloudformation as cloudformation,
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
import { CatalogueControl, EcsHardenConfig, NAMES } from './config';
import {
  ECS_UNSCOPABLE_READS,
  MemberTemplate,
  REGISTER_TASK_DEFINITION_PATTERN,
} from './member-stack';

export interface CentralStackProps extends cdk.StackProps {
  readonly config: EcsHardenConfig;
  readonly region: string;
  /** Set in the stack of centralRegion only: the StackSet's template. */
  readonly member?: MemberTemplate;
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
  readonly deliveryBucket: s3.Bucket;
  readonly conformancePack: config.CfnOrganizationConformancePack;
  readonly aggregator?: config.CfnConfigurationAggregator;
  readonly stackSet?: cloudformation.CfnStackSet;

  constructor(scope: Construct, id: string, props: CentralStackProps) {
    const c = props.config;
    super(scope, id, {
      ...props,
      env: { account: c.delegatedAdminAccount, region: props.region },
      description:
        `ecs-harden central stack (${props.region}): rule Lambdas, organization conformance pack, gate` +
        (props.member ? ', organization aggregator, member StackSet' : ''),
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
        conditions: { StringEquals: { 'aws:ResourceOrgID': c.organizationId } },
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
          ...ECS_UNSCOPABLE_READS,
        ],
        resources: ['*'],
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
        environment: { ECS_HARDEN_MEMBER_ROLE_NAME: c.memberRoleName },
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
            'organization\'s, unknown at synth time and changing; aws:ResourceOrgID limits it to ' +
            'roles of this organization.',
          appliesTo: [`Resource::arn:<AWS::Partition>:iam::*:role/${c.memberRoleName}`],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Own-account evaluations: config:PutEvaluations, config:GetResourceConfigHistory, ' +
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
        conditions: { StringEquals: { 'aws:ResourceOrgID': c.organizationId } },
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
    const gateEnvironment: Record<string, string> = {
      ECS_HARDEN_GATE_MODE: c.gateMode,
      ECS_HARDEN_MEMBER_ROLE_NAME: c.gateMemberRoleName,
    };
    // Unset means the gate's default: every High-severity task-definition control.
    if (c.gateControls.length > 0) {
      gateEnvironment.ECS_HARDEN_GATE_CONTROLS = c.gateControls.join(',');
    }
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
      environment: gateEnvironment,
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
            'sts:AssumeRole on the gate member role name in any account of the organization ' +
            '(aws:ResourceOrgID); the accounts are unknown at synth time.',
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

    // --- Organization conformance pack -----------------------------------------------------
    this.deliveryBucket = new s3.Bucket(this, 'ConformsDeliveryBucket', {
      // Config requires the awsconfigconforms prefix.
      bucketName: NAMES.deliveryBucket(account, region),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    // As AWS documents for organization conformance packs: the AWSServiceRoleForConfigConforms
    // service-linked role of every organization account reads and writes the pack template.
    const conformsRole =
      `arn:${partition}:iam::*:role/aws-service-role/config-conforms.amazonaws.com/AWSServiceRoleForConfigConforms`;
    this.deliveryBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowGetPutObject',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [this.deliveryBucket.arnForObjects('*')],
        conditions: {
          StringEquals: { 'aws:PrincipalOrgID': c.organizationId },
          ArnLike: { 'aws:PrincipalArn': conformsRole },
        },
      }),
    );
    this.deliveryBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowGetBucketAcl',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetBucketAcl'],
        resources: [this.deliveryBucket.bucketArn],
        conditions: {
          StringEquals: { 'aws:PrincipalOrgID': c.organizationId },
          ArnLike: { 'aws:PrincipalArn': conformsRole },
        },
      }),
    );
    NagSuppressions.addResourceSuppressions(this.deliveryBucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'Holds only the conformance pack template copies that Config writes through ' +
          'AWSServiceRoleForConfigConforms; no application data. A second bucket for access ' +
          'logs would itself be unlogged; use CloudTrail S3 data events if object access must be audited.',
      },
    ]);

    this.conformancePack = new config.CfnOrganizationConformancePack(this, 'OrganizationConformancePack', {
      organizationConformancePackName: NAMES.conformancePack,
      templateBody: c.conformancePackBody,
      deliveryS3Bucket: this.deliveryBucket.bucketName,
      conformancePackInputParameters: [
        {
          parameterName: 'LambdaArnPrefix',
          parameterValue: `arn:${partition}:lambda:${region}:${account}:function:`,
        },
      ],
      excludedAccounts: c.excludedAccounts.length > 0 ? [...c.excludedAccounts] : undefined,
    });
    // Config checks that it can invoke the functions when it creates the rules.
    for (const fn of this.ruleFunctions) {
      this.conformancePack.node.addDependency(fn);
    }
    // Config's service-linked roles need the bucket policy when the pack deploys.
    this.conformancePack.node.addDependency(this.deliveryBucket.policy!);

    if (props.member) {
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

      // --- Member StackSet ----------------------------------------------------------------
      this.stackSet = new cloudformation.CfnStackSet(this, 'MemberStackSet', {
        stackSetName: NAMES.stackSet,
        description:
          'ecs-harden member accounts: roles for the central Lambdas, TaskDefinition hook, RegisterTaskDefinition forwarder',
        permissionModel: 'SERVICE_MANAGED',
        callAs: 'DELEGATED_ADMIN',
        autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
        capabilities: ['CAPABILITY_NAMED_IAM'],
        managedExecution: { Active: true },
        operationPreferences: {
          regionConcurrencyType: 'PARALLEL',
          concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
          failureTolerancePercentage: 0,
          maxConcurrentPercentage: 25,
        },
        stackInstancesGroup: [
          {
            deploymentTargets: { organizationalUnitIds: [...c.targetOus] },
            regions: [...c.regions],
          },
        ],
        templateBody: props.member.body,
      });
      // IAM checks the member roles' trusted principals (the rules and gate roles of every
      // Region) when it creates them; the other Regions' stacks are dependencies of this one.
      this.stackSet.node.addDependency(this.rulesRole, this.gateRole, this.gate, this.gateBus);
      // Rules created before the member roles exist would fail their first evaluations.
      this.conformancePack.node.addDependency(this.stackSet);

      for (const message of props.member.messages) {
        const text = `member template ${message.path}: ${message.text}`;
        if (message.level === 'error') {
          cdk.Annotations.of(this.stackSet).addError(text);
        } else if (message.level === 'warning') {
          cdk.Annotations.of(this.stackSet).addWarningV2('ecs-harden:member-template', text);
        }
      }
    }

    cdk.Tags.of(this).add('project', 'ecs-harden');
  }

  /**
   * Config invokes the rule functions from every account of the organization. A Lambda
   * permission for a service principal can be narrowed only by SourceAccount or SourceArn,
   * both with literal 12-digit account ids: PrincipalOrgID becomes aws:PrincipalOrgID, which
   * is absent from a service principal's request (the permission would never let Config in),
   * aws:SourceOrgID cannot be written into an AWS::Lambda::Permission, and Lambda rejects a
   * wildcard account in SourceArn. With configSourceAccounts the functions accept Config from
   * those accounts only. Either way the organization is the boundary of what an invocation can
   * do: outside this account the functions act only through sts:AssumeRole on roles whose
   * aws:ResourceOrgID is the organization's (AssumeMemberRoleInOrganization above), so another
   * organization's Config can start a function but cannot make it read or report anything.
   * test/org-boundary.test.ts holds this.
   */
  private addConfigPermissions(fn: lambda.Function, c: EcsHardenConfig): void {
    if (c.configSourceAccounts.length === 0) {
      fn.addPermission('ConfigInvoke', {
        principal: new iam.ServicePrincipal('config.amazonaws.com'),
        action: 'lambda:InvokeFunction',
      });
      return;
    }
    for (const sourceAccount of c.configSourceAccounts) {
      fn.addPermission(`ConfigInvoke${sourceAccount}`, {
        principal: new iam.ServicePrincipal('config.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        sourceAccount,
      });
    }
  }
}
