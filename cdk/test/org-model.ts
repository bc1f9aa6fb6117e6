// An AWS Organization as data (OUs and accounts), and what a synthesized app would do in it:
// which accounts and Regions each StackSet deploys to, which ones an organization
// conformance pack reaches, and so which accounts get the Config rules and which get the
// member roles. The semantics follow AWS's documentation:
//   - a service-managed StackSet deploys to every account of the target OUs, child OUs
//     included, and never to the management account (CloudFormation API reference,
//     DeploymentTargets);
//   - AccountFilterType INTERSECTION keeps only the listed accounts of those OUs, DIFFERENCE
//     leaves the listed accounts out, NONE (or none given) takes the OUs as they are;
//   - an organization conformance pack reaches every account of the organization except
//     ExcludedAccounts (the management account included, unless excluded).

import * as assert from 'node:assert/strict';
import { asList, Json, resourcesOf, Synthesized } from './helpers';

export interface OrganizationalUnit {
  readonly id: string;
  readonly accounts: readonly string[];
  readonly children?: readonly OrganizationalUnit[];
}

export interface Organization {
  readonly rootId: string;
  readonly managementAccount: string;
  /** Accounts directly under the root (the management account among them). */
  readonly rootAccounts: readonly string[];
  readonly ous: readonly OrganizationalUnit[];
}

/**
 * Three OUs under the root, one with a child OU; the delegated administrator of the test
 * context (123456789012) is in the security OU.
 */
export const THREE_OU_ORGANIZATION: Organization = {
  rootId: 'r-test',
  managementAccount: '999999999999',
  rootAccounts: ['999999999999', '999999999998'],
  ous: [
    {
      id: 'ou-test-workloads',
      accounts: ['111111111111', '111111111112'],
      children: [{ id: 'ou-test-workloadsprod', accounts: ['111111111113'] }],
    },
    { id: 'ou-test-sandboxes', accounts: ['222222222221', '222222222222'] },
    { id: 'ou-test-security', accounts: ['123456789012', '333333333331'] },
  ],
};

function accountsOfUnit(unit: OrganizationalUnit): string[] {
  return [...unit.accounts, ...(unit.children ?? []).flatMap(accountsOfUnit)];
}

function findUnit(units: readonly OrganizationalUnit[], id: string): OrganizationalUnit | undefined {
  for (const unit of units) {
    if (unit.id === id) return unit;
    const child = findUnit(unit.children ?? [], id);
    if (child) return child;
  }
  return undefined;
}

export function allAccounts(org: Organization): string[] {
  return [...org.rootAccounts, ...org.ous.flatMap(accountsOfUnit)];
}

/** Every account under an OU or the root, child OUs included. */
export function accountsUnder(org: Organization, id: string): string[] {
  if (id === org.rootId) return allAccounts(org);
  const unit = findUnit(org.ous, id);
  assert.ok(unit, `${id} is not an OU of the modelled organization`);
  return accountsOfUnit(unit);
}

/** Accounts by Region that a service-managed StackSet (its properties) deploys to. */
export function stackSetTargets(org: Organization, stackSet: Json): Map<string, Set<string>> {
  const targets = new Map<string, Set<string>>();
  for (const group of asList(stackSet.StackInstancesGroup) as Json[]) {
    const t = group.DeploymentTargets;
    const inOus = new Set(asList(t.OrganizationalUnitIds).flatMap((id: string) => accountsUnder(org, id)));
    const listed = new Set<string>(asList(t.Accounts));
    let accounts: string[];
    switch (t.AccountFilterType ?? 'NONE') {
      case 'NONE':
        accounts = [...inOus];
        break;
      case 'INTERSECTION':
        accounts = [...inOus].filter((a) => listed.has(a));
        break;
      case 'DIFFERENCE':
        accounts = [...inOus].filter((a) => !listed.has(a));
        break;
      default:
        assert.fail(`the model does not implement AccountFilterType ${t.AccountFilterType}`);
    }
    for (const region of asList(group.Regions) as string[]) {
      const set = targets.get(region) ?? new Set<string>();
      for (const account of accounts) {
        if (account !== org.managementAccount) set.add(account);
      }
      targets.set(region, set);
    }
  }
  return targets;
}

/** The Region for which a member-template condition `Fn::Equals [AWS::Region, <region>]` holds. */
function conditionRegion(member: Json, name: string): string {
  const expression = member.Conditions?.[name];
  assert.ok(expression, `no condition ${name}`);
  const [left, right] = expression['Fn::Equals'];
  assert.deepEqual(left, { Ref: 'AWS::Region' }, `condition ${name} is not a Region test`);
  return right;
}

export interface Coverage {
  /** Accounts that get the Config rules, by Region. */
  readonly rules: Map<string, Set<string>>;
  /** Accounts that get the role named memberRoleName (IAM is global: one set). */
  readonly memberRoles: Set<string>;
}

/** Which accounts of `org` would get the rules and the member role from a synthesized app. */
export function coverage(s: Synthesized, org: Organization): Coverage {
  const targets = stackSetTargets(org, s.stackSet);
  const rules = new Map<string, Set<string>>();
  const add = (region: string, accounts: Iterable<string>) => {
    const set = rules.get(region) ?? new Set<string>();
    for (const a of accounts) set.add(a);
    rules.set(region, set);
  };
  const memberPacks = resourcesOf(s.member, 'AWS::Config::ConformancePack');
  for (const [id, pack] of memberPacks) {
    assert.equal(pack.Condition, undefined, `member pack ${id} is conditional; the model does not evaluate that`);
    for (const [region, accounts] of targets) add(region, accounts);
  }
  for (const [region, template] of s.organizationPacks) {
    for (const [, pack] of resourcesOf(template, 'AWS::Config::OrganizationConformancePack')) {
      const excluded = new Set<string>(asList(pack.Properties.ExcludedAccounts));
      add(region, allAccounts(org).filter((a) => !excluded.has(a)));
    }
  }
  for (const [region, template] of s.central) {
    assert.deepEqual(resourcesOf(template, 'AWS::Config::OrganizationConformancePack'), [], `a pack in the central stack of ${region}`);
    assert.deepEqual(resourcesOf(template, 'AWS::Config::ConfigRule'), [], `a rule in the central stack of ${region}`);
  }
  const memberRoles = new Set<string>();
  const roles = resourcesOf(s.member, 'AWS::IAM::Role').filter(
    ([, r]) => r.Properties.RoleName === s.built.config.memberRoleName,
  );
  assert.equal(roles.length, 1, 'the member template has no member role');
  const [, role] = roles[0];
  const regions = role.Condition ? [conditionRegion(s.member, role.Condition)] : [...targets.keys()];
  for (const region of regions) {
    for (const account of targets.get(region) ?? []) memberRoles.add(account);
  }
  return { rules, memberRoles };
}
