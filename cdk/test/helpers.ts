// Shared by the tests: synthesizing the app in-process with test context, reading the
// templates, flattening CloudFormation intrinsics into comparable strings, walking every IAM
// statement, and finding cfn-lint (a test that needs it fails, saying what to install, when
// it is missing).

import * as assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import { buildApp, EcsHardenApp } from '../lib/app';
import { CDK_ROOT, NAMES, REPO_ROOT } from '../lib/config';

export type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The context of cdk.json (feature flags and the synthetic example). */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(CDK_ROOT, 'cdk.json'), 'utf8'),
).context;

/** cdk.json's context with the S3 code source, so that synthesis needs no zips. */
export const TEST_CONTEXT: Record<string, unknown> = {
  ...CDK_JSON_CONTEXT,
  lambdaCode: { codeBucket: 'ecs-harden-test-artifacts-{region}', codeKeyPrefix: 'lambda/v1/arm64/' },
};

export const ORG = String(CDK_JSON_CONTEXT.organizationId);
export const ADMIN = String(CDK_JSON_CONTEXT.delegatedAdminAccount);

const CATALOGUE_JSON = JSON.parse(fs.readFileSync(path.join(CDK_ROOT, 'generated', 'catalogue.json'), 'utf8'));

/** The catalogue, parsed here independently of lib/config.ts. */
export const CATALOGUE: Array<{
  id: string;
  ruleName: string;
  crate: string;
  resourceType: string;
  severity: string;
  parameters: Array<{ name: string; default: string; kind: string; maxItems: number | null }>;
}> = CATALOGUE_JSON.controls;

/** The catalogue's AWS managed rules: in the packs with Source.Owner AWS, no function. */
export const MANAGED: Array<{ id: string; ruleName: string; identifier: string; resourceTypes: string[] }> =
  CATALOGUE_JSON.managed;

/** The Lambdas' environment variable names, as the Rust side exports them. */
export const ENV: {
  memberRoleName: string;
  gateMode: string;
  gateControls: string;
  parameters: string;
  aggregator: string;
  exceptions: string;
} =
  CATALOGUE_JSON.contract.environment;

export const PACK_FILE = path.join(REPO_ROOT, 'conformance-packs', 'ecs-harden-organization.yaml');

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const dir of tempDirs) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export interface Synthesized {
  readonly built: EcsHardenApp;
  readonly outdir: string;
  readonly assembly: cdk.cx_api.CloudAssembly;
  /** Central templates by Region. */
  readonly central: Map<string, Json>;
  /** The template of the stack that holds the StackSet. */
  readonly members: Json;
  /** Organization pack templates by Region (packScope organization). */
  readonly organizationPacks: Map<string, Json>;
  /** The StackSet's TemplateBody, parsed. */
  readonly member: Json;
  /** The StackSet resource's properties. */
  readonly stackSet: Json;
}

/** Synthesizes the app with TEST_CONTEXT plus `overrides`. */
export function synth(overrides: Record<string, unknown> = {}): Synthesized {
  const outdir = tempDir('ecs-harden-test-');
  const app = new cdk.App({
    outdir,
    autoSynth: false,
    analyticsReporting: false,
    context: { ...TEST_CONTEXT, ...overrides },
  });
  const built = buildApp(app);
  const assembly = app.synth();
  const central = new Map<string, Json>();
  for (const [region, stack] of built.central) {
    central.set(region, assembly.getStackArtifact(stack.artifactId).template);
  }
  const organizationPacks = new Map<string, Json>();
  for (const [region, stack] of built.organizationPacks) {
    organizationPacks.set(region, assembly.getStackArtifact(stack.artifactId).template);
  }
  const members = assembly.getStackArtifact(built.members.artifactId).template;
  const stackSets = resourcesOf(members, 'AWS::CloudFormation::StackSet');
  if (stackSets.length !== 1) {
    throw new Error(`expected one StackSet in ${NAMES.membersStack}, found ${stackSets.length}`);
  }
  const stackSet = stackSets[0][1].Properties;
  return {
    built,
    outdir,
    assembly,
    central,
    members,
    organizationPacks,
    member: JSON.parse(stackSet.TemplateBody),
    stackSet,
  };
}

