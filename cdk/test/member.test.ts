// The member template (the StackSet's TemplateBody): roles, hook, forwarder.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NAMES } from '../lib/config';
import {
  ADMIN,
  asList,
  flat,
  Json,
  patternMatches,
  principalsOf,
  readRegisterEvent,
  resourcesOf,
  synth,
  synthDefault,
} from './helpers';

function roleNamed(template: Json, name: string): [string, Json] {
  const found = resourcesOf(template, 'AWS::IAM::Role').find(([, r]) => r.Properties.RoleName === name);
  assert.ok(found, `no role ${name}`);
  return found;
}

function actionsOf(role: Json): string[] {
  return role.Properties.Policies.flatMap((p: Json) =>
    p.PolicyDocument.Statement.flatMap((s: Json) => asList(s.Action)),
  ).sort();
}

describe('member template: roles for the central Lambdas', () => {
  const s = synthDefault();
  const member = s.member;

  it('creates the account-wide roles only in the stack instance of centralRegion', () => {
    const condition = member.Conditions.IsMemberRoleRegion;
    assert.deepEqual(condition, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, s.built.config.centralRegion] });
    for (const name of ['ecs-harden-member', 'ecs-harden-member-gate']) {
      assert.equal(roleNamed(member, name)[1].Condition, 'IsMemberRoleRegion');
    }
  });

  it('lets only the central rules roles assume the member role', () => {
    const [, role] = roleNamed(member, 'ecs-harden-member');
    const statements = role.Properties.AssumeRolePolicyDocument.Statement;
    assert.equal(statements.length, 1);
    assert.equal(statements[0].Action, 'sts:AssumeRole');
    assert.deepEqual(
      principalsOf(statements[0]).sort(),
      s.built.config.regions.map((r) => ['AWS', `arn:\${AWS::Partition}:iam::${ADMIN}:role/${NAMES.rulesRole(r)}`]).sort(),
    );
  });

  it('lets only the central gate roles assume the gate member role', () => {
    const [, role] = roleNamed(member, 'ecs-harden-member-gate');
    const statements = role.Properties.AssumeRolePolicyDocument.Statement;
    assert.equal(statements.length, 1);
    assert.deepEqual(
      principalsOf(statements[0]).sort(),
      s.built.config.regions.map((r) => ['AWS', `arn:\${AWS::Partition}:iam::${ADMIN}:role/${NAMES.gateRole(r)}`]).sort(),
    );
  });

  it('trusts role names that the central stacks really create', () => {
    for (const [region, t] of s.central) {
      const names = resourcesOf(t, 'AWS::IAM::Role').map(([, r]) => r.Properties.RoleName);
      assert.ok(names.includes(NAMES.rulesRole(region)), region);
      assert.ok(names.includes(NAMES.gateRole(region)), region);
    }
  });

  it('gives the member role exactly the rule Lambdas\' calls', () => {
    assert.deepEqual(actionsOf(roleNamed(member, 'ecs-harden-member')[1]), [
      'config:BatchGetResourceConfig',
      'config:DescribeConfigurationRecorderStatus',
      'config:DescribeConfigurationRecorders',
      'config:GetResourceConfigHistory',
      'config:ListDiscoveredResources',
      'config:PutEvaluations',
      'config:SelectResourceConfig',
      'ecs:DescribeCapacityProviders',
      'ecs:DescribeClusters',
      'ecs:DescribeServices',
      'ecs:DescribeTaskDefinition',
      'ecs:ListClusters',
      'ecs:ListServices',
      'ecs:ListTaskDefinitions',
    ]);
  });

  it('gives the gate member role exactly the gate\'s calls, tagging on task definitions only', () => {
    const [, role] = roleNamed(member, 'ecs-harden-member-gate');
    assert.deepEqual(actionsOf(role), ['ecs:DeregisterTaskDefinition', 'ecs:DescribeTaskDefinition', 'ecs:TagResource']);
    const tag = role.Properties.Policies[0].PolicyDocument.Statement.find((st: Json) => st.Action === 'ecs:TagResource');
    assert.equal(flat(tag.Resource), 'arn:${AWS::Partition}:ecs:*:${AWS::AccountId}:task-definition/*');
  });

  it('names each member role after the context', () => {
    const t = synth({ memberRoleName: 'org-ecs-reader', gateMemberRoleName: 'org-ecs-gate' });
    roleNamed(t.member, 'org-ecs-reader');
    roleNamed(t.member, 'org-ecs-gate');
    for (const [, c] of t.central) {
      const policies = resourcesOf(c, 'AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
      const assumed = policies.filter((st: Json) => st.Action === 'sts:AssumeRole').map((st: Json) => flat(st.Resource)).sort();
      assert.deepEqual(assumed, [
        'arn:${AWS::Partition}:iam::*:role/org-ecs-gate',
        'arn:${AWS::Partition}:iam::*:role/org-ecs-reader',
        'arn:${AWS::Partition}:iam::*:role/org-ecs-reader-findings',
      ]);
    }
  });
});

