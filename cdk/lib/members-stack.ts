// The stack of the member StackSet, in centralRegion of the delegated administrator account,
// and nothing else. A StackSet operation that fails (past its failure tolerance) fails this
// stack alone: CloudFormation rolls a stack back within itself, so the central stacks (the
// functions, the gate, the aggregator), which deploy first, stay as they are.

import * as cdk from 'aws-cdk-lib';
import { aws_cloudformation as cloudformation } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Amount, EcsHardenConfig, NAMES } from './config';
import { MemberTemplate } from './member-stack';

export interface MembersStackProps extends cdk.StackProps {
  readonly config: EcsHardenConfig;
  readonly member: MemberTemplate;
}

/**
 * Where the StackSet deploys: the target OUs, narrowed to configSourceAccounts (the only
 * accounts Config may invoke the functions from, so the only ones that may get rules) or
 * without excludedAccounts.
 */
export function deploymentTargets(c: EcsHardenConfig): cloudformation.CfnStackSet.DeploymentTargetsProperty {
  const organizationalUnitIds = [...c.targetOus];
  if (c.configSourceAccounts.length > 0) {
    return { organizationalUnitIds, accounts: [...c.configSourceAccounts], accountFilterType: 'INTERSECTION' };
  }
  if (c.excludedAccounts.length > 0) {
    return { organizationalUnitIds, accounts: [...c.excludedAccounts], accountFilterType: 'DIFFERENCE' };
  }
  return { organizationalUnitIds };
}

function preferences(c: EcsHardenConfig): cloudformation.CfnStackSet.OperationPreferencesProperty {
  const op = c.stackSetOperation;
  const pick = (amount: Amount, count: string, percentage: string) =>
    amount.kind === 'count' ? { [count]: amount.value } : { [percentage]: amount.value };
  return {
    // The failure tolerance is decoupled from the concurrency: a failing account neither
    // slows nor stops the others (within the tolerance).
    concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
    ...pick(op.failureTolerance, 'failureToleranceCount', 'failureTolerancePercentage'),
    ...pick(op.maxConcurrent, 'maxConcurrentCount', 'maxConcurrentPercentage'),
    regionConcurrencyType: op.regionConcurrency,
    // One Region after the other: centralRegion first, whose stack instances create the
    // account-wide member roles.
    regionOrder:
      op.regionConcurrency === 'SEQUENTIAL'
        ? [c.centralRegion, ...c.regions.filter((r) => r !== c.centralRegion)]
        : undefined,
  };
}

export class MembersStack extends cdk.Stack {
  readonly stackSet: cloudformation.CfnStackSet;

  constructor(scope: Construct, id: string, props: MembersStackProps) {
    const c = props.config;
    super(scope, id, {
      ...props,
      env: { account: c.delegatedAdminAccount, region: c.centralRegion },
      description:
        'ecs-harden member StackSet: roles for the central Lambdas, TaskDefinition hook, RegisterTaskDefinition forwarder' +
        (c.packScope === 'stackset' ? ' and Config rules' : '') +
        ' in every account of the target OUs',
    });
    this.stackSet = new cloudformation.CfnStackSet(this, 'MemberStackSet', {
      stackSetName: NAMES.stackSet,
      description:
        'ecs-harden member accounts: roles for the central Lambdas, TaskDefinition hook, RegisterTaskDefinition forwarder' +
        (c.packScope === 'stackset' ? ', the ecs-harden conformance pack' : ''),
      permissionModel: 'SERVICE_MANAGED',
      callAs: 'DELEGATED_ADMIN',
      // Accounts that join a target OU get a stack instance (roles, hook, forwarder, rules);
      // accounts that leave lose it.
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      operationPreferences: preferences(c),
      stackInstancesGroup: [{ deploymentTargets: deploymentTargets(c), regions: [...c.regions] }],
      templateBody: props.member.body,
    });
    for (const message of props.member.messages) {
      const text = `member template ${message.path}: ${message.text}`;
      if (message.level === 'error') {
        cdk.Annotations.of(this.stackSet).addError(text);
      } else if (message.level === 'warning') {
        cdk.Annotations.of(this.stackSet).addWarningV2('ecs-harden:member-template', text);
      }
    }
    cdk.Tags.of(this).add('project', 'ecs-harden');
  }
}
