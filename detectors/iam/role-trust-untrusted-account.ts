import type { Baseline } from "../../core/baseline.js";
import { defineDetector } from "../../core/detector.js";
import { hasRestrictingCondition, isAllow, parsePolicyDocument, principalIsPublic, statementsOf, strings, type PolicyStatement } from "../../core/policy.js";
import { actorName, API_CALL, iamResource, isKnownAccount, isObject, param, sentence } from "../common.js";
import { apiCall, assumedRole, iamDate, iamUser, OUTSIDE, PROD, USER_AGENTS } from "../examples.js";

const ACCOUNT_ID = /^\d{12}$/;
/** `arn:aws:iam::ACCOUNT:root|user/…|role/…` and `arn:aws:sts::ACCOUNT:assumed-role/…`: the account is the fifth field. */
const PRINCIPAL_ARN = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/;

/** The account an `AWS` principal value names, if it names one. */
function accountOf(principal: string): string | undefined {
  const text = principal.trim();
  if (ACCOUNT_ID.test(text)) return text;
  return PRINCIPAL_ARN.exec(text)?.[1];
}

/** The statement with only the condition keys given (in any operator block), so the shared condition logic judges just those. */
function withConditionKeys(statement: PolicyStatement, keys: readonly string[]): PolicyStatement {
  const condition = statement.Condition;
  if (!isObject(condition)) return { ...statement, Condition: undefined };
  const wanted = new Set(keys.map((k) => k.toLowerCase()));
  const kept: Record<string, unknown> = {};
  for (const [operator, block] of Object.entries(condition)) {
    if (!isObject(block)) continue;
    const entries = Object.entries(block).filter(([key]) => wanted.has(key.toLowerCase()));
    if (entries.length > 0) kept[operator] = Object.fromEntries(entries);
  }
  return { ...statement, Condition: kept };
}

/** Values of the given condition keys, whatever the operator. */
function conditionValues(statement: PolicyStatement, keys: readonly string[]): string[] {
  const condition = statement.Condition;
  if (!isObject(condition)) return [];
  const wanted = new Set(keys.map((k) => k.toLowerCase()));
  return Object.values(condition)
    .filter(isObject)
    .flatMap((block) => Object.entries(block).filter(([key]) => wanted.has(key.toLowerCase())))
    .flatMap(([, values]) => strings(values));
}

const ORG_KEYS = ["aws:PrincipalOrgID", "aws:PrincipalOrgPaths"];
const PRINCIPAL_KEYS = ["aws:PrincipalAccount", "aws:PrincipalArn"];

/**
 * What a `"*"` principal is limited to. Pinned to the organisation (aws:PrincipalOrgID or
 * aws:PrincipalOrgPaths with exact values): nobody outside. Pinned to principal accounts
 * or ARNs: those accounts. Otherwise anyone: sts:ExternalId, aws:SourceIp or
 * aws:MultiFactorAuthPresent limit how, not who.
 */
function publicTrustLimitedTo(statement: PolicyStatement): { org: true } | { accounts: string[] } | undefined {
  if (hasRestrictingCondition(withConditionKeys(statement, ORG_KEYS))) return { org: true };
  if (hasRestrictingCondition(withConditionKeys(statement, PRINCIPAL_KEYS))) {
    const accounts = conditionValues(statement, PRINCIPAL_KEYS).map(accountOf);
    if (accounts.every((a): a is string => a !== undefined)) return { accounts };
  }
  return undefined;
}

/** The untrusted parties a trust policy lets assume the role: `anyone`, or account ids. */
function untrustedParties(document: ReturnType<typeof parsePolicyDocument>, baseline: Baseline, ownAccount: string): string[] {
  const found = new Set<string>();
  const unknown = (account: string) => !isKnownAccount(baseline, account, ownAccount);
  for (const statement of statementsOf(document)) {
    if (!isAllow(statement)) continue;
    const principal = statement.Principal;
    if (principalIsPublic(principal)) {
      const limit = publicTrustLimitedTo(statement);
      if (!limit) found.add("anyone");
      else if ("accounts" in limit) for (const account of limit.accounts.filter(unknown)) found.add(account);
    }
    // Service, Federated (SAML, OIDC) and CanonicalUser principals are not accounts.
    if (isObject(principal)) {
      for (const value of strings(principal.AWS)) {
        const account = accountOf(value);
        if (account && unknown(account)) found.add(account);
      }
    }
  }
  return [...found];
}

