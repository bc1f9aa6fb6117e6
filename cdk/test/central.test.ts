// The central stack: functions from the catalogue, Config permissions, gate, bus,
// aggregator; and the members stack's StackSet.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { NAMES } from '../lib/config';
import {
  CATALOGUE,
  ENV,
  flat,
  Json,
  ORG,
  patternMatches,
  readRegisterEvent,
  resourcesOf,
  synth,
  synthDefault,
  stackDependencies,
  TEST_CONTEXT,
  tempDir,
} from './helpers';

const REGION = String(TEST_CONTEXT.centralRegion);

function functions(template: Json): Array<[string, Json]> {
  return resourcesOf(template, 'AWS::Lambda::Function');
}

/** The bus rule that routes RegisterTaskDefinition events to the gate. */
function gateRuleOf(template: Json): [string, Json] {
  const rules = resourcesOf(template, 'AWS::Events::Rule').filter(([, r]) => r.Properties.Name === NAMES.gateForwardRule);
  assert.equal(rules.length, 1);
  return rules[0];
}

function functionByName(template: Json, name: string): [string, Json] {
  const found = functions(template).find(([, f]) => f.Properties.FunctionName === name);
  assert.ok(found, `no function ${name}`);
  return found;
}

describe('central stack: Lambda functions', () => {
  const template = synthDefault().central.get(REGION);

  it('has one function per catalogue control plus the gate and the findings function, and no other function', () => {
    assert.equal(functions(template).length, CATALOGUE.length + 2);
    const names = functions(template).map(([, f]) => f.Properties.FunctionName).sort();
    assert.deepEqual(names, [...CATALOGUE.map((c) => c.ruleName), NAMES.gateFunction, NAMES.findingsFunction].sort());
    // No CDK-internal functions (log retention, auto-delete, custom resources).
    assert.equal(resourcesOf(template, 'AWS::CloudFormation::CustomResource').length, 0);
    assert.equal(Object.values(template.Resources).filter((r: Json) => r.Type.startsWith('Custom::')).length, 0);
  });

  it('runs every function as arm64 provided.al2023 with handler bootstrap', () => {
    for (const [id, f] of functions(template)) {
      assert.deepEqual(f.Properties.Architectures, ['arm64'], id);
      assert.equal(f.Properties.Runtime, 'provided.al2023', id);
      assert.equal(f.Properties.Handler, 'bootstrap', id);
    }
  });

  it('configures the rule functions: code per crate, memory, timeout, member role, own log group', () => {
    for (const control of CATALOGUE) {
      const [id, f] = functionByName(template, control.ruleName);
      const p = f.Properties;
      assert.equal(p.MemorySize, 128, id);
      assert.equal(p.Timeout, 300, id);
      assert.deepEqual(
        p.Environment.Variables,
        {
          [ENV.memberRoleName]: 'ecs-harden-member',
          [ENV.aggregator]: `${REGION}/${NAMES.aggregator}`,
          [ENV.parameters]: '{}',
        },
        id,
      );
      assert.equal(p.Code.S3Bucket, `ecs-harden-test-artifacts-${REGION}`, id);
      assert.equal(p.Code.S3Key, `lambda/v1/arm64/${control.crate}.zip`, id);
      const logGroupId = flat(p.LoggingConfig.LogGroup).replace(/^\$\{|\}$/g, '');
      const logGroup = template.Resources[logGroupId];
      assert.equal(logGroup?.Type, 'AWS::Logs::LogGroup', id);
      assert.equal(logGroup.Properties.RetentionInDays, 90, id);
      assert.equal(logGroup.DeletionPolicy, 'Retain', id);
    }
  });

  it('names the rules role so that the member template can trust it', () => {
    const roles = resourcesOf(template, 'AWS::IAM::Role').filter(([, r]) => r.Properties.RoleName === NAMES.rulesRole(REGION));
    assert.equal(roles.length, 1);
    for (const control of CATALOGUE) {
      const [, f] = functionByName(template, control.ruleName);
      assert.equal(flat(f.Properties.Role), `\${${roles[0][0]}.Arn}`);
    }
  });

  it('lets config.amazonaws.com invoke each rule function, and nothing else', () => {
    const permissions = resourcesOf(template, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'config.amazonaws.com',
    );
    assert.equal(permissions.length, CATALOGUE.length);
    const targets = new Set(permissions.map(([, p]) => flat(p.Properties.FunctionName)));
    for (const control of CATALOGUE) {
      const [id] = functionByName(template, control.ruleName);
      assert.ok(targets.has(`\${${id}.Arn}`), `${control.ruleName} has no Config permission`);
    }
    for (const [id, p] of permissions) {
      assert.equal(p.Properties.Action, 'lambda:InvokeFunction', id);
      assert.equal(p.Properties.PrincipalOrgID, undefined, `${id}: PrincipalOrgID is invalid for service principals`);
    }
  });

  it('with configSourceAccounts, accepts Config only from those accounts', () => {
    const accounts = ['111122223333', '444455556666'];
    const t = synth({ configSourceAccounts: accounts }).central.get(REGION);
    const permissions = resourcesOf(t, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'config.amazonaws.com',
    );
    assert.equal(permissions.length, CATALOGUE.length * accounts.length);
    for (const [id, p] of permissions) {
      assert.ok(accounts.includes(p.Properties.SourceAccount), id);
    }
  });
});

