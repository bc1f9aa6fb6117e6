#!/usr/bin/env node
"use strict";
// Entry point of the CDK app (cdk.json: `node dist/bin/ecs-harden.js`).
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
const cdk = __importStar(require("aws-cdk-lib"));
const app_1 = require("../lib/app");
const config_1 = require("../lib/config");
function main() {
    const app = new cdk.App();
    let built;
    try {
        built = (0, app_1.buildApp)(app);
    }
    catch (e) {
        if (e instanceof config_1.ConfigError) {
            console.error(e.message);
            process.exit(1);
        }
        throw e;
    }
    const assembly = app.synth();
    // The StackSet's template, for reading, cfn-lint, and deploying by hand where the StackSet
    // does not reach (the management account: see docs/deploy.md).
    fs.writeFileSync(path.join(assembly.directory, 'member.template.json'), JSON.stringify(built.member.template, null, 1) + '\n');
}
main();
//# sourceMappingURL=ecs-harden.js.map