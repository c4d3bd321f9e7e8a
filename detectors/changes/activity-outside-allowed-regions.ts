import { matchesAny, type BaselineInput } from "../../core/baseline.js";
import { principalArn } from "../../core/cloudtrail.js";
import { defineDetector } from "../../core/detector.js";
import { DETAIL_TYPES } from "../../core/envelope.js";
import { apiNameOf } from "../../core/sensitive-apis.js";
import {
  accountWhereItHappened,
  actorName,
  API_CALL,
  isGlobalServiceEvent,
  isReadOnlyCall,
  isServiceActivity,
  resourcesNamedBy,
  sentence,
} from "../common.js";
import { apiCall, assumedRole, iamDate, iamUser, PROD, USER_AGENTS } from "../examples.js";

const BASELINE = {
  accounts: { [PROD]: { name: "payments-prod", environment: "production" } },
  regions: { allowed: ["eu-west-1", "eu-central-1"] },
  principals: { securityAutomation: ["arn:aws:iam::*:role/security/posture-scanner"] },
} satisfies BaselineInput;
const REPORTING = `arn:aws:iam::${PROD}:user/svc-reporting`;
const BATCH_ROLE = `arn:aws:iam::${PROD}:role/app/settlement-batch`;

/** Ten GPU instances launched in São Paulo: the classic mining run in a region nobody watches. */
function launchGpus(eventID: string, eventTime: string, region = "sa-east-1") {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "ec2.amazonaws.com",
    eventName: "RunInstances",
    identity: iamUser(REPORTING),
    region,
    sourceIPAddress: "192.0.2.181",
    userAgent: USER_AGENTS.boto3,
    requestParameters: {
      instancesSet: { items: [{ imageId: "ami-0af9d24bd5539d7af", minCount: 10, maxCount: 10 }] },
      instanceType: "g5.12xlarge",
      blockDeviceMapping: {},
      monitoring: { enabled: false },
      disableApiTermination: false,
      disableApiStop: false,
      clientToken: "9f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
    },
    responseElements: {
      reservationId: "r-0c5d9e7f1a3b2c4d6",
      ownerId: PROD,
      groupSet: {},
      instancesSet: { items: [{ instanceId: "i-07e3c1a9b5d2f4e68", imageId: "ami-0af9d24bd5539d7af", instanceType: "g5.12xlarge", instanceState: { code: 0, name: "pending" } }] },
    },
  });
}

/** The batch role's credentials listing instances in Mumbai: reconnaissance of a region the organisation does not use. */
function describeInMumbai(eventID: string, eventTime: string) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "ec2.amazonaws.com",
    eventName: "DescribeInstances",
    identity: assumedRole(BATCH_ROLE, "i-0d3f9a8b7c6e5d4c3"),
    region: "ap-south-1",
    sourceIPAddress: "192.0.2.181",
    userAgent: USER_AGENTS.cli,
    readOnly: true,
    requestParameters: { instancesSet: {}, filterSet: {} },
  });
}

