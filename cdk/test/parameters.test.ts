// Point 4: one parameter map feeds the packs' InputParameters and the gate's environment, so
// Config and the gate evaluate with the same values (and `ecs-harden check --config` reads the
// same file). Checked on every parameterised control of the catalogue, in both pack scopes.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as YAML from 'yaml';
import { ConfigError, NAMES, readConfig } from '../lib/config';
import {
  CATALOGUE,
  ENV,
  Json,
  memberPackBody,
  ORGANIZATION_SCOPE,
  organizationPackBody,
  resourcesOf,
  synth,
  Synthesized,
  tempDir,
  TEST_CONTEXT,
} from './helpers';

const PARAMETERISED = CATALOGUE.filter((c) => c.parameters.length > 0);

/** A value other than the default for every parameter, of the parameter's kind. */
function otherValue(p: { name: string; kind: string; default: string; maxItems: number | null }): string {
  switch (p.kind) {
    case 'boolean':
      return p.default === 'true' ? 'false' : 'true';
    case 'version':
      return '9.8.7';
    case 'regex':
      return '(?i)(secret|token)';
    case 'list':
      return p.name === 'allowedRegistries'
        ? '{account}.dkr.ecr.{region}.amazonaws.com,public.ecr.aws'
        : ['team', 'env', 'owner'].slice(0, Math.min(3, p.maxItems ?? 3)).join(',');
    default:
      return `${p.default}-changed`;
  }
}

const EVERY_PARAMETER: Record<string, Record<string, string>> = Object.fromEntries(
  PARAMETERISED.map((c) => [c.id, Object.fromEntries(c.parameters.map((p) => [p.name, otherValue(p)]))]),
);

function gateEnvironment(s: Synthesized, region: string): Record<string, string> {
  const gate = resourcesOf(s.central.get(region), 'AWS::Lambda::Function').find(
    ([, f]) => f.Properties.FunctionName === NAMES.gateFunction,
  );
  assert.ok(gate);
  return gate[1].Properties.Environment.Variables;
}

/** InputParameters by rule name of the pack Config gets in `region`. */
function packParameters(s: Synthesized, region: string): Map<string, Record<string, string>> {
  const body = s.organizationPacks.has(region)
    ? organizationPackBody(s.organizationPacks.get(region))
    : memberPackBody(s.member, region);
  const pack = YAML.parse(body);
  return new Map(
    (Object.values(pack.Resources) as Json[]).map((r) => [r.Properties.ConfigRuleName, r.Properties.InputParameters ?? {}]),
  );
}

/**
 * The gate's parameters of each parameterised control as the gate reads them: its map from
 * the environment over the catalogue defaults, an empty value meaning "not passed".
 */
function gateParameters(environment: Record<string, string>, control: (typeof CATALOGUE)[number]): Record<string, string> {
  const map = JSON.parse(environment[ENV.parameters]) as Record<string, Record<string, string>>;
  const values: Record<string, string> = {};
  for (const p of control.parameters) {
    const value = map[control.id]?.[p.name] ?? p.default;
    if (value !== '') values[p.name] = value;
  }
  return values;
}

function assertSameParameters(s: Synthesized, regions: string[]): void {
  for (const region of regions) {
    const environment = gateEnvironment(s, region);
    const pack = packParameters(s, region);
    for (const control of PARAMETERISED) {
      assert.deepEqual(pack.get(control.ruleName), gateParameters(environment, control), `${region} ${control.id}`);
    }
  }
}

describe('one parameter map: the packs and the gate', () => {
  it('the catalogue has parameterised controls to check', () => {
    assert.ok(PARAMETERISED.length >= 5, `${PARAMETERISED.length} parameterised controls`);
  });

  for (const [scope, overrides] of [
    ['per-account packs', {}],
    ['organization packs', ORGANIZATION_SCOPE],
  ] as const) {
    it(`${scope}: every parameterised control gets the same values in the pack and the gate`, () => {
      const regions = ['us-east-1', 'eu-west-1'];
      const s = synth({ ...overrides, regions, centralRegion: 'us-east-1', parameters: EVERY_PARAMETER });
      assert.deepEqual(JSON.parse(gateEnvironment(s, 'us-east-1')[ENV.parameters]), EVERY_PARAMETER);
      assertSameParameters(s, regions);
      // And every value is the one set, not a default.
      const pack = packParameters(s, 'eu-west-1');
      for (const control of PARAMETERISED) {
        for (const p of control.parameters) {
          assert.equal(pack.get(control.ruleName)?.[p.name], EVERY_PARAMETER[control.id][p.name], `${control.id}.${p.name}`);
        }
      }
    });
  }

  it('without a map: the catalogue defaults in the pack, an empty map in the gate', () => {
    const s = synth({});
    assert.equal(gateEnvironment(s, 'us-east-1')[ENV.parameters], '{}');
    assertSameParameters(s, ['us-east-1']);
  });

  it('an empty value leaves the parameter out of the pack, as the gate treats it', () => {
    const s = synth({ parameters: { 'HARDEN.1': { allowedAddCapabilities: '' }, 'ECS.13': { requiredTagKeys: 'team,env' } } });
    const pack = packParameters(s, 'us-east-1');
    const harden1 = CATALOGUE.find((c) => c.id === 'HARDEN.1')!;
    const ecs13 = CATALOGUE.find((c) => c.id === 'ECS.13')!;
    assert.deepEqual(pack.get(harden1.ruleName), {});
    assert.deepEqual(pack.get(ecs13.ruleName), { requiredTagKeys: 'team,env' });
    assertSameParameters(s, ['us-east-1']);
  });

  it('configFile (the file `ecs-harden check --config` reads) gives the same result as the inline map', () => {
    const dir = tempDir('ecs-harden-config-');
    const yamlFile = path.join(dir, 'ecs-harden.yaml');
    // Other top-level keys belong to other readers of the file, or to none.
    fs.writeFileSync(yamlFile, YAML.stringify({ parameters: EVERY_PARAMETER, notes: ['reviewed by the platform team'] }));
    const jsonFile = path.join(dir, 'ecs-harden.json');
    fs.writeFileSync(jsonFile, JSON.stringify({ parameters: EVERY_PARAMETER }));
    const inline = synth({ parameters: JSON.stringify(EVERY_PARAMETER) });
    for (const file of [yamlFile, jsonFile]) {
      const fromFile = synth({ configFile: file });
      assert.deepEqual(gateEnvironment(fromFile, 'us-east-1'), gateEnvironment(inline, 'us-east-1'), file);
      assert.deepEqual(packParameters(fromFile, 'us-east-1'), packParameters(inline, 'us-east-1'), file);
    }
  });
});

