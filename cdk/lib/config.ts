// Context of the ecs-harden CDK app: read, validated and normalised in one place, so that a
// bad value fails synthesis with a message naming the key instead of producing a template
// that fails in CloudFormation an hour later.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { aws_logs as logs } from 'aws-cdk-lib';
import { ConfigError } from './errors';
import { ExceptionRegister, readExceptionRegister, registerFileOf } from './exceptions';
import { readParameters } from './parameters';

export { ConfigError };

/** The `cdk/` directory (this file is compiled to `cdk/dist/lib/`). */
export const CDK_ROOT = path.resolve(__dirname, '..', '..');
/** The repository root, one level above `cdk/`. */
export const REPO_ROOT = path.resolve(CDK_ROOT, '..');

export const DEFAULT_CATALOGUE = path.join(CDK_ROOT, 'generated', 'catalogue.json');
export const DEFAULT_CONFORMANCE_PACK = path.join(
  REPO_ROOT,
  'conformance-packs',
  'ecs-harden-organization.yaml',
);

/** Names the stacks, the member template and the tests agree on. */
export const NAMES = {
  gateFunction: 'ecs-harden-gate',
  gateCrate: 'gate',
  gateBus: 'ecs-harden-gate',
  gateForwardRule: 'ecs-harden-gate-register-task-definition',
  hookAlias: 'EcsHarden::ECS::TaskDefinitionGate',
  conformancePack: 'ecs-harden',
  aggregator: 'ecs-harden-organization',
  stackSet: 'ecs-harden-member',
  /** Shared execution role of the rule Lambdas in one Region of the central account. */
  rulesRole: (region: string) => `ecs-harden-rules-${region}`,
  /** Execution role of the gate Lambda in one Region of the central account. */
  gateRole: (region: string) => `ecs-harden-gate-${region}`,
  /** Role in each member account and Region that forwards RegisterTaskDefinition events. */
  forwardRole: (region: string) => `ecs-harden-gate-forward-${region}`,
  findingsFunction: 'ecs-harden-findings',
  findingsCrate: 'findings',
  /** The rule (on the central bus, and in each member account) for Config compliance changes. */
  findingsForwardRule: 'ecs-harden-findings-compliance-change',
  /** Execution role of the findings Lambda in one Region of the central account. */
  findingsRole: (region: string) => `ecs-harden-findings-${region}`,
  /**
   * Start of the organization pack's delivery bucket name: Config requires the
   * `awsconfigconforms` prefix; the stack appends the Region and a suffix unique to the stack.
   */
  deliveryBucketPrefix: 'awsconfigconforms-ecs-harden',
  centralStack: (region: string) => `ecs-harden-central-${region}`,
  /** The stack that holds only the member StackSet (in centralRegion). */
  membersStack: 'ecs-harden-members',
  /** The stack that holds only the organization conformance pack of one Region. */
  organizationPackStack: (region: string) => `ecs-harden-organization-pack-${region}`,
};

/** AWS's limit for an inline TemplateBody (conformance packs and StackSets alike). */
export const TEMPLATE_BODY_LIMIT = 51_200;

export type GateMode = 'audit' | 'enforce';

/** Where the rules come from: per-account packs in the member StackSet, or one organization pack per Region. */
export type PackScope = 'stackset' | 'organization';

export interface CatalogueParameter {
  readonly name: string;
  /** `list`, `version`, `boolean`, `regex`, ... as the catalogue names it. */
  readonly kind: string;
  readonly default: string;
  readonly maxItems: number | null;
}

export interface CatalogueControl {
  readonly id: string;
  readonly ruleName: string;
  readonly crate: string;
  readonly resourceType: string;
  readonly severity: string;
  readonly title: string;
  /** Whether the gate can judge it: a task-definition control that reads nothing beside it. */
  readonly gate: boolean;
  readonly parameters: readonly CatalogueParameter[];
  readonly frameworks: readonly unknown[];
}

