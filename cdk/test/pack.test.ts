// Points 3 and 8: the conformance pack bodies Config receives hold literal function ARNs and
// no intrinsic function at all, in both pack scopes and every Region; and the organization
// pack's delivery bucket survives a destroy without blocking the next deploy.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import * as YAML from 'yaml';
import { ConfigError, NAMES } from '../lib/config';
import { renderPackBody } from '../lib/pack';
import {
  ADMIN,
  allTemplates,
  CATALOGUE,
  flat,
  Json,
  MANAGED,
  memberPackBody,
  ORG,
  ORGANIZATION_SCOPE,
  organizationPackBody,
  PACK_FILE,
  resourcesOf,
  synth,
} from './helpers';

const REGIONS = ['us-east-1', 'ap-southeast-1'];

/** Every path in a parsed body where an intrinsic function or a substitution remains. */
function intrinsics(value: Json, at: string): string[] {
  if (typeof value === 'string') return value.includes('${') ? [`${at}: ${value}`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => intrinsics(v, `${at}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      k === 'Ref' || k === 'Condition' || k.startsWith('Fn::') ? [`${at}.${k}`] : intrinsics(v as Json, `${at}.${k}`),
    );
  }
  return [];
}

/** Checks one body as Config would get it in `region`, against the functions of `central`. */
function assertLiteralBody(body: string, region: string, central: Json): void {
  assert.ok(Buffer.byteLength(body) <= 51_200, `${region}: ${Buffer.byteLength(body)} bytes`);
  const doc = YAML.parseDocument(body);
  assert.deepEqual([...doc.errors, ...doc.warnings], [], `${region}: the body is not plain YAML`);
  const pack = doc.toJS();
  assert.deepEqual(Object.keys(pack), ['Resources'], `${region}: sections other than Resources`);
  assert.deepEqual(intrinsics(pack, 'body'), [], `${region}: intrinsic functions remain`);
  const deployed = new Set(resourcesOf(central, 'AWS::Lambda::Function').map(([, f]) => f.Properties.FunctionName));
  const rules = Object.values(pack.Resources) as Json[];
  assert.deepEqual(
    rules.map((r) => r.Properties.ConfigRuleName).sort(),
    [...CATALOGUE, ...MANAGED].map((c) => c.ruleName).sort(),
  );
  for (const rule of rules) {
    const name = rule.Properties.ConfigRuleName;
    assert.equal(rule.Type, 'AWS::Config::ConfigRule');
    const managed = MANAGED.find((m) => m.ruleName === name);
    if (managed) {
      // AWS Config runs it: owner AWS, its identifier, no function of ours.
      assert.deepEqual(rule.Properties.Source, { Owner: 'AWS', SourceIdentifier: managed.identifier }, name);
      assert.deepEqual(rule.Properties.Scope.ComplianceResourceTypes, managed.resourceTypes, name);
      assert.ok(!deployed.has(name), `${region}: ${name} is an AWS managed rule, yet a function is named after it`);
      continue;
    }
    assert.equal(rule.Properties.Source.Owner, 'CUSTOM_LAMBDA');
    assert.equal(rule.Properties.Source.SourceIdentifier, `arn:aws:lambda:${region}:${ADMIN}:function:${name}`, name);
    assert.ok(deployed.has(name), `${region}: ${name} invokes a function the central stack does not create`);
    for (const value of Object.values(rule.Properties.InputParameters ?? {})) {
      assert.equal(typeof value, 'string', `${name}: InputParameters must be strings`);
    }
  }
}

describe('conformance pack body: literal ARNs, no intrinsic function', () => {
  it('per-account packs: each stack instance resolves the body to literal ARNs of its own Region', () => {
    const s = synth({ regions: REGIONS, centralRegion: 'us-east-1' });
    const [, pack] = resourcesOf(s.member, 'AWS::Config::ConformancePack')[0];
    assert.equal(pack.Properties.ConformancePackName, NAMES.conformancePack);
    assert.equal(pack.Properties.ConformancePackInputParameters, undefined);
    for (const region of REGIONS) {
      assertLiteralBody(memberPackBody(s.member, region), region, s.central.get(region));
    }
  });

  it('organization packs: a literal body per Region, no input parameters', () => {
    const s = synth({ ...ORGANIZATION_SCOPE, regions: REGIONS, centralRegion: 'us-east-1' });
    for (const region of REGIONS) {
      const template = s.organizationPacks.get(region);
      const [, pack] = resourcesOf(template, 'AWS::Config::OrganizationConformancePack')[0];
      assert.equal(pack.Properties.OrganizationConformancePackName, NAMES.conformancePack);
      assert.equal(pack.Properties.ConformancePackInputParameters, undefined);
      assertLiteralBody(organizationPackBody(template), region, s.central.get(region));
    }
  });

  it('leaves the generated pack its LambdaArnPrefix parameter for deployments with the CLI', () => {
    const source = YAML.parse(fs.readFileSync(PACK_FILE, 'utf8'));
    assert.ok(source.Parameters.LambdaArnPrefix, 'the generated pack lost its parameter');
  });

  it('refuses a pack with an intrinsic function it cannot resolve, naming it', () => {
    const source = [
      'Resources:',
      '  Rule:',
      '    Type: AWS::Config::ConfigRule',
      '    Properties:',
      `      ConfigRuleName: ${CATALOGUE[0].ruleName}`,
      '      Source:',
      '        Owner: CUSTOM_LAMBDA',
      '        SourceIdentifier:',
      '          Fn::ImportValue: shared-arn',
    ].join('\n');
    assert.throws(
      () =>
        renderPackBody({
          source,
          file: 'test.yaml',
          controls: [],
          managed: [],
          parameters: {},
          lambdaArnPrefix: 'arn:aws:lambda:x:1:function:',
        }),
      (e: unknown) => e instanceof ConfigError && /Resources\.Rule\.Properties\.Source\.SourceIdentifier: uses Fn::ImportValue/.test((e as Error).message),
    );
  });

  it('refuses an AWS managed rule that names another identifier or owner', () => {
    const [managed] = MANAGED;
    const source = [
      'Resources:',
      '  Rule:',
      '    Type: AWS::Config::ConfigRule',
      '    Properties:',
      `      ConfigRuleName: ${managed.ruleName}`,
      '      Source:',
      '        Owner: CUSTOM_LAMBDA',
      `        SourceIdentifier: ${managed.identifier}`,
    ].join('\n');
    assert.throws(
      () =>
        renderPackBody({
          source,
          file: 'test.yaml',
          controls: [],
          managed: [{ ...managed, title: managed.id, severity: 'High' }],
          parameters: {},
          lambdaArnPrefix: 'arn:aws:lambda:x:1:function:',
        }),
      (e: unknown) =>
        e instanceof ConfigError && new RegExp(`AWS managed rule ${managed.id} is not ${managed.identifier} owned by AWS`).test((e as Error).message),
    );
  });
});

/** Evaluates the bucket name's intrinsics with a given stack id. */
function bucketName(value: Json, stackId: string): string {
  if (typeof value === 'string') return value;
  const [fn, args] = Object.entries(value)[0] as [string, Json];
  switch (fn) {
    case 'Ref':
      assert.equal(args, 'AWS::StackId');
      return stackId;
    case 'Fn::Join':
      return (args[1] as Json[]).map((v) => bucketName(v, stackId)).join(args[0]);
    case 'Fn::Select':
      return bucketName(args[1], stackId).split('\u0000')[args[0]];
    case 'Fn::Split':
      return bucketName(args[1], stackId).split(args[0]).join('\u0000');
    default:
      return assert.fail(`unexpected ${fn} in the bucket name`);
  }
}

describe('delivery bucket', () => {
  it('per-account packs need none: no bucket in any template', () => {
    const s = synth({});
    for (const [name, template] of allTemplates(s)) {
      assert.deepEqual(resourcesOf(template, 'AWS::S3::Bucket'), [], name);
    }
    const [, pack] = resourcesOf(s.member, 'AWS::Config::ConformancePack')[0];
    assert.equal(pack.Properties.DeliveryS3Bucket, undefined);
  });

  it('organization packs: an awsconfigconforms bucket, retained, whose name changes when the stack is created again', () => {
    const s = synth({ ...ORGANIZATION_SCOPE, regions: REGIONS, centralRegion: 'us-east-1' });
    for (const region of REGIONS) {
      const template = s.organizationPacks.get(region);
      const buckets = resourcesOf(template, 'AWS::S3::Bucket');
      assert.equal(buckets.length, 1);
      const [bucketId, bucket] = buckets[0];
      assert.equal(bucket.DeletionPolicy, 'Retain');
      assert.equal(bucket.UpdateReplacePolicy, 'Retain');
      const stackArn = `arn:aws:cloudformation:${region}:${ADMIN}:stack/${NAMES.organizationPackStack(region)}`;
      const first = bucketName(bucket.Properties.BucketName, `${stackArn}/6f2c1a40-0b7e-11ef-9e3a-0a1b2c3d4e5f`);
      const again = bucketName(bucket.Properties.BucketName, `${stackArn}/a81d9e30-0c55-11ef-8f21-0f9e8d7c6b5a`);
      assert.notEqual(first, again, 'a redeploy after a destroy would collide with the retained bucket');
      for (const name of [first, again]) {
        assert.match(name, /^awsconfigconforms/);
        assert.match(name, /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, `${name} is not a valid bucket name`);
        assert.ok(name.length <= 63, name);
      }
      assert.equal(first, `awsconfigconforms-ecs-harden-${region}-0a1b2c3d4e5f`);
      const [, pack] = resourcesOf(template, 'AWS::Config::OrganizationConformancePack')[0];
      assert.equal(flat(pack.Properties.DeliveryS3Bucket), `\${${bucketId}}`);
      assert.deepEqual(pack.Properties.ExcludedAccounts, [ORGANIZATION_SCOPE.managementAccount]);
      const [policyId, policy] = resourcesOf(template, 'AWS::S3::BucketPolicy')[0];
      assert.ok((pack.DependsOn as string[]).includes(policyId), 'the pack does not wait for the bucket policy');
      const statements = policy.Properties.PolicyDocument.Statement as Json[];
      assert.ok(statements.some((st) => st.Effect === 'Deny' && st.Condition?.Bool?.['aws:SecureTransport'] === 'false'));
      const allows = statements.filter((st) => st.Effect === 'Allow');
      assert.deepEqual(allows.map((st) => st.Sid).sort(), ['AllowGetBucketAcl', 'AllowGetPutObject']);
      for (const st of allows) {
        assert.equal(st.Condition.StringEquals['aws:PrincipalOrgID'], ORG);
        assert.match(
          flat(st.Condition.ArnLike['aws:PrincipalArn']),
          /:role\/aws-service-role\/config-conforms\.amazonaws\.com\/AWSServiceRoleForConfigConforms$/,
        );
      }
    }
  });
});
