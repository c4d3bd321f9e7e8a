import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { strings } from "../../core/policy.js";
import { actorName, API_CALL, field, isIacPrincipal, param, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS, viaCloudFormation } from "../examples.js";

/**
 * Three decrypting reads by one principal in a 5-minute window. The unit is
 * the call, and a call can decrypt up to ten parameters (GetParameters takes
 * at most ten names, GetParametersByPath returns at most ten per page), so
 * three calls already expose up to thirty: what Stratus Red Team's technique
 * does in three GetParameters calls. A workload usually loads its
 * configuration in one call at start-up; fleets sharing a role that start
 * together are what baseline exceptions are for.
 */
const COUNT = 3;
const WINDOW_SECONDS = 300;

function parameterResource(record: CloudTrailRecord, name: string): FindingResource {
  const arn = name.startsWith("arn:")
    ? name
    : `arn:${partitionOf(record.awsRegion)}:ssm:${record.awsRegion}:${record.recipientAccountId}:parameter/${name.replace(/^\//, "")}`;
  const id = name.startsWith("arn:") ? name.slice(name.indexOf(":parameter") + ":parameter".length) : name;
  return { type: "AWS::SSM::Parameter", id, arn, account: record.recipientAccountId, region: record.awsRegion };
}

/** What the call decrypted: one name, a list of names, or everything under a path. */
function parametersRead(record: CloudTrailRecord): { names: string[]; path?: string; recursive: boolean } {
  const request = record.requestParameters ?? {};
  const path = param(record, "path");
  if (path) return { names: [], path, recursive: field(request, "recursive") === true };
  const one = param(record, "name");
  return { names: one ? [one] : strings(field(request, "names")), recursive: false };
}

const STRATUS_USER = "arn:aws:iam::111122223333:user/stratus-red-team";