describe('central stack: gate', () => {
  const template = synthDefault().central.get(REGION);
  const [gateId, gate] = functionByName(template, NAMES.gateFunction);

  it('runs in the configured mode with the gate member role, the default controls and no parameters', () => {
    assert.deepEqual(gate.Properties.Environment.Variables, {
      [ENV.gateMode]: 'audit',
      [ENV.memberRoleName]: 'ecs-harden-member-gate',
      [ENV.parameters]: '{}',
    });
    assert.equal(gate.Properties.Timeout, 30);
    assert.equal(gate.Properties.Code.S3Key, 'lambda/v1/arm64/gate.zip');
  });

  it('passes gateControls and gateMode to the gate', () => {
    const t = synth({ gateMode: 'enforce', gateControls: ['ECS.4', 'HARDEN.1'] }).central.get(REGION);
    const [, g] = functionByName(t, NAMES.gateFunction);
    assert.equal(g.Properties.Environment.Variables[ENV.gateMode], 'enforce');
    assert.equal(g.Properties.Environment.Variables[ENV.gateControls], 'ECS.4,HARDEN.1');
  });

  it('is invocable by the organization (hooks) and by the central bus rule only', () => {
    const permissions = resourcesOf(template, 'AWS::Lambda::Permission').filter(
      ([, p]) => flat(p.Properties.FunctionName) === `\${${gateId}.Arn}`,
    );
    assert.equal(permissions.length, 2);
    const org = permissions.find(([, p]) => p.Properties.Principal === '*');
    assert.ok(org);
    assert.equal(org[1].Properties.PrincipalOrgID, ORG);
    const events = permissions.find(([, p]) => p.Properties.Principal === 'events.amazonaws.com');
    assert.ok(events);
    const [ruleId] = gateRuleOf(template);
    assert.equal(flat(events[1].Properties.SourceArn), `\${${ruleId}.Arn}`);
  });

  it('has a bus that takes PutEvents from the forward roles of the organization only', () => {
    const buses = resourcesOf(template, 'AWS::Events::EventBus');
    assert.equal(buses.length, 1);
    assert.equal(buses[0][1].Properties.Name, NAMES.gateBus);
    const policies = resourcesOf(template, 'AWS::Events::EventBusPolicy');
    assert.equal(policies.length, 1);
    const statement = policies[0][1].Properties.Statement;
    assert.equal(statement.Action, 'events:PutEvents');
    assert.equal(statement.Condition.StringEquals['aws:PrincipalOrgID'], ORG);
    assert.equal(
      flat(statement.Condition.ArnLike['aws:PrincipalArn']),
      `arn:\${AWS::Partition}:iam::*:role/${NAMES.forwardRole(REGION)}`,
    );
  });

  it('routes the RegisterTaskDefinition event of the fixtures, and only a successful one, on the bus to the gate', () => {
    const rule = gateRuleOf(template)[1].Properties;
    assert.equal(flat(rule.EventBusName), `\${${resourcesOf(template, 'AWS::Events::EventBus')[0][0]}}`);
    const event = readRegisterEvent();
    assert.ok(patternMatches(rule.EventPattern, event), 'the fixture RegisterTaskDefinition event does not match');
    const failed = { ...event, detail: { ...event.detail, errorCode: 'AccessDenied' } };
    assert.ok(!patternMatches(rule.EventPattern, failed), 'a failed call (errorCode set) matches');
    const other = { ...event, detail: { ...event.detail, eventName: 'DeregisterTaskDefinition' } };
    assert.ok(!patternMatches(rule.EventPattern, other), 'another ECS call matches');
    assert.equal(rule.Targets.length, 1);
    assert.equal(flat(rule.Targets[0].Arn), `\${${gateId}.Arn}`);
  });
});