/**
 * Names of the environment variables the Lambdas read (`contract.environment` of the
 * catalogue, exported from the Rust side so that the names are written once).
 */
export interface LambdaEnvironment {
  readonly memberRoleName: string;
  readonly gateMode: string;
  readonly gateControls: string;
  readonly parameters: string;
  readonly aggregator: string;
  readonly exceptions: string;
}

/**
 * An AWS Config managed rule of the catalogue: the packs deploy it with `Source.Owner: AWS`
 * and Config's identifier; it has no function.
 */
export interface CatalogueManagedRule {
  readonly id: string;
  readonly ruleName: string;
  readonly title: string;
  readonly severity: string;
  /** AWS Config's identifier of the rule (`ECR_PRIVATE_IMAGE_SCANNING_ENABLED`). */
  readonly identifier: string;
  readonly resourceTypes: readonly string[];
}

export interface Catalogue {
  readonly controls: readonly CatalogueControl[];
  readonly managed: readonly CatalogueManagedRule[];
  readonly environment: LambdaEnvironment;
}

/** Parameter values by control id, then by parameter name, as Config passes them (strings). */
export type ParameterMap = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** A StackSet operation preference given as a count of accounts or a percentage. */
export type Amount =
  | { readonly kind: 'count'; readonly value: number }
  | { readonly kind: 'percentage'; readonly value: number };

export interface StackSetOperation {
  /** Accounts per Region that may fail before the operation stops in that Region. */
  readonly failureTolerance: Amount;
  /** Accounts per Region deployed at once. */
  readonly maxConcurrent: Amount;
  readonly regionConcurrency: 'PARALLEL' | 'SEQUENTIAL';
}

/** Where the Lambda code comes from: the xtask zips, or an S3 bucket (one per Region). */
export type CodeSource =
  | { readonly kind: 'zip'; readonly dir: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly keyPrefix: string };

export interface EcsHardenConfig {
  readonly organizationId: string;
  readonly targetOus: readonly string[];
  readonly regions: readonly string[];
  readonly centralRegion: string;
  /** The partition of every Region of `regions` (aws, aws-cn, aws-us-gov, ...). */
  readonly partition: string;
  readonly gateMode: GateMode;
  readonly delegatedAdminAccount: string;
  readonly memberRoleName: string;
  readonly gateMemberRoleName: string;
  /** Security Hub findings from the rules' compliance changes (securityHubFindings). */
  readonly securityHubFindings: boolean;
  /** The role the findings Lambda assumes in member accounts. */
  readonly findingsMemberRoleName: string;
  /** Control ids for the gate's controls variable; empty: the gate's default (High TD controls). */
  readonly gateControls: readonly string[];
  readonly packScope: PackScope;
  /** The organization's management account; set (and required) with packScope organization. */
  readonly managementAccount?: string;
  /** Accounts of targetOus that get nothing: no member stack, no rules. */
  readonly excludedAccounts: readonly string[];
  /** When set, the only accounts that get the member stack and rules, and that Config may invoke the functions from. */
  readonly configSourceAccounts: readonly string[];
  /** The one parameter map of the packs, the gate and `ecs-harden check --config`. */
  readonly parameters: ParameterMap;
  readonly stackSetOperation: StackSetOperation;
  readonly gateReservedConcurrency: number;
  /** Reserved (hence maximum) concurrency of each rule function; undefined: no cap. */
  readonly ruleReservedConcurrency?: number;
  /** The Lambda concurrent executions quota of the delegated administrator account. */
  readonly lambdaConcurrencyQuota: number;
  readonly logRetentionDays: logs.RetentionDays;
  readonly code: CodeSource;
  /** Why the S3 source was chosen although zipDir was configured (shown as a warning). */
  readonly codeNotice?: string;
  readonly controls: readonly CatalogueControl[];
  /** The catalogue's AWS managed rules: in the packs, without a function. */
  readonly managedRules: readonly CatalogueManagedRule[];
  readonly environment: LambdaEnvironment;
  /** The generated organization pack (YAML with a LambdaArnPrefix parameter). */
  readonly conformancePackSource: string;
  /** Where conformancePackSource was read from, for messages. */
  readonly conformancePackFile: string;
  /** The exception register (context `exceptions`, a file), validated; unset: none deployed. */
  readonly exceptions?: ExceptionRegister;
}

