// The one parameter map of a deployment, read from the context key `parameters` (a JSON
// object) or from `configFile` (the YAML or JSON file that `ecs-harden check --config` reads),
// and checked against the catalogue. The conformance packs' InputParameters and the gate's
// environment are both made from it, so Config, the gate and the CLI evaluate with the same
// values.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import type { CatalogueControl, ContextSource, ParameterMap } from './config';
import { ConfigError } from './errors';

const VERSION = /^[0-9]+(\.[0-9]+)*$/;

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Checks one value against its parameter's kind, as far as the catalogue describes it. */
function checkValue(at: string, kind: string, maxItems: number | null, value: string): void {
  if (kind === 'boolean' && value !== 'true' && value !== 'false') {
    throw new ConfigError(`${at}: ${JSON.stringify(value)} is neither "true" nor "false"`);
  }
  if (kind === 'version' && !VERSION.test(value)) {
    throw new ConfigError(`${at}: ${JSON.stringify(value)} is not a version (digits and dots, such as 1.4.0)`);
  }
  if (kind === 'list' && maxItems !== null) {
    const items = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
    if (items.length > maxItems) {
      throw new ConfigError(`${at}: ${items.length} items, at most ${maxItems} are allowed`);
    }
  }
}

/**
 * A parameter map: `{<control id>: {<parameter name>: <string>}}`. Unknown control ids and
 * parameter names are errors that name them; values must be strings, exactly as Config
 * passes them to the rule (lists comma-separated).
 */
export function validateParameters(
  value: unknown,
  where: string,
  controls: readonly CatalogueControl[],
): ParameterMap {
  if (!isMapping(value)) {
    throw new ConfigError(`${where}: expected an object of control ids, got ${JSON.stringify(value)}`);
  }
  const map: Record<string, Record<string, string>> = {};
  for (const [id, params] of Object.entries(value)) {
    const control = controls.find((c) => c.id === id);
    if (!control) {
      throw new ConfigError(
        `${where}.${id}: not a control of the catalogue (controls: ${controls.map((c) => c.id).join(', ')})`,
      );
    }
    if (!isMapping(params)) {
      throw new ConfigError(`${where}.${id}: expected an object of parameter names, got ${JSON.stringify(params)}`);
    }
    const values: Record<string, string> = {};
    for (const [name, raw] of Object.entries(params)) {
      const at = `${where}.${id}.${name}`;
      const parameter = control.parameters.find((p) => p.name === name);
      if (!parameter) {
        const known = control.parameters.map((p) => p.name);
        throw new ConfigError(
          known.length === 0
            ? `${at}: ${id} takes no parameters`
            : `${at}: not a parameter of ${id} (${known.join(', ')})`,
        );
      }
      if (typeof raw !== 'string') {
        throw new ConfigError(
          `${at}: expected a string, as Config passes it (write ${JSON.stringify(String(raw))}), got ${JSON.stringify(raw)}`,
        );
      }
      checkValue(at, parameter.kind, parameter.maxItems, raw);
      values[name] = raw;
    }
    map[id] = values;
  }
  return map;
}

/** Reads the file `ecs-harden check --config` reads: a mapping whose `parameters` key is the map. */
function readConfigFile(file: string, controls: readonly CatalogueControl[]): ParameterMap {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`configFile: cannot read ${file}: ${(e as Error).message}`);
  }
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(`configFile ${file}: not YAML or JSON: ${doc.errors[0].message}`);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) {
    return {};
  }
  if (!isMapping(value)) {
    throw new ConfigError(`configFile ${file}: expected a mapping with a "parameters" key at the top`);
  }
  // Other top-level keys (exceptions, ...) belong to other readers of the same file.
  const parameters = value.parameters;
  if (parameters === undefined || parameters === null) {
    return {};
  }
  return validateParameters(parameters, `configFile ${file}: parameters`, controls);
}

/**
 * The parameter map of the context: `parameters` (JSON, or an object in cdk.json) or
 * `configFile` (a path relative to `baseDir`), not both; empty when neither is set.
 */
export function readParameters(
  ctx: ContextSource,
  controls: readonly CatalogueControl[],
  baseDir: string,
): ParameterMap {
  const inline: unknown = ctx.tryGetContext('parameters');
  const file: unknown = ctx.tryGetContext('configFile');
  if (inline !== undefined && file !== undefined) {
    throw new ConfigError('parameters and configFile are both set; give the parameter map in one of them');
  }
  if (file !== undefined) {
    if (typeof file !== 'string' || file.trim() === '') {
      throw new ConfigError(`configFile: expected a file path, got ${JSON.stringify(file)}`);
    }
    return readConfigFile(path.resolve(baseDir, file.trim()), controls);
  }
  if (inline === undefined) {
    return {};
  }
  let value = inline;
  if (typeof inline === 'string') {
    try {
      value = JSON.parse(inline);
    } catch (e) {
      throw new ConfigError(`parameters: not valid JSON (${(e as Error).message})`);
    }
  }
  return validateParameters(value, 'parameters', controls);
}
