import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, field, isIacPrincipal, param, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

/** AMI ARNs name no account: arn:aws:ec2:REGION::image/ami-…; the finding keeps the account beside it. */
function imageResource(record: CloudTrailRecord, imageId: string): FindingResource {
  return {
    type: "AWS::EC2::Image",
    id: imageId,
    arn: `arn:${partitionOf(record.awsRegion)}:ec2:${record.awsRegion}::image/${imageId}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

const REGION = "eu-west-1";

function deregister(
  eventID: string,
  eventTime: string,
  identity: Record<string, unknown>,
  imageId: string,
  options: { deleteSnapshots?: boolean; userAgent?: string; region?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "ec2.amazonaws.com",
    eventName: "DeregisterImage",
    identity,
    region: options.region ?? REGION,
    requestParameters: { imageId, deleteAssociatedSnapshots: options.deleteSnapshots ?? false },
    responseElements: { _return: true },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "ec2.ami-deregistered",
  title: "AMI deregistered outside infrastructure as code",
  severity: "medium",
  mitre: ["T1485", "T1490"],
  stratus: ["aws.impact.ec2-deregister-ami"],
  pattern: {
    source: ["aws.ec2"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["ec2.amazonaws.com"],
      eventName: ["DeregisterImage"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    // Data Lifecycle Manager, EC2 Image Builder and CloudFormation retire images on a policy's or a stack's behalf (invokedBy).
    if (isIacPrincipal(record, baseline) || record.userIdentity.invokedBy !== undefined) return undefined;
    const imageId = param(record, "imageId");
    if (!imageId) return undefined;
    const request = record.requestParameters ?? {};
    const withSnapshots = field(request, "deleteAssociatedSnapshots") === true;
    const snapshots = withSnapshots ? " and deleted its backing snapshots" : "";
    return {
      summary: sentence(`${actorName(record)} deregistered AMI ${imageId}${snapshots}, outside infrastructure as code.`),
      resources: [imageResource(record, imageId)],
    };
  },
  runbook:
    "A deregistered AMI can no longer launch instances: Auto Scaling groups, launch templates and recovery plans that name it fail at their next launch, which is " +
    "why an attacker deletes images to disrupt recovery. Find what referenced the image (launch templates, Auto Scaling groups, Image Builder pipelines, other " +
    "accounts it was shared with) and ask the caller's owner whether the retirement was planned. The image can be re-registered from its EBS snapshots while they " +
    "exist, and from the Recycle Bin if an AMI retention rule covers it (ListImagesInRecycleBin, RestoreImageFromRecycleBin); with deleteAssociatedSnapshots " +
    "the snapshots went too, so check the Recycle Bin for them at once. If it was not planned, restore the image and review what else the same principal deleted. " +
    "Retirement by the baseline's IaC principals (image pipelines) and by AWS services acting for a lifecycle policy or a stack is not judged. A refused call " +
    "(errorCode such as Client.UnauthorizedOperation or InvalidAMIID.Unavailable) is not a finding: the image is still there.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's ec2-deregister-ami: an IAM user deregisters the image, keeping its snapshots",
        record: deregister("39a4ff7a-25d0-4940-a358-879cc584991d", "2026-03-18T10:12:44Z", iamUser("arn:aws:iam::111122223333:user/christophe"), "ami-0b87ea1d007078d18", {
          userAgent: USER_AGENTS.stratus,
          region: "us-east-1",
        }),
      },
      {
        description: "An engineer's session deregisters the golden image and deletes its snapshots from the console",
        record: deregister(
          "ecf02451-f0d6-4e7b-9fd2-90950c4346be",
          "2024-10-24T19:27:05Z",
          assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformEngineer_5c4b3a2d1e0f9a8b", "a.khan@example.com"),
          "ami-0a1b2c3d4e5f60718",
          { deleteSnapshots: true, userAgent: USER_AGENTS.console },
        ),
      },
    ],
    noMatch: [
      {
        description: "A Data Lifecycle Manager policy retires an old image on schedule (invokedBy dlm.amazonaws.com)",
        record: deregister(
          "1e83e540-8a19-4161-8430-03e8b3dfabcc",
          "2024-10-24T03:00:19Z",
          { ...assumedRole("arn:aws:iam::111122223333:role/service-role/AWSDataLifecycleManagerDefaultRoleForAMIManagement", "DLM"), invokedBy: "dlm.amazonaws.com" },
          "ami-0c3d4e5f60718293a",
          { deleteSnapshots: true },
        ),
      },
      {
        description: "The image pipeline role, listed as infrastructure as code, retires a superseded image",
        record: deregister(
          "98e73da2-51e6-4f99-b925-fb2419195085",
          "2024-10-24T06:45:58Z",
          assumedRole("arn:aws:iam::111122223333:role/iac/image-pipeline", "ami-cleanup-2024-10-24"),
          "ami-0d4e5f60718293a4b",
          { deleteSnapshots: true, userAgent: USER_AGENTS.boto3 },
        ),
        baseline: { principals: { iac: ["arn:aws:iam::*:role/iac/*"] } },
      },
      {
        description: "A deregistration that EC2 refused: the image is still there",
        record: deregister(
          "6b5c972d-7c22-40b7-9073-dc7ad3cde65e",
          "2024-10-24T19:25:31Z",
          iamUser("arn:aws:iam::111122223333:user/j.smith"),
          "ami-0a1b2c3d4e5f60718",
          {
            userAgent: USER_AGENTS.cli,
            error: {
              code: "Client.UnauthorizedOperation",
              message:
                "You are not authorized to perform this operation. User: arn:aws:iam::111122223333:user/j.smith is not authorized to perform: ec2:DeregisterImage on resource: arn:aws:ec2:eu-west-1::image/ami-0a1b2c3d4e5f60718 because no identity-based policy allows the ec2:DeregisterImage action.",
            },
          },
        ),
      },
    ],
  },
});