export interface ContextSource {
  tryGetContext(key: string): unknown;
}

/** Lambda keeps at least this much of the account's concurrency unreserved. */
export const UNRESERVED_CONCURRENCY_MINIMUM = 100;
/** Lambda's limit on the total size of a function's environment variables. */
export const ENVIRONMENT_SIZE_LIMIT = 4096;

const ORG_ID = /^o-[a-z0-9]{10,32}$/;
// CloudFormation's pattern for AWS::CloudFormation::StackSet DeploymentTargets.
const OU_ID = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;
const ROOT_ID = /^r-[a-z0-9]{4,32}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const ACCOUNT = /^\d{12}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
// A bucket name, optionally with {account} and {region} placeholders.
const BUCKET_TEMPLATE = /^[a-z0-9{][a-z0-9.{}-]{1,61}[a-z0-9}]$/;

/** The partition a Region belongs to. */
export function partitionOf(region: string): string {
  const prefixes: Array<[string, string]> = [
    ['cn-', 'aws-cn'],
    ['us-gov-', 'aws-us-gov'],
    ['us-isob-', 'aws-iso-b'],
    ['us-iso-', 'aws-iso'],
    ['eu-isoe-', 'aws-iso-e'],
  ];
  return prefixes.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}

/** Values given with `-c key=value` arrive as strings; JSON arrays and objects are parsed. */
function decode(key: string, value: unknown): unknown {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
      try {
        return JSON.parse(trimmed);
      } catch (e) {
        throw new ConfigError(`${key}: not valid JSON (${(e as Error).message})`);
      }
    }
  }
  return value;
}

function str(ctx: ContextSource, key: string, fallback?: string): string {
  const value = decode(key, ctx.tryGetContext(key)) ?? fallback;
  if (value === undefined) {
    throw new ConfigError(`${key} is required`);
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new ConfigError(`${key}: expected a string, got ${JSON.stringify(value)}`);
  }
  return String(value).trim();
}

/** A list: a JSON array, or a comma-separated string. */
function list(ctx: ContextSource, key: string, fallback?: string[]): string[] {
  const value = decode(key, ctx.tryGetContext(key)) ?? fallback;
  if (value === undefined) {
    throw new ConfigError(`${key} is required (a list)`);
  }
  let items: unknown[];
  if (Array.isArray(value)) {
    items = value;
  } else if (typeof value === 'string') {
    items = value.split(',');
  } else {
    throw new ConfigError(`${key}: expected a list, got ${JSON.stringify(value)}`);
  }
  return items.map((item) => {
    if (typeof item !== 'string' && typeof item !== 'number') {
      throw new ConfigError(`${key}: expected strings, got ${JSON.stringify(item)}`);
    }
    return String(item).trim();
  }).filter((item) => item !== '');
}

function check(key: string, values: string[], pattern: RegExp, what: string): void {
  for (const value of values) {
    if (!pattern.test(value)) {
      throw new ConfigError(`${key}: ${JSON.stringify(value)} is not ${what}`);
    }
  }
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) {
      throw new ConfigError(`${key}: ${JSON.stringify(value)} is listed twice`);
    }
    seen.add(value);
  }
}

/** `true` or `false`, as JSON or as the string `-c key=false` gives. */
function bool(ctx: ContextSource, key: string, fallback: boolean): boolean {
  const value = decode(key, ctx.tryGetContext(key)) ?? fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(`${key}: ${JSON.stringify(value)} is neither true nor false`);
}