let defaultSynth: Synthesized | undefined;
/** TEST_CONTEXT as is, synthesized once per test process. */
export function synthDefault(): Synthesized {
  defaultSynth ??= synth();
  return defaultSynth;
}

/** [logicalId, resource] pairs of one type. */
export function resourcesOf(template: Json, type: string): Array<[string, Json]> {
  return Object.entries(template.Resources ?? {}).filter(([, r]) => (r as Json).Type === type) as Array<[string, Json]>;
}

/**
 * Renders a value with CloudFormation intrinsics as one string: {Ref: AWS::Partition} →
 * ${AWS::Partition}, {Ref: X} → ${X}, {Fn::GetAtt: [X, Arn]} → ${X.Arn}, Fn::Join joined,
 * Fn::Sub kept as its template string.
 */
export function flat(value: Json): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') {
    if ('Ref' in value) return `\${${value.Ref}}`;
    if ('Fn::GetAtt' in value) {
      const att = value['Fn::GetAtt'];
      return `\${${Array.isArray(att) ? att.join('.') : att}}`;
    }
    if ('Fn::Join' in value) {
      const [sep, parts] = value['Fn::Join'];
      return (parts as Json[]).map(flat).join(sep);
    }
    if ('Fn::Sub' in value) {
      const sub = value['Fn::Sub'];
      return Array.isArray(sub) ? sub[0] : sub;
    }
  }
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export type PolicyKind = 'trust' | 'identity' | 'resource';

export interface FoundStatement {
  /** template name / logical id / where */
  readonly where: string;
  readonly kind: PolicyKind;
  readonly statement: Json;
}

/**
 * Every IAM statement of a template: role trust policies, inline and standalone identity
 * policies, bucket and event bus policies, and Lambda permissions (as the statement Lambda
 * will write: Principal, and the conditions its properties become).
 */
export function statementsOf(templateName: string, template: Json): FoundStatement[] {
  const found: FoundStatement[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {}) as Array<[string, Json]>) {
    const p = resource.Properties ?? {};
    const at = `${templateName}/${id}`;
    const add = (kind: PolicyKind, where: string, doc: Json) => {
      for (const statement of asList(doc?.Statement)) {
        found.push({ where: `${at}${where}`, kind, statement });
      }
    };
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        add('trust', '/AssumeRolePolicyDocument', p.AssumeRolePolicyDocument);
        for (const policy of asList(p.Policies) as Json[]) {
          add('identity', `/Policies/${policy.PolicyName}`, policy.PolicyDocument);
        }
        break;
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        add('identity', '/PolicyDocument', p.PolicyDocument);
        break;
      case 'AWS::S3::BucketPolicy':
        add('resource', '/PolicyDocument', p.PolicyDocument);
        break;
      case 'AWS::Events::EventBusPolicy':
        if (p.Statement) {
          found.push({ where: `${at}/Statement`, kind: 'resource', statement: p.Statement });
        } else {
          found.push({
            where: at,
            kind: 'resource',
            statement: { Effect: 'Allow', Principal: p.Principal, Action: p.Action, Condition: p.Condition },
          });
        }
        break;
      case 'AWS::Events::EventBus':
        if (p.Policy) add('resource', '/Policy', typeof p.Policy === 'string' ? JSON.parse(p.Policy) : p.Policy);
        break;
      case 'AWS::Lambda::Permission': {
        const condition: Json = {};
        if (p.PrincipalOrgID) condition.StringEquals = { 'aws:PrincipalOrgID': p.PrincipalOrgID };
        if (p.SourceAccount) {
          condition.StringEquals = { ...(condition.StringEquals ?? {}), 'AWS:SourceAccount': p.SourceAccount };
        }
        if (p.SourceArn) condition.ArnLike = { 'AWS:SourceArn': p.SourceArn };
        const principal = /\.amazonaws\.com$/.test(flat(p.Principal))
          ? { Service: p.Principal }
          : p.Principal === '*'
            ? '*'
            : { AWS: p.Principal };
        found.push({
          where: at,
          kind: 'resource',
          statement: { Effect: 'Allow', Principal: principal, Action: p.Action, Resource: p.FunctionName, Condition: condition },
        });
        break;
      }
      default:
        break;
    }
  }
  return found;
}

