// Security Hub findings (securityHubFindings): the findings function and its role in the
// central stacks, the findings member role and the compliance change forwarder in the member
// template, and nothing of it when the option is off.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, NAMES, readConfig, REPO_ROOT } from '../lib/config';
import {
  ADMIN,
  asList,
  ENV,
  flat,
  Json,
  patternMatches,
  principalsOf,
  resourcesOf,
  synth,
  synthDefault,
  TEST_CONTEXT,
} from './helpers';

const REGION = String(TEST_CONTEXT.centralRegion);

/** The repository's EventBridge event of a compliance change of an ecs-harden rule. */
const COMPLIANCE_EVENT: Json = JSON.parse(
  fs.readFileSync(path.join(REPO_ROOT, 'tests', 'fixtures', 'events', 'eventbridge-config-compliance-change.json'), 'utf8'),
);

function namedRule(template: Json): [string, Json] {
  const rules = resourcesOf(template, 'AWS::Events::Rule').filter(([, r]) => r.Properties.Name === NAMES.findingsForwardRule);
  assert.equal(rules.length, 1, `one rule ${NAMES.findingsForwardRule}`);
  return rules[0];
}

function roleNamed(template: Json, name: string): [string, Json] {
  const found = resourcesOf(template, 'AWS::IAM::Role').find(
    ([, r]) => r.Properties.RoleName !== undefined && flat(r.Properties.RoleName) === name,
  );
  assert.ok(found, `no role ${name}`);
  return found;
}

/** Every Allow statement granted to a role: inline policies and attached AWS::IAM::Policy. */
function grants(template: Json, roleId: string): Json[] {
  const role = template.Resources[roleId];
  const inline = asList(role.Properties.Policies).flatMap((p: Json) => p.PolicyDocument.Statement);
  const attached = resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, p]) => asList(p.Properties.Roles).some((r: Json) => flat(r) === `\${${roleId}}`))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
  return [...inline, ...attached];
}

function matches(pattern: Json, changes: (event: Json) => void): boolean {
  const event = structuredClone(COMPLIANCE_EVENT);
  changes(event);
  return patternMatches(pattern, event);
}

describe('Security Hub findings: central stack', () => {
  const template = synthDefault().central.get(REGION);
  const [functionId, fn] = resourcesOf(template, 'AWS::Lambda::Function').find(
    ([, f]) => f.Properties.FunctionName === NAMES.findingsFunction,
  ) ?? assert.fail('no findings function');

  it('runs the findings crate with the findings member role to assume', () => {
    const p = fn.Properties;
    assert.equal(p.Code.S3Key, 'lambda/v1/arm64/findings.zip');
    assert.deepEqual(p.Architectures, ['arm64']);
    assert.equal(p.Runtime, 'provided.al2023');
    assert.equal(p.Timeout, 60);
    assert.deepEqual(p.Environment.Variables, { [ENV.memberRoleName]: 'ecs-harden-member-findings' });
    assert.equal(p.ReservedConcurrentExecutions, 5);
    const [roleId] = roleNamed(template, NAMES.findingsRole(REGION));
    assert.equal(flat(p.Role), `\${${roleId}.Arn}`);
  });

  it('takes the compliance changes of the ecs-harden rules from the central bus, and nothing else', () => {
    const [ruleId, rule] = namedRule(template);
    const p = rule.Properties;
    assert.equal(flat(p.EventBusName), `\${${resourcesOf(template, 'AWS::Events::EventBus')[0][0]}}`);
    assert.ok(patternMatches(p.EventPattern, COMPLIANCE_EVENT), 'the fixture compliance change does not match');
    assert.ok(!matches(p.EventPattern, (e) => (e.detail.configRuleName = 'required-tags')), "another rule's change matches");
    assert.ok(!matches(p.EventPattern, (e) => (e['detail-type'] = 'Config Configuration Item Change')), 'an item change matches');
    assert.ok(
      !matches(p.EventPattern, (e) => (e.detail.messageType = 'ConfigRulesEvaluationStarted')),
      'another Config message matches',
    );
    assert.deepEqual(p.Targets.map((t: Json) => flat(t.Arn)), [`\${${functionId}.Arn}`]);
    const invokers = resourcesOf(template, 'AWS::Lambda::Permission').filter(
      ([, x]) => flat(x.Properties.FunctionName) === `\${${functionId}.Arn}`,
    );
    assert.equal(invokers.length, 1);
    assert.equal(invokers[0][1].Properties.Principal, 'events.amazonaws.com');
    assert.equal(flat(invokers[0][1].Properties.SourceArn), `\${${ruleId}.Arn}`);
  });

  it('lets the findings role assume the findings member role, and import and update only its own account\'s findings', () => {
    const [roleId] = roleNamed(template, NAMES.findingsRole(REGION));
    const statements = grants(template, roleId);
    const actions = statements.flatMap((st) => asList(st.Action)).sort();
    assert.deepEqual(actions, [
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'securityhub:BatchImportFindings',
      'securityhub:BatchUpdateFindings',
      'securityhub:GetFindings',
      'sts:AssumeRole',
    ]);
    const assume = statements.find((st) => st.Action === 'sts:AssumeRole');
    assert.equal(flat(assume.Resource), 'arn:${AWS::Partition}:iam::*:role/ecs-harden-member-findings');
    const importing = statements.find((st) => st.Action === 'securityhub:BatchImportFindings');
    assert.equal(flat(importing.Resource), `arn:\${AWS::Partition}:securityhub:${REGION}:${ADMIN}:product/${ADMIN}/default`);
    assert.deepEqual(importing.Condition, { StringEquals: { 'securityhub:TargetAccount': ADMIN } });
    const hub = statements.find((st) => asList(st.Action).includes('securityhub:BatchUpdateFindings'));
    assert.equal(flat(hub.Resource), `arn:\${AWS::Partition}:securityhub:${REGION}:${ADMIN}:hub/default`);
  });
});