/** A non-negative integer (`min` and up); numbers given with `-c` arrive as strings. */
function integer(ctx: ContextSource, key: string, fallback: number, min: number): number {
  const raw = str(ctx, key, String(fallback));
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new ConfigError(`${key}: ${JSON.stringify(raw)} is not an integer of at least ${min}`);
  }
  return Number(raw);
}

/** `N%` (a percentage of the accounts) or `N` (a number of accounts). */
function amount(ctx: ContextSource, key: string, fallback: string, min: number): Amount {
  const raw = str(ctx, key, fallback);
  const match = /^(\d+)(%?)$/.exec(raw);
  if (!match) {
    throw new ConfigError(`${key}: ${JSON.stringify(raw)} is neither a number of accounts (5) nor a percentage (25%)`);
  }
  const value = Number(match[1]);
  if (match[2] === '%') {
    if (value < min || value > 100) {
      throw new ConfigError(`${key}: ${raw} is outside ${min}%..100%`);
    }
    return { kind: 'percentage', value };
  }
  if (value < min) {
    throw new ConfigError(`${key}: ${raw} is below ${min}`);
  }
  return { kind: 'count', value };
}

function environmentOf(file: string, contract: unknown): LambdaEnvironment {
  const environment = (contract as { environment?: unknown } | undefined)?.environment;
  if (environment === null || typeof environment !== 'object') {
    throw new ConfigError(`${file}: no "contract.environment" object (run \`cargo xtask codegen\`)`);
  }
  const names = environment as Record<string, unknown>;
  const read = (key: keyof LambdaEnvironment): string => {
    const name = names[key];
    if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
      throw new ConfigError(
        `${file}: contract.environment.${key} is ${JSON.stringify(name)}, not an environment variable name (run \`cargo xtask codegen\`)`,
      );
    }
    return name;
  };
  return {
    memberRoleName: read('memberRoleName'),
    gateMode: read('gateMode'),
    gateControls: read('gateControls'),
    aggregator: read('aggregator'),
    exceptions: read('exceptions'),
    parameters: read('parameters'),
  };
}

function parameterOf(file: string, id: string, index: number, raw: unknown): CatalogueParameter {
  const p = raw as Record<string, unknown>;
  const at = `${file}: ${id} parameters[${index}]`;
  if (typeof p?.name !== 'string' || p.name === '') {
    throw new ConfigError(`${at}.name is missing`);
  }
  if (typeof p.kind !== 'string' || typeof p.default !== 'string') {
    throw new ConfigError(`${at} (${p.name}): kind and default must be strings`);
  }
  if (p.maxItems !== null && p.maxItems !== undefined && typeof p.maxItems !== 'number') {
    throw new ConfigError(`${at} (${p.name}): maxItems must be a number or null`);
  }
  return { name: p.name, kind: p.kind, default: p.default, maxItems: (p.maxItems as number | null | undefined) ?? null };
}

