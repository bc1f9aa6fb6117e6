// Point 5: no member account or Region can roll back the central resources. The StackSet and
// the organization packs, the only resources whose outcome depends on member accounts, live
// in stacks of their own that deploy after the central stacks; the StackSet tolerates failed
// accounts by default, and its tolerance and concurrency are context keys.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, NAMES, readConfig } from '../lib/config';
import { Json, ORGANIZATION_SCOPE, resourcesOf, stackDependencies, synth, TEST_CONTEXT } from './helpers';

/** Resource types other than CDK's own bookkeeping. */
function types(template: Json): string[] {
  return [...new Set(Object.values(template.Resources as Record<string, Json>).map((r) => r.Type))]
    .filter((t) => t !== 'AWS::CDK::Metadata')
    .sort();
}

const MEMBER_DEPENDENT = [
  'AWS::CloudFormation::StackSet',
  'AWS::CloudFormation::StackSetConstraint',
  'AWS::Config::OrganizationConformancePack',
  'AWS::Config::OrganizationConfigRule',
];

describe('failure isolation', () => {
  const regions = ['us-east-1', 'eu-west-1'];
  const stackset = synth({ regions, centralRegion: 'us-east-1' });
  const organization = synth({ ...ORGANIZATION_SCOPE, regions, centralRegion: 'us-east-1' });

  it('keeps every member-dependent resource out of the central stacks', () => {
    for (const s of [stackset, organization]) {
      for (const [region, template] of s.central) {
        for (const type of MEMBER_DEPENDENT) {
          assert.deepEqual(resourcesOf(template, type), [], `${type} in ${NAMES.centralStack(region)}`);
        }
        assert.ok(types(template).includes('AWS::Lambda::Function'));
      }
    }
  });

  it('puts the StackSet alone in its stack, and each organization pack alone with its bucket', () => {
    for (const s of [stackset, organization]) {
      assert.deepEqual(types(s.members), ['AWS::CloudFormation::StackSet']);
    }
    for (const [region, template] of organization.organizationPacks) {
      assert.deepEqual(
        types(template),
        ['AWS::Config::OrganizationConformancePack', 'AWS::S3::Bucket', 'AWS::S3::BucketPolicy'],
        region,
      );
    }
  });

  it('deploys the central stacks first: nothing they hold waits for, or can be rolled back by, a member account', () => {
    for (const s of [stackset, organization]) {
      const central = [...s.built.central.values()].map((c) => c.artifactId);
      for (const stack of s.built.central.values()) {
        assert.deepEqual(stackDependencies(s.assembly, stack.artifactId), [], stack.stackName);
      }
      assert.deepEqual(stackDependencies(s.assembly, s.built.members.artifactId), [...central].sort());
    }
    for (const [region, stack] of organization.built.organizationPacks) {
      const deps = stackDependencies(organization.assembly, stack.artifactId);
      assert.deepEqual(
        deps,
        [organization.built.central.get(region)!.artifactId, organization.built.members.artifactId].sort(),
        region,
      );
    }
  });

  it('tolerates failed accounts by default: 100% per Region, 25% at once, decoupled from concurrency', () => {
    assert.deepEqual(stackset.stackSet.OperationPreferences, {
      ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
      FailureTolerancePercentage: 100,
      MaxConcurrentPercentage: 25,
      RegionConcurrencyType: 'PARALLEL',
    });
  });

  it('takes the tolerance and concurrency as counts or percentages, and the Region order', () => {
    const s = synth({
      regions,
      centralRegion: 'eu-west-1',
      stackSetFailureTolerance: '3',
      stackSetMaxConcurrent: '10',
      stackSetRegionConcurrency: 'SEQUENTIAL',
    });
    assert.deepEqual(s.stackSet.OperationPreferences, {
      ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
      FailureToleranceCount: 3,
      MaxConcurrentCount: 10,
      RegionConcurrencyType: 'SEQUENTIAL',
      // centralRegion first: its stack instances create the account-wide member roles.
      RegionOrder: ['eu-west-1', 'us-east-1'],
    });
  });

  it('rejects tolerance and concurrency values CloudFormation would refuse, naming the key', () => {
    const rejects = (overrides: Record<string, unknown>, message: RegExp) => {
      const context: Record<string, unknown> = { ...TEST_CONTEXT, ...overrides };
      assert.throws(
        () => readConfig({ tryGetContext: (key: string) => context[key] }),
        (e: unknown) => e instanceof ConfigError && message.test((e as Error).message),
      );
    };
    rejects({ stackSetFailureTolerance: '101%' }, /stackSetFailureTolerance: 101% is outside 0%\.\.100%/);
    rejects({ stackSetFailureTolerance: 'all' }, /stackSetFailureTolerance: "all" is neither a number of accounts/);
    rejects({ stackSetMaxConcurrent: '0' }, /stackSetMaxConcurrent: 0 is below 1/);
    rejects({ stackSetMaxConcurrent: '0%' }, /stackSetMaxConcurrent: 0% is outside 1%\.\.100%/);
    rejects({ stackSetRegionConcurrency: 'parallel' }, /stackSetRegionConcurrency: "parallel" is neither PARALLEL nor SEQUENTIAL/);
  });
});