describe('central stack: aggregator', () => {
  const template = synthDefault().central.get(REGION);

  it('has an organization aggregator over all Regions', () => {
    const aggregators = resourcesOf(template, 'AWS::Config::ConfigurationAggregator');
    assert.equal(aggregators.length, 1);
    const source = aggregators[0][1].Properties.OrganizationAggregationSource;
    assert.equal(source.AllAwsRegions, true);
    const roleId = flat(source.RoleArn).replace(/^\$\{|\.Arn\}$/g, '');
    const role = template.Resources[roleId].Properties;
    assert.deepEqual(
      role.ManagedPolicyArns.map(flat),
      ['arn:${AWS::Partition}:iam::aws:policy/service-role/AWSConfigRoleForOrganizations'],
    );
    assert.deepEqual(role.AssumeRolePolicyDocument.Statement.map((s: Json) => s.Principal), [{ Service: 'config.amazonaws.com' }]);
  });
});

describe('members stack: StackSet', () => {
  const s = synthDefault();
  const p = s.stackSet;

  it('is service-managed, auto-deploys to the target OUs and Regions, as delegated admin', () => {
    assert.equal(p.PermissionModel, 'SERVICE_MANAGED');
    assert.deepEqual(p.AutoDeployment, { Enabled: true, RetainStacksOnAccountRemoval: false });
    assert.equal(p.CallAs, 'DELEGATED_ADMIN');
    assert.deepEqual(p.Capabilities, ['CAPABILITY_NAMED_IAM']);
    assert.deepEqual(p.ManagedExecution, { Active: true });
    assert.equal(p.StackInstancesGroup.length, 1);
    assert.deepEqual(p.StackInstancesGroup[0].DeploymentTargets, { OrganizationalUnitIds: TEST_CONTEXT.targetOus });
    assert.deepEqual(p.StackInstancesGroup[0].Regions, TEST_CONTEXT.regions);
    assert.equal(p.StackSetName, NAMES.stackSet);
  });

  it('embeds the member template within the TemplateBody limit', () => {
    assert.ok(Buffer.byteLength(p.TemplateBody) <= 51_200);
    assert.deepEqual(JSON.parse(p.TemplateBody), s.built.member.template);
    assert.equal(p.TemplateURL, undefined);
  });

  it('deploys after every central stack, whose roles the member roles trust', () => {
    const t = synth({ regions: ['us-east-1', 'eu-west-1'], centralRegion: 'us-east-1' });
    const deps = stackDependencies(t.assembly, t.built.members.artifactId);
    assert.deepEqual(deps, [...t.built.central.values()].map((c) => c.artifactId).sort());
  });
});

describe('several Regions', () => {
  const s = synth({ regions: ['us-east-1', 'eu-west-1'], centralRegion: 'us-east-1' });

  it('deploys a central stack per Region; only centralRegion has the aggregator', () => {
    assert.deepEqual([...s.central.keys()].sort(), ['eu-west-1', 'us-east-1']);
    for (const [region, t] of s.central) {
      assert.equal(functions(t).length, CATALOGUE.length + 2, region);
      const primary = region === 'us-east-1' ? 1 : 0;
      assert.equal(resourcesOf(t, 'AWS::Config::ConfigurationAggregator').length, primary, region);
      const [, f] = functionByName(t, CATALOGUE[0].ruleName);
      assert.equal(f.Properties.Code.S3Bucket, `ecs-harden-test-artifacts-${region}`);
    }
    assert.deepEqual(s.stackSet.StackInstancesGroup[0].Regions, ['us-east-1', 'eu-west-1']);
  });

  it('deploys the central stacks independently of each other', () => {
    for (const stack of s.built.central.values()) {
      assert.deepEqual(stackDependencies(s.assembly, stack.artifactId), [], stack.stackName);
    }
  });
});