/** All templates of a synthesized app, the member template included, by name. */
export function allTemplates(s: Synthesized): Array<[string, Json]> {
  return [
    ...[...s.central.entries()].map(([region, t]) => [NAMES.centralStack(region), t] as [string, Json]),
    [NAMES.membersStack, s.members],
    ...[...s.organizationPacks.entries()].map(([region, t]) => [NAMES.organizationPackStack(region), t] as [string, Json]),
    ['member', s.member],
  ];
}

/** Principals of a statement as [kind, value] pairs, values flattened. */
export function principalsOf(statement: Json): Array<[string, string]> {
  const principal = statement.Principal;
  if (principal === undefined) return [];
  if (principal === '*') return [['*', '*']];
  return Object.entries(principal).flatMap(([kind, value]) =>
    asList(value as Json).map((v: Json) => [kind, flat(v)] as [string, string]),
  );
}

/** Only the resources of a policy that grant something. */
export function allows(statement: Json): boolean {
  return statement.Effect === 'Allow';
}

const INSTALL_CFN_LINT =
  'install cfn-lint: run `cargo xtask setup` in the repository root (it creates .venv with cfn-lint), ' +
  '`pip install cfn-lint`, or set CFN_LINT to a cfn-lint executable';

/**
 * The cfn-lint to run: $CFN_LINT, the project's .venv (created by `cargo xtask setup`), or
 * cfn-lint on PATH. Fails the calling test, saying what to install, when none runs.
 */
export function requireCfnLint(): string {
  const candidates = [
    process.env.CFN_LINT,
    path.join(REPO_ROOT, '.venv', 'bin', 'cfn-lint'),
    'cfn-lint',
  ].filter((c): c is string => !!c);
  for (const candidate of candidates) {
    const run = child_process.spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (run.status === 0) return candidate;
  }
  assert.fail(`cfn-lint not found (tried ${candidates.join(', ')}): ${INSTALL_CFN_LINT}`);
}

/** Runs cfn-lint on templates; returns its exit status and output. */
export function cfnLint(
  cfnLintPath: string,
  files: string[],
  regions: string[],
): { status: number | null; output: string } {
  const run = child_process.spawnSync(
    cfnLintPath,
    ['--format', 'parseable', '--regions', ...regions, '--', ...files],
    { encoding: 'utf8', cwd: CDK_ROOT },
  );
  return { status: run.status, output: `${run.stdout ?? ''}${run.stderr ?? ''}`.trim() };
}

/**
 * cfn-lint's table of IAM actions and their resource types (AdditionalSpecs/Policies.json),
 * read through the Python that runs cfn-lint. Fails the calling test when it cannot be read.
 */
