import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, isKnownAccount, param, partitionOf, permissionAdditions, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, OUTSIDE, USER_AGENTS } from "../examples.js";

const REGION = "eu-central-1";
const PLATFORM_ADMIN = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-central-1/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a";
const IMAGE_PIPELINE = "arn:aws:iam::111122223333:role/ci/image-pipeline";
const WORKLOADS = "555566667777";

/** AMI ARNs carry no account: arn:aws:ec2:REGION::image/ami-…. */
function imageResource(record: CloudTrailRecord, imageId: string): FindingResource {
  return {
    type: "AWS::EC2::Image",
    id: imageId,
    arn: `arn:${partitionOf(record.awsRegion)}:ec2:${record.awsRegion}::image/${imageId}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

function modifyImageAttribute(
  eventID: string,
  eventTime: string,
  imageId: string,
  change: "add" | "remove",
  items: Record<string, string>[],
  options: { identity?: Record<string, unknown>; userAgent?: string; region?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "ec2.amazonaws.com",
    eventName: "ModifyImageAttribute",
    identity: options.identity ?? assumedRole(PLATFORM_ADMIN, "a.schmidt@example.com"),
    region: options.region ?? REGION,
    requestParameters: { imageId, attributeType: "launchPermission", launchPermission: { [change]: { items } } },
    responseElements: { _return: true },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "ec2.ami-shared",
  title: "AMI made public or shared with an unknown account",
  severity: "high",
  mitre: ["T1537"],
  stratus: ["aws.exfiltration.ec2-share-ami"],
  pattern: {
    source: ["aws.ec2"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["ec2.amazonaws.com"],
      eventName: ["ModifyImageAttribute"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    const { everyone, accounts } = permissionAdditions(record, "launchPermission");
    const unknown = accounts.filter((account) => !isKnownAccount(baseline, account, record.recipientAccountId));
    if (!everyone && unknown.length === 0) return undefined;
    const imageId = param(record, "imageId") ?? "(unnamed image)";
    const parts: string[] = [];
    if (everyone) parts.push("made it public (launch permission for group all)");
    if (unknown.length > 0) {
      const noun = unknown.length === 1 ? "account" : "accounts";
      parts.push(`shared it with ${noun} ${unknown.join(", ")}, which the baseline does not list`);
    }
    return {
      summary: sentence(`${actorName(record)} changed the launch permission of AMI ${imageId} in ${record.awsRegion} and ${parts.join(" and ")}.`),
      resources: [imageResource(record, imageId)],
    };
  },
  runbook:
    "Anyone (group all) or an account the baseline neither owns nor trusts can now launch instances from this image and copy it, and with it the snapshots of " +
    "every volume it was built from: application code, configuration, baked-in credentials and any data left on disk. Check DescribeImageAttribute " +
    "(launchPermission) and ask the image's owner whether the share was intended; golden images shared with the organisation's own accounts belong under the " +
    "baseline's accounts, partners under trust.externalAccounts. If not intended, remove the launch permission (ModifyImageAttribute with Remove), " +
    "turn on block public access for AMIs in the region (EnableImageBlockPublicAccess), rotate any secret the image contains, and review what else the same " +
    "principal did. Shares with an organisation or OU ARN are not judged here. A refused ModifyImageAttribute (errorCode) is not a finding: the permission did not change.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's ec2-share-ami: an IAM user shares an AMI with an unknown account",
        record: modifyImageAttribute("ea26e45b-22bc-4090-8a8d-e5b56a358230", "2024-08-01T12:25:57Z", "ami-0b87ea1d007078d18", "add", [{ userId: "846424999548" }], {
          identity: iamUser("arn:aws:iam::111122223333:user/christophe"),
          userAgent: USER_AGENTS.stratus,
          region: "us-east-1",
        }),
      },
      {
        description: "An administrator makes an application AMI public",
        record: modifyImageAttribute("2c385995-ea4d-4f44-9660-f8968f915369", "2024-10-02T19:03:48Z", "ami-0f3e5d7c9b1a2c4e6", "add", [{ group: "all" }]),
      },
    ],
    noMatch: [
      {
        description: "The image pipeline shares the golden AMI with a workload account the baseline lists",
        record: modifyImageAttribute("c63efba0-0200-42ca-a43c-48700a1dd9b8", "2024-10-02T04:00:12Z", "ami-0a1b2c3d4e5f60718", "add", [{ userId: WORKLOADS }], {
          identity: assumedRole(IMAGE_PIPELINE, "image-pipeline-run-4821"),
          userAgent: USER_AGENTS.boto3,
        }),
        baseline: { accounts: { [WORKLOADS]: { name: "workloads-prod", environment: "production" } } },
      },
      {
        description: "A share with a vendor account listed under trust.externalAccounts",
        record: modifyImageAttribute("ceef8795-8e5d-4c9c-afd2-2aaba7eccd5e", "2024-10-02T04:02:37Z", "ami-0a1b2c3d4e5f60718", "add", [{ userId: OUTSIDE }]),
        baseline: { trust: { externalAccounts: [OUTSIDE] } },
      },
      {
        description: "Removing the public launch permission makes the AMI private again",
        record: modifyImageAttribute("0ef6d536-446b-48fc-8892-3222617d3f78", "2024-10-02T19:15:20Z", "ami-0f3e5d7c9b1a2c4e6", "remove", [{ group: "all" }]),
      },
      {
        description: "A public share that EC2 refused because image block public access is on",
        record: modifyImageAttribute("4d244d2d-0411-4ab9-b740-832e3384e4ea", "2024-10-02T19:01:02Z", "ami-0f3e5d7c9b1a2c4e6", "add", [{ group: "all" }], {
          error: { code: "Client.UnauthorizedOperation", message: "You are not authorized to perform this operation." },
        }),
      },
    ],
  },
});
