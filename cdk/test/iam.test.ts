// Least privilege across every template, the embedded member template included: no wildcard
// principal without an organization condition, no wildcard actions, Resource "*" only for
// actions that have no resource types, wildcard ARNs only where they are expected.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allTemplates,
  allows,
  asList,
  flat,
  FoundStatement,
  Json,
  ORG,
  principalsOf,
  requireCfnLint,
  requireCfnLintPolicies,
  statementsOf,
  synth,
  synthDefault,
} from './helpers';

/** The repository's example register, as the `exceptions` context key names it (from cdk/). */
const EXAMPLE_REGISTER = '../schemas/exceptions.example.yaml';

/**
 * Actions that may be granted on Resource "*". All but one have no resource types in the
 * Service Authorization Reference (checked against cfn-lint's copy below);
 * ecs:DescribeCapacityProviders is called without names to list every provider.
 */
const RESOURCE_STAR_ALLOWED = new Set([
  'config:PutEvaluations',
  'config:GetResourceConfigHistory',
  'config:ListDiscoveredResources',
  'config:BatchGetResourceConfig',
  'config:SelectResourceConfig',
  'ecs:ListClusters',
  'ecs:ListServices',
  'ecs:ListTaskDefinitions',
  'ecs:DescribeTaskDefinition',
  'ecs:DeregisterTaskDefinition',
  'ecs:DescribeCapacityProviders',
]);
const LIST_ALL_CALLS = new Set(['ecs:DescribeCapacityProviders']);

/** Resource ARNs with a wildcard that are expected, with what must hold for each. */
const WILDCARD_RESOURCES: Array<{ pattern: RegExp; actions: string[]; needsResourceOrg?: boolean }> = [
  // The member roles, in any account (of the organization where STS reports it).
  { pattern: /^arn:\$\{AWS::Partition\}:iam::\*:role\/[\w+=,.@-]+$/, actions: ['sts:AssumeRole'], needsResourceOrg: true },
  // ECS resources of the role's own account, in any (member, global role) or its own Region.
  {
    pattern: /^arn:\$\{AWS::Partition\}:ecs:(\*|[a-z]{2}-[a-z]+-\d):(\$\{AWS::AccountId\}|\d{12}):(cluster|service)\/\*$/,
    actions: ['ecs:DescribeClusters', 'ecs:DescribeServices'],
  },
  {
    pattern: /^arn:\$\{AWS::Partition\}:ecs:(\*|[a-z]{2}-[a-z]+-\d):(\$\{AWS::AccountId\}|\d{12}):task-definition\/\*$/,
    actions: ['ecs:TagResource'],
  },
  // Security Hub: the member account's own default product and hub, in any Region (the
  // findings member role is global); BatchImportFindings also names the account in
  // securityhub:TargetAccount.
  {
    pattern: /^arn:\$\{AWS::Partition\}:securityhub:\*:\$\{AWS::AccountId\}:product\/\$\{AWS::AccountId\}\/default$/,
    actions: ['securityhub:BatchImportFindings'],
  },
  {
    pattern: /^arn:\$\{AWS::Partition\}:securityhub:\*:\$\{AWS::AccountId\}:hub\/default$/,
    actions: ['securityhub:BatchUpdateFindings', 'securityhub:GetFindings'],
  },
  // The organization's aggregator in the central Region, read by the rule functions for
  // HARDEN.15's roles (its ARN ends in an id Config picks).
  {
    pattern: /^arn:\$\{AWS::Partition\}:config:[a-z]{2}-[a-z]+-\d:(\$\{AWS::AccountId\}|\d{12}):config-aggregator\/\*$/,
    actions: ['config:BatchGetAggregateResourceConfig', 'config:ListAggregateDiscoveredResources'],
  },
  // The account's configuration recorders (their ARNs end in an id Config picks), read to
  // choose each type's inventory path: in any Region (member role) or its own (central).
  {
    pattern: /^arn:\$\{AWS::Partition\}:config:(\*|[a-z]{2}-[a-z]+-\d):(\$\{AWS::AccountId\}|\d{12}):configuration-recorder\/\*$/,
    actions: ['config:DescribeConfigurationRecorders', 'config:DescribeConfigurationRecorderStatus'],
  },
  // Objects of the delivery bucket (bucket policy).
  { pattern: /^\$\{ConformsDeliveryBucket\w+\.Arn\}\/\*$/, actions: ['s3:GetObject', 's3:PutObject'] },
];