function trustPolicy(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements }, null, 2);
}

const ASSUME = "sts:AssumeRole";
const EC2_TRUST = { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: ASSUME };
const STRATUS_ATTACKER = "193672423079";
const OPERATOR = "arn:aws:iam::111122223333:user/christophe";

function updateTrust(eventID: string, eventTime: string, roleName: string, policyDocument: string, options: { identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {}) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "iam.amazonaws.com",
    eventName: "UpdateAssumeRolePolicy",
    identity: options.identity ?? iamUser(OPERATOR),
    requestParameters: { policyDocument, roleName },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

/** IAM answers CreateRole with the role, its trust policy URL-encoded. */
function createRole(eventID: string, eventTime: string, roleName: string, assumeRolePolicyDocument: string, options: { identity?: Record<string, unknown>; userAgent?: string; path?: string } = {}) {
  const path = options.path ?? "/";
  return apiCall({
    eventID,
    eventTime,
    eventSource: "iam.amazonaws.com",
    eventName: "CreateRole",
    identity: options.identity ?? iamUser(OPERATOR),
    requestParameters: { roleName, assumeRolePolicyDocument, ...(options.path ? { path } : {}) },
    responseElements: {
      role: {
        path,
        roleName,
        roleId: `AROA${eventID.replace(/-/g, "").slice(0, 17).toUpperCase()}`,
        arn: `arn:aws:iam::${PROD}:role${path}${roleName}`,
        createDate: iamDate(eventTime),
        assumeRolePolicyDocument: encodeURIComponent(assumeRolePolicyDocument),
      },
    },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  });
}

export default defineDetector({
  id: "iam.role-trust-untrusted-account",
  title: "IAM role trust policy lets an unknown account or anyone assume the role",
  severity: "high",
  mitre: ["T1098.003", "T1484.002"],
  stratus: ["aws.persistence.iam-backdoor-role", "aws.persistence.iam-create-backdoor-role"],
  pattern: {
    source: ["aws.iam"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["iam.amazonaws.com"],
      eventName: ["CreateRole", "UpdateAssumeRolePolicy"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    const roleName = param(record, "roleName");
    if (!roleName) return undefined;
    const text = record.eventName === "CreateRole" ? record.requestParameters?.assumeRolePolicyDocument : record.requestParameters?.policyDocument;
    const parties = untrustedParties(parsePolicyDocument(text), baseline, record.recipientAccountId);
    if (parties.length === 0) return undefined;
    const role = isObject(record.responseElements?.role) ? record.responseElements.role : undefined;
    const arn = typeof role?.arn === "string" ? role.arn : undefined;
    const accounts = parties.filter((p) => p !== "anyone");
    const whom = [
      ...(parties.includes("anyone") ? ["anyone (Principal \"*\" not limited to the organisation or to known accounts)"] : []),
      ...(accounts.length > 0 ? [`account${accounts.length > 1 ? "s" : ""} ${accounts.join(", ")}, unknown to the baseline,`] : []),
    ].join(" and ");
    const verb = record.eventName === "CreateRole" ? "created IAM role" : "changed the trust policy of IAM role";
    return {
      summary: sentence(`${actorName(record)} ${verb} ${roleName} so that ${whom} can assume it.`),
      resources: [iamResource(record, "role", roleName, arn)],
    };
  },
  remediation: "iam.remove-untrusted-trust-statements",
  runbook:
    "A role's trust policy now lets a party outside the organisation assume it: an AWS account that is not the role's own, not listed under the baseline's accounts " +
    "and not under trust.externalAccounts, or anyone at all (Principal \"*\" not pinned to the organisation with aws:PrincipalOrgID or to known accounts with " +
    "aws:PrincipalAccount). Conditions such as sts:ExternalId or aws:SourceIp do not make an account known: whoever controls that account can meet them. " +
    "Service and federated (SAML, OIDC) principals are not accounts and are judged elsewhere. Look up the account (is it a vendor with a signed agreement, a new " +
    "account of the organisation not yet in the baseline?) and ask the caller why. If it is approved, add it to trust.externalAccounts (or accounts) through review; " +
    "if not, remove the statements (the proposed remediation does, keeping the rest of the policy), then check CloudTrail for AssumeRole calls on this role from " +
    "that account, and what the caller attached to the role (AdministratorAccess right after a CreateRole is the classic backdoor). Changes made through " +
    "infrastructure as code are judged too: an unknown account is unknown whoever adds it. A refused call (errorCode) is not a finding here: the trust policy did not change.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's iam-backdoor-role: an existing role's trust policy gains the attacker's account root",
        record: updateTrust(
          "5009f789-5f94-47a9-bea7-1f3e9b5c6918",
          "2024-08-01T13:29:57Z",
          "stratus-red-team-backdoor-r-role",
          trustPolicy(EC2_TRUST, { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${STRATUS_ATTACKER}:root` }, Action: ASSUME }),
          { userAgent: USER_AGENTS.stratus },
        ),
      },
      {
        description: "Stratus Red Team's iam-create-backdoor-role: a new role trusting an external account",
        record: createRole(
          "1516865e-d703-48a6-916c-c5faf108db47",
          "2024-08-01T13:52:09Z",
          "stratus-red-team-malicious-iam-role",
          trustPolicy(EC2_TRUST, { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${STRATUS_ATTACKER}:root` }, Action: ASSUME }),
          { userAgent: USER_AGENTS.stratus },
        ),
      },
      {
        description: "A trust to an unknown account's role, sent URL-encoded, with an sts:ExternalId that does not make the account known",
        record: updateTrust(
          "8f491606-6c32-470a-8c24-3a35b8f016f4",
          "2024-07-03T11:04:26Z",
          "vendor-readonly",
          encodeURIComponent(
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Principal: { AWS: [`arn:aws:iam::${OUTSIDE}:role/integration`] },
                  Action: ASSUME,
                  Condition: { StringEquals: { "sts:ExternalId": "c7f1e2d9-acme" } },
                },
              ],
            }),
          ),
          { identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a", "j.doe@example.com"), userAgent: USER_AGENTS.console },
        ),
      },
      {
        description: "A role anyone can assume: Principal {\"AWS\": \"*\"} limited only by source IP",
        record: createRole(
          "1d5009fa-5a21-4a20-a729-e7c76ccb04d3",
          "2024-07-03T11:09:51Z",
          "debug-access",
          trustPolicy({ Effect: "Allow", Principal: { AWS: "*" }, Action: ASSUME, Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } } }),
        ),
      },
    ],
    noMatch: [
      {
        description: "A service role trusting only EC2 and the role's own account",
        record: createRole(
          "79996f41-a785-4f6e-a885-73a7dd7cd312",
          "2024-07-03T11:12:30Z",
          "orders-api",
          trustPolicy(EC2_TRUST, { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${PROD}:root` }, Action: ASSUME }),
          { path: "/app/" },
        ),
      },
      {
        description: "A vendor account listed in trust.externalAccounts, with its external id",
        record: updateTrust(
          "6f73a1ec-ca11-4f0d-8456-173cf021247a",
          "2024-07-03T11:15:02Z",
          "datadog-integration",
          trustPolicy({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OUTSIDE}:root` }, Action: ASSUME, Condition: { StringEquals: { "sts:ExternalId": "5d1c0b7e9a" } } }),
        ),
        baseline: { trust: { externalAccounts: [OUTSIDE] } },
      },
      {
        description: "A GitHub Actions OIDC trust: a federated principal, not an account",
        record: createRole(
          "d3887d8b-b397-4967-ae8e-3a97eb82a7ea",
          "2024-07-03T11:18:44Z",
          "github-deploy",
          trustPolicy({
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::${PROD}:oidc-provider/token.actions.githubusercontent.com` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
              StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/orders:ref:refs/heads/main" },
            },
          }),
        ),
      },
      {
        description: "Principal \"*\" pinned to the organisation with aws:PrincipalOrgID",
        record: updateTrust(
          "13cc614b-cb2f-4610-a595-90d8ce94d740",
          "2024-07-03T11:21:17Z",
          "org-readonly",
          trustPolicy({ Effect: "Allow", Principal: { AWS: "*" }, Action: ASSUME, Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } }),
        ),
      },
      {
        description: "The Stratus backdoor trust, refused by IAM",
        record: updateTrust(
          "f9976722-12ee-472e-9dc7-109c03a72751",
          "2024-07-03T11:24:39Z",
          "orders-api",
          trustPolicy({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${STRATUS_ATTACKER}:root` }, Action: ASSUME }),
          {
            identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
            error: {
              code: "AccessDenied",
              message:
                "User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: iam:UpdateAssumeRolePolicy on resource: role orders-api because no identity-based policy allows the iam:UpdateAssumeRolePolicy action",
            },
          },
        ),
      },
    ],
  },
});
