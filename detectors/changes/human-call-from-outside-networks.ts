import { matchesAny, type BaselineInput } from "../../core/baseline.js";
import { principalArn } from "../../core/cloudtrail.js";
import { defineDetector } from "../../core/detector.js";
import { DETAIL_TYPES, SIGN_IN_DETAIL_TYPES } from "../../core/envelope.js";
import { cidrHolding, parseIp } from "../../core/pattern-ip.js";
import { apiNameOf } from "../../core/sensitive-apis.js";
import { actorName, API_CALL, isHumanPrincipal, isIacPrincipal, principalResource, sentence } from "../common.js";
import { apiCall, assumedRole, consoleLogin, iamUser, PROD, USER_AGENTS, viaCloudFormation } from "../examples.js";

/** Identity types a person can have (isHumanPrincipal narrows AssumedRole further); services and AWS accounts are left to EventBridge to drop. */
const PERSON_TYPES = ["Root", "IAMUser", "AssumedRole", "FederatedUser", "IdentityCenterUser"];

/**
 * Refusals before the caller proved it holds a credential (the signature or
 * key did not verify). Any other refusal, AccessDenied included, is decided
 * after authentication: whoever called held working credentials.
 */
const NOT_AUTHENTICATED = new Set(["InvalidClientTokenId", "SignatureDoesNotMatch", "IncompleteSignature", "AuthFailure", "UnrecognizedClientException", "InvalidSignatureException"]);

const NETWORKS = ["203.0.113.0/25", "198.51.100.64/26", "2001:db8:4a00::/40"];
const BASELINE = {
  accounts: { [PROD]: { name: "payments-prod", environment: "production" } },
  networks: { human: NETWORKS },
  principals: { iac: [`arn:aws:iam::${PROD}:user/terraform-ci`] },
} satisfies BaselineInput;
const READ_ONLY_SSO = `arn:aws:iam::${PROD}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_ReadOnly_7c6d5e4f3a2b1c0d`;

function signIn(eventID: string, eventTime: string, sourceIPAddress: string, result: "Success" | "Failure" = "Success") {
  return consoleLogin({ eventID, eventTime, identity: iamUser(`arn:aws:iam::${PROD}:user/l.moreau`), mfaUsed: "No", sourceIPAddress, result });
}

function listBuckets(eventID: string, eventTime: string, sourceIPAddress: string) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "s3.amazonaws.com",
    eventName: "ListBuckets",
    identity: assumedRole(READ_ONLY_SSO, "k.lee@example.com"),
    sourceIPAddress,
    readOnly: true,
    requestParameters: { Host: "s3.amazonaws.com" },
    additionalEventData: { SignatureVersion: "SigV4", CipherSuite: "TLS_AES_128_GCM_SHA256", bytesTransferredIn: 0, AuthenticationMethod: "AuthHeader", bytesTransferredOut: 4218 },
  });
}

