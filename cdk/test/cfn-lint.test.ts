// cfn-lint on what `npm run synth` wrote to cdk.out (the central templates and the member
// template) and on a two-Region enforce-mode synthesis. Any finding fails the test.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { NAMES } from '../lib/config';
import { CDK_JSON_CONTEXT, CDK_OUT, cfnLint, findCfnLint, Json, resourcesOf, synth, tempDir } from './helpers';

const cfnLintPath = findCfnLint();

function requireCfnLint(): string {
  assert.ok(
    cfnLintPath,
    'cfn-lint not found: set CFN_LINT, run `cargo xtask setup` (creates ../.venv with cfn-lint), or put cfn-lint on PATH',
  );
  return cfnLintPath;
}

describe('cfn-lint', () => {
  it('passes the templates of cdk.out (npm run synth)', () => {
    const lint = requireCfnLint();
    assert.ok(fs.existsSync(path.join(CDK_OUT, 'manifest.json')), `${CDK_OUT} is missing: run \`npm run synth\` first`);
    const regions = CDK_JSON_CONTEXT.regions as string[];
    const central = regions.map((r) => path.join(CDK_OUT, `${NAMES.centralStack(r)}.template.json`));
    const member = path.join(CDK_OUT, 'member.template.json');
    for (const file of [...central, member]) {
      assert.ok(fs.existsSync(file), `${file} is missing`);
    }
    // The file written beside the assembly is the StackSet's template.
    const primary: Json = JSON.parse(
      fs.readFileSync(path.join(CDK_OUT, `${NAMES.centralStack(String(CDK_JSON_CONTEXT.centralRegion))}.template.json`), 'utf8'),
    );
    const [, stackSet] = resourcesOf(primary, 'AWS::CloudFormation::StackSet')[0];
    assert.deepEqual(JSON.parse(fs.readFileSync(member, 'utf8')), JSON.parse(stackSet.Properties.TemplateBody));

    const result = cfnLint(lint, [...central, member], regions);
    assert.equal(result.status, 0, `cfn-lint findings:\n${result.output}`);
  });

  it('passes a two-Region, enforce-mode synthesis', () => {
    const lint = requireCfnLint();
    const regions = ['us-east-1', 'eu-west-1'];
    const s = synth({ regions, centralRegion: 'eu-west-1', gateMode: 'enforce', excludedAccounts: ['210987654321'] });
    const dir = tempDir('ecs-harden-lint-');
    const files: string[] = [];
    for (const [region, template] of s.central) {
      const file = path.join(dir, `${NAMES.centralStack(region)}.template.json`);
      fs.writeFileSync(file, JSON.stringify(template, null, 1));
      files.push(file);
    }
    const member = path.join(dir, 'member.template.json');
    fs.writeFileSync(member, JSON.stringify(s.member, null, 1));
    files.push(member);
    const result = cfnLint(lint, files, regions);
    assert.equal(result.status, 0, `cfn-lint findings:\n${result.output}`);
  });
});