describe('central stack: the exception register', () => {
  /** A register file with these entries, in a temporary folder. */
  function registerFile(entries: string, name = 'exceptions.yaml'): string {
    const file = path.join(tempDir('ecs-harden-register-'), name);
    fs.writeFileSync(file, `exceptions:\n${entries}`);
    return file;
  }
  function day(offset: number): string {
    const d = new Date();
    d.setUTCDate(d.getUTCDate() + offset);
    return d.toISOString().slice(0, 10);
  }
  const entry = (id: string, control: string, expires: string) =>
    `  - {id: ${id}, controls: [${control}], resources: [cadvisor], reason: r, owner: platform, approvedBy: security, expires: ${expires}}\n`;

  it('puts the register in a versioned, retained bucket and gives every function its location', () => {
    const file = registerFile(entry('EXC-1', 'ECS.4', day(30)));
    const template = synth({ exceptions: file }).central.get(REGION);
    const [[bucketId, bucket]] = resourcesOf(template, 'AWS::S3::Bucket').filter(([id]) => id.startsWith('ExceptionRegister'));
    assert.equal(bucket.Properties.VersioningConfiguration.Status, 'Enabled');
    assert.equal(bucket.DeletionPolicy, 'Retain');
    assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const [[, upload]] = Object.entries(template.Resources).filter(
      ([, r]: [string, Json]) => r.Type === 'Custom::EcsHardenExceptionRegister',
    ) as Array<[string, Json]>;
    const create = JSON.parse(flat(upload.Properties.Create));
    assert.equal(create.action, 'putObject');
    assert.equal(create.parameters.Key, 'exceptions.yaml');
    assert.equal(create.parameters.Body, fs.readFileSync(file, 'utf8'));
    const readers = [...CATALOGUE.map((c) => c.ruleName), NAMES.gateFunction];
    const ownFunctions = functions(template).filter(([, f]) => readers.includes(f.Properties.FunctionName));
    assert.equal(ownFunctions.length, readers.length);
    for (const [id, f] of ownFunctions) {
      assert.equal(flat(f.Properties.Environment.Variables[ENV.exceptions]), `s3://\${${bucketId}}/exceptions.yaml`, id);
    }
  });

  it('deploys the register the configFile names, relative to that file, as ecs-harden check --config does', () => {
    const file = registerFile(entry('EXC-7', 'ECS.4', day(30)));
    const configFile = path.join(path.dirname(file), 'ecs-harden.yaml');
    fs.writeFileSync(configFile, `parameters: {}\nexceptions: ${path.basename(file)}\n`);
    const template = synth({ configFile }).central.get(REGION);
    const [[, upload]] = Object.entries(template.Resources).filter(
      ([, r]: [string, Json]) => r.Type === 'Custom::EcsHardenExceptionRegister',
    ) as Array<[string, Json]>;
    assert.equal(JSON.parse(flat(upload.Properties.Create)).parameters.Body, fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(configFile, 'parameters: {}\nexceptions: [EXC-7]\n');
    assert.throws(() => synth({ configFile }), /exceptions must be the path of the exception register/);
  });

  it('changes only the upload when the register changes: the functions stay as they are', () => {
    const before = synth({ exceptions: registerFile(entry('EXC-1', 'ECS.4', day(30))) }).central.get(REGION);
    const after = synth({ exceptions: registerFile(entry('EXC-2', 'ECS.5', day(60))) }).central.get(REGION);
    const changed = Object.keys(before.Resources).filter(
      (id) => JSON.stringify(before.Resources[id]) !== JSON.stringify(after.Resources[id]),
    );
    assert.deepEqual(changed, ['ExceptionRegisterUpload13BD291E']);
  });

  it('fails synthesis on an invalid register, naming the entry and the field', () => {
    const cases: Array<[string, RegExp]> = [
      [entry('EXC-1', 'ECS.99', day(30)), /exceptions\[0\] \(EXC-1\)\.controls: ECS\.99 is not a control of the catalogue/],
      [entry('EXC-1', 'ECS.4', day(400)), /exceptions\[0\] \(EXC-1\)\.expires: .* more than 365 days/],
      ['  - {id: EXC-1, controls: [ECS.4], resources: [x], reason: r, owner: o, approvedBy: a}\n', /exceptions\[0\]\.expires: required/],
      [entry('EXC-1', 'ECS.4', day(1)) + entry('EXC-1', 'ECS.5', day(1)), /exceptions\[1\] \(EXC-1\)\.id: EXC-1 is used by an earlier entry/],
      ['  - {id: EXC-1, controls: [ECS.4], resources: [x], reason: r, owner: o, approvedBy: a, expires: 2027-01-01, until: x}\n', /exceptions\[0\]\.until: unknown key/],
    ];
    for (const [entries, message] of cases) {
      assert.throws(() => synth({ exceptions: registerFile(entries) }), message);
    }
    assert.throws(() => synth({ exceptions: '/nonexistent/exceptions.yaml' }), /exceptions: cannot read \/nonexistent\/exceptions.yaml/);
  });

  it('accepts an entry that has already expired (it no longer counts) and the repository example', () => {
    assert.doesNotThrow(() => synth({ exceptions: registerFile(entry('EXC-1', 'ECS.4', day(-1))) }));
    assert.doesNotThrow(() => synth({ exceptions: '../schemas/exceptions.example.yaml' }));
  });
});