export default defineDetector({
  id: "changes.human-call-from-outside-networks",
  title: "A person's credentials used from outside the networks people work from",
  severity: "medium",
  mitre: ["T1078.004"],
  pattern: {
    source: [{ prefix: "aws." }],
    "detail-type": [API_CALL, DETAIL_TYPES.AwsConsoleAction, ...SIGN_IN_DETAIL_TYPES],
    detail: { userIdentity: { type: PERSON_TYPES, invokedBy: [{ exists: false }] } },
  },
  readOnlyEvents: true,
  threshold: { count: 1, windowSeconds: 3600, groupBy: "principal" },
  evaluate(record, { baseline }) {
    const networks = baseline.networks.human;
    const ip = record.sourceIPAddress;
    const address = networks.length === 0 || ip === undefined ? undefined : parseIp(ip);
    if (address === undefined) return undefined;
    const isSignIn = record.eventSource === "signin.amazonaws.com";
    if (!isSignIn && !isHumanPrincipal(record)) return undefined;
    if (isSignIn && record.responseElements?.[record.eventName] === "Failure") return undefined;
    if (record.errorCode !== undefined && NOT_AUTHENTICATED.has(record.errorCode)) return undefined;
    if (isIacPrincipal(record, baseline) || matchesAny(baseline.principals.securityAutomation, principalArn(record))) return undefined;
    if (cidrHolding(address, networks) !== undefined) return undefined;
    const what = !isSignIn
      ? `called ${apiNameOf(record)}${record.errorCode ? ` (refused with ${record.errorCode})` : ""}`
      : record.eventName === "ConsoleLogin"
        ? "signed in to the console"
        : `completed console sign-in step ${record.eventName}`;
    return {
      summary: sentence(`${actorName(record)} ${what} from ${ip}, outside the networks people work from.`),
      resources: [principalResource(record)],
    };
  },
  runbook:
    "A person's credentials (root, an IAM user, an Identity Center or console session, a federated user) were used from an address outside every range in " +
    "networks.human, the offices and VPN people are meant to work from. The finding names the first such call of the principal in the hour; list every " +
    "sourceIPAddress the principal used since, and look the addresses up (hosting provider, anonymiser, country). Ask the person whether it was them (travel, " +
    "home without VPN, a new office range to add to networks.human); if not, the credentials are stolen: deactivate the user's keys or revoke the role's " +
    "sessions, reset the password and MFA, and review everything the principal did from those addresses. A refused call is a finding too, because AWS " +
    "authenticated the caller before it refused: whoever called holds working credentials (only signature and unknown-key failures prove nothing). A failed " +
    "console sign-in is not: a wrong password proves nothing, and brute force is counted elsewhere. Calls without an address (a service's host name, \"AWS " +
    "Internal\"), workloads, AWS acting on a principal's behalf, IaC and security-automation principals are not judged; an IAM user that is really a workload " +
    "belongs in principals.iac or should become a role. Under the default baseline (no networks.human) nothing is judged.",
  examples: {
    match: [
      {
        description: "A legacy IAM user signs in to the console without MFA from an address outside the office and VPN ranges",
        record: signIn("c946198d-6e1e-4ab1-8f6f-2f39e6176e5e", "2025-01-14T07:41:26Z", "192.0.2.77"),
        baseline: BASELINE,
      },
      {
        description: "An Identity Center session lists buckets from 203.0.113.200, just outside the office's /25",
        record: listBuckets("fa071bbb-1bce-4d5a-96da-40710244ae06", "2025-01-14T07:44:09Z", "203.0.113.200"),
        baseline: BASELINE,
      },
      {
        description: "An IAM user's access key, refused iam:ListUsers from an unknown IPv6 address: the key itself works",
        record: apiCall({
          eventID: "e69a34d1-ab5a-428b-ada5-7ca8950e6c13",
          eventTime: "2025-01-14T07:47:55Z",
          eventSource: "iam.amazonaws.com",
          eventName: "ListUsers",
          identity: iamUser(`arn:aws:iam::${PROD}:user/svc-reporting`),
          sourceIPAddress: "2001:db8:ffff:12::5",
          userAgent: USER_AGENTS.boto3,
          readOnly: true,
          requestParameters: { maxItems: 100 },
          error: {
            code: "AccessDenied",
            message: `User: arn:aws:iam::${PROD}:user/svc-reporting is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${PROD}:user/ because no identity-based policy allows the iam:ListUsers action`,
          },
        }),
        baseline: BASELINE,
      },
    ],
    noMatch: [
      {
        description: "The sign-in from outside under the default baseline: no networks.human, so nothing is judged",
        record: signIn("6c01201c-a34a-4af7-957c-459516c145e8", "2025-01-14T07:52:38Z", "192.0.2.77"),
      },
      {
        description: "The bucket listing from outside under the default baseline: not judged either",
        record: listBuckets("574babf2-7480-4fb6-8705-92cdddde2348", "2025-01-14T07:53:12Z", "203.0.113.200"),
      },
      {
        description: "A console sign-in from the VPN's range",
        record: signIn("2bc86380-6c81-4c40-86ae-d62dd8a69a59", "2025-01-14T08:03:12Z", "198.51.100.77"),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, networks: { human: ["203.0.113.0/25"] } },
      },
      {
        description: "A CLI call from the office's IPv6 range",
        record: listBuckets("0b90c919-2d62-44e3-9a65-d6e97ac591a9", "2025-01-14T08:05:40Z", "2001:db8:4a10:7::23"),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, networks: { human: ["203.0.113.0/25"] } },
      },
      {
        description: "An office address written as IPv4-mapped IPv6 (::ffff:203.0.113.20)",
        record: listBuckets("2fb76491-8862-46b6-b98f-bcf5e3536322", "2025-01-14T08:06:18Z", "::ffff:203.0.113.20"),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, networks: { human: NETWORKS.filter((network) => network !== "203.0.113.0/25") } },
      },
      {
        description: "A workload's role calling from its NAT gateway: not a person",
        record: apiCall({
          eventID: "77374c03-1a61-4137-832b-f4aab5aff7e1",
          eventTime: "2025-01-14T08:07:51Z",
          eventSource: "secretsmanager.amazonaws.com",
          eventName: "GetSecretValue",
          identity: assumedRole(`arn:aws:iam::${PROD}:role/app/settlement-batch`, "7f3c9a1e2b4d4c6e8a0f1b2c3d4e5f60"),
          region: "eu-west-1",
          sourceIPAddress: "192.0.2.10",
          userAgent: USER_AGENTS.boto3,
          readOnly: true,
          requestParameters: { secretId: "settlement/sftp-credentials" },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "A call the console made for the user, recorded with the source \"AWS Internal\" rather than an address",
        record: {
          ...apiCall({
            eventID: "3820c122-3190-4836-b9b8-4474da54f2a8",
            eventTime: "2025-01-14T08:09:02Z",
            eventSource: "cloudtrail.amazonaws.com",
            eventName: "LookupEvents",
            identity: assumedRole(READ_ONLY_SSO, "k.lee@example.com"),
            region: "eu-west-1",
            sourceIPAddress: "AWS Internal",
            userAgent: USER_AGENTS.console,
            readOnly: true,
            requestParameters: { maxResults: 50, lookupAttributes: [{ attributeKey: "ReadOnly", attributeValue: "false" }] },
          }),
          sessionCredentialFromConsole: "true",
        },
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "A failed console sign-in from outside: a wrong password proves no credential (brute force is counted elsewhere)",
        record: signIn("6fb0cc6d-ebc8-48bd-b410-857ae637f450", "2025-01-14T08:10:33Z", "192.0.2.77", "Failure"),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "The Terraform IAM user, an IaC principal, from a CI runner's address",
        record: apiCall({
          eventID: "cca3987e-cafe-4729-9050-80ee91ed7880",
          eventTime: "2025-01-14T08:12:05Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "DescribeVpcs",
          identity: iamUser(`arn:aws:iam::${PROD}:user/terraform-ci`),
          region: "eu-west-1",
          sourceIPAddress: "192.0.2.140",
          userAgent: USER_AGENTS.terraform,
          readOnly: true,
          requestParameters: { vpcSet: {}, filterSet: {} },
        }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, principals: { iac: [] } },
      },
      {
        description: "CloudFormation acting on an engineer's behalf (invokedBy), with its own host name as the source",
        record: apiCall({
          eventID: "5d7e4d74-9491-49cd-803b-1b847a1f8f98",
          eventTime: "2025-01-14T08:13:47Z",
          eventSource: "sqs.amazonaws.com",
          eventName: "CreateQueue",
          identity: viaCloudFormation(assumedRole(READ_ONLY_SSO, "k.lee@example.com")),
          region: "eu-west-1",
          requestParameters: { queueName: "settlement-dlq" },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
    ],
  },
});