describe('Security Hub findings: member template', () => {
  const s = synthDefault();
  const member = s.member;

  it('creates the findings member role once per account, trusted by the central findings roles only', () => {
    const [, role] = roleNamed(member, 'ecs-harden-member-findings');
    assert.equal(role.Condition, 'IsMemberRoleRegion');
    const trust = role.Properties.AssumeRolePolicyDocument.Statement;
    assert.equal(trust.length, 1);
    assert.deepEqual(
      principalsOf(trust[0]).sort(),
      s.built.config.regions.map((r) => ['AWS', `arn:\${AWS::Partition}:iam::${ADMIN}:role/${NAMES.findingsRole(r)}`]).sort(),
    );
  });

  it('allows importing into the account\'s own default product, and the workflow of its own findings', () => {
    const [roleId] = roleNamed(member, 'ecs-harden-member-findings');
    const statements = grants(member, roleId);
    assert.equal(statements.length, 2);
    const importing = statements.find((st) => st.Action === 'securityhub:BatchImportFindings');
    assert.equal(
      flat(importing.Resource),
      'arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:product/${AWS::AccountId}/default',
    );
    assert.equal(flat(importing.Condition.StringEquals['securityhub:TargetAccount']), '${AWS::AccountId}');
    const hub = statements.find((st) => st !== importing);
    assert.deepEqual(asList(hub.Action).sort(), ['securityhub:BatchUpdateFindings', 'securityhub:GetFindings']);
    assert.equal(flat(hub.Resource), 'arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:hub/default');
  });

  it('forwards the compliance changes to the central bus with the forwarder role, which trusts both rules', () => {
    const [, rule] = namedRule(member);
    const p = rule.Properties;
    assert.equal(p.EventBusName, undefined);
    assert.ok(patternMatches(p.EventPattern, COMPLIANCE_EVENT));
    assert.equal(p.Targets.length, 1);
    assert.equal(
      flat(p.Targets[0].Arn),
      `arn:\${AWS::Partition}:events:\${AWS::Region}:${ADMIN}:event-bus/${NAMES.gateBus}`,
    );
    const roleId = flat(p.Targets[0].RoleArn).replace(/^\$\{|\.Arn\}$/g, '');
    const forward = member.Resources[roleId];
    assert.equal(flat(forward.Properties.RoleName), 'ecs-harden-gate-forward-${AWS::Region}');
    const sources = asList(forward.Properties.AssumeRolePolicyDocument.Statement[0].Condition.ArnEquals['aws:SourceArn'])
      .map(flat)
      .sort();
    assert.deepEqual(sources, [
      `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${NAMES.findingsForwardRule}`,
      `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${NAMES.gateForwardRule}`,
    ]);
  });
});

describe('Security Hub findings: the securityHubFindings switch', () => {
  it('leaves out the function, the roles and the forwarder when off', () => {
    const off = synth({ securityHubFindings: 'false', findingsMemberRoleName: 'unused-findings' });
    for (const [, template] of off.central) {
      const names = resourcesOf(template, 'AWS::Lambda::Function').map(([, f]) => f.Properties.FunctionName);
      assert.ok(!names.includes(NAMES.findingsFunction));
      assert.ok(!JSON.stringify(template).includes('securityhub:'));
    }
    assert.ok(!JSON.stringify(off.member).includes('securityhub:'));
    assert.ok(!JSON.stringify(off.member).includes(NAMES.findingsForwardRule));
    const forward = resourcesOf(off.member, 'AWS::IAM::Role').find(
      ([, r]) => r.Properties.RoleName !== undefined && flat(r.Properties.RoleName).startsWith('ecs-harden-gate-forward-'),
    ) ?? assert.fail('no forwarder role');
    assert.equal(
      flat(forward[1].Properties.AssumeRolePolicyDocument.Statement[0].Condition.ArnEquals['aws:SourceArn']),
      `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${NAMES.gateForwardRule}`,
    );
  });

  it('is on by default, and takes true or false (JSON or -c strings) only', () => {
    const read = (overrides: Record<string, unknown>) => {
      const context: Record<string, unknown> = { ...TEST_CONTEXT, ...overrides };
      return readConfig({ tryGetContext: (key: string) => context[key] });
    };
    assert.equal(read({}).securityHubFindings, true);
    assert.equal(read({ securityHubFindings: false }).securityHubFindings, false);
    assert.equal(read({ securityHubFindings: 'false' }).securityHubFindings, false);
    assert.throws(() => read({ securityHubFindings: 'maybe' }), (e: unknown) =>
      e instanceof ConfigError && /securityHubFindings: "maybe" is neither true nor false/.test((e as Error).message));
    assert.throws(() => read({ findingsMemberRoleName: 'ecs-harden-member' }), (e: unknown) =>
      e instanceof ConfigError && /findingsMemberRoleName must differ/.test((e as Error).message));
  });
});
