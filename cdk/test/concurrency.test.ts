// Point 6: the gate has reserved concurrency the rule functions cannot take, the rule
// functions have a cap, both from context keys, and the defaults fit the account's
// concurrency with Lambda's 100 unreserved executions left over.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, NAMES, readConfig } from '../lib/config';
import { CATALOGUE, Json, resourcesOf, synth, synthDefault, TEST_CONTEXT } from './helpers';

function functionsOf(template: Json): { gate: Json; rules: Json[] } {
  const functions = resourcesOf(template, 'AWS::Lambda::Function').map(([, f]) => f.Properties);
  const gate = functions.find((f) => f.FunctionName === NAMES.gateFunction);
  assert.ok(gate);
  return { gate, rules: functions.filter((f) => f.FunctionName !== NAMES.gateFunction) };
}

function reject(overrides: Record<string, unknown>, message: RegExp): void {
  const context: Record<string, unknown> = { ...TEST_CONTEXT, ...overrides };
  assert.throws(
    () => readConfig({ tryGetContext: (key: string) => context[key] }),
    (e: unknown) => e instanceof ConfigError && message.test((e as Error).message),
  );
}

describe('Lambda concurrency', () => {
  it('reserves concurrency for the gate and caps every rule function by default', () => {
    for (const [region, template] of synthDefault().central) {
      const { gate, rules } = functionsOf(template);
      assert.equal(gate.ReservedConcurrentExecutions, 20, region);
      // The findings function has the rule functions' cap.
      assert.equal(rules.length, CATALOGUE.length + 1);
      for (const rule of rules) assert.equal(rule.ReservedConcurrentExecutions, 5, rule.FunctionName);
      // What the defaults reserve fits an account of the default quota (1,000), with the
      // 100 unreserved executions Lambda keeps.
      const reserved = gate.ReservedConcurrentExecutions + rules.reduce((n, r) => n + r.ReservedConcurrentExecutions, 0);
      assert.ok(reserved <= 1000 - 100, `${reserved} reserved executions`);
    }
  });

  it('takes both from the context, and "none" lifts the rule cap', () => {
    const { gate, rules } = functionsOf(
      synth({ gateReservedConcurrency: '50', ruleReservedConcurrency: '10' }).central.get('us-east-1'),
    );
    assert.equal(gate.ReservedConcurrentExecutions, 50);
    for (const rule of rules) assert.equal(rule.ReservedConcurrentExecutions, 10);
    const uncapped = functionsOf(synth({ ruleReservedConcurrency: 'none' }).central.get('us-east-1'));
    assert.equal(uncapped.gate.ReservedConcurrentExecutions, 20);
    for (const rule of uncapped.rules) assert.equal(rule.ReservedConcurrentExecutions, undefined);
  });

  it('refuses reservations that would leave the account fewer than 100 unreserved executions', () => {
    // The gate's 20, and 40 for each rule function and the findings function (AWS managed
    // rules have none).
    const reserved = 20 + 40 * (CATALOGUE.length + 1);
    reject(
      { ruleReservedConcurrency: '40' },
      new RegExp(`= ${reserved} reserved executions per Region; Lambda keeps 100 of the account's 1000`),
    );
    reject({ gateReservedConcurrency: '901', ruleReservedConcurrency: 'none' }, /at most 900 can be reserved/);
    assert.doesNotThrow(() =>
      synth({ gateReservedConcurrency: '900', ruleReservedConcurrency: 'none', lambdaConcurrencyQuota: '1000' }),
    );
    const defaults = 20 + 5 * (CATALOGUE.length + 1);
    reject(
      { lambdaConcurrencyQuota: '200' },
      new RegExp(`${defaults} reserved executions per Region; .* at most 100 can be reserved`),
    );
  });

  it('refuses a reservation of 0, which would stop the function', () => {
    reject({ gateReservedConcurrency: '0' }, /gateReservedConcurrency: "0" is not an integer of at least 1/);
    reject({ ruleReservedConcurrency: '0' }, /ruleReservedConcurrency: "0" is not an integer of at least 1/);
  });
});