describe('parameter map validation', () => {
  function rejects(overrides: Record<string, unknown>, message: RegExp): void {
    const context: Record<string, unknown> = { ...TEST_CONTEXT, ...overrides };
    assert.throws(
      () => readConfig({ tryGetContext: (key: string) => context[key] }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
        assert.match((e as Error).message, message);
        return true;
      },
    );
  }

  it('names unknown control ids and parameter names', () => {
    rejects({ parameters: { 'ECS.99': { x: 'y' } } }, /parameters\.ECS\.99: not a control of the catalogue/);
    rejects({ parameters: { 'HARDEN.5': { allowedRegistry: 'x' } } }, /parameters\.HARDEN\.5\.allowedRegistry: not a parameter of HARDEN\.5 \(allowedRegistries\)/);
    rejects({ parameters: { 'ECS.4': { anything: 'x' } } }, /parameters\.ECS\.4\.anything: ECS\.4 takes no parameters/);
  });

  it('takes strings only, as Config passes them, and checks the kinds it can', () => {
    rejects({ parameters: { 'HARDEN.6': { requireDigest: true } } }, /parameters\.HARDEN\.6\.requireDigest: expected a string.*write "true"/);
    rejects({ parameters: { 'HARDEN.6': { requireDigest: 'yes' } } }, /requireDigest: "yes" is neither "true" nor "false"/);
    rejects({ parameters: { 'ECS.10': { latestLinuxVersion: 'latest' } } }, /latestLinuxVersion: "latest" is not a version/);
    rejects({ parameters: { 'ECS.13': { requiredTagKeys: 'a,b,c,d,e,f,g' } } }, /ECS\.13\.requiredTagKeys: 7 items, at most 6/);
    rejects({ parameters: '{"HARDEN.5":' }, /parameters: not valid JSON/);
    rejects({ parameters: ['HARDEN.5'] }, /parameters: expected an object of control ids/);
  });

  it('takes the map from one place only, and says what is wrong with a file', () => {
    const dir = tempDir('ecs-harden-config-bad-');
    rejects({ parameters: {}, configFile: path.join(dir, 'x.yaml') }, /parameters and configFile are both set/);
    rejects({ configFile: path.join(dir, 'missing.yaml') }, /configFile: cannot read .*missing\.yaml/);
    const duplicate = path.join(dir, 'duplicate.yaml');
    fs.writeFileSync(duplicate, 'parameters:\n  HARDEN.5: {}\n  HARDEN.5: {}\n');
    rejects({ configFile: duplicate }, /configFile .*duplicate\.yaml: not YAML or JSON/);
    const unknown = path.join(dir, 'unknown.yaml');
    fs.writeFileSync(unknown, 'exceptions: []\nparameters:\n  HARDEN.42:\n    x: y\n');
    rejects({ configFile: unknown }, /configFile .*unknown\.yaml: parameters\.HARDEN\.42: not a control/);
    const list = path.join(dir, 'list.yaml');
    fs.writeFileSync(list, '- parameters\n');
    rejects({ configFile: list }, /expected a mapping with a "parameters" key/);
  });

  it('keeps the gate within Lambda\'s 4 KB of environment variables', () => {
    const long = Array.from({ length: 400 }, (_, i) => `registry${i}.example.com`).join(',');
    assert.throws(
      () => synth({ parameters: { 'HARDEN.5': { allowedRegistries: long } } }),
      (e: unknown) => e instanceof ConfigError && /over Lambda's 4096-byte limit/.test((e as Error).message),
    );
  });
});