function conditionValue(statement: Json, operator: string, key: string): string | undefined {
  const block = statement.Condition?.[operator];
  if (!block) return undefined;
  const entry = Object.entries(block).find(([k]) => k.toLowerCase() === key.toLowerCase());
  return entry ? flat(entry[1]) : undefined;
}

function everyStatement(): FoundStatement[] {
  const variants = [
    synthDefault(),
    synth({
      regions: ['us-east-1', 'eu-west-1'],
      gateMode: 'enforce',
      configSourceAccounts: ['111122223333'],
      exceptions: EXAMPLE_REGISTER,
    }),
  ];
  return variants.flatMap((s) => allTemplates(s).flatMap(([name, t]) => statementsOf(name, t)));
}

describe('IAM least privilege (central and member templates)', () => {
  const statements = everyStatement();

  it('finds the statements to check', () => {
    assert.ok(statements.length > 20, `only ${statements.length} statements`);
    assert.ok(statements.some((s) => s.where.startsWith('member/')), 'no statement from the member template');
  });

  it('allows a wildcard principal only within the organization', () => {
    for (const { where, statement } of statements.filter((s) => allows(s.statement))) {
      const wildcard = principalsOf(statement).some(([, v]) => v === '*');
      if (!wildcard) continue;
      assert.equal(
        conditionValue(statement, 'StringEquals', 'aws:PrincipalOrgID'),
        ORG,
        `${where}: Principal * without aws:PrincipalOrgID = ${ORG}`,
      );
    }
  });

  it('narrows every service principal of a resource policy', () => {
    for (const { where, statement } of statements.filter((s) => s.kind === 'resource' && allows(s.statement))) {
      for (const [kind, value] of principalsOf(statement)) {
        if (kind !== 'Service') continue;
        if (value === 'config.amazonaws.com') {
          // Lambda accepts only literal account ids; see CentralStack.addConfigPermissions.
          continue;
        }
        assert.ok(statement.Condition?.ArnLike?.['AWS:SourceArn'] || statement.Condition?.StringEquals?.['AWS:SourceAccount'],
          `${where}: ${value} without SourceArn/SourceAccount`);
      }
    }
  });

  it('names trusted AWS principals explicitly in trust policies', () => {
    for (const { where, statement } of statements.filter((s) => s.kind === 'trust')) {
      for (const [kind, value] of principalsOf(statement)) {
        if (kind === 'Service') continue;
        assert.equal(kind, 'AWS', where);
        assert.match(value, /^arn:\$\{AWS::Partition\}:iam::\d{12}:role\/[\w+=,.@-]+$/, `${where}: trusts ${value}`);
      }
    }
  });

  it('grants no wildcard action and no NotAction/NotResource', () => {
    for (const { where, statement } of statements.filter((s) => allows(s.statement))) {
      assert.equal(statement.NotAction, undefined, `${where}: NotAction`);
      assert.equal(statement.NotResource, undefined, `${where}: NotResource`);
      assert.equal(statement.NotPrincipal, undefined, `${where}: NotPrincipal`);
      for (const action of asList(statement.Action) as string[]) {
        assert.doesNotMatch(action, /\*/, `${where}: wildcard action ${action}`);
      }
    }
  });

  it('uses Resource "*" only for actions that cannot be scoped', () => {
    for (const { where, statement, kind } of statements.filter((s) => allows(s.statement) && s.kind === 'identity')) {
      const resources = asList(statement.Resource).map(flat);
      if (!resources.includes('*')) continue;
      assert.equal(resources.length, 1, `${where}: "*" mixed with other resources`);
      for (const action of asList(statement.Action) as string[]) {
        assert.ok(RESOURCE_STAR_ALLOWED.has(action), `${where} (${kind}): ${action} on Resource "*"`);
      }
    }
  });

  it('uses wildcard ARNs only where expected, with their conditions', () => {
    for (const { where, statement } of statements.filter((s) => allows(s.statement) && s.kind !== 'trust')) {
      for (const resource of asList(statement.Resource).map(flat)) {
        if (resource === '*' || !resource.includes('*')) continue;
        const rule = WILDCARD_RESOURCES.find((r) => r.pattern.test(resource));
        assert.ok(rule, `${where}: unexpected wildcard resource ${resource}`);
        for (const action of asList(statement.Action) as string[]) {
          assert.ok(rule.actions.includes(action), `${where}: ${action} on ${resource}`);
        }
        if (rule.needsResourceOrg) {
          assert.equal(
            conditionValue(statement, 'StringEqualsIfExists', 'aws:ResourceOrgID'),
            ORG,
            `${where}: ${resource} without aws:ResourceOrgID (IfExists)`,
          );
        }
      }
    }
  });

  it('agrees with cfn-lint\'s table: the Resource "*" actions really have no resource types', () => {
    const policies = requireCfnLintPolicies(requireCfnLint());
    for (const action of RESOURCE_STAR_ALLOWED) {
      const [service, name] = action.split(':');
      const entry = policies[service]?.Actions?.[name.toLowerCase()];
      assert.ok(entry, `${action} is unknown to cfn-lint`);
      if (LIST_ALL_CALLS.has(action)) continue;
      assert.deepEqual(entry.Resources ?? [], [], `${action} has resource types ${entry.Resources}: scope it`);
    }
    // The scoped ones do have resource types.
    for (const action of [
      'ecs:DescribeClusters', 'ecs:DescribeServices', 'ecs:TagResource', 'sts:AssumeRole', 'events:PutEvents',
      'lambda:InvokeFunction', 'securityhub:BatchImportFindings', 'securityhub:BatchUpdateFindings',
      'securityhub:GetFindings',
    ]) {
      const [service, name] = action.split(':');
      assert.ok((policies[service].Actions[name.toLowerCase()].Resources ?? []).length > 0, action);
    }
  });
});

