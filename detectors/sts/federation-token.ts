import { matchesAny } from "../../core/baseline.js";
import { principalArn } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { grantsFullAdmin, parsePolicyDocument, statementsOf } from "../../core/policy.js";
import { apiNameOf } from "../../core/sensitive-apis.js";
import { accountResource, actorName, API_CALL, iamResource, isObject, param, sentence } from "../common.js";
import { apiCall, assumedRole, iamDate, iamUser, PROD, USER_AGENTS } from "../examples.js";

function stsCall(
  eventID: string,
  eventTime: string,
  eventName: "GetFederationToken" | "GetSessionToken",
  identity: Record<string, unknown>,
  requestParameters: Record<string, unknown>,
  options: { accessKeyId?: string; region?: string; userAgent?: string; sourceIPAddress?: string; error?: { code: string; message: string } } = {},
) {
  const account = typeof identity.accountId === "string" ? identity.accountId : PROD;
  const name = typeof requestParameters.name === "string" ? requestParameters.name : undefined;
  const expires = new Date(Date.parse(eventTime) + 12 * 3600_000);
  const credentials = {
    accessKeyId: options.accessKeyId ?? "ASIARZ5BM7QWD3K8N2VX",
    expiration: iamDate(expires.toISOString()),
    sessionToken: "IQoJb3JpZ2luX2VjEOH//////////wEaCXVzLWVhc3QtMSJHMEUCIQD7Xq2uE0pYw0Kf3N1sVb8mZr6yT4hL9cJ2dG5aQ1oWbAIgc3Vt",
  };
  return apiCall({
    eventID,
    eventTime,
    eventSource: "sts.amazonaws.com",
    eventName,
    identity,
    region: options.region ?? "us-east-1",
    requestParameters,
    responseElements:
      eventName === "GetFederationToken" && name
        ? { credentials, federatedUser: { federatedUserId: `${account}:${name}`, arn: `arn:aws:sts::${account}:federated-user/${name}` }, packedPolicySize: 4 }
        : { credentials },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.sourceIPAddress ? { sourceIPAddress: options.sourceIPAddress } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

const ALLOW_ALL = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }, null, "\t");
const BROKER = "arn:aws:iam::111122223333:user/service/svc-reporting-broker";

export default defineDetector({
  id: "sts.federation-token",
  title: "Federation token issued to an IAM user's long-term keys",
  severity: "high",
  mitre: ["T1098.001"],
  stratus: ["aws.persistence.sts-federation-token"],
  pattern: {
    source: ["aws.sts"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["sts.amazonaws.com"],
      eventName: ["GetFederationToken"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    const caller = principalArn(record);
    // A broker that has always done this: its learned profile lists the call.
    const api = apiNameOf(record);
    const usual = Object.entries(baseline.profiles).some(([pattern, profile]) => matchesAny([pattern], caller) && profile.apis.includes(api));
    if (usual) return undefined;
    const name = param(record, "name") ?? "(unnamed)";
    const federated = isObject(record.responseElements?.federatedUser) ? record.responseElements.federatedUser : undefined;
    const federatedArn = typeof federated?.arn === "string" ? federated.arn : undefined;
    const fullAdmin = statementsOf(parsePolicyDocument(record.requestParameters?.policy)).some(grantsFullAdmin);
    const identity = record.userIdentity;
    const resources: FindingResource[] =
      identity.type === "IAMUser" && identity.userName ? [iamResource(record, "user", identity.userName, identity.arn)] : [accountResource(record)];
    return {
      summary: sentence(
        `${actorName(record)} obtained federation token ${federatedArn ?? name}${fullAdmin ? " with a session policy allowing every action on every resource" : ""}, ` +
          "credentials that outlive its own access key.",
      ),
      resources,
    };
  },
  remediation: "iam.quarantine-principal",
  runbook:
    "GetFederationToken turns an IAM user's long-term access key (only IAM users and the root user can call it) into temporary credentials for a federated " +
    "user of any name, valid up to 36 hours (one hour for the root user), that keep working after the key is deactivated or deleted, and can be turned into a " +
    "console session through the federation sign-in endpoint (GetSigninToken). Attackers with a stolen key use it to persist and to reach the console; " +
    "legitimate callers are rare identity brokers, which the baseline recognises by their learned profile (profiles.<user ARN>.apis listing " +
    "sts:GetFederationToken). Ask the key's owner whether the call was theirs; check the source IP and user agent, and what the federated-user ARN did " +
    "afterwards (its events carry the user as session issuer). If it is not theirs, quarantine the IAM user (the proposed remediation attaches a deny-all " +
    "policy, which also binds every federation session it issued, since those never exceed the user's permissions), then deactivate its keys. A refused " +
    "call (errorCode) is not a finding here: no credentials were issued; role sessions that try it are always refused.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's sts-federation-token: a user's key asks for an allow-everything federation token",
        record: stsCall(
          "243f1dcb-05b0-44dd-a1fc-a1891a8bbeaa",
          "2024-11-30T08:43:17Z",
          "GetFederationToken",
          iamUser("arn:aws:iam::111122223333:user/stratus-red-team-user-federation-user"),
          { name: "stratus_red_team", policy: ALLOW_ALL },
          {
            userAgent:
              "aws-sdk-go-v2/1.32.3 os/linux lang/go#1.23.1 md/GOOS#linux md/GOARCH#amd64 exec-env/grimoire_095724e3-1fa0-4e3e-b68a-e8581d194380 api/sts#1.26.2",
          },
        ),
      },
      {
        description: "A developer's key asks for a token named admin, without a session policy, from a Python script",
        record: stsCall(
          "e5af5d6c-788c-4fe2-be97-29a436b3c200",
          "2024-07-10T03:12:48Z",
          "GetFederationToken",
          iamUser("arn:aws:iam::111122223333:user/engineering/alice"),
          { name: "admin", durationSeconds: 129600 },
          { userAgent: USER_AGENTS.boto3, sourceIPAddress: "185.220.101.34" },
        ),
      },
    ],
    noMatch: [
      {
        description: "The reporting broker, whose learned profile lists sts:GetFederationToken",
        record: stsCall("7c396beb-b9f1-4d02-aee6-d6797fefbd9d", "2024-07-10T03:15:22Z", "GetFederationToken", iamUser(BROKER), {
          name: "report-7781",
          durationSeconds: 3600,
          policyArns: [{ arn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" }],
        }),
        baseline: { profiles: { [BROKER]: { apis: ["sts:GetFederationToken"] } } },
      },
      {
        description: "A user's GetSessionToken for MFA-protected CLI use: not a federation token",
        record: stsCall("0202b7c0-7131-40e0-be98-8025bbad73ca", "2024-07-10T03:18:09Z", "GetSessionToken", iamUser("arn:aws:iam::111122223333:user/engineering/alice"), {
          durationSeconds: 43200,
          serialNumber: "arn:aws:iam::111122223333:mfa/alice-pixel",
          tokenCode: "HIDDEN_DUE_TO_SECURITY_REASONS",
        }),
      },
      {
        description: "A role session trying GetFederationToken: STS always refuses it",
        record: stsCall(
          "7f1df280-6fdc-4c8a-82bf-4327736c3439",
          "2024-07-10T03:20:41Z",
          "GetFederationToken",
          assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          { name: "orders" },
          { error: { code: "AccessDenied", message: "Cannot call GetFederationToken with session credentials" } },
        ),
      },
    ],
  },
});
