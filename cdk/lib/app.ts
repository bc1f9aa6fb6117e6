// Builds the whole app from its context: one central stack per Region, the member template
// embedded in the stack of centralRegion, AwsSolutions checks on everything.

import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CentralStack } from './central-stack';
import { EcsHardenConfig, NAMES, readConfig } from './config';
import { MemberTemplate, renderMemberTemplate } from './member-stack';

export interface EcsHardenApp {
  readonly config: EcsHardenConfig;
  /** Central stacks by Region. */
  readonly central: ReadonlyMap<string, CentralStack>;
  /** The stack of centralRegion (aggregator, StackSet). */
  readonly primary: CentralStack;
  readonly member: MemberTemplate;
}

/** Context keys the member app receives too (feature flags and the like, not ours). */
function passThroughContext(app: cdk.App): Record<string, unknown> {
  const ours = new Set([
    'organizationId', 'targetOus', 'regions', 'centralRegion', 'gateMode', 'delegatedAdminAccount',
    'memberRoleName', 'gateMemberRoleName', 'gateControls', 'excludedAccounts',
    'configSourceAccounts', 'logRetentionDays', 'lambdaCode', 'catalogue', 'conformancePack',
  ]);
  const context: Record<string, unknown> = {};
  const all = app.node.getAllContext() as Record<string, unknown>;
  for (const [key, value] of Object.entries(all)) {
    if (!ours.has(key) && !key.startsWith('aws:cdk:')) {
      context[key] = value;
    }
  }
  return context;
}

export function buildApp(app: cdk.App): EcsHardenApp {
  const config = readConfig(app.node);
  const member = renderMemberTemplate(config, passThroughContext(app));
  const central = new Map<string, CentralStack>();
  // The other Regions first: the member roles trust their roles.
  const ordered = [
    ...config.regions.filter((r) => r !== config.centralRegion),
    config.centralRegion,
  ];
  for (const region of ordered) {
    const primary = region === config.centralRegion;
    central.set(
      region,
      new CentralStack(app, NAMES.centralStack(region), {
        config,
        region,
        member: primary ? member : undefined,
        terminationProtection: false,
      }),
    );
  }
  const primary = central.get(config.centralRegion)!;
  for (const [region, stack] of central) {
    if (region !== config.centralRegion) {
      primary.addStackDependency(stack, 'the member roles of the StackSet trust its rules and gate roles');
    }
  }
  cdk.Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { config, central, primary, member };
}