export default defineDetector({
  id: "ssm.bulk-securestring-reads",
  title: "Many SSM parameters read with decryption by one principal",
  severity: "high",
  mitre: ["T1555.006"],
  stratus: ["aws.credential-access.ssm-retrieve-securestring-parameters"],
  pattern: {
    source: ["aws.ssm"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["ssm.amazonaws.com"],
      eventName: ["GetParameter", "GetParameters", "GetParametersByPath"],
      errorCode: [{ exists: false }],
      // Without decryption a SecureString comes back encrypted: only these reads disclose secrets.
      requestParameters: { withDecryption: [true] },
    },
  },
  readOnlyEvents: true,
  threshold: { count: COUNT, windowSeconds: WINDOW_SECONDS, groupBy: "principal" },
  evaluate(record, { baseline }) {
    if (record.userIdentity.invokedBy || isIacPrincipal(record, baseline)) return undefined;
    const { names, path, recursive } = parametersRead(record);
    const what = path
      ? `every parameter ${recursive ? "below" : "directly under"} ${path}`
      : names.length === 1
        ? `parameter ${names[0]}`
        : `${names.length} parameters`;
    const resources = path ? [parameterResource(record, path)] : names.map((n) => parameterResource(record, n));
    if (resources.length === 0) return undefined;
    return {
      summary: sentence(
        `${actorName(record)} read ${what} with decryption, reaching ${COUNT} decrypting reads in one ${WINDOW_SECONDS / 60}-minute window.`,
      ),
      resources,
    };
  },
  remediation: "iam.quarantine-principal",
  runbook:
    "One principal decrypted Parameter Store values several times within minutes (GetParameter, GetParameters or GetParametersByPath with " +
    "withDecryption true; each call returns up to ten parameters, so the count understates how many were read). SecureString parameters hold passwords, " +
    "API keys and connection strings, and their values have now left Parameter Store. Ask the owner of the principal whether a deployment or new " +
    "service explains the reads; if not, quarantine the principal, list the parameters named in the window's events (for path reads, everything below " +
    "the path) and rotate the secrets they hold, then look for their use from unknown places. Reads without decryption do not disclose SecureString " +
    "values and are not counted; refused reads are left to the access-denied detector; IaC principals and services calling on a principal's behalf " +
    "(invokedBy, such as CloudFormation resolving parameters) are not judged.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's ssm-retrieve-securestring-parameters: a batch of ten names decrypted in one GetParameters call",
        record: apiCall({
          eventID: "39895d45-1088-40a0-aad3-dc4f9654f827",
          eventTime: "2024-11-05T14:02:31Z",
          eventSource: "ssm.amazonaws.com",
          eventName: "GetParameters",
          identity: iamUser(STRATUS_USER),
          region: "us-east-1",
          requestParameters: {
            names: Array.from({ length: 10 }, (_, i) => `/credentials/stratus-red-team/credentials-${i}`),
            withDecryption: true,
          },
          userAgent: USER_AGENTS.stratus,
          sourceIPAddress: "203.0.113.201",
          readOnly: true,
        }),
      },
      {
        description: "A leaked key decrypts everything under the root of the parameter tree",
        record: apiCall({
          eventID: "e4712fbd-d207-43e0-8844-9c96ba1c6391",
          eventTime: "2024-11-06T02:40:09Z",
          eventSource: "ssm.amazonaws.com",
          eventName: "GetParametersByPath",
          identity: iamUser("arn:aws:iam::111122223333:user/svc-metrics-exporter"),
          region: "eu-west-1",
          requestParameters: { path: "/", recursive: true, withDecryption: true },
          userAgent: USER_AGENTS.cli,
          sourceIPAddress: "45.137.21.9",
          readOnly: true,
        }),
      },
      {
        description: "A single decrypting read of a database password, one of a burst",
        record: apiCall({
          eventID: "8197b625-0529-47a9-a56e-4ec6fc63a3ee",
          eventTime: "2024-11-06T02:41:17Z",
          eventSource: "ssm.amazonaws.com",
          eventName: "GetParameter",
          identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0a7c3e91d45b2f086"),
          region: "eu-west-1",
          requestParameters: { name: "/prod/orders/db-password", withDecryption: true },
          userAgent: USER_AGENTS.boto3,
          readOnly: true,
        }),
      },
    ],
    noMatch: [
      {
        description: "Plain reads without decryption: SecureString values stay encrypted",
        record: apiCall({
          eventID: "f3ad3d5e-90ee-43ce-9269-808f59804bcf",
          eventTime: "2024-11-06T08:12:44Z",
          eventSource: "ssm.amazonaws.com",
          eventName: "GetParametersByPath",
          identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0a7c3e91d45b2f086"),
          region: "eu-west-1",
          requestParameters: { path: "/prod/orders/", recursive: true, withDecryption: false },
          userAgent: USER_AGENTS.boto3,
          readOnly: true,
        }),
      },
      {
        description: "The deployment pipeline decrypts the parameters it renders into a release",
        baseline: { principals: { iac: ["arn:aws:iam::111122223333:role/ci/*"] } },
        record: apiCall({
          eventID: "537dec58-f6eb-40ca-90f0-8627721c0b3b",
          eventTime: "2024-11-06T08:15:02Z",
          eventSource: "ssm.amazonaws.com",
          eventName: "GetParameters",
          identity: assumedRole("arn:aws:iam::111122223333:role/ci/release-deployer", "gitlab-ci-91822"),
          region: "eu-west-1",
          requestParameters: { names: ["/prod/orders/db-password", "/prod/orders/api-token"], withDecryption: true },
          userAgent: USER_AGENTS.terraform,
          readOnly: true,
        }),
      },
      {
        description: "CloudFormation resolving an ssm-secure dynamic reference for a stack update",
        record: apiCall({
          eventID: "c4ebe9d8-1c2b-4d33-b3e8-a78d1ea6d46c",
          eventTime: "2024-11-06T08:17:30Z",
          eventSource: "ssm.amazonaws.com",
          eventName: "GetParameters",
          identity: viaCloudFormation(assumedRole("arn:aws:iam::111122223333:role/platform/cfn-exec", "AWSCloudFormation")),
          region: "eu-west-1",
          requestParameters: { names: ["/prod/orders/db-password"], withDecryption: true },
          readOnly: true,
        }),
      },
    ],
  },
});
