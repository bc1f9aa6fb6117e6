// Point 1 of the deployment: the accounts that get the Config rules are exactly the accounts
// that hold the member roles the rule functions assume, for any targetOus, the root included,
// in both pack scopes. The organization is modelled as data (test/org-model.ts) and the
// synthesized templates are "deployed" into it by AWS's documented targeting rules.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, readConfig } from '../lib/config';
import { ORGANIZATION_SCOPE, resourcesOf, synth, TEST_CONTEXT } from './helpers';
import { allAccounts, coverage, Organization, THREE_OU_ORGANIZATION as ORG } from './org-model';

const REGIONS = ['us-east-1', 'eu-west-1'];

function sorted(set: Iterable<string> | undefined): string[] {
  return [...(set ?? [])].sort();
}

/** Rules in every Region for exactly `expected`, and member roles for exactly `expected`. */
function assertCoverage(org: Organization, overrides: Record<string, unknown>, expected: string[]): void {
  const s = synth({ regions: REGIONS, centralRegion: 'us-east-1', ...overrides });
  const c = coverage(s, org);
  assert.deepEqual(sorted(c.memberRoles), [...expected].sort(), 'accounts with the member role');
  assert.deepEqual([...c.rules.keys()].sort(), [...REGIONS].sort(), 'Regions with rules');
  for (const region of REGIONS) {
    assert.deepEqual(sorted(c.rules.get(region)), [...expected].sort(), `accounts with rules in ${region}`);
  }
}

describe('scope: the accounts evaluated are the accounts with member roles', () => {
  it('targetOus = one OU of a three-OU organization: that OU and its child OU, nothing else', () => {
    const s = synth({ targetOus: ['ou-test-workloads'], regions: REGIONS, centralRegion: 'us-east-1' });
    const c = coverage(s, ORG);
    const workloads = ['111111111111', '111111111112', '111111111113'];
    assert.deepEqual(sorted(c.memberRoles), workloads);
    for (const region of REGIONS) {
      assert.deepEqual(sorted(c.rules.get(region)), workloads, region);
    }
    // The other OUs' accounts (the delegated administrator's included) get nothing.
    for (const account of ['222222222221', '333333333331', '123456789012', ORG.managementAccount]) {
      assert.ok(!c.memberRoles.has(account), account);
      for (const region of REGIONS) assert.ok(!c.rules.get(region)?.has(account), `${account} ${region}`);
    }
  });

  it('targetOus = two OUs: the union of both', () => {
    assertCoverage(ORG, { targetOus: ['ou-test-sandboxes', 'ou-test-security'] }, [
      '222222222221',
      '222222222222',
      '123456789012',
      '333333333331',
    ]);
  });

  it('targetOus = the root, per-account packs: every account but the management account', () => {
    const everyone = allAccounts(ORG).filter((a) => a !== ORG.managementAccount);
    assertCoverage(ORG, { targetOus: [ORG.rootId] }, everyone);
  });

  it('targetOus = the root, organization packs: every account but the management account', () => {
    const everyone = allAccounts(ORG).filter((a) => a !== ORG.managementAccount);
    assertCoverage(ORG, { ...ORGANIZATION_SCOPE, managementAccount: ORG.managementAccount }, everyone);
  });

  it('excludedAccounts take neither rules nor roles, in both pack scopes', () => {
    const excluded = ['111111111112', '222222222221'];
    const rest = allAccounts(ORG).filter((a) => a !== ORG.managementAccount && !excluded.includes(a));
    assertCoverage(ORG, { targetOus: [ORG.rootId], excludedAccounts: excluded }, rest);
    assertCoverage(ORG, { ...ORGANIZATION_SCOPE, excludedAccounts: excluded }, rest);
  });

  it('follows accounts that join and leave the OU (auto-deployment carries the rules with the roles)', () => {
    const s = synth({ targetOus: ['ou-test-workloads'], regions: REGIONS, centralRegion: 'us-east-1' });
    assert.deepEqual(s.stackSet.AutoDeployment, { Enabled: true, RetainStacksOnAccountRemoval: false });
    // The rules are in the StackSet's template, so whatever the StackSet does to an account,
    // it does to its rules and its roles together.
    assert.equal(resourcesOf(s.member, 'AWS::Config::ConformancePack').length, 1);
    const moved: Organization = {
      ...ORG,
      ous: ORG.ous.map((ou) =>
        ou.id === 'ou-test-workloads'
          ? { ...ou, accounts: [...ou.accounts.filter((a) => a !== '111111111112'), '222222222222'] }
          : ou.id === 'ou-test-sandboxes'
            ? { ...ou, accounts: ['222222222221', '111111111112'] }
            : ou,
      ),
    };
    const c = coverage(s, moved);
    const now = ['111111111111', '111111111113', '222222222222'];
    assert.deepEqual(sorted(c.memberRoles), now);
    for (const region of REGIONS) assert.deepEqual(sorted(c.rules.get(region)), now, region);
  });

  it('puts the rules in exactly one place per pack scope', () => {
    const stackset = synth({});
    assert.equal(stackset.organizationPacks.size, 0);
    assert.equal(resourcesOf(stackset.member, 'AWS::Config::ConformancePack').length, 1);
    const organization = synth({ ...ORGANIZATION_SCOPE });
    assert.equal(organization.organizationPacks.size, 1);
    assert.equal(resourcesOf(organization.member, 'AWS::Config::ConformancePack').length, 0);
  });

  it('refuses an organization pack that would reach accounts without member roles', () => {
    const read = (overrides: Record<string, unknown>) => {
      const context: Record<string, unknown> = { ...TEST_CONTEXT, ...overrides };
      return () => readConfig({ tryGetContext: (key: string) => context[key] });
    };
    const rejects = (overrides: Record<string, unknown>, message: RegExp) =>
      assert.throws(read(overrides), (e: unknown) => e instanceof ConfigError && message.test((e as Error).message));
    rejects({ packScope: 'organization', targetOus: ['ou-test-workloads'], managementAccount: '999999999999' },
      /packScope organization needs targetOus to be the root id alone/);
    rejects({ packScope: 'organization', targetOus: ['r-test'] }, /managementAccount is required with packScope organization/);
    rejects({ ...ORGANIZATION_SCOPE, configSourceAccounts: ['111111111111'] }, /configSourceAccounts needs packScope stackset/);
    rejects({ packScope: 'everywhere' }, /packScope: "everywhere" is neither/);
  });
});