describe('member template: CloudFormation Lambda hook', () => {
  const member = synthDefault().member;
  const hooks = resourcesOf(member, 'AWS::CloudFormation::LambdaHook');

  it('targets AWS::ECS::TaskDefinition before CREATE and UPDATE only', () => {
    assert.equal(hooks.length, 1);
    const p = hooks[0][1].Properties;
    assert.deepEqual(p.TargetOperations, ['RESOURCE']);
    assert.deepEqual(p.TargetFilters, {
      Actions: ['CREATE', 'UPDATE'],
      InvocationPoints: ['PRE_PROVISION'],
      TargetNames: ['AWS::ECS::TaskDefinition'],
    });
    assert.equal(p.HookStatus, 'ENABLED');
    assert.equal(p.Alias, NAMES.hookAlias);
  });

  it('invokes the central gate of its own Region through a role that may do nothing else', () => {
    const p = hooks[0][1].Properties;
    const gateArn = `arn:\${AWS::Partition}:lambda:\${AWS::Region}:${ADMIN}:function:${NAMES.gateFunction}`;
    assert.equal(flat(p.LambdaFunction), gateArn);
    const roleId = flat(p.ExecutionRole).replace(/^\$\{|\.Arn\}$/g, '');
    const role = member.Resources[roleId];
    const trust = role.Properties.AssumeRolePolicyDocument.Statement;
    assert.equal(trust.length, 1);
    assert.deepEqual(trust[0].Principal, { Service: 'hooks.cloudformation.amazonaws.com' });
    assert.equal(flat(trust[0].Condition.StringEquals['aws:SourceAccount']), '${AWS::AccountId}');
    const statements = role.Properties.Policies.flatMap((x: Json) => x.PolicyDocument.Statement);
    assert.equal(statements.length, 1);
    assert.equal(statements[0].Action, 'lambda:InvokeFunction');
    assert.equal(flat(statements[0].Resource), gateArn);
  });

  it('warns in audit mode and fails in enforce mode', () => {
    assert.equal(hooks[0][1].Properties.FailureMode, 'WARN');
    const enforced = synth({ gateMode: 'enforce' }).member;
    const [, hook] = resourcesOf(enforced, 'AWS::CloudFormation::LambdaHook')[0];
    assert.equal(hook.Properties.FailureMode, 'FAIL');
  });
});

describe('member template: RegisterTaskDefinition forwarder', () => {
  const member = synthDefault().member;
  const rules = resourcesOf(member, 'AWS::Events::Rule').filter(([, r]) => r.Properties.Name === NAMES.gateForwardRule);

  it('matches the RegisterTaskDefinition event of the fixtures on the default bus, and only a successful one', () => {
    assert.equal(rules.length, 1);
    const p = rules[0][1].Properties;
    assert.equal(p.EventBusName, undefined);
    assert.equal(p.State, 'ENABLED');
    const event = readRegisterEvent();
    assert.ok(patternMatches(p.EventPattern, event), 'the fixture RegisterTaskDefinition event does not match');
    assert.ok(
      !patternMatches(p.EventPattern, { ...event, detail: { ...event.detail, errorCode: 'ClientException' } }),
      'a failed call (errorCode set) matches',
    );
    assert.ok(
      !patternMatches(p.EventPattern, { ...event, source: 'aws.ec2', detail: { ...event.detail, eventSource: 'ec2.amazonaws.com' } }),
      'another service\'s call matches',
    );
  });

  it('sends them to the central gate bus with a role that may only put events there', () => {
    const p = rules[0][1].Properties;
    const busArn = `arn:\${AWS::Partition}:events:\${AWS::Region}:${ADMIN}:event-bus/${NAMES.gateBus}`;
    assert.equal(p.Targets.length, 1);
    assert.equal(flat(p.Targets[0].Arn), busArn);
    const roleId = flat(p.Targets[0].RoleArn).replace(/^\$\{|\.Arn\}$/g, '');
    const role = member.Resources[roleId];
    assert.equal(flat(role.Properties.RoleName), 'ecs-harden-gate-forward-${AWS::Region}');
    assert.deepEqual(role.Properties.AssumeRolePolicyDocument.Statement.map((st: Json) => st.Principal), [
      { Service: 'events.amazonaws.com' },
    ]);
    const statements = role.Properties.Policies.flatMap((x: Json) => x.PolicyDocument.Statement);
    assert.equal(statements.length, 1);
    assert.equal(statements[0].Action, 'events:PutEvents');
    assert.equal(flat(statements[0].Resource), busArn);
  });
});
