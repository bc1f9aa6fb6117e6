// The conformance pack body that Config receives. The generated organization pack
// (conformance-packs/ecs-harden-organization.yaml) keeps a LambdaArnPrefix parameter and its
// rule parameters for deployments with the AWS CLI. Config's documentation asks for literal
// values in conformance pack templates in places (an exact role ARN, no intrinsic function),
// and this app knows every function ARN and parameter value at synth time, so it hands Config
// a body without Parameters, Conditions or any intrinsic function: literal function ARNs,
// literal InputParameters from the deployment's one parameter map.

import * as YAML from 'yaml';
import type { CatalogueControl, CatalogueManagedRule, ParameterMap } from './config';
import { ConfigError } from './errors';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a conformance pack body is made for. */
export interface PackInput {
  /** The generated pack's text and where it came from. */
  readonly source: string;
  readonly file: string;
  readonly controls: readonly CatalogueControl[];
  /** The catalogue's AWS managed rules, which the pack deploys without a function. */
  readonly managed: readonly CatalogueManagedRule[];
  readonly parameters: ParameterMap;
  /** `arn:<partition>:lambda:<region>:<account>:function:`; each rule invokes `<prefix><rule name>`. */
  readonly lambdaArnPrefix: string;
}

/**
 * Stands for the Region in a body rendered for the member template, whose stack instances
 * fill it in with `AWS::Region` (see regionParts).
 */
export const REGION_MARKER = '{{ecs-harden:region}}';

const NO_VALUE = Symbol('AWS::NoValue');
type Resolved = Json | typeof NO_VALUE;

function isMapping(value: unknown): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Resolves the intrinsic functions the generated pack uses; any other is an error naming it. */
class Resolver {
  private readonly conditions = new Map<string, boolean>();

  constructor(
    private readonly file: string,
    private readonly values: ReadonlyMap<string, string>,
    conditions: Record<string, Json>,
  ) {
    for (const [name, expression] of Object.entries(conditions)) {
      this.conditions.set(name, this.condition(expression, `Conditions.${name}`));
    }
  }

  private fail(at: string, what: string): never {
    throw new ConfigError(`${this.file}: ${at}: ${what} (regenerate it with \`cargo xtask codegen\`)`);
  }

  private parameter(name: string, at: string): string {
    const value = this.values.get(name);
    if (value === undefined) {
      this.fail(at, `refers to ${name}, which is not a parameter with a default`);
    }
    return value;
  }

  private scalar(value: Json, at: string): string {
    const resolved = this.resolve(value, at);
    if (typeof resolved !== 'string' && typeof resolved !== 'number' && typeof resolved !== 'boolean') {
      this.fail(at, 'does not resolve to a scalar');
    }
    return String(resolved);
  }

  private condition(expression: Json, at: string): boolean {
    if (!isMapping(expression) || Object.keys(expression).length !== 1) {
      this.fail(at, 'is not a condition function');
    }
    const [fn, args] = Object.entries(expression)[0];
    if (fn === 'Condition' && typeof args === 'string') {
      const known = this.conditions.get(args);
      if (known === undefined) this.fail(at, `refers to condition ${args}, defined after it or not at all`);
      return known;
    }
    if (!Array.isArray(args)) this.fail(at, `${fn} takes a list`);
    switch (fn) {
      case 'Fn::Equals':
        if (args.length !== 2) this.fail(at, 'Fn::Equals takes two values');
        return this.scalar(args[0], `${at}.Fn::Equals[0]`) === this.scalar(args[1], `${at}.Fn::Equals[1]`);
      case 'Fn::Not':
        if (args.length !== 1) this.fail(at, 'Fn::Not takes one condition');
        return !this.condition(args[0], `${at}.Fn::Not[0]`);
      case 'Fn::And':
        return args.every((a, i) => this.condition(a, `${at}.Fn::And[${i}]`));
      case 'Fn::Or':
        return args.some((a, i) => this.condition(a, `${at}.Fn::Or[${i}]`));
      default:
        return this.fail(at, `uses ${fn}, which the CDK app does not resolve`);
    }
  }

  resolve(value: Json, at: string): Resolved {
    if (Array.isArray(value)) {
      return value
        .map((item, i) => this.resolve(item, `${at}[${i}]`))
        .filter((item): item is Json => item !== NO_VALUE);
    }
    if (!isMapping(value)) {
      return value;
    }
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      const [fn, args] = Object.entries(value)[0];
      switch (fn) {
        case 'Ref':
          if (typeof args !== 'string') this.fail(at, 'Ref takes a name');
          return args === 'AWS::NoValue' ? NO_VALUE : this.parameter(args, at);
        case 'Fn::Sub':
          if (typeof args !== 'string') this.fail(at, 'Fn::Sub with a variable map is not resolved by the CDK app');
          return args.replace(/\$\{(!?)([^}]*)\}/g, (_, literal: string, name: string) =>
            literal === '!' ? `\${${name}}` : this.parameter(name, at),
          );
        case 'Fn::If':
          if (!Array.isArray(args) || args.length !== 3 || typeof args[0] !== 'string') {
            this.fail(at, 'Fn::If takes [condition, then, else]');
          }
          if (!this.conditions.has(args[0])) this.fail(at, `refers to condition ${args[0]}, which is not defined`);
          return this.conditions.get(args[0])
            ? this.resolve(args[1], `${at}.Fn::If[1]`)
            : this.resolve(args[2], `${at}.Fn::If[2]`);
        default:
          return this.fail(at, `uses ${fn}, which the CDK app does not resolve`);
      }
    }
    const out: Record<string, Json> = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = this.resolve(item, `${at}.${key}`);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }
}

