import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { strings } from "../../core/policy.js";
import { actorName, API_CALL, field, isKnownAccount, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, OUTSIDE, USER_AGENTS } from "../examples.js";

const REGION = "eu-west-1";
const DBA = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DatabaseAdmin_7c6b5a4d3e2f1a0b";
const ANALYTICS = "333344445555";

const CLUSTER_EVENT = "ModifyDBClusterSnapshotAttribute";

/** A request field whatever its casing: CloudTrail writes `dBSnapshotIdentifier`, tools copy `DBSnapshotIdentifier`. */
function requestString(record: CloudTrailRecord, name: string): string | undefined {
  const params = record.requestParameters;
  if (!params) return undefined;
  const value = field(params, name) ?? params[name.toLowerCase()];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** A snapshot named by identifier or ARN (the API accepts both for shared snapshots). */
function snapshotResource(record: CloudTrailRecord, identifier: string, cluster: boolean): FindingResource {
  const type = cluster ? "AWS::RDS::DBClusterSnapshot" : "AWS::RDS::DBSnapshot";
  if (identifier.startsWith("arn:")) {
    const [, , , region, account] = identifier.split(":");
    const name = identifier.split(":").slice(6).join(":");
    return { type, id: name || identifier, arn: identifier, account: account || record.recipientAccountId, region: region || record.awsRegion };
  }
  const kind = cluster ? "cluster-snapshot" : "snapshot";
  const arn = `arn:${partitionOf(record.awsRegion)}:rds:${record.awsRegion}:${record.recipientAccountId}:${kind}:${identifier}`;
  return { type, id: identifier, arn, account: record.recipientAccountId, region: record.awsRegion };
}

function modifySnapshotAttribute(
  eventID: string,
  eventTime: string,
  snapshot: string,
  values: { add?: string[]; remove?: string[] },
  options: { cluster?: boolean; identity?: Record<string, unknown>; userAgent?: string; region?: string; error?: { code: string; message: string } } = {},
) {
  const key = options.cluster ? "dBClusterSnapshotIdentifier" : "dBSnapshotIdentifier";
  const requestParameters: Record<string, unknown> = { [key]: snapshot, attributeName: "restore" };
  if (values.add) requestParameters.valuesToAdd = values.add;
  if (values.remove) requestParameters.valuesToRemove = values.remove;
  const attributes = [{ attributeName: "restore", attributeValues: values.add ?? [] }];
  const responseElements = options.cluster
    ? { dBClusterSnapshotIdentifier: snapshot, dBClusterSnapshotAttributes: attributes }
    : { dBSnapshotIdentifier: snapshot, dBSnapshotAttributes: attributes };
  return apiCall({
    eventID,
    eventTime,
    eventSource: "rds.amazonaws.com",
    eventName: options.cluster ? CLUSTER_EVENT : "ModifyDBSnapshotAttribute",
    identity: options.identity ?? assumedRole(DBA, "k.tanaka@example.com"),
    region: options.region ?? REGION,
    requestParameters,
    responseElements,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "rds.snapshot-shared",
  title: "RDS snapshot made public or shared with an unknown account",
  severity: "critical",
  mitre: ["T1537"],
  stratus: ["aws.exfiltration.rds-share-snapshot"],
  pattern: {
    source: ["aws.rds"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["rds.amazonaws.com"],
      eventName: ["ModifyDBSnapshotAttribute", CLUSTER_EVENT],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (requestString(record, "attributeName")?.toLowerCase() !== "restore") return undefined;
    const values = [...new Set(strings(record.requestParameters ? field(record.requestParameters, "valuesToAdd") : undefined).map((v) => v.trim()))];
    const everyone = values.some((v) => v.toLowerCase() === "all");
    const unknown = values.filter((v) => /^\d{12}$/.test(v) && !isKnownAccount(baseline, v, record.recipientAccountId));
    if (!everyone && unknown.length === 0) return undefined;
    const cluster = record.eventName === CLUSTER_EVENT;
    const identifier = requestString(record, cluster ? "dBClusterSnapshotIdentifier" : "dBSnapshotIdentifier") ?? "(unnamed snapshot)";
    const resource = snapshotResource(record, identifier, cluster);
    const parts: string[] = [];
    if (everyone) parts.push("made it public (restore for all)");
    if (unknown.length > 0) {
      const noun = unknown.length === 1 ? "account" : "accounts";
      parts.push(`shared it with ${noun} ${unknown.join(", ")}, which the baseline does not list`);
    }
    const kind = cluster ? "RDS cluster snapshot" : "RDS snapshot";
    return {
      summary: sentence(`${actorName(record)} changed the restore permission of ${kind} ${resource.id} in ${resource.region} and ${parts.join(" and ")}.`),
      resources: [resource],
    };
  },
  runbook:
    "Anyone (all) or an account the baseline neither owns nor trusts can now restore this snapshot into a database of its own and read every table in it. " +
    "Check DescribeDBSnapshotAttributes (or DescribeDBClusterSnapshotAttributes) for the restore attribute, and ask the database owner whether the share was " +
    "planned; accounts the organisation owns belong under the baseline's accounts, partners under trust.externalAccounts. If it was not planned, remove the values " +
    "at once (ModifyDBSnapshotAttribute with ValuesToRemove), and assume a copy may already exist in the other account: the owner cannot see restores made there, " +
    "so treat the data as disclosed (credentials stored in tables, personal data) and review what else the same principal did. A snapshot encrypted with a " +
    "customer-managed key is only usable by the other account if the key policy also lets it decrypt: check the key's policy and recent PutKeyPolicy and CreateGrant " +
    "calls. A refused call (errorCode such as AccessDenied; RDS also refuses to make an encrypted snapshot public) is not a finding here: the attribute did not change.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's rds-share-snapshot: an IAM user shares a DB snapshot with an unknown account",
        record: modifySnapshotAttribute("bcee81ee-77e3-462d-b979-67825e00e3be", "2024-08-01T12:38:06Z", "exfiltration", { add: ["503161813013"] }, {
          identity: iamUser("arn:aws:iam::111122223333:user/christophe"),
          userAgent: USER_AGENTS.stratus,
          region: "us-east-1",
        }),
      },
      {
        description: "A database administrator makes an Aurora cluster snapshot public",
        record: modifySnapshotAttribute("0229c118-6ace-41f3-baa8-d6eb2b4bc4fb", "2024-11-05T23:18:40Z", "orders-aurora-pre-migration", { add: ["all"] }, { cluster: true }),
      },
    ],
    noMatch: [
      {
        description: "A share with the organisation's analytics account, which the baseline lists",
        record: modifySnapshotAttribute("0417033b-4568-422f-8191-912a78b5fb42", "2024-11-05T02:00:31Z", "orders-nightly-2024-11-05", { add: [ANALYTICS] }),
        baseline: { accounts: { [ANALYTICS]: { name: "analytics", environment: "production" } } },
      },
      {
        description: "A share with a partner account listed under trust.externalAccounts",
        record: modifySnapshotAttribute("7ff7101b-40c1-4f23-88fe-4acf925d7f8f", "2024-11-05T02:04:12Z", "orders-nightly-2024-11-05", { add: [OUTSIDE] }),
        baseline: { trust: { externalAccounts: [OUTSIDE] } },
      },
      {
        description: "Taking the public restore permission away again",
        record: modifySnapshotAttribute("622c879b-3ab9-4d06-bf51-7d5e375e4d29", "2024-11-05T23:30:02Z", "orders-aurora-pre-migration", { remove: ["all"] }, { cluster: true }),
      },
      {
        description: "A public share that IAM refused: the attribute did not change",
        record: modifySnapshotAttribute("ddda6818-ede5-455d-a8fb-f00ae42b9411", "2024-11-05T23:12:57Z", "payments-2024-11-05", { add: ["all"] }, {
          identity: assumedRole("arn:aws:iam::111122223333:role/app/reporting-service", "i-0c4b2a19d8e7f6a53"),
          error: {
            code: "AccessDenied",
            message:
              "User: arn:aws:sts::111122223333:assumed-role/reporting-service/i-0c4b2a19d8e7f6a53 is not authorized to perform: rds:ModifyDBSnapshotAttribute on resource: arn:aws:rds:eu-west-1:111122223333:snapshot:payments-2024-11-05 because no identity-based policy allows the rds:ModifyDBSnapshotAttribute action",
          },
        }),
      },
    ],
  },
});
