// cfn-lint on what `npm run synth` wrote to cdk.out (the central templates, the members
// stack and the member template), on two-Region syntheses of both pack scopes, and on the
// conformance pack bodies Config receives. Any finding fails the test, and so does a missing
// cfn-lint.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { NAMES } from '../lib/config';
import {
  allTemplates,
  CDK_JSON_CONTEXT,
  CDK_OUT,
  cfnLint,
  memberPackBody,
  ORGANIZATION_SCOPE,
  organizationPackBody,
  requireCfnLint,
  resourcesOf,
  synth,
  Synthesized,
  tempDir,
} from './helpers';

/** Writes every template of a synthesis, and every pack body, to a directory; returns the files. */
function writeAll(s: Synthesized, regions: string[]): string[] {
  const dir = tempDir('ecs-harden-lint-');
  const files: string[] = [];
  for (const [name, template] of allTemplates(s)) {
    const file = path.join(dir, `${name}.template.json`);
    fs.writeFileSync(file, JSON.stringify(template, null, 1));
    files.push(file);
  }
  for (const region of regions) {
    const body = s.organizationPacks.has(region)
      ? organizationPackBody(s.organizationPacks.get(region))
      : memberPackBody(s.member, region);
    const file = path.join(dir, `pack-${region}.yaml`);
    fs.writeFileSync(file, body);
    files.push(file);
  }
  return files;
}

describe('cfn-lint', () => {
  it('passes the templates of cdk.out (npm run synth)', () => {
    const lint = requireCfnLint();
    assert.ok(fs.existsSync(path.join(CDK_OUT, 'manifest.json')), `${CDK_OUT} is missing: run \`npm run synth\` first`);
    const regions = CDK_JSON_CONTEXT.regions as string[];
    const central = regions.map((r) => path.join(CDK_OUT, `${NAMES.centralStack(r)}.template.json`));
    const members = path.join(CDK_OUT, `${NAMES.membersStack}.template.json`);
    const member = path.join(CDK_OUT, 'member.template.json');
    for (const file of [...central, members, member]) {
      assert.ok(fs.existsSync(file), `${file} is missing`);
    }
    // The file written beside the assembly is the StackSet's template.
    const [, stackSet] = resourcesOf(JSON.parse(fs.readFileSync(members, 'utf8')), 'AWS::CloudFormation::StackSet')[0];
    assert.deepEqual(JSON.parse(fs.readFileSync(member, 'utf8')), JSON.parse(stackSet.Properties.TemplateBody));

    const result = cfnLint(lint, [...central, members, member], regions);
    assert.equal(result.status, 0, `cfn-lint findings:\n${result.output}`);
  });

  it('passes a two-Region, enforce-mode synthesis with per-account packs and an exception register, and their bodies', () => {
    const lint = requireCfnLint();
    const regions = ['us-east-1', 'eu-west-1'];
    const s = synth({
      regions,
      centralRegion: 'eu-west-1',
      gateMode: 'enforce',
      excludedAccounts: ['210987654321'],
      parameters: { 'HARDEN.5': { allowedRegistries: '{account}.dkr.ecr.{region}.amazonaws.com,public.ecr.aws' } },
      exceptions: '../schemas/exceptions.example.yaml',
    });
    const result = cfnLint(lint, writeAll(s, regions), regions);
    assert.equal(result.status, 0, `cfn-lint findings:\n${result.output}`);
  });

  it('passes a two-Region synthesis with organization packs, and their bodies', () => {
    const lint = requireCfnLint();
    const regions = ['us-east-1', 'eu-west-1'];
    const s = synth({ ...ORGANIZATION_SCOPE, regions, centralRegion: 'us-east-1', excludedAccounts: ['210987654321'] });
    assert.equal(s.organizationPacks.size, 2);
    const result = cfnLint(lint, writeAll(s, regions), regions);
    assert.equal(result.status, 0, `cfn-lint findings:\n${result.output}`);
  });
});
