import type { Baseline } from "../../core/baseline.js";
import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, isKnownAccount, param, partitionOf, permissionAdditions, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, MANAGEMENT, OUTSIDE, USER_AGENTS } from "../examples.js";

const REGION = "eu-west-1";
const PLATFORM_ADMIN = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a";
const BACKUP_ACCOUNT = "222233334444";

function unknownAccounts(record: CloudTrailRecord, baseline: Baseline, accounts: string[]): string[] {
  return accounts.filter((account) => !isKnownAccount(baseline, account, record.recipientAccountId));
}

/** EBS snapshot ARNs carry no account: arn:aws:ec2:REGION::snapshot/snap-…. */
function snapshotResource(record: CloudTrailRecord, snapshotId: string): FindingResource {
  return {
    type: "AWS::EC2::Snapshot",
    id: snapshotId,
    arn: `arn:${partitionOf(record.awsRegion)}:ec2:${record.awsRegion}::snapshot/${snapshotId}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

function modifySnapshotAttribute(
  eventID: string,
  eventTime: string,
  snapshotId: string,
  change: "add" | "remove",
  items: Record<string, string>[],
  options: { identity?: Record<string, unknown>; userAgent?: string; region?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "ec2.amazonaws.com",
    eventName: "ModifySnapshotAttribute",
    identity: options.identity ?? assumedRole(PLATFORM_ADMIN, "m.lopez@example.com"),
    region: options.region ?? REGION,
    requestParameters: { snapshotId, attributeType: "CREATE_VOLUME_PERMISSION", createVolumePermission: { [change]: { items } } },
    responseElements: { _return: true },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "ec2.snapshot-shared",
  title: "EBS snapshot made public or shared with an unknown account",
  severity: "critical",
  mitre: ["T1537"],
  stratus: ["aws.exfiltration.ec2-share-ebs-snapshot"],
  pattern: {
    source: ["aws.ec2"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["ec2.amazonaws.com"],
      eventName: ["ModifySnapshotAttribute"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    const { everyone, accounts } = permissionAdditions(record, "createVolumePermission");
    const unknown = unknownAccounts(record, baseline, accounts);
    if (!everyone && unknown.length === 0) return undefined;
    const snapshotId = param(record, "snapshotId") ?? "(unnamed snapshot)";
    const parts: string[] = [];
    if (everyone) parts.push("made it public (create-volume permission for group all)");
    if (unknown.length > 0) {
      const noun = unknown.length === 1 ? "account" : "accounts";
      parts.push(`shared it with ${noun} ${unknown.join(", ")}, which the baseline does not list`);
    }
    return {
      summary: sentence(`${actorName(record)} changed EBS snapshot ${snapshotId} in ${record.awsRegion} and ${parts.join(" and ")}.`),
      resources: [snapshotResource(record, snapshotId)],
    };
  },
  remediation: "ec2.make-snapshot-private",
  runbook:
    "Anyone (group all) or an account the baseline neither owns nor trusts can now create a volume from this snapshot and read every block of the disk it copied. " +
    "Confirm with DescribeSnapshotAttribute (createVolumePermission) who can use it and ask the owner of the caller whether the share was planned; if it was, " +
    "list the receiving account under the baseline's accounts or trust.externalAccounts. If not, remove the permissions (the proposed remediation makes the snapshot " +
    "private again), then look for SharedSnapshotCopyInitiated and SharedSnapshotVolumeCreated service events in this account, which CloudTrail records when the other " +
    "account copies the snapshot or builds a volume from it: if they exist, treat the data on the source volume (database files, keys, credentials) as disclosed. " +
    "Review what else the same principal changed. A refused ModifySnapshotAttribute (errorCode such as Client.UnauthorizedOperation, or an encrypted snapshot that " +
    "cannot be made public) is not a finding here: the permissions did not change.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's ec2-share-ebs-snapshot: an IAM user shares a snapshot with an unknown account",
        record: modifySnapshotAttribute("50836ed2-a582-46f9-b767-e3458c746bff", "2024-08-01T12:28:02Z", "snap-041993b54a9b3af6f", "add", [{ userId: "098797384747" }], {
          identity: iamUser("arn:aws:iam::111122223333:user/christophe"),
          userAgent: USER_AGENTS.stratus,
          region: "us-east-1",
        }),
      },
      {
        description: "An administrator makes a database volume snapshot public from the CLI",
        record: modifySnapshotAttribute("a30cc8e6-7155-47cd-9536-47fe5dfeea6e", "2024-09-17T22:41:09Z", "snap-0a7c3e91f2b4d6580", "add", [{ group: "all" }]),
      },
      {
        description: "One share to the backup account the baseline owns and one to an account outside it: the unknown one is reported",
        record: modifySnapshotAttribute("4747ff16-edd9-4a07-9d3c-f9a520aa4a60", "2024-09-18T07:12:44Z", "snap-0d2e4f6a8b0c1e3f5", "add", [{ userId: BACKUP_ACCOUNT }, { userId: OUTSIDE }]),
        baseline: { accounts: { [BACKUP_ACCOUNT]: { name: "backup", environment: "security" } } },
      },
    ],
    noMatch: [
      {
        description: "A share with the organisation's backup account, which the baseline lists",
        record: modifySnapshotAttribute("0acee777-0db6-4110-89e5-2bcb50e74ba3", "2024-09-18T03:05:27Z", "snap-0b1c2d3e4f5a6b7c8", "add", [{ userId: BACKUP_ACCOUNT }]),
        baseline: { accounts: { [BACKUP_ACCOUNT]: { name: "backup", environment: "security" } } },
      },
      {
        description: "A share with a partner account listed under trust.externalAccounts",
        record: modifySnapshotAttribute("fa1006bc-1250-437d-9292-55be8998b60d", "2024-09-18T03:09:51Z", "snap-0c9d8e7f6a5b4c3d2", "add", [{ userId: OUTSIDE }]),
        baseline: { trust: { externalAccounts: [OUTSIDE] } },
      },
      {
        description: "Removing the public permission: the snapshot becomes private, nothing is shared",
        record: modifySnapshotAttribute("43be8223-3766-4743-85af-e7bb04b785a2", "2024-09-17T22:58:13Z", "snap-0a7c3e91f2b4d6580", "remove", [{ group: "all" }]),
      },
      {
        description: "A share with the management account of the organisation, listed in the baseline",
        record: modifySnapshotAttribute("086304d1-2c27-447c-a57f-20d7f217c749", "2024-09-19T10:20:00Z", "snap-0e1f2a3b4c5d6e7f8", "add", [{ userId: MANAGEMENT }]),
        baseline: { accounts: { [MANAGEMENT]: { name: "management", environment: "shared" } } },
      },
      {
        description: "A public share that EC2 refused: the permissions did not change",
        record: modifySnapshotAttribute("0dbd60ff-0d4f-47b2-9d04-fedc624dd254", "2024-09-17T22:39:55Z", "snap-0a7c3e91f2b4d6580", "add", [{ group: "all" }], {
          error: { code: "Client.UnauthorizedOperation", message: "You are not authorized to perform this operation." },
        }),
      },
    ],
  },
});