export function requireCfnLintPolicies(cfnLintPath: string): Json {
  const script = cfnLintPath.includes('/')
    ? cfnLintPath
    : child_process.spawnSync('which', [cfnLintPath], { encoding: 'utf8' }).stdout.trim();
  const first = script ? fs.readFileSync(script, 'utf8').split('\n')[0] : '';
  const python = first.startsWith('#!') ? first.slice(2).trim() : undefined;
  assert.ok(python, `${cfnLintPath} is not a Python script with a #! line, so its data cannot be found: ${INSTALL_CFN_LINT}`);
  const run = child_process.spawnSync(
    python,
    ['-c', 'import cfnlint, os; print(os.path.join(os.path.dirname(cfnlint.__file__), "data", "AdditionalSpecs", "Policies.json"))'],
    { encoding: 'utf8' },
  );
  const file = run.stdout?.trim();
  assert.ok(
    run.status === 0 && file && fs.existsSync(file),
    `cfn-lint's Policies.json was not found through ${python} (${run.stderr?.trim() || file}): ${INSTALL_CFN_LINT}`,
  );
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The directory `npm run synth` writes (the test script runs it before the tests). */
export const CDK_OUT = path.join(CDK_ROOT, 'cdk.out');

/** The repository's EventBridge event of a RegisterTaskDefinition API call (CloudTrail). */
export const REGISTER_EVENT_FIXTURE = path.join(
  REPO_ROOT,
  'tests',
  'fixtures',
  'events',
  'eventbridge-register-task-definition.json',
);

export function readRegisterEvent(): Json {
  assert.ok(
    fs.existsSync(REGISTER_EVENT_FIXTURE),
    `${REGISTER_EVENT_FIXTURE} is missing: the repository's fixture tree (tests/fixtures) must hold the EventBridge RegisterTaskDefinition event`,
  );
  return JSON.parse(fs.readFileSync(REGISTER_EVENT_FIXTURE, 'utf8'));
}

function matchesValue(condition: Json, present: boolean, value: Json, at: string): boolean {
  if (condition === null || typeof condition !== 'object') {
    if (!present) return false;
    return Array.isArray(value) ? value.some((v) => v === condition) : value === condition;
  }
  const keys = Object.keys(condition);
  if (keys.length !== 1) throw new Error(`${at}: an EventBridge matcher has one key: ${JSON.stringify(condition)}`);
  const [op, arg] = Object.entries(condition)[0] as [string, Json];
  const values: Json[] = Array.isArray(value) ? value : [value];
  switch (op) {
    case 'exists':
      return present === arg;
    case 'prefix':
      return present && values.some((v) => typeof v === 'string' && v.startsWith(arg));
    case 'anything-but':
      return present && values.every((v) => !(Array.isArray(arg) ? arg : [arg]).includes(v));
    default:
      throw new Error(`${at}: the test's matcher does not implement EventBridge's ${op}; extend it before using it`);
  }
}

/**
 * Whether an EventBridge event pattern matches an event, as EventBridge documents it: every
 * field of the pattern must match; a list matches when any of its values does; nested objects
 * match field by field. Supports literal values, exists, prefix and anything-but, and throws
 * on any other operator rather than guess.
 */
export function patternMatches(pattern: Json, event: Json, at = 'pattern'): boolean {
  for (const [key, condition] of Object.entries(pattern) as Array<[string, Json]>) {
    const present = event !== null && typeof event === 'object' && key in event;
    const value = present ? event[key] : undefined;
    if (Array.isArray(condition)) {
      if (!condition.some((c) => matchesValue(c, present, value, `${at}.${key}`))) return false;
    } else if (condition !== null && typeof condition === 'object') {
      if (!present || value === null || typeof value !== 'object') return false;
      if (!patternMatches(condition, value, `${at}.${key}`)) return false;
    } else {
      throw new Error(`${at}.${key}: EventBridge pattern values are lists or objects, got ${JSON.stringify(condition)}`);
    }
  }
  return true;
}

/**
 * The TemplateBody of the member template's conformance pack as the stack instance of
 * `region` resolves it: the Fn::Join of literal pieces and AWS::Region. Anything else in it
 * fails the calling test.
 */
export function memberPackBody(member: Json, region: string): string {
  const packs = resourcesOf(member, 'AWS::Config::ConformancePack');
  assert.equal(packs.length, 1, 'the member template has no conformance pack');
  const body = packs[0][1].Properties.TemplateBody;
  if (typeof body === 'string') return body;
  assert.deepEqual(Object.keys(body), ['Fn::Join'], `unexpected TemplateBody ${JSON.stringify(body).slice(0, 200)}`);
  const [separator, parts] = body['Fn::Join'];
  return (parts as Json[])
    .map((part) => {
      if (typeof part === 'string') return part;
      assert.deepEqual(part, { Ref: 'AWS::Region' }, `unexpected piece ${JSON.stringify(part)} in the pack body`);
      return region;
    })
    .join(separator);
}

/** The TemplateBody of an organization pack stack's pack (a plain string). */
export function organizationPackBody(template: Json): string {
  const packs = resourcesOf(template, 'AWS::Config::OrganizationConformancePack');
  assert.equal(packs.length, 1);
  const body = packs[0][1].Properties.TemplateBody;
  assert.equal(typeof body, 'string', `the organization pack body is not a literal string: ${JSON.stringify(body).slice(0, 200)}`);
  return body;
}

/** An organization-scope synthesis: the root as target, the management account excluded. */
export const ORGANIZATION_SCOPE = {
  packScope: 'organization',
  targetOus: ['r-test'],
  managementAccount: '999999999999',
};

/** The stacks (not the asset manifests) a stack of the assembly waits for. */
export function stackDependencies(assembly: cdk.cx_api.CloudAssembly, artifactId: string): string[] {
  return assembly
    .getStackArtifact(artifactId)
    .dependencies.filter((d) => d instanceof cdk.cx_api.CloudFormationStackArtifact)
    .map((d) => d.id)
    .sort();
}
