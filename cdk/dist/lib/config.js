"use strict";
// Context of the ecs-harden CDK app: read, validated and normalised in one place, so that a
// bad value fails synthesis with a message naming the key instead of producing a template
// that fails in CloudFormation an hour later.
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
exports.ConfigError = exports.TEMPLATE_BODY_LIMIT = exports.NAMES = exports.DEFAULT_CONFORMANCE_PACK = exports.DEFAULT_CATALOGUE = exports.REPO_ROOT = exports.CDK_ROOT = void 0;
exports.readCatalogue = readCatalogue;
exports.readConfig = readConfig;
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
const aws_cdk_lib_1 = require("aws-cdk-lib");
/** The `cdk/` directory (this file is compiled to `cdk/dist/lib/`). */
exports.CDK_ROOT = path.resolve(__dirname, '..', '..');
/** The repository root, one level above `cdk/`. */
exports.REPO_ROOT = path.resolve(exports.CDK_ROOT, '..');
exports.DEFAULT_CATALOGUE = path.join(exports.CDK_ROOT, 'generated', 'catalogue.json');
exports.DEFAULT_CONFORMANCE_PACK = path.join(exports.REPO_ROOT, 'conformance-packs', 'ecs-harden-organization.yaml');
/** Names the central stacks, the member template and the tests agree on. */
exports.NAMES = {
    gateFunction: 'ecs-harden-gate',
    gateCrate: 'gate',
    gateBus: 'ecs-harden-gate',
    gateForwardRule: 'ecs-harden-gate-register-task-definition',
    hookAlias: 'EcsHarden::ECS::TaskDefinitionGate',
    conformancePack: 'ecs-harden',
    aggregator: 'ecs-harden-organization',
    stackSet: 'ecs-harden-member',
    /** Shared execution role of the rule Lambdas in one Region of the central account. */
    rulesRole: (region) => `ecs-harden-rules-${region}`,
    /** Execution role of the gate Lambda in one Region of the central account. */
    gateRole: (region) => `ecs-harden-gate-${region}`,
    /** Role in each member account and Region that forwards RegisterTaskDefinition events. */
    forwardRole: (region) => `ecs-harden-gate-forward-${region}`,
    deliveryBucket: (account, region) => `awsconfigconforms-ecs-harden-${account}-${region}`,
    centralStack: (region) => `ecs-harden-central-${region}`,
};
/** AWS's limit for an inline TemplateBody (conformance packs and StackSets alike). */
exports.TEMPLATE_BODY_LIMIT = 51_200;
/** A context value that cannot be used; the message names the key and what is expected. */
class ConfigError extends Error {
    constructor(message) {
        super(`ecs-harden context: ${message}`);
        this.name = 'ConfigError';
    }
}
exports.ConfigError = ConfigError;
const ORG_ID = /^o-[a-z0-9]{10,32}$/;
// CloudFormation's pattern for AWS::CloudFormation::StackSet DeploymentTargets.
const OU_ID = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const ACCOUNT = /^\d{12}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
// A bucket name, optionally with {account} and {region} placeholders.
const BUCKET_TEMPLATE = /^[a-z0-9{][a-z0-9.{}-]{1,61}[a-z0-9}]$/;
/** Values given with `-c key=value` arrive as strings; JSON arrays and objects are parsed. */
function decode(key, value) {
    if (typeof value === 'string') {
        const trimmed = value.trim();
        if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
            try {
                return JSON.parse(trimmed);
            }
            catch (e) {
                throw new ConfigError(`${key}: not valid JSON (${e.message})`);
            }
        }
    }
    return value;
}
function str(ctx, key, fallback) {
    const value = decode(key, ctx.tryGetContext(key)) ?? fallback;
    if (value === undefined) {
        throw new ConfigError(`${key} is required`);
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
        throw new ConfigError(`${key}: expected a string, got ${JSON.stringify(value)}`);
    }
    return String(value).trim();
}
/** A list: a JSON array, or a comma-separated string. */
function list(ctx, key, fallback) {
    const value = decode(key, ctx.tryGetContext(key)) ?? fallback;
    if (value === undefined) {
        throw new ConfigError(`${key} is required (a list)`);
    }
    let items;
    if (Array.isArray(value)) {
        items = value;
    }
    else if (typeof value === 'string') {
        items = value.split(',');
    }
    else {
        throw new ConfigError(`${key}: expected a list, got ${JSON.stringify(value)}`);
    }
    return items.map((item) => {
        if (typeof item !== 'string' && typeof item !== 'number') {
            throw new ConfigError(`${key}: expected strings, got ${JSON.stringify(item)}`);
        }
        return String(item).trim();
    }).filter((item) => item !== '');
}
function check(key, values, pattern, what) {
    for (const value of values) {
        if (!pattern.test(value)) {
            throw new ConfigError(`${key}: ${JSON.stringify(value)} is not ${what}`);
        }
    }
    const seen = new Set();
    for (const value of values) {
        if (seen.has(value)) {
            throw new ConfigError(`${key}: ${JSON.stringify(value)} is listed twice`);
        }
        seen.add(value);
    }
}
function readCatalogue(file) {
    let parsed;
    try {
        parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    }
    catch (e) {
        throw new ConfigError(`cannot read the catalogue ${file} (run \`cargo xtask codegen\`): ${e.message}`);
    }
    const controls = parsed.controls;
    if (!Array.isArray(controls) || controls.length === 0) {
        throw new ConfigError(`${file}: no "controls" array`);
    }
    const names = new Set();
    return controls.map((raw, index) => {
        const c = raw;
        for (const field of ['id', 'ruleName', 'crate', 'resourceType', 'severity', 'title']) {
            if (typeof c[field] !== 'string' || c[field] === '') {
                throw new ConfigError(`${file}: controls[${index}].${field} is missing`);
            }
        }
        const control = c;
        // The rule name is also the Lambda function name (the pack's SourceIdentifier is
        // ${LambdaArnPrefix}<ruleName>): at most 64 characters, Lambda's function-name alphabet.
        if (!/^ecs-harden-[a-z0-9-]+$/.test(control.ruleName) || control.ruleName.length > 64) {
            throw new ConfigError(`${file}: ${control.id} has an unusable ruleName ${control.ruleName}`);
        }
        if (control.ruleName === exports.NAMES.gateFunction || names.has(control.ruleName)) {
            throw new ConfigError(`${file}: ruleName ${control.ruleName} is not unique`);
        }
        names.add(control.ruleName);
        if (!/^[a-z0-9-]+$/.test(control.crate)) {
            throw new ConfigError(`${file}: ${control.id} has an unusable crate name ${control.crate}`);
        }
        return {
            ...control,
            parameters: Array.isArray(c.parameters) ? c.parameters : [],
            frameworks: Array.isArray(c.frameworks) ? c.frameworks : [],
        };
    });
}
function readCode(ctx, crates) {
    const raw = decode('lambdaCode', ctx.tryGetContext('lambdaCode'));
    if (raw === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw new ConfigError('lambdaCode is required: {"zipDir": "<dir of <crate>.zip>"} and/or ' +
            '{"codeBucket": "<bucket, may contain {region} and {account}>", "codeKeyPrefix": "<prefix>"}');
    }
    const value = raw;
    for (const key of Object.keys(value)) {
        if (!['zipDir', 'codeBucket', 'codeKeyPrefix'].includes(key)) {
            throw new ConfigError(`lambdaCode.${key}: unknown key (zipDir, codeBucket, codeKeyPrefix)`);
        }
    }
    let notice;
    if (value.zipDir !== undefined) {
        if (typeof value.zipDir !== 'string' || value.zipDir === '') {
            throw new ConfigError('lambdaCode.zipDir: expected a directory path');
        }
        const dir = path.resolve(exports.CDK_ROOT, value.zipDir);
        const missing = crates.filter((crate) => !fs.existsSync(path.join(dir, `${crate}.zip`)));
        if (missing.length === 0) {
            return { code: { kind: 'zip', dir } };
        }
        notice =
            `lambdaCode.zipDir ${dir} lacks ${missing.length} of ${crates.length} zips ` +
                `(${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}.zip); ` +
                'run `cargo xtask build-lambdas` to deploy local builds';
    }
    if (value.codeBucket !== undefined) {
        if (typeof value.codeBucket !== 'string' || !BUCKET_TEMPLATE.test(value.codeBucket)) {
            throw new ConfigError(`lambdaCode.codeBucket: ${JSON.stringify(value.codeBucket)} is not a bucket name ` +
                '(placeholders {region} and {account} are allowed)');
        }
        const keyPrefix = value.codeKeyPrefix ?? '';
        if (typeof keyPrefix !== 'string') {
            throw new ConfigError('lambdaCode.codeKeyPrefix: expected a string');
        }
        return {
            code: { kind: 's3', bucket: value.codeBucket, keyPrefix },
            notice: notice ? `${notice}; using s3://${value.codeBucket}/${keyPrefix}<crate>.zip` : undefined,
        };
    }
    throw new ConfigError(notice ?? 'lambdaCode: set zipDir (the xtask zips) or codeBucket (an S3 bucket per Region)');
}
/** Reads and validates the context. Throws ConfigError with the offending key. */
function readConfig(ctx) {
    const organizationId = str(ctx, 'organizationId');
    if (!ORG_ID.test(organizationId)) {
        throw new ConfigError(`organizationId: ${JSON.stringify(organizationId)} is not an organization id (o-xxxxxxxxxx)`);
    }
    const targetOus = list(ctx, 'targetOus');
    if (targetOus.length === 0) {
        throw new ConfigError('targetOus: at least one OU (ou-...) or root (r-...) id is required');
    }
    check('targetOus', targetOus, OU_ID, 'an OU id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)');
    const regions = list(ctx, 'regions');
    if (regions.length === 0) {
        throw new ConfigError('regions: at least one Region is required');
    }
    check('regions', regions, REGION, 'a Region name');
    const centralRegion = str(ctx, 'centralRegion', regions[0]);
    check('centralRegion', [centralRegion], REGION, 'a Region name');
    if (!regions.includes(centralRegion)) {
        throw new ConfigError(`centralRegion ${centralRegion} must be one of regions (${regions.join(', ')}): ` +
            'the member role is created by the stack instance in that Region');
    }
    const gateMode = str(ctx, 'gateMode', 'audit');
    if (gateMode !== 'audit' && gateMode !== 'enforce') {
        throw new ConfigError(`gateMode: ${JSON.stringify(gateMode)} is neither "audit" nor "enforce"`);
    }
    const delegatedAdminAccount = str(ctx, 'delegatedAdminAccount');
    check('delegatedAdminAccount', [delegatedAdminAccount], ACCOUNT, 'a 12-digit account id');
    const memberRoleName = str(ctx, 'memberRoleName', 'ecs-harden-member');
    check('memberRoleName', [memberRoleName], ROLE_NAME, 'an IAM role name');
    const gateMemberRoleName = str(ctx, 'gateMemberRoleName', `${memberRoleName}-gate`);
    check('gateMemberRoleName', [gateMemberRoleName], ROLE_NAME, 'an IAM role name');
    if (gateMemberRoleName === memberRoleName) {
        throw new ConfigError('gateMemberRoleName must differ from memberRoleName');
    }
    const excludedAccounts = list(ctx, 'excludedAccounts', []);
    check('excludedAccounts', excludedAccounts, ACCOUNT, 'a 12-digit account id');
    const configSourceAccounts = list(ctx, 'configSourceAccounts', []);
    check('configSourceAccounts', configSourceAccounts, ACCOUNT, 'a 12-digit account id');
    const retention = Number(str(ctx, 'logRetentionDays', '90'));
    const allowedRetention = Object.values(aws_cdk_lib_1.aws_logs.RetentionDays).filter((v) => typeof v === 'number' && v !== aws_cdk_lib_1.aws_logs.RetentionDays.INFINITE);
    if (!allowedRetention.includes(retention)) {
        throw new ConfigError(`logRetentionDays: ${retention} is not a CloudWatch Logs retention (${allowedRetention.join(', ')})`);
    }
    const catalogueFile = path.resolve(exports.CDK_ROOT, str(ctx, 'catalogue', exports.DEFAULT_CATALOGUE));
    const controls = readCatalogue(catalogueFile);
    const gateControls = list(ctx, 'gateControls', []);
    for (const id of gateControls) {
        const control = controls.find((c) => c.id === id);
        if (!control) {
            throw new ConfigError(`gateControls: ${id} is not a control of the catalogue`);
        }
        if (control.resourceType !== 'AWS::ECS::TaskDefinition') {
            throw new ConfigError(`gateControls: ${id} checks ${control.resourceType}; the gate sees task definitions only`);
        }
    }
    const packFile = path.resolve(exports.CDK_ROOT, str(ctx, 'conformancePack', exports.DEFAULT_CONFORMANCE_PACK));
    let conformancePackBody;
    try {
        conformancePackBody = fs.readFileSync(packFile, 'utf8');
    }
    catch (e) {
        throw new ConfigError(`cannot read the conformance pack ${packFile}: ${e.message}`);
    }
    if (Buffer.byteLength(conformancePackBody, 'utf8') > exports.TEMPLATE_BODY_LIMIT) {
        throw new ConfigError(`${packFile} is larger than ${exports.TEMPLATE_BODY_LIMIT} bytes, the limit of an inline TemplateBody`);
    }
    const configSourcePermissions = configSourceAccounts.length * controls.length;
    if (configSourcePermissions > 200) {
        throw new ConfigError(`configSourceAccounts: ${configSourceAccounts.length} accounts x ${controls.length} rules = ` +
            `${configSourcePermissions} Lambda permissions; too many for a 500-resource stack and ` +
            "Lambda's 20 KB function policy. Leave configSourceAccounts empty for a large organization");
    }
    const crates = [...controls.map((c) => c.crate), exports.NAMES.gateCrate];
    const { code, notice } = readCode(ctx, crates);
    return {
        organizationId,
        targetOus,
        regions,
        centralRegion,
        gateMode,
        delegatedAdminAccount,
        memberRoleName,
        gateMemberRoleName,
        gateControls,
        excludedAccounts,
        configSourceAccounts,
        logRetentionDays: retention,
        code,
        codeNotice: notice,
        controls,
        conformancePackBody,
    };
}
//# sourceMappingURL=config.js.map