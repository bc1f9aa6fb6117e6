#!/usr/bin/env node
// Entry point of the CDK app (cdk.json: `node dist/bin/ecs-harden.js`).

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { ConfigError } from '../lib/config';

function main(): void {
  const app = new cdk.App();
  let built;
  try {
    built = buildApp(app);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const assembly = app.synth();
  // The StackSet's template, for reading, cfn-lint, and deploying by hand where the StackSet
  // does not reach (the management account: see docs/deploy.md).
  fs.writeFileSync(
    path.join(assembly.directory, 'member.template.json'),
    JSON.stringify(built.member.template, null, 1) + '\n',
  );
}

main();
