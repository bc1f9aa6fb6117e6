// The member template goes to CloudFormation inline, as the StackSet's TemplateBody, which
// takes at most 51,200 bytes (CreateStackSet, TemplateBody: "a maximum length of 51,200 bytes",
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html).
// The parameter map is the part of it a deployment grows, and the gate's environment bounds
// the map (Lambda's 4 KB): the largest map the gate takes must still fit, with Security Hub
// findings on.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gateEnvironmentOf } from '../lib/central-stack';
import { ConfigError, readConfig } from '../lib/config';
import { synth, synthDefault, TEST_CONTEXT } from './helpers';

const STACK_SET_TEMPLATE_BODY_LIMIT = 51_200;

/** A parameter map of `count` registries for HARDEN.5. */
function registries(count: number): Record<string, Record<string, string>> {
  const allowedRegistries = Array.from({ length: count }, (_, i) => `registry${i}.example.com`).join(',');
  return { 'HARDEN.5': { allowedRegistries } };
}

function gateTakes(parameters: Record<string, Record<string, string>>): boolean {
  const context: Record<string, unknown> = { ...TEST_CONTEXT, parameters };
  try {
    gateEnvironmentOf(readConfig({ tryGetContext: (key: string) => context[key] }));
    return true;
  } catch (e) {
    if (e instanceof ConfigError && /4096-byte limit/.test(e.message)) return false;
    throw e;
  }
}

describe('member template size', () => {
  it('fits a StackSet TemplateBody with the defaults and Security Hub findings on', () => {
    const s = synthDefault();
    assert.equal(s.built.config.securityHubFindings, true);
    const bytes = Buffer.byteLength(s.stackSet.TemplateBody, 'utf8');
    assert.ok(bytes <= STACK_SET_TEMPLATE_BODY_LIMIT, `the member template is ${bytes} bytes`);
  });

  it('fits with the largest parameter map the gate takes, and one registry more is the gate\'s error', () => {
    let count = 0;
    while (gateTakes(registries(count + 1))) count += 1;
    // The map is a sizable part of the 4 KB, or the test would prove nothing.
    assert.ok(count > 100, `only ${count} registries fit the gate's environment`);
    const s = synth({ parameters: registries(count) });
    assert.ok(s.built.config.securityHubFindings);
    const bytes = Buffer.byteLength(s.stackSet.TemplateBody, 'utf8');
    assert.ok(
      bytes <= STACK_SET_TEMPLATE_BODY_LIMIT,
      `with ${count} registries the member template is ${bytes} bytes, over ${STACK_SET_TEMPLATE_BODY_LIMIT}`,
    );
    assert.throws(
      () => synth({ parameters: registries(count + 1) }),
      (e: unknown) => e instanceof ConfigError && /over Lambda's 4096-byte limit/.test((e as Error).message),
    );
  });
});
