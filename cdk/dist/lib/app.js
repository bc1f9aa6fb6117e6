"use strict";
// Builds the whole app from its context: one central stack per Region, the member template
// embedded in the stack of centralRegion, AwsSolutions checks on everything.
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
exports.buildApp = buildApp;
const cdk = __importStar(require("aws-cdk-lib"));
const cdk_nag_1 = require("cdk-nag");
const central_stack_1 = require("./central-stack");
const config_1 = require("./config");
const member_stack_1 = require("./member-stack");
/** Context keys the member app receives too (feature flags and the like, not ours). */
function passThroughContext(app) {
    const ours = new Set([
        'organizationId', 'targetOus', 'regions', 'centralRegion', 'gateMode', 'delegatedAdminAccount',
        'memberRoleName', 'gateMemberRoleName', 'gateControls', 'excludedAccounts',
        'configSourceAccounts', 'logRetentionDays', 'lambdaCode', 'catalogue', 'conformancePack',
    ]);
    const context = {};
    const all = app.node.getAllContext();
    for (const [key, value] of Object.entries(all)) {
        if (!ours.has(key) && !key.startsWith('aws:cdk:')) {
            context[key] = value;
        }
    }
    return context;
}
function buildApp(app) {
    const config = (0, config_1.readConfig)(app.node);
    const member = (0, member_stack_1.renderMemberTemplate)(config, passThroughContext(app));
    const central = new Map();
    // The other Regions first: the member roles trust their roles.
    const ordered = [
        ...config.regions.filter((r) => r !== config.centralRegion),
        config.centralRegion,
    ];
    for (const region of ordered) {
        const primary = region === config.centralRegion;
        central.set(region, new central_stack_1.CentralStack(app, config_1.NAMES.centralStack(region), {
            config,
            region,
            member: primary ? member : undefined,
            terminationProtection: false,
        }));
    }
    const primary = central.get(config.centralRegion);
    for (const [region, stack] of central) {
        if (region !== config.centralRegion) {
            primary.addDependency(stack, 'the member roles of the StackSet trust its rules and gate roles');
        }
    }
    cdk.Aspects.of(app).add(new cdk_nag_1.AwsSolutionsChecks({ verbose: true }));
    return { config, central, primary, member };
}
//# sourceMappingURL=app.js.map