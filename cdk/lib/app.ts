// Builds the whole app from its context, in stacks that fail independently:
//   - ecs-harden-central-<region> (every Region): rule functions, gate, aggregator
//     (centralRegion); nothing in them depends on a member account;
//   - ecs-harden-members (centralRegion): the member StackSet alone, after every central
//     stack (the member roles trust the central roles of every Region);
//   - ecs-harden-organization-pack-<region> (packScope organization only): the organization
//     conformance pack of the Region, after the StackSet.
// AwsSolutions checks run on everything.

import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CentralStack, gateEnvironmentOf } from './central-stack';
import { EcsHardenConfig, NAMES, readConfig } from './config';
import { MembersStack } from './members-stack';
import { MemberTemplate, renderMemberTemplate } from './member-stack';
import { OrganizationPackStack } from './organization-pack-stack';

export interface EcsHardenApp {
  readonly config: EcsHardenConfig;
  /** Central stacks by Region. */
  readonly central: ReadonlyMap<string, CentralStack>;
  /** The stack of centralRegion (aggregator). */
  readonly primary: CentralStack;
  /** The stack of the member StackSet. */
  readonly members: MembersStack;
  /** Organization pack stacks by Region (packScope organization), else empty. */
  readonly organizationPacks: ReadonlyMap<string, OrganizationPackStack>;
  readonly member: MemberTemplate;
}

/** Context keys of this app; the member app receives the others (feature flags and the like). */
const OWN_CONTEXT_KEYS = new Set([
  'organizationId', 'targetOus', 'regions', 'centralRegion', 'gateMode', 'delegatedAdminAccount',
  'memberRoleName', 'gateMemberRoleName', 'gateControls', 'excludedAccounts',
  'configSourceAccounts', 'logRetentionDays', 'lambdaCode', 'catalogue', 'conformancePack',
  'packScope', 'managementAccount', 'parameters', 'configFile', 'stackSetFailureTolerance',
  'stackSetMaxConcurrent', 'stackSetRegionConcurrency', 'gateReservedConcurrency',
  'ruleReservedConcurrency', 'lambdaConcurrencyQuota', 'securityHubFindings', 'findingsMemberRoleName',
]);

function passThroughContext(app: cdk.App): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  const all = app.node.getAllContext() as Record<string, unknown>;
  for (const [key, value] of Object.entries(all)) {
    if (!OWN_CONTEXT_KEYS.has(key) && !key.startsWith('aws:cdk:')) {
      context[key] = value;
    }
  }
  return context;
}

export function buildApp(app: cdk.App): EcsHardenApp {
  const config = readConfig(app.node);
  // The parameter map's own limit first (Lambda's 4 KB of environment): the map is also in
  // the member template, whose size limit it would otherwise meet with a vaguer message.
  gateEnvironmentOf(config);
  const member = renderMemberTemplate(config, passThroughContext(app));
  const central = new Map<string, CentralStack>();
  for (const region of config.regions) {
    central.set(
      region,
      new CentralStack(app, NAMES.centralStack(region), {
        config,
        region,
        primary: region === config.centralRegion,
        terminationProtection: false,
      }),
    );
  }
  const members = new MembersStack(app, NAMES.membersStack, { config, member, terminationProtection: false });
  for (const stack of central.values()) {
    members.addStackDependency(stack, 'the member roles trust the rules and gate roles of every Region, and Config checks its Lambda permissions when it creates the rules');
  }
  const organizationPacks = new Map<string, OrganizationPackStack>();
  if (config.packScope === 'organization') {
    for (const region of config.regions) {
      const pack = new OrganizationPackStack(app, NAMES.organizationPackStack(region), {
        config,
        region,
        terminationProtection: false,
      });
      pack.addStackDependency(central.get(region)!, 'Config checks that it may invoke the functions when it creates the rules');
      pack.addStackDependency(members, 'rules created before the member roles exist fail their first evaluations');
      organizationPacks.set(region, pack);
    }
  }
  cdk.Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { config, central, primary: central.get(config.centralRegion)!, members, organizationPacks, member };
}
