// The exception register (accepted risk, docs/exceptions.md) as the deployment carries it: the
// `exceptions` context key names a register file, which synthesis validates against the
// published JSON Schema (schemas/exceptions.schema.json) and the catalogue, then every central
// stack writes to a versioned bucket of its own where the rule Lambdas and the gate read it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import {
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_s3 as s3,
  custom_resources as cr,
} from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './errors';

/** The published schema, draft 4: the one `ecs-harden check --exceptions` files follow. */
export const REGISTER_SCHEMA = path.resolve(__dirname, '..', '..', '..', 'schemas', 'exceptions.schema.json');

/** Days an entry may run from today when the register does not say (`maxLifetimeDays`). */
export const DEFAULT_MAX_LIFETIME_DAYS = 365;

/** The register file, validated, as it is uploaded. */
export interface ExceptionRegister {
  /** Where it was read from, for messages. */
  readonly file: string;
  /** The object key in the register bucket: `exceptions.json` or `exceptions.yaml`. */
  readonly key: string;
  /** The file's text, uploaded unchanged (comments included). */
  readonly text: string;
  readonly entryIds: readonly string[];
}

type Schema = Record<string, unknown>;
type Json = unknown;

/**
 * The register named by `file` (relative paths from `cdk/`), or a ConfigError naming the file,
 * the entry and the field of every problem: what the schema rejects, controls that are not in
 * the catalogue, duplicate ids, an `expires` past the maximum lifetime from `today`.
 */
export function readExceptionRegister(
  file: string,
  root: string,
  controlIds: readonly string[],
  today: Date,
): ExceptionRegister {
  const resolved = path.resolve(root, file);
  let text: string;
  try {
    text = fs.readFileSync(resolved, 'utf8');
  } catch (e) {
    throw new ConfigError(`exceptions: cannot read ${resolved}: ${(e as Error).message}`);
  }
  let document: Json;
  try {
    document = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`exceptions: ${resolved} is neither YAML nor JSON: ${(e as Error).message}`);
  }
  const schema = JSON.parse(fs.readFileSync(REGISTER_SCHEMA, 'utf8')) as Schema;
  const problems = validate(document, schema, schema, '');
  const entries = Array.isArray((document as { exceptions?: unknown })?.exceptions)
    ? ((document as { exceptions: Json[] }).exceptions as Array<Record<string, unknown>>)
    : [];
  const maxDays = (document as { maxLifetimeDays?: unknown })?.maxLifetimeDays;
  const lifetime = typeof maxDays === 'number' ? maxDays : DEFAULT_MAX_LIFETIME_DAYS;
  const latest = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + lifetime));
  const latestDay = latest.toISOString().slice(0, 10);
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const id = typeof entry?.id === 'string' ? entry.id : '';
    const at = id ? `exceptions[${index}] (${id})` : `exceptions[${index}]`;
    if (id && seen.has(id)) problems.push(`${at}.id: ${id} is used by an earlier entry; ids must be unique`);
    seen.add(id);
    for (const control of Array.isArray(entry?.controls) ? entry.controls : []) {
      if (typeof control === 'string' && !controlIds.includes(control)) {
        problems.push(`${at}.controls: ${control} is not a control of the catalogue`);
      }
    }
    if (typeof entry?.expires === 'string' && entry.expires > latestDay) {
      problems.push(
        `${at}.expires: ${entry.expires} is more than ${lifetime} days (maxLifetimeDays) from today; the latest allowed is ${latestDay}`,
      );
    }
  });
  if (problems.length > 0) {
    throw new ConfigError(`exceptions: ${resolved}: ${problems.join('; ')}`);
  }
  return {
    file: resolved,
    key: resolved.endsWith('.json') ? 'exceptions.json' : 'exceptions.yaml',
    text,
    entryIds: entries.map((e) => String(e.id)),
  };
}

/**
 * The register file to deploy: the `exceptions` context key (relative to `root`), else the
 * `exceptions` key of `configFile` (relative to that file), as `ecs-harden check --config`
 * reads it; undefined when neither names one.
 */
export function registerFileOf(ctx: { tryGetContext(key: string): unknown }, root: string): string | undefined {
  const explicit: unknown = ctx.tryGetContext('exceptions');
  if (explicit !== undefined && explicit !== '') {
    if (typeof explicit !== 'string') {
      throw new ConfigError(`exceptions: expected the path of the exception register, got ${JSON.stringify(explicit)}`);
    }
    return path.resolve(root, explicit);
  }
  const configFile: unknown = ctx.tryGetContext('configFile');
  if (typeof configFile !== 'string' || configFile === '') return undefined;
  const file = path.resolve(root, configFile);
  let document: unknown;
  try {
    document = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`configFile: cannot read ${file}: ${(e as Error).message}`);
  }
  const named = (document as { exceptions?: unknown } | null)?.exceptions;
  if (named === undefined || named === null) return undefined;
  if (typeof named !== 'string' || named === '') {
    throw new ConfigError(
      `configFile ${file}: exceptions must be the path of the exception register, found ${JSON.stringify(named)}`,
    );
  }
  return path.resolve(path.dirname(file), named);
}

/** What `value` breaks of the draft 4 keywords the register schema uses, as JSON paths. */
function validate(value: Json, schema: Schema, root: Schema, at: string): string[] {
  const where = at === '' ? '(the document)' : at;
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, part) => (node as Schema)?.[part], root) as Schema | undefined;
    if (!target) throw new ConfigError(`${REGISTER_SCHEMA}: ${schema.$ref} does not resolve`);
    return validate(value, target, root, at);
  }
  const problems: string[] = [];
  switch (schema.type) {
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return [`${where}: expected an object`];
      }
      const object = value as Record<string, Json>;
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      for (const key of (schema.required ?? []) as string[]) {
        if (!(key in object)) problems.push(`${join(at, key)}: required`);
      }
      for (const [key, item] of Object.entries(object)) {
        if (properties[key]) {
          problems.push(...validate(item, properties[key], root, join(at, key)));
        } else if (schema.additionalProperties === false) {
          problems.push(`${join(at, key)}: unknown key (expected ${Object.keys(properties).join(', ')})`);
        }
      }
      return problems;
    }
    case 'array': {
      if (!Array.isArray(value)) return [`${where}: expected a list`];
      if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
        problems.push(`${where}: at least ${schema.minItems} item(s)`);
      }
      const items = schema.items as Schema | undefined;
      if (items) value.forEach((item, i) => problems.push(...validate(item, items, root, `${at}[${i}]`)));
      return problems;
    }
    case 'string': {
      // YAML reads an unquoted 2027-06-30 as a string here (the yaml package's core schema).
      if (typeof value !== 'string') return [`${where}: expected a string`];
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) {
        problems.push(`${where}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
      }
      return problems;
    }
    case 'integer': {
      if (!Number.isInteger(value)) return [`${where}: expected a whole number`];
      if (typeof schema.minimum === 'number' && (value as number) < schema.minimum) {
        problems.push(`${where}: at least ${schema.minimum}`);
      }
      return problems;
    }
    default:
      throw new ConfigError(`${REGISTER_SCHEMA}: type ${JSON.stringify(schema.type)} is not one this check reads`);
  }
}

function join(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}

export interface DeployedRegisterProps {
  readonly register: ExceptionRegister;
  /** Roles of the functions that read it: s3:GetObject on the one object. */
  readonly readers: readonly iam.Role[];
  /** Functions that get its location in `variable` and start after it is written. */
  readonly functions: readonly lambda.Function[];
  /** The environment variable of the contract (ECS_HARDEN_EXCEPTIONS). */
  readonly variable: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The register in a versioned bucket of the stack: every deploy that changes the file writes a
 * new version of one object (its version id is the upload's physical id), older versions stay
 * as the register's history, and the functions, which read the object's current version,
 * pick the change up within their cache time without being updated themselves.
 */
export class DeployedRegister extends Construct {
  readonly bucket: s3.Bucket;
  readonly objectArn: string;
  /** `s3://<bucket>/<key>`, the value of the contract's variable. */
  readonly location: string;

  constructor(scope: Construct, id: string, props: DeployedRegisterProps) {
    super(scope, id);
    const { register } = props;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // The register's history is part of the audit trail.
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    this.objectArn = this.bucket.arnForObjects(register.key);
    this.location = `s3://${this.bucket.bucketName}/${register.key}`;
    const upload = new cr.AwsCustomResource(this, 'Upload', {
      resourceType: 'Custom::EcsHardenExceptionRegister',
      onUpdate: {
        service: 'S3',
        action: 'putObject',
        parameters: {
          Bucket: this.bucket.bucketName,
          Key: register.key,
          Body: register.text,
          ContentType: register.key.endsWith('.json') ? 'application/json' : 'application/yaml',
        },
        physicalResourceId: cr.PhysicalResourceId.fromResponse('VersionId'),
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.objectArn] }),
      ]),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'UploadLogs', {
        retention: props.logRetention,
        removalPolicy: cdk.RemovalPolicy.RETAIN,
      }),
    });
    for (const role of props.readers) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadExceptionRegister',
          actions: ['s3:GetObject'],
          resources: [this.objectArn],
        }),
      );
    }
    for (const fn of props.functions) {
      fn.addEnvironment(props.variable, this.location);
      fn.node.addDependency(upload);
    }
    NagSuppressions.addResourceSuppressions(this.bucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'The register bucket holds one object that the deployment writes and the ecs-harden ' +
          'functions read; its history is the object versions, and CloudTrail records the writes.',
      },
    ]);
    const stack = cdk.Stack.of(this);
    const providerId = `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`;
    // The provider function's DependsOn on its role repeats what its Role GetAtt already
    // orders (cfn-lint W3005).
    const provider = stack.node.findChild(providerId) as lambda.Function;
    (provider.node.defaultChild as cdk.CfnResource).addDeletionOverride('DependsOn');
    NagSuppressions.addResourceSuppressionsByPath(
      stack,
      [`${stack.node.path}/${providerId}/ServiceRole/Resource`],
      [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            "The upload function of CDK's AwsCustomResource writes its logs with " +
            'AWSLambdaBasicExecutionRole; its only other permission is s3:PutObject on the register object.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        },
      ],
    );
  }
}