export function readCatalogue(file: string): Catalogue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(
      `cannot read the catalogue ${file} (run \`cargo xtask codegen\`): ${(e as Error).message}`,
    );
  }
  const controls = (parsed as { controls?: unknown }).controls;
  if (!Array.isArray(controls) || controls.length === 0) {
    throw new ConfigError(`${file}: no "controls" array`);
  }
  const environment = environmentOf(file, (parsed as { contract?: unknown }).contract);
  const names = new Set<string>();
  const ids = new Set<string>();
  const read = controls.map((raw, index) => {
    const c = raw as Record<string, unknown>;
    for (const field of ['id', 'ruleName', 'crate', 'resourceType', 'severity', 'title']) {
      if (typeof c[field] !== 'string' || c[field] === '') {
        throw new ConfigError(`${file}: controls[${index}].${field} is missing`);
      }
    }
    if (typeof c.gate !== 'boolean') {
      throw new ConfigError(`${file}: controls[${index}].gate is missing`);
    }
    const control = c as unknown as CatalogueControl;
    // The rule name is also the Lambda function name (a rule's SourceIdentifier is the
    // function ARN ending in <ruleName>): at most 64 characters, Lambda's function-name alphabet.
    if (!/^ecs-harden-[a-z0-9-]+$/.test(control.ruleName) || control.ruleName.length > 64) {
      throw new ConfigError(`${file}: ${control.id} has an unusable ruleName ${control.ruleName}`);
    }
    if (control.ruleName === NAMES.gateFunction || names.has(control.ruleName)) {
      throw new ConfigError(`${file}: ruleName ${control.ruleName} is not unique`);
    }
    if (ids.has(control.id)) {
      throw new ConfigError(`${file}: control id ${control.id} is listed twice`);
    }
    names.add(control.ruleName);
    ids.add(control.id);
    if (!/^[a-z0-9-]+$/.test(control.crate)) {
      throw new ConfigError(`${file}: ${control.id} has an unusable crate name ${control.crate}`);
    }
    const parameters = Array.isArray(c.parameters) ? c.parameters : [];
    return {
      ...control,
      parameters: parameters.map((p, i) => parameterOf(file, control.id, i, p)),
      frameworks: Array.isArray(c.frameworks) ? c.frameworks : [],
    };
  });
  const managed = (parsed as { managed?: unknown }).managed ?? [];
  if (!Array.isArray(managed)) {
    throw new ConfigError(`${file}: "managed" must be an array`);
  }
  const managedRules = managed.map((raw, index) => {
    const m = raw as Record<string, unknown>;
    for (const field of ['id', 'ruleName', 'title', 'severity', 'identifier']) {
      if (typeof m[field] !== 'string' || m[field] === '') {
        throw new ConfigError(`${file}: managed[${index}].${field} is missing`);
      }
    }
    const rule = m as unknown as CatalogueManagedRule;
    if (!/^ecs-harden-[a-z0-9-]+$/.test(rule.ruleName) || rule.ruleName.length > 128) {
      throw new ConfigError(`${file}: ${rule.id} has an unusable ruleName ${rule.ruleName}`);
    }
    if (names.has(rule.ruleName) || ids.has(rule.id)) {
      throw new ConfigError(`${file}: ${rule.id} (${rule.ruleName}) is listed twice`);
    }
    if (!/^[A-Z0-9_]+$/.test(rule.identifier)) {
      throw new ConfigError(`${file}: ${rule.id} has an unusable identifier ${rule.identifier}`);
    }
    if (!Array.isArray(m.resourceTypes) || !m.resourceTypes.every((t) => typeof t === 'string')) {
      throw new ConfigError(`${file}: ${rule.id}: resourceTypes must be a list of type names`);
    }
    names.add(rule.ruleName);
    ids.add(rule.id);
    return rule;
  });
  return { controls: read, managed: managedRules, environment };
}

function readCode(
  ctx: ContextSource,
  crates: string[],
): { code: CodeSource; notice?: string } {
  const raw = decode('lambdaCode', ctx.tryGetContext('lambdaCode'));
  if (raw === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(
      'lambdaCode is required: {"zipDir": "<dir of <crate>.zip>"} and/or ' +
        '{"codeBucket": "<bucket, may contain {region} and {account}>", "codeKeyPrefix": "<prefix>"}',
    );
  }
  const value = raw as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    if (!['zipDir', 'codeBucket', 'codeKeyPrefix'].includes(key)) {
      throw new ConfigError(`lambdaCode.${key}: unknown key (zipDir, codeBucket, codeKeyPrefix)`);
    }
  }
  let notice: string | undefined;
  if (value.zipDir !== undefined) {
    if (typeof value.zipDir !== 'string' || value.zipDir === '') {
      throw new ConfigError('lambdaCode.zipDir: expected a directory path');
    }
    const dir = path.resolve(CDK_ROOT, value.zipDir);
    const missing = crates.filter((crate) => !fs.existsSync(path.join(dir, `${crate}.zip`)));
    if (missing.length === 0) {
      return { code: { kind: 'zip', dir } };
    }
    notice =
      `lambdaCode.zipDir ${dir} lacks ${missing.length} of ${crates.length} zips ` +
      `(${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}.zip); ` +
      'run `cargo xtask build-lambdas` to deploy local builds';
  }
  if (value.codeBucket !== undefined) {
    if (typeof value.codeBucket !== 'string' || !BUCKET_TEMPLATE.test(value.codeBucket)) {
      throw new ConfigError(
        `lambdaCode.codeBucket: ${JSON.stringify(value.codeBucket)} is not a bucket name ` +
          '(placeholders {region} and {account} are allowed)',
      );
    }
    const keyPrefix = value.codeKeyPrefix ?? '';
    if (typeof keyPrefix !== 'string') {
      throw new ConfigError('lambdaCode.codeKeyPrefix: expected a string');
    }
    return {
      code: { kind: 's3', bucket: value.codeBucket, keyPrefix },
      notice: notice ? `${notice}; using s3://${value.codeBucket}/${keyPrefix}<crate>.zip` : undefined,
    };
  }
  throw new ConfigError(
    notice ?? 'lambdaCode: set zipDir (the xtask zips) or codeBucket (an S3 bucket per Region)',
  );
}

/** Reads and validates the context. Throws ConfigError with the offending key. */
export function readConfig(ctx: ContextSource): EcsHardenConfig {
  const organizationId = str(ctx, 'organizationId');
  if (!ORG_ID.test(organizationId)) {
    throw new ConfigError(`organizationId: ${JSON.stringify(organizationId)} is not an organization id (o-xxxxxxxxxx)`);
  }
  const targetOus = list(ctx, 'targetOus');
  if (targetOus.length === 0) {
    throw new ConfigError('targetOus: at least one OU (ou-...) or root (r-...) id is required');
  }
  check('targetOus', targetOus, OU_ID, 'an OU id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)');

  const regions = list(ctx, 'regions');
  if (regions.length === 0) {
    throw new ConfigError('regions: at least one Region is required');
  }
  check('regions', regions, REGION, 'a Region name');
  const partition = partitionOf(regions[0]);
  const otherPartition = regions.find((r) => partitionOf(r) !== partition);
  if (otherPartition) {
    throw new ConfigError(
      `regions: ${otherPartition} is in partition ${partitionOf(otherPartition)}, ${regions[0]} in ${partition}; ` +
        'deploy each partition separately',
    );
  }
  const centralRegion = str(ctx, 'centralRegion', regions[0]);
  check('centralRegion', [centralRegion], REGION, 'a Region name');
  if (!regions.includes(centralRegion)) {
    throw new ConfigError(
      `centralRegion ${centralRegion} must be one of regions (${regions.join(', ')}): ` +
        'the member role is created by the stack instance in that Region',
    );
  }

  const gateMode = str(ctx, 'gateMode', 'audit');
  if (gateMode !== 'audit' && gateMode !== 'enforce') {
    throw new ConfigError(`gateMode: ${JSON.stringify(gateMode)} is neither "audit" nor "enforce"`);
  }

  const delegatedAdminAccount = str(ctx, 'delegatedAdminAccount');
  check('delegatedAdminAccount', [delegatedAdminAccount], ACCOUNT, 'a 12-digit account id');

  const memberRoleName = str(ctx, 'memberRoleName', 'ecs-harden-member');
  check('memberRoleName', [memberRoleName], ROLE_NAME, 'an IAM role name');
  const gateMemberRoleName = str(ctx, 'gateMemberRoleName', `${memberRoleName}-gate`);
  check('gateMemberRoleName', [gateMemberRoleName], ROLE_NAME, 'an IAM role name');
  if (gateMemberRoleName === memberRoleName) {
    throw new ConfigError('gateMemberRoleName must differ from memberRoleName');
  }
  const securityHubFindings = bool(ctx, 'securityHubFindings', true);
  const findingsMemberRoleName = str(ctx, 'findingsMemberRoleName', `${memberRoleName}-findings`);
  check('findingsMemberRoleName', [findingsMemberRoleName], ROLE_NAME, 'an IAM role name');
  if ([memberRoleName, gateMemberRoleName].includes(findingsMemberRoleName)) {
    throw new ConfigError('findingsMemberRoleName must differ from memberRoleName and gateMemberRoleName');
  }

  const excludedAccounts = list(ctx, 'excludedAccounts', []);
  check('excludedAccounts', excludedAccounts, ACCOUNT, 'a 12-digit account id');
  const configSourceAccounts = list(ctx, 'configSourceAccounts', []);
  check('configSourceAccounts', configSourceAccounts, ACCOUNT, 'a 12-digit account id');
  const both = configSourceAccounts.find((a) => excludedAccounts.includes(a));
  if (both) {
    throw new ConfigError(`configSourceAccounts: ${both} is also in excludedAccounts; list it in one of them`);
  }

  const packScope = str(ctx, 'packScope', 'stackset');
  if (packScope !== 'stackset' && packScope !== 'organization') {
    throw new ConfigError(`packScope: ${JSON.stringify(packScope)} is neither "stackset" nor "organization"`);
  }
  let managementAccount: string | undefined;
  if (packScope === 'organization') {
    // An organization pack reaches every account but the excluded ones; the member roles
    // exist where the StackSet deploys. Both are the whole organization only when the
    // StackSet targets the root, and the management account (which no service-managed
    // StackSet reaches) is excluded from the pack.
    if (targetOus.length !== 1 || !ROOT_ID.test(targetOus[0])) {
      throw new ConfigError(
        `packScope organization needs targetOus to be the root id alone (r-xxxx), not ${targetOus.join(', ')}: ` +
          'an organization pack reaches every account, the member roles only those of targetOus. ' +
          'Use packScope stackset for some OUs',
      );
    }
    if (configSourceAccounts.length > 0) {
      throw new ConfigError(
        'configSourceAccounts needs packScope stackset: an organization pack reaches accounts that join later, ' +
          'which a list of Lambda permissions written at synth cannot follow',
      );
    }
    managementAccount = str(ctx, 'managementAccount', '');
    if (managementAccount === '') {
      throw new ConfigError(
        'managementAccount is required with packScope organization: the pack must leave it out, because no StackSet gives it member roles',
      );
    }
    check('managementAccount', [managementAccount], ACCOUNT, 'a 12-digit account id');
  }

  const stackSetOperation: StackSetOperation = {
    failureTolerance: amount(ctx, 'stackSetFailureTolerance', '100%', 0),
    maxConcurrent: amount(ctx, 'stackSetMaxConcurrent', '25%', 1),
    regionConcurrency: (() => {
      const value = str(ctx, 'stackSetRegionConcurrency', 'PARALLEL');
      if (value !== 'PARALLEL' && value !== 'SEQUENTIAL') {
        throw new ConfigError(`stackSetRegionConcurrency: ${JSON.stringify(value)} is neither PARALLEL nor SEQUENTIAL`);
      }
      return value;
    })(),
  };

  const retention = Number(str(ctx, 'logRetentionDays', '90'));
  const allowedRetention = Object.values(logs.RetentionDays).filter(
    (v): v is number => typeof v === 'number' && v !== logs.RetentionDays.INFINITE,
  );
  if (!allowedRetention.includes(retention)) {
    throw new ConfigError(
      `logRetentionDays: ${retention} is not a CloudWatch Logs retention (${allowedRetention.join(', ')})`,
    );
  }

  const catalogueFile = path.resolve(CDK_ROOT, str(ctx, 'catalogue', DEFAULT_CATALOGUE));
  const { controls, managed: managedRules, environment } = readCatalogue(catalogueFile);

  const gateControls = list(ctx, 'gateControls', []);
  for (const id of gateControls) {
    const control = controls.find((c) => c.id === id);
    if (!control) {
      throw new ConfigError(`gateControls: ${id} is not a control of the catalogue`);
    }
    if (control.resourceType !== 'AWS::ECS::TaskDefinition') {
      throw new ConfigError(`gateControls: ${id} checks ${control.resourceType}; the gate sees task definitions only`);
    }
    if (!control.gate) {
      throw new ConfigError(
        `gateControls: ${id} reads resources beside the task definition, which the gate does not see; its Config rule judges it`,
      );
    }
  }

  const parameters = readParameters(ctx, controls, CDK_ROOT);

  // Validated on the day of synthesis, as `ecs-harden check --exceptions` validates it.
  const exceptionsFile = registerFileOf(ctx, CDK_ROOT);
  const exceptions =
    exceptionsFile === undefined
      ? undefined
      : readExceptionRegister(exceptionsFile, CDK_ROOT, controls.map((c) => c.id), new Date());

  const gateReservedConcurrency = integer(ctx, 'gateReservedConcurrency', 20, 1);
  const ruleCap = str(ctx, 'ruleReservedConcurrency', '5');
  const ruleReservedConcurrency = ruleCap === 'none' ? undefined : integer(ctx, 'ruleReservedConcurrency', 5, 1);
  const lambdaConcurrencyQuota = integer(ctx, 'lambdaConcurrencyQuota', 1000, 1);
  // The findings function has the rule functions' cap.
  const capped = controls.length + (securityHubFindings ? 1 : 0);
  const reserved = gateReservedConcurrency + (ruleReservedConcurrency ?? 0) * capped;
  const reservable = lambdaConcurrencyQuota - UNRESERVED_CONCURRENCY_MINIMUM;
  if (reserved > reservable) {
    throw new ConfigError(
      `gateReservedConcurrency ${gateReservedConcurrency} + ruleReservedConcurrency ${ruleReservedConcurrency ?? 0} x ` +
        `${capped} functions = ${reserved} reserved executions per Region; Lambda keeps ` +
        `${UNRESERVED_CONCURRENCY_MINIMUM} of the account's ${lambdaConcurrencyQuota} (lambdaConcurrencyQuota) unreserved, ` +
        `so at most ${reservable} can be reserved. Lower them, or raise the quota and set lambdaConcurrencyQuota`,
    );
  }

  const packFile = path.resolve(CDK_ROOT, str(ctx, 'conformancePack', DEFAULT_CONFORMANCE_PACK));
  let conformancePackSource: string;
  try {
    conformancePackSource = fs.readFileSync(packFile, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read the conformance pack ${packFile}: ${(e as Error).message}`);
  }

  const configSourcePermissions = configSourceAccounts.length * controls.length;
  if (configSourcePermissions > 200) {
    throw new ConfigError(
      `configSourceAccounts: ${configSourceAccounts.length} accounts x ${controls.length} rules = ` +
        `${configSourcePermissions} Lambda permissions; too many for a 500-resource stack and ` +
        "Lambda's 20 KB function policy. Leave configSourceAccounts empty for a large organization",
    );
  }

  const crates = [
    ...controls.map((c) => c.crate),
    NAMES.gateCrate,
    ...(securityHubFindings ? [NAMES.findingsCrate] : []),
  ];
  const { code, notice } = readCode(ctx, crates);

  return {
    organizationId,
    targetOus,
    regions,
    centralRegion,
    partition,
    gateMode,
    delegatedAdminAccount,
    memberRoleName,
    gateMemberRoleName,
    securityHubFindings,
    findingsMemberRoleName,
    gateControls,
    packScope,
    managementAccount,
    excludedAccounts,
    configSourceAccounts,
    parameters,
    stackSetOperation,
    gateReservedConcurrency,
    ruleReservedConcurrency,
    lambdaConcurrencyQuota,
    logRetentionDays: retention as logs.RetentionDays,
    code,
    codeNotice: notice,
    controls,
    managedRules,
    environment,
    conformancePackSource,
    conformancePackFile: packFile,
    exceptions,
  };
}