/**
 * The pack body for Config: the generated pack with every parameter and condition resolved
 * (LambdaArnPrefix from `input`, the others from their defaults), then each rule's
 * InputParameters set from the parameter map (an empty string leaves the parameter out, as
 * the generated pack does with an empty default). The result has only `Resources`, with
 * literal values.
 */
export function renderPackBody(input: PackInput): string {
  const doc = YAML.parseDocument(input.source, { uniqueKeys: true });
  if (doc.errors.length > 0 || doc.warnings.length > 0) {
    const problem = [...doc.errors, ...doc.warnings][0];
    throw new ConfigError(`${input.file}: cannot read the pack: ${problem.message}`);
  }
  const template = doc.toJS() as Json;
  if (!isMapping(template) || !isMapping(template.Resources)) {
    throw new ConfigError(`${input.file}: no Resources mapping`);
  }
  const values = new Map<string, string>();
  for (const [name, parameter] of Object.entries(isMapping(template.Parameters) ? template.Parameters : {})) {
    if (name === 'LambdaArnPrefix') {
      values.set(name, input.lambdaArnPrefix);
    } else if (isMapping(parameter) && parameter.Default !== undefined && parameter.Default !== null) {
      values.set(name, String(parameter.Default));
    }
  }
  const resolver = new Resolver(input.file, values, isMapping(template.Conditions) ? template.Conditions : {});
  const resources = resolver.resolve(template.Resources, 'Resources') as Record<string, Json>;

  const seen = new Set<string>();
  for (const [id, resource] of Object.entries(resources)) {
    const at = `${input.file}: Resources.${id}`;
    if (!isMapping(resource) || resource.Type !== 'AWS::Config::ConfigRule' || !isMapping(resource.Properties)) {
      throw new ConfigError(`${at}: expected an AWS::Config::ConfigRule`);
    }
    const properties = resource.Properties;
    const managed = input.managed.find((m) => m.ruleName === properties.ConfigRuleName);
    if (managed) {
      // AWS Config runs it: no function, nothing from the parameter map.
      const source = properties.Source;
      if (!isMapping(source) || source.Owner !== 'AWS' || source.SourceIdentifier !== managed.identifier) {
        throw new ConfigError(`${at}: the AWS managed rule ${managed.id} is not ${managed.identifier} owned by AWS`);
      }
      continue;
    }
    const control = input.controls.find((c) => c.ruleName === properties.ConfigRuleName);
    if (!control) {
      throw new ConfigError(`${at}: rule ${String(properties.ConfigRuleName)} is not in the catalogue`);
    }
    seen.add(control.id);
    const source = properties.Source;
    const expected = `${input.lambdaArnPrefix}${control.ruleName}`;
    if (!isMapping(source) || source.SourceIdentifier !== expected) {
      throw new ConfigError(`${at}: the rule does not invoke ${expected}`);
    }
    const inputParameters: Record<string, Json> = isMapping(properties.InputParameters)
      ? { ...properties.InputParameters }
      : {};
    for (const [name, value] of Object.entries(input.parameters[control.id] ?? {})) {
      if (value === '') {
        delete inputParameters[name];
      } else {
        inputParameters[name] = value;
      }
    }
    if (Object.keys(inputParameters).length > 0) {
      properties.InputParameters = inputParameters;
    } else {
      delete properties.InputParameters;
    }
  }
  const missing = Object.keys(input.parameters).filter((id) => !seen.has(id));
  if (missing.length > 0) {
    throw new ConfigError(`${input.file}: no rule for ${missing.join(', ')}, which the parameter map sets`);
  }
  const body = YAML.stringify(
    { Resources: resources },
    // Every string quoted: Config's YAML reading must not turn "true" or "1.4.0" into
    // anything but the string the rule expects. Indented by one space, to keep it small: the
    // body is a pack's TemplateBody, and also part of the member template, a StackSet's
    // TemplateBody (each at most 51,200 bytes).
    { lineWidth: 0, defaultStringType: 'QUOTE_SINGLE', defaultKeyType: 'PLAIN', indent: 1 },
  );
  return `# ecs-harden conformance pack, rendered by the CDK app from ${input.file.split('/').pop()}:\n` +
    '# literal function ARNs and rule parameters.\n' + body;
}

/**
 * A body rendered with REGION_MARKER in its function ARNs, cut at each marker: the pieces
 * that an `Fn::Join` with `AWS::Region` between them puts back together in each Region.
 * `rules` is the number of markers expected (one per rule).
 */
export function regionParts(body: string, rules: number): string[] {
  const parts = body.split(REGION_MARKER);
  if (parts.length !== rules + 1) {
    throw new ConfigError(
      `the rendered pack has ${parts.length - 1} Region placeholders, expected one per rule (${rules})`,
    );
  }
  return parts;
}
