// packScope organization: the organization conformance pack of one Region, with its delivery
// bucket, in a stack of its own. AWS::Config::OrganizationConformancePack fails when the pack
// fails in any account (NoAvailableConfigurationRecorderException in an account without a
// recorder, for one); in a stack of its own that failure rolls back this pack only, not the
// functions, the gate, the aggregator or the member StackSet.

import * as cdk from 'aws-cdk-lib';
import { aws_config as config, aws_iam as iam, aws_s3 as s3 } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { EcsHardenConfig, NAMES, TEMPLATE_BODY_LIMIT } from './config';
import { ConfigError } from './errors';
import { renderPackBody } from './pack';

export interface OrganizationPackStackProps extends cdk.StackProps {
  readonly config: EcsHardenConfig;
  readonly region: string;
}

export class OrganizationPackStack extends cdk.Stack {
  readonly deliveryBucket: s3.Bucket;
  readonly conformancePack: config.CfnOrganizationConformancePack;

  constructor(scope: Construct, id: string, props: OrganizationPackStackProps) {
    const c = props.config;
    const region = props.region;
    super(scope, id, {
      ...props,
      env: { account: c.delegatedAdminAccount, region },
      description: `ecs-harden organization conformance pack (${region}) and its delivery bucket`,
    });
    const partition = cdk.Aws.PARTITION;

    // Config requires the awsconfigconforms prefix for an organization pack's bucket. The
    // bucket is retained when the stack is deleted (Config's objects are in it, and a
    // non-empty bucket cannot be deleted by CloudFormation), so the name ends with a part of
    // this stack's id: a stack created again after a destroy gets a bucket of a new name
    // instead of colliding with the retained one.
    const stackIdSuffix = cdk.Fn.select(4, cdk.Fn.split('-', cdk.Fn.select(2, cdk.Fn.split('/', cdk.Aws.STACK_ID))));
    this.deliveryBucket = new s3.Bucket(this, 'ConformsDeliveryBucket', {
      bucketName: cdk.Fn.join('-', [NAMES.deliveryBucketPrefix, region, stackIdSuffix]),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    // As AWS documents for organization conformance packs: the AWSServiceRoleForConfigConforms
    // service-linked role of every organization account reads and writes the pack template.
    const conformsRole =
      `arn:${partition}:iam::*:role/aws-service-role/config-conforms.amazonaws.com/AWSServiceRoleForConfigConforms`;
    this.deliveryBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowGetPutObject',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [this.deliveryBucket.arnForObjects('*')],
        conditions: {
          StringEquals: { 'aws:PrincipalOrgID': c.organizationId },
          ArnLike: { 'aws:PrincipalArn': conformsRole },
        },
      }),
    );
    this.deliveryBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowGetBucketAcl',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetBucketAcl'],
        resources: [this.deliveryBucket.bucketArn],
        conditions: {
          StringEquals: { 'aws:PrincipalOrgID': c.organizationId },
          ArnLike: { 'aws:PrincipalArn': conformsRole },
        },
      }),
    );
    NagSuppressions.addResourceSuppressions(this.deliveryBucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'Holds only the conformance pack template copies that Config writes through ' +
          'AWSServiceRoleForConfigConforms; no application data. A second bucket for access ' +
          'logs would itself be unlogged; use CloudTrail S3 data events if object access must be audited.',
      },
    ]);

    const body = renderPackBody({
      source: c.conformancePackSource,
      file: c.conformancePackFile,
      controls: c.controls,
      managed: c.managedRules,
      parameters: c.parameters,
      lambdaArnPrefix: `arn:${c.partition}:lambda:${region}:${c.delegatedAdminAccount}:function:`,
    });
    if (Buffer.byteLength(body, 'utf8') > TEMPLATE_BODY_LIMIT) {
      throw new ConfigError(
        `the rendered conformance pack is ${Buffer.byteLength(body, 'utf8')} bytes, over the ` +
          `${TEMPLATE_BODY_LIMIT}-byte limit of an inline TemplateBody`,
      );
    }
    this.conformancePack = new config.CfnOrganizationConformancePack(this, 'OrganizationConformancePack', {
      organizationConformancePackName: NAMES.conformancePack,
      templateBody: body,
      deliveryS3Bucket: this.deliveryBucket.bucketName,
      // No StackSet reaches the management account, so neither may the rules.
      excludedAccounts: [c.managementAccount!, ...c.excludedAccounts],
    });
    // Config's service-linked roles need the bucket policy when the pack deploys.
    this.conformancePack.node.addDependency(this.deliveryBucket.policy!);
    cdk.Tags.of(this).add('project', 'ecs-harden');
  }
}