export default defineDetector({
  id: "changes.activity-outside-allowed-regions",
  title: "API activity in a region outside the allowed regions",
  severity: "medium",
  mitre: ["T1535"],
  pattern: {
    source: [{ prefix: "aws." }],
    "detail-type": [API_CALL, DETAIL_TYPES.AwsConsoleAction],
    detail: { errorCode: [{ exists: false }], userIdentity: { invokedBy: [{ exists: false }] } },
  },
  readOnlyEvents: true,
  threshold: { count: 1, windowSeconds: 3600, groupBy: "principal" },
  evaluate(record, { baseline }) {
    const allowed = baseline.regions.allowed;
    if (allowed.length === 0 || allowed.includes(record.awsRegion)) return undefined;
    if (isGlobalServiceEvent(record) || isServiceActivity(record)) return undefined;
    if (matchesAny(baseline.principals.securityAutomation, principalArn(record))) return undefined;
    const kind = isReadOnlyCall(record) ? "read-only call" : "call";
    return {
      summary: sentence(
        `${actorName(record)} made a ${kind} to ${apiNameOf(record)} in ${record.awsRegion} (account ${record.recipientAccountId}), outside the allowed regions ${allowed.join(", ")}.`,
      ),
      resources: [...resourcesNamedBy(record), accountWhereItHappened(record)],
    };
  },
  runbook:
    "Someone used a region the organisation does not run in (baseline regions.allowed). Attackers go there because nobody looks: mining instances, " +
    "hidden resources, and reads that map the account (a Describe* in an unused region is often the first tell). The finding names the first such call of the " +
    "principal in the hour; list everything the principal did in that region and in every other region outside the list since, and terminate or delete " +
    "what it created. If the principal is a person or pipeline with a real reason, either add the region to regions.allowed or move the work; if not, treat " +
    "its credentials as compromised. An SCP that denies unused regions prevents this: a refused call (errorCode) is not a finding here, since the guard " +
    "worked. Events of global services recorded in their home region whatever the caller's region (IAM, the STS global endpoint, Organizations, CloudFront, " +
    "Route 53, Route 53 Domains, WAF Classic, Shield, Health, Support, Cost Explorer, Budgets, Account Management; Global Accelerator in us-west-2) and " +
    "console sign-ins are not judged; STS calls through a regional endpoint are. AWS acting for itself (service principals, invokedBy, service-linked roles) " +
    "and security-automation principals, which sweep every region, are exempt. Under the default baseline (no allowed regions) every region is allowed and " +
    "nothing is judged.",
  examples: {
    match: [
      {
        description: "An IAM user's access key launches ten GPU instances in sa-east-1",
        record: launchGpus("bc3c00ca-b7a9-4697-bab3-232083db5901", "2024-11-19T03:02:17Z"),
        baseline: BASELINE,
      },
      {
        description: "A workload role's credentials list instances in ap-south-1, from outside AWS",
        record: describeInMumbai("a2964930-b876-415a-a6b1-02eab5d8a367", "2024-11-19T03:05:44Z"),
        baseline: BASELINE,
      },
      {
        description: "GetCallerIdentity through the STS endpoint of ap-northeast-1: a regional endpoint's events say where the caller works",
        record: {
          ...apiCall({
            eventID: "012da61b-d0c1-4d47-aca6-0d7d0b6965dd",
            eventTime: "2024-11-19T03:01:09Z",
            eventSource: "sts.amazonaws.com",
            eventName: "GetCallerIdentity",
            identity: iamUser(REPORTING),
            region: "ap-northeast-1",
            sourceIPAddress: "192.0.2.181",
            userAgent: USER_AGENTS.boto3,
            readOnly: true,
          }),
          tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: "sts.ap-northeast-1.amazonaws.com" },
        },
        baseline: BASELINE,
      },
    ],
    noMatch: [
      {
        description: "The GPU launch under the default baseline: no allowed-region list, so every region is allowed",
        record: launchGpus("985f6cc5-a18a-44c6-acb0-f0f2c20b5516", "2024-11-19T03:08:21Z"),
      },
      {
        description: "The read in ap-south-1 under the default baseline: not judged either",
        record: describeInMumbai("212922b6-6573-4db2-9fc4-0c634e3312a1", "2024-11-19T03:09:55Z"),
      },
      {
        description: "The same launch in eu-west-1, an allowed region",
        record: launchGpus("0c4aa76f-b327-4b4d-9e7c-013f308f67b2", "2024-11-19T03:12:40Z", "eu-west-1"),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, regions: { allowed: ["eu-central-1"] } },
      },
      {
        description: "An IAM call, recorded in us-east-1 (not allowed here) wherever the caller works: IAM is a global service",
        record: apiCall({
          eventID: "641a03f4-ed0b-48de-afc0-b1125157ed9c",
          eventTime: "2024-11-19T03:14:02Z",
          eventSource: "iam.amazonaws.com",
          eventName: "CreateAccessKey",
          identity: iamUser(`arn:aws:iam::${PROD}:user/oncall-payments`),
          requestParameters: { userName: "oncall-payments" },
          responseElements: {
            accessKey: { userName: "oncall-payments", accessKeyId: "AKIAQXMPL5RZGH3D7V2N", status: "Active", createDate: iamDate("2024-11-19T03:14:02Z") },
          },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "The security posture scanner sweeping every region for exactly this kind of activity",
        record: apiCall({
          eventID: "b0be7834-8f98-4608-9972-818d27f50c1e",
          eventTime: "2024-11-19T03:15:26Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "DescribeInstances",
          identity: assumedRole("arn:aws:iam::777788889999:role/security/posture-scanner", "posture-scan-20241119"),
          account: PROD,
          region: "ap-south-1",
          userAgent: USER_AGENTS.boto3,
          readOnly: true,
          requestParameters: { instancesSet: {}, filterSet: {} },
        }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, principals: { securityAutomation: [] } },
      },
      {
        description: "AWS Config's service-linked role recording resources in a region where Config is on",
        record: apiCall({
          eventID: "7f083e35-dff4-460a-96a4-a2bccd356f0b",
          eventTime: "2024-11-19T03:16:50Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "DescribeSecurityGroups",
          identity: assumedRole(`arn:aws:iam::${PROD}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`, "AWSConfig-Describe"),
          region: "ap-south-1",
          sourceIPAddress: "config.amazonaws.com",
          userAgent: "config.amazonaws.com",
          readOnly: true,
          requestParameters: { securityGroupSet: {}, securityGroupIdSet: {}, filterSet: {} },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "The launch refused by the SCP that denies unused regions: the guard worked",
        record: apiCall({
          eventID: "8faf9f08-c464-4f9c-bc16-b4be08854452",
          eventTime: "2024-11-19T03:18:13Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "RunInstances",
          identity: iamUser(REPORTING),
          region: "sa-east-1",
          sourceIPAddress: "192.0.2.181",
          userAgent: USER_AGENTS.boto3,
          requestParameters: { instancesSet: { items: [{ imageId: "ami-0af9d24bd5539d7af", minCount: 10, maxCount: 10 }] }, instanceType: "g5.12xlarge" },
          error: {
            code: "Client.UnauthorizedOperation",
            message: `You are not authorized to perform this operation. User: ${REPORTING} is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:sa-east-1:${PROD}:instance/* with an explicit deny in a service control policy.`,
          },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
    ],
  },
});
