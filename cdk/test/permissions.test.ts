// Point 2: Config may invoke each rule function from every account the rules reach. Config
// checks the function's permission when it creates a rule in an account, so an account the
// rules reach without a permission fails; the permissions must cover exactly the accounts
// the rules reach, in every Region.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN, CATALOGUE, flat, Json, ORGANIZATION_SCOPE, resourcesOf, synth, Synthesized } from './helpers';
import { coverage, THREE_OU_ORGANIZATION as ORG } from './org-model';

const REGIONS = ['us-east-1', 'eu-west-1'];

/** Accounts Config may invoke a function from, by function logical id: '*' for any account. */
function permittedAccounts(template: Json): Map<string, Set<string>> {
  const functions = new Map<string, Set<string>>();
  for (const [id, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
    if (CATALOGUE.some((c) => c.ruleName === fn.Properties.FunctionName)) functions.set(id, new Set());
  }
  for (const [, p] of resourcesOf(template, 'AWS::Lambda::Permission')) {
    if (p.Properties.Principal !== 'config.amazonaws.com') continue;
    const target = flat(p.Properties.FunctionName).replace(/^\$\{|\.Arn\}$/g, '');
    const set = functions.get(target);
    assert.ok(set, `a Config permission on ${target}, which is not a rule function`);
    assert.equal(p.Properties.Action, 'lambda:InvokeFunction');
    assert.equal(p.Properties.SourceArn, undefined);
    set.add(p.Properties.SourceAccount ?? '*');
  }
  return functions;
}

/** Checks every rule function of every Region: its permissions cover `expected` exactly. */
function assertPermissions(s: Synthesized, expected: string[]): void {
  for (const [region, template] of s.central) {
    const functions = permittedAccounts(template);
    assert.equal(functions.size, CATALOGUE.length, region);
    for (const [id, accounts] of functions) {
      assert.deepEqual([...accounts].sort(), [...expected].sort(), `${region} ${id}`);
    }
  }
}

describe('Config invoke permissions cover the accounts the rules reach', () => {
  it('without configSourceAccounts: any account, which covers every account of the OUs and those that join', () => {
    for (const overrides of [{ targetOus: ['ou-test-workloads'] }, { ...ORGANIZATION_SCOPE }]) {
      const s = synth({ regions: REGIONS, centralRegion: 'us-east-1', ...overrides });
      assertPermissions(s, ['*']);
      const c = coverage(s, ORG);
      assert.ok([...c.rules.values()].every((accounts) => accounts.size > 0));
    }
  });

  it('with configSourceAccounts: the rules reach exactly the permitted accounts, in every Region', () => {
    const listed = ['111111111111', '111111111113'];
    const s = synth({
      regions: REGIONS,
      centralRegion: 'us-east-1',
      targetOus: ['ou-test-workloads'],
      configSourceAccounts: listed,
    });
    assertPermissions(s, listed);
    const c = coverage(s, ORG);
    for (const region of REGIONS) {
      assert.deepEqual([...(c.rules.get(region) ?? [])].sort(), listed, region);
    }
    // 111111111112 is in the OU but not listed: no rules there (its Config could not invoke them).
    assert.ok(!c.memberRoles.has('111111111112'));
  });

  it('with configSourceAccounts: the delegated administrator gets rules and a permission only when listed', () => {
    const withAdmin = synth({ targetOus: ['ou-test-security'], configSourceAccounts: [ADMIN] });
    assertPermissions(withAdmin, [ADMIN]);
    assert.deepEqual([...(coverage(withAdmin, ORG).rules.get('us-east-1') ?? [])], [ADMIN]);
    const without = synth({ targetOus: ['ou-test-security'], configSourceAccounts: ['333333333331'] });
    assertPermissions(without, ['333333333331']);
    assert.deepEqual([...(coverage(without, ORG).rules.get('us-east-1') ?? [])], ['333333333331']);
  });

  it('a listed account outside targetOus gets a permission it never uses, and no rules', () => {
    const s = synth({ targetOus: ['ou-test-workloads'], configSourceAccounts: ['111111111111', '222222222221'] });
    assertPermissions(s, ['111111111111', '222222222221']);
    assert.deepEqual([...(coverage(s, ORG).rules.get('us-east-1') ?? [])], ['111111111111']);
  });
});
