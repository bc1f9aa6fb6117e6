// The organization boundary of the rule functions. Config calls them as the service principal
// config.amazonaws.com, which belongs to no organization: a permission with PrincipalOrgID
// (the condition aws:PrincipalOrgID) would never match Config's calls, and
// AWS::Lambda::Permission takes no other condition (aws:SourceOrgID cannot be written into it).
// So the organization is enforced where AWS supports it: a Config permission names source
// accounts when they are configured, and the only way a rule function acts outside its own
// account is sts:AssumeRole on the member roles, whose trust policies name the central roles
// only. aws:ResourceOrgID is added with StringEqualsIfExists (point 7): AWS's list of global
// condition keys does not document it for sts:AssumeRole, and a plain StringEquals on an absent
// key denies, which would lock every evaluation outside the delegated administrator out.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NAMES } from '../lib/config';
import { ADMIN, asList, flat, Json, ORG, principalsOf, resourcesOf, synth, synthDefault, TEST_CONTEXT } from './helpers';

const REGION = String(TEST_CONTEXT.centralRegion);

function configPermissions(template: Json): Array<[string, Json]> {
  return resourcesOf(template, 'AWS::Lambda::Permission').filter(
    ([, p]) => p.Properties.Principal === 'config.amazonaws.com',
  );
}

/** Identity statements of the role whose RoleName is `name`. */
function roleStatements(template: Json, name: string): Json[] {
  const roles = resourcesOf(template, 'AWS::IAM::Role').filter(([, r]) => r.Properties.RoleName === name);
  assert.equal(roles.length, 1, `role ${name}`);
  const [roleId, role] = roles[0];
  const inline = asList(role.Properties.Policies).flatMap((p: Json) => asList(p.PolicyDocument.Statement));
  const attached = resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, p]) => asList(p.Properties.Roles).some((r: Json) => flat(r) === `\${${roleId}}`))
    .flatMap(([, p]) => asList(p.Properties.PolicyDocument.Statement));
  return [...inline, ...attached];
}

describe('organization boundary of the Config rule functions', () => {
  const template = synthDefault().central.get(REGION);

  it('never puts PrincipalOrgID on a Config permission (service principals have no organization)', () => {
    const permissions = configPermissions(template);
    assert.ok(permissions.length > 0);
    for (const [id, p] of permissions) {
      assert.equal(p.Properties.PrincipalOrgID, undefined, id);
    }
  });

  it('lets the rule functions leave their own account only through sts:AssumeRole, with a condition that cannot lock them out', () => {
    const statements = roleStatements(template, NAMES.rulesRole(REGION));
    assert.ok(statements.length > 0);
    const crossAccount = statements.filter((s) =>
      asList(s.Resource).some((r: Json) => /^arn:[^:]*:iam::\*:/.test(flat(r).replace('${AWS::Partition}', 'aws'))),
    );
    assert.ok(crossAccount.length > 0, 'no member-role statement');
    for (const s of crossAccount) {
      assert.deepEqual(asList(s.Action), ['sts:AssumeRole'], JSON.stringify(s));
      assert.equal(s.Effect, 'Allow');
      // IfExists: where STS reports the member role's organization it must be this one; where
      // it does not, the statement still allows, and the member role's trust policy decides.
      assert.deepEqual(s.Condition, { StringEqualsIfExists: { 'aws:ResourceOrgID': ORG } }, JSON.stringify(s));
    }
    // Everything else is this account's: IAM grants nothing in another account through an
    // identity policy alone, and no statement names another account.
    for (const s of statements.filter((x) => !crossAccount.includes(x))) {
      for (const resource of asList(s.Resource).map((r: Json) => flat(r))) {
        const accounts = [...resource.matchAll(/:(\d{12}):/g)].map((m) => m[1]);
        assert.ok(
          accounts.every((a) => a === ADMIN),
          `${resource} names another account than the delegated administrator's`,
        );
      }
      assert.ok(!asList(s.Action).includes('sts:AssumeRole'), JSON.stringify(s));
    }
  });

  it('gives the gate the same AssumeRole condition', () => {
    const statements = roleStatements(template, NAMES.gateRole(REGION)).filter((s) => asList(s.Action).includes('sts:AssumeRole'));
    assert.equal(statements.length, 1);
    assert.deepEqual(statements[0].Condition, { StringEqualsIfExists: { 'aws:ResourceOrgID': ORG } });
  });

  it('lets only the central roles assume the member roles: the boundary that holds whatever STS reports', () => {
    const s = synthDefault();
    for (const [name, central] of [
      [s.built.config.memberRoleName, NAMES.rulesRole],
      [s.built.config.gateMemberRoleName, NAMES.gateRole],
    ] as const) {
      const [, role] = resourcesOf(s.member, 'AWS::IAM::Role').find(([, r]) => r.Properties.RoleName === name)!;
      const trusted = role.Properties.AssumeRolePolicyDocument.Statement.flatMap((st: Json) => principalsOf(st));
      assert.deepEqual(
        trusted.sort(),
        s.built.config.regions.map((r) => ['AWS', `arn:\${AWS::Partition}:iam::${ADMIN}:role/${central(r)}`]).sort(),
        name,
      );
    }
  });

  it('with configSourceAccounts, every Config permission is narrowed to one of them', () => {
    const accounts = ['111122223333', '444455556666'];
    const t = synth({ configSourceAccounts: accounts }).central.get(REGION);
    const permissions = configPermissions(t);
    assert.ok(permissions.length > 0);
    for (const [id, p] of permissions) {
      assert.ok(accounts.includes(p.Properties.SourceAccount), id);
      assert.equal(p.Properties.PrincipalOrgID, undefined, id);
    }
  });

  it('lets only principals of the organization invoke the gate', () => {
    const gatePermissions = resourcesOf(template, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal !== 'config.amazonaws.com' && p.Properties.Principal !== 'events.amazonaws.com',
    );
    assert.ok(gatePermissions.length > 0);
    for (const [id, p] of gatePermissions) {
      assert.equal(p.Properties.Principal, '*', id);
      assert.equal(p.Properties.PrincipalOrgID, ORG, id);
    }
  });
});