describe('IAM: the exception register', () => {
  const regions = ['us-east-1', 'eu-west-1'];
  const s = synth({ regions, exceptions: EXAMPLE_REGISTER });

  it('lets the rule functions and the gate read the one register object of their Region, and nothing else', () => {
    for (const region of regions) {
      const statements = statementsOf(region, s.central.get(region)).filter((f) =>
        (asList(f.statement.Action) as string[]).some((a) => a.startsWith('s3:')) && allows(f.statement),
      );
      const reads = statements.filter((f) => asList(f.statement.Action).includes('s3:GetObject'));
      assert.deepEqual(
        reads.map((f) => f.where.split('/')[1]).sort(),
        statements
          .filter((f) => f.statement.Sid === 'ReadExceptionRegister')
          .map((f) => f.where.split('/')[1])
          .sort(),
      );
      assert.equal(reads.length, 2, reads.map((f) => f.where).join('\n'));
      for (const { where, statement } of reads) {
        assert.match(where, /\/(RulesRole|GateRole)DefaultPolicy/);
        assert.deepEqual(asList(statement.Action), ['s3:GetObject']);
        assert.deepEqual(asList(statement.Resource).map(flat), ['${ExceptionRegisterBucketA4647369.Arn}/exceptions.yaml']);
      }
      // The upload writes that one object; no other S3 permission is granted.
      const writes = statements.filter((f) => !asList(f.statement.Action).includes('s3:GetObject'));
      assert.equal(writes.length, 1, writes.map((f) => f.where).join('\n'));
      assert.deepEqual(asList(writes[0].statement.Action), ['s3:PutObject']);
      assert.deepEqual(asList(writes[0].statement.Resource).map(flat), ['${ExceptionRegisterBucketA4647369.Arn}/exceptions.yaml']);
    }
  });

  it('grants nothing on a register when none is deployed', () => {
    for (const [name, template] of allTemplates(synthDefault())) {
      for (const { where, statement } of statementsOf(name, template)) {
        assert.notEqual(statement.Sid, 'ReadExceptionRegister', where);
      }
    }
  });
});
