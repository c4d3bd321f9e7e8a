import { defineDetector } from "../../core/detector.js";
import { accountResource, actorName, API_CALL, isConsoleSession, isIacPrincipal, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

/**
 * Two SES reconnaissance calls by one principal in a 10-minute window: the
 * sending quota and the verified identities are what someone checks before
 * using an account to send mail, and Stratus Red Team's technique makes
 * exactly two calls (ListIdentities, GetSendQuota). The console's own calls
 * are not counted; an application that polls its quota is what a baseline
 * exception is for.
 */
const COUNT = 2;
const WINDOW_SECONDS = 600;

/** SES v1 calls, and their SES v2 equivalents (GetAccount, ListEmailIdentities), which log under the same event source. */
const RECON = ["GetAccountSendingEnabled", "GetSendQuota", "ListIdentities", "GetAccount", "ListEmailIdentities"];

/** SES's API host is email.<region>.amazonaws.com, which the example builder cannot guess from the event source. */
function sesHost<T extends Record<string, unknown>>(record: T, region: string): T {
  return { ...record, tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: `email.${region}.amazonaws.com` } };
}

export default defineDetector({
  id: "ses.enumeration",
  title: "SES sending limits and identities enumerated",
  severity: "medium",
  mitre: ["T1526"],
  stratus: ["aws.discovery.ses-enumerate"],
  pattern: {
    source: ["aws.ses"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["ses.amazonaws.com"],
      eventName: RECON,
    },
  },
  readOnlyEvents: true,
  threshold: { count: COUNT, windowSeconds: WINDOW_SECONDS, groupBy: "principal" },
  evaluate(record, { baseline }) {
    if (record.userIdentity.invokedBy || isConsoleSession(record) || isIacPrincipal(record, baseline)) return undefined;
    const refused = record.errorCode ? `, which SES refused (${record.errorCode})` : "";
    return {
      summary: sentence(
        `${actorName(record)} called ses:${record.eventName} in ${record.awsRegion}${refused}, ` +
          `reaching ${COUNT} SES enumeration calls in one ${WINDOW_SECONDS / 60}-minute window.`,
      ),
      resources: [{ ...accountResource(record), region: record.awsRegion }],
    };
  },
  runbook:
    "One principal asked SES, outside the console, whether the account may send, how much (GetSendQuota, GetAccount) and from which verified " +
    "identities (ListIdentities, ListEmailIdentities). Attackers who obtain access keys check exactly this before sending phishing or spam through " +
    "the account, or before reselling the keys, often in several regions. Refused calls count too: the question was asked with these credentials. " +
    "Ask the owner of the principal whether it sends mail and polls its quota (add a baseline exception if so); otherwise treat the credentials as " +
    "exposed: find where they were used from, deactivate the key or revoke the role's sessions, and check SES sending statistics, sending " +
    "authorisation policies and new identities or SMTP credentials in every region. Console sessions, IaC principals and services calling on a " +
    "principal's behalf are not counted.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's ses-enumerate: a role with SES read access asks for the sending quota",
        record: sesHost(
          apiCall({
            eventID: "68527309-c516-4170-8f9d-bf2f59bec837",
            eventTime: "2025-01-20T16:52:14Z",
            eventSource: "ses.amazonaws.com",
            eventName: "GetSendQuota",
            identity: assumedRole("arn:aws:iam::111122223333:role/stratus-red-team-ses-enumerate-role", "aws-go-sdk-1737391934118023000"),
            region: "us-west-2",
            additionalEventData: { SignatureVersion: "4" },
            userAgent: USER_AGENTS.stratus,
            sourceIPAddress: "203.0.113.201",
            readOnly: true,
          }),
          "us-west-2",
        ),
      },
      {
        description: "A long-lived access key lists the verified identities in another region",
        record: sesHost(
          apiCall({
            eventID: "7c58ff61-d4af-41f6-9982-e1abb8662c96",
            eventTime: "2025-01-21T03:08:51Z",
            eventSource: "ses.amazonaws.com",
            eventName: "ListIdentities",
            identity: iamUser("arn:aws:iam::111122223333:user/svc-newsletter"),
            region: "eu-west-1",
            requestParameters: { maxItems: 100 },
            userAgent: "aws-sdk-php/3.295.2 ua/2.0 OS/Linux#5.15.0-91-generic lang/php#8.2.14 m/b,E",
            sourceIPAddress: "194.26.192.64",
            readOnly: true,
          }),
          "eu-west-1",
        ),
      },
    ],
    noMatch: [
      {
        description: "The SES console loading its account dashboard for an engineer",
        record: sesHost(
          apiCall({
            eventID: "7a777fe3-0b2d-463c-9d14-2d07bc333f59",
            eventTime: "2025-01-21T09:30:02Z",
            eventSource: "ses.amazonaws.com",
            eventName: "GetAccountSendingEnabled",
            identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Marketing_4d2c6e8a0b1f3a5c", "m.jones@example.com"),
            region: "eu-west-1",
            userAgent: USER_AGENTS.console,
            readOnly: true,
          }),
          "eu-west-1",
        ),
      },
      {
        description: "The infrastructure pipeline reading the verified identities it manages",
        baseline: { principals: { iac: ["arn:aws:iam::111122223333:role/ci/terraform-deployer"] } },
        record: sesHost(
          apiCall({
            eventID: "694eb3d3-dfb6-4cb3-b67a-164afbb23adc",
            eventTime: "2025-01-21T09:41:27Z",
            eventSource: "ses.amazonaws.com",
            eventName: "ListIdentities",
            identity: assumedRole("arn:aws:iam::111122223333:role/ci/terraform-deployer", "github-actions-5120"),
            region: "eu-west-1",
            requestParameters: { identityType: "Domain" },
            userAgent: USER_AGENTS.terraform,
            readOnly: true,
          }),
          "eu-west-1",
        ),
      },
      {
        description: "An application checking that its own sending domain is verified: an SES read, but not reconnaissance",
        record: sesHost(
          apiCall({
            eventID: "31fdd70e-33e2-45ab-b539-89776da8c90e",
            eventTime: "2025-01-21T09:45:10Z",
            eventSource: "ses.amazonaws.com",
            eventName: "GetIdentityVerificationAttributes",
            identity: assumedRole("arn:aws:iam::111122223333:role/app/notifications", "notifications-worker"),
            region: "eu-west-1",
            requestParameters: { identities: ["example.com"] },
            userAgent: USER_AGENTS.boto3,
            readOnly: true,
          }),
          "eu-west-1",
        ),
      },
    ],
  },
});
