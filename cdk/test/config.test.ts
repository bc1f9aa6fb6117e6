// Context validation and the Lambda code source.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CDK_ROOT, ConfigError, readConfig } from '../lib/config';
import { CATALOGUE, flat, MANAGED, resourcesOf, synth, tempDir, TEST_CONTEXT } from './helpers';

function read(overrides: Record<string, unknown>) {
  const context: Record<string, unknown> = { ...TEST_CONTEXT, ...overrides };
  return readConfig({ tryGetContext: (key: string) => context[key] });
}

function rejects(overrides: Record<string, unknown>, message: RegExp): void {
  assert.throws(() => read(overrides), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
    assert.match((e as Error).message, message);
    return true;
  });
}

describe('context validation', () => {
  it('accepts the cdk.json example', () => {
    const c = read({});
    assert.equal(c.gateMode, 'audit');
    assert.equal(c.controls.length, CATALOGUE.length);
    assert.deepEqual(
      c.managedRules.map((m) => m.identifier),
      MANAGED.map((m) => m.identifier),
    );
    assert.deepEqual(c.gateControls, []);
  });

  it('rejects an unknown gateMode, in synthesis too', () => {
    rejects({ gateMode: 'block' }, /gateMode: "block" is neither "audit" nor "enforce"/);
    assert.throws(() => synth({ gateMode: 'Enforce' }), /gateMode/);
  });

  it('rejects malformed ids and names, naming the key', () => {
    rejects({ organizationId: 'org-1' }, /^ecs-harden context: organizationId/);
    rejects({ targetOus: [] }, /targetOus/);
    rejects({ targetOus: ['ou-exam-ple1'] }, /targetOus: "ou-exam-ple1" is not an OU id/);
    rejects({ regions: ['us-east-1', 'moon-1'] }, /regions: "moon-1"/);
    rejects({ regions: ['us-east-1', 'us-east-1'] }, /listed twice/);
    rejects({ delegatedAdminAccount: '1234' }, /delegatedAdminAccount/);
    rejects({ memberRoleName: 'has space' }, /memberRoleName/);
    rejects({ gateMemberRoleName: TEST_CONTEXT.memberRoleName }, /gateMemberRoleName must differ/);
    rejects({ logRetentionDays: 42 }, /logRetentionDays/);
    rejects({ excludedAccounts: ['12'] }, /excludedAccounts/);
  });

  it('requires centralRegion to be one of regions', () => {
    rejects({ regions: ['eu-west-1'], centralRegion: 'us-east-1' }, /centralRegion us-east-1 must be one of regions/);
  });

  it('accepts gate controls of the catalogue that check task definitions only', () => {
    assert.deepEqual(read({ gateControls: 'ECS.4, HARDEN.1' }).gateControls, ['ECS.4', 'HARDEN.1']);
    rejects({ gateControls: ['ECS.99'] }, /gateControls: ECS.99 is not a control/);
    rejects({ gateControls: ['ECS.2'] }, /gateControls: ECS.2 checks AWS::ECS::Service/);
    rejects({ gateControls: ['HARDEN.15'] }, /gateControls: HARDEN.15 reads resources beside the task definition/);
  });

  it('takes -c strings: comma lists and JSON', () => {
    const c = read({
      regions: 'us-east-1,eu-west-1',
      targetOus: '["ou-abcd-12345678","r-abcd"]',
      lambdaCode: '{"codeBucket":"b-{region}","codeKeyPrefix":"x/"}',
    });
    assert.deepEqual(c.regions, ['us-east-1', 'eu-west-1']);
    assert.deepEqual(c.targetOus, ['ou-abcd-12345678', 'r-abcd']);
    assert.deepEqual(c.code, { kind: 's3', bucket: 'b-{region}', keyPrefix: 'x/' });
    rejects({ targetOus: '[oops' }, /targetOus: not valid JSON/);
  });

  it('keeps every Region in one partition: the pack bodies carry literal ARNs', () => {
    rejects({ regions: ['us-east-1', 'cn-north-1'] }, /regions: cn-north-1 is in partition aws-cn, us-east-1 in aws/);
    assert.equal(read({ regions: ['us-gov-west-1'], centralRegion: 'us-gov-west-1' }).partition, 'aws-us-gov');
  });

  it('refuses an account both listed as a source of Config and excluded', () => {
    rejects(
      { configSourceAccounts: ['111122223333'], excludedAccounts: ['111122223333'] },
      /configSourceAccounts: 111122223333 is also in excludedAccounts/,
    );
  });

  it('takes the Lambdas\' environment variable names from the catalogue, and says how to get them', () => {
    const catalogue = JSON.parse(fs.readFileSync(path.join(CDK_ROOT, 'generated', 'catalogue.json'), 'utf8'));
    const dir = tempDir('ecs-harden-catalogue-');
    const renamed = path.join(dir, 'renamed.json');
    fs.writeFileSync(renamed, JSON.stringify({ ...catalogue, contract: { environment: { ...catalogue.contract.environment, parameters: 'RENAMED_PARAMETERS' } } }));
    assert.equal(read({ catalogue: renamed }).environment.parameters, 'RENAMED_PARAMETERS');
    const functions = resourcesOf(synth({ catalogue: renamed }).central.get('us-east-1'), 'AWS::Lambda::Function');
    const gate = functions.find(([, f]) => f.Properties.FunctionName === 'ecs-harden-gate');
    assert.ok(gate);
    assert.deepEqual(Object.keys(gate[1].Properties.Environment.Variables).sort(), [
      catalogue.contract.environment.gateMode,
      catalogue.contract.environment.memberRoleName,
      'RENAMED_PARAMETERS',
    ].sort());
    const without = path.join(dir, 'without.json');
    fs.writeFileSync(without, JSON.stringify({ controls: catalogue.controls }));
    rejects({ catalogue: without }, /no "contract.environment" object \(run `cargo xtask codegen`\)/);
  });

  it('caps configSourceAccounts so the stack stays within its limits', () => {
    const accounts = Array.from({ length: 10 }, (_, i) => String(100000000000 + i));
    rejects({ configSourceAccounts: accounts }, /configSourceAccounts: 10 accounts/);
  });
});

describe('Lambda code source', () => {
  const crates = [...CATALOGUE.map((c) => c.crate), 'gate', 'findings'];

  it('uses the xtask zips when every zip is there', () => {
    const dir = tempDir('ecs-harden-zips-');
    for (const crate of crates) {
      fs.writeFileSync(path.join(dir, `${crate}.zip`), `not really a zip: ${crate}`);
    }
    const s = synth({ lambdaCode: { zipDir: dir, codeBucket: 'unused-{region}' } });
    const template = s.central.get(String(TEST_CONTEXT.centralRegion));
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    assert.equal(functions.length, crates.length);
    for (const [id, f] of functions) {
      // An asset in the bootstrap bucket, not the configured bucket.
      assert.match(flat(f.Properties.Code.S3Bucket), /cdk-hnb659fds-assets-/, id);
      assert.match(f.Properties.Code.S3Key, /\.zip$/, id);
    }
    assert.equal(new Set(functions.map(([, f]) => f.Properties.Code.S3Key)).size, crates.length);
  });

  it('falls back to the bucket, with a warning, when zips are missing', () => {
    const dir = tempDir('ecs-harden-nozips-');
    const c = read({ lambdaCode: { zipDir: dir, codeBucket: 'artifacts-{account}-{region}', codeKeyPrefix: 'v2/' } });
    assert.deepEqual(c.code, { kind: 's3', bucket: 'artifacts-{account}-{region}', keyPrefix: 'v2/' });
    const zips = CATALOGUE.length + 2; // a function per control, the gate and the findings function
    assert.match(c.codeNotice ?? '', new RegExp(`lacks ${zips} of ${zips} zips`));
  });

  it('fails when zips are missing and there is no bucket', () => {
    const dir = tempDir('ecs-harden-nozips-');
    const zips = CATALOGUE.length + 2;
    rejects({ lambdaCode: { zipDir: dir } }, new RegExp(`lacks ${zips} of ${zips} zips.*cargo xtask build-lambdas`));
    rejects({ lambdaCode: {} }, /set zipDir/);
    rejects({ lambdaCode: { zipdir: dir } }, /lambdaCode.zipdir: unknown key/);
  });
});
