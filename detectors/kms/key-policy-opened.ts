import type { Baseline } from "../../core/baseline.js";
import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import {
  asList,
  hasRestrictingCondition,
  isAllow,
  parsePolicyDocument,
  principalIsPublic,
  statementsOf,
  strings,
  type PolicyStatement,
} from "../../core/policy.js";
import { actorName, API_CALL, field, isKnownAccount, isObject, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, OUTSIDE, PROD } from "../examples.js";

const REGION = "eu-west-1";
const SECURITY_ADMIN = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_SecurityAdmin_5e4d3c2b1a0f9e8d";
const PARTNER = "444433332222";

/** Operators that admit only the listed values (negated and IfExists forms do not). */
const POSITIVE = new Set(["stringequals", "stringequalsignorecase", "stringlike"]);

/** The values a statement's Condition requires for a key, under a positive string operator. */
function requiredValues(statement: PolicyStatement, key: string): string[] {
  const condition = statement.Condition;
  if (!isObject(condition)) return [];
  const values: string[] = [];
  for (const [rawOperator, block] of Object.entries(condition)) {
    const operator = rawOperator.toLowerCase().replace(/^foranyvalue:/, "");
    if (!POSITIVE.has(operator) || !isObject(block)) continue;
    for (const [rawKey, value] of Object.entries(block)) if (rawKey.toLowerCase() === key) values.push(...strings(value).map((v) => v.trim()));
  }
  return values;
}

/**
 * KMS's own way of saying "principals of one account": Principal "*" with
 * kms:CallerAccount (the "allow access through <service>" statements AWS writes).
 * Returns the accounts when every value is one, else undefined.
 */
function callerAccounts(statement: PolicyStatement): string[] | undefined {
  const values = requiredValues(statement, "kms:calleraccount");
  return values.length > 0 && values.every((v) => /^\d{12}$/.test(v)) ? values : undefined;
}

/** Accounts named by an `AWS` principal: `123456789012` or any IAM ARN in that account. */
function principalAccounts(statement: PolicyStatement): string[] {
  const principal = statement.Principal;
  const values = isObject(principal) ? strings(principal.AWS) : [];
  return values
    .map((value) => (/^\d{12}$/.test(value.trim()) ? value.trim() : value.split(":")[4] ?? ""))
    .filter((account) => /^\d{12}$/.test(account));
}

interface Exposure {
  statement: PolicyStatement;
  everyone: boolean;
  accounts: string[];
}

function exposureOf(record: CloudTrailRecord, baseline: Baseline, statement: PolicyStatement): Exposure | undefined {
  if (!isAllow(statement)) return undefined;
  const unknown = (accounts: string[]) => accounts.filter((a) => !isKnownAccount(baseline, a, record.recipientAccountId));
  const open = principalIsPublic(statement.Principal) || statement.NotPrincipal !== undefined;
  if (open && !hasRestrictingCondition(statement)) {
    const callers = callerAccounts(statement);
    if (!callers) return { statement, everyone: true, accounts: [] };
    const outside = unknown(callers);
    return outside.length > 0 ? { statement, everyone: false, accounts: outside } : undefined;
  }
  const outside = unknown([...new Set(principalAccounts(statement))]);
  return outside.length > 0 ? { statement, everyone: false, accounts: outside } : undefined;
}

function keyResource(record: CloudTrailRecord): FindingResource {
  const value = record.requestParameters ? field(record.requestParameters, "keyId") : undefined;
  const requested = typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  const listed = record.resources?.find((r) => typeof r.ARN === "string" && r.ARN.includes(":key/"))?.ARN;
  const arn =
    listed ??
    (requested?.startsWith("arn:") ? requested : undefined) ??
    (requested ? `arn:${partitionOf(record.awsRegion)}:kms:${record.awsRegion}:${record.recipientAccountId}:key/${requested}` : undefined);
  const id = arn?.includes(":key/") ? arn.slice(arn.indexOf(":key/") + ":key/".length) : (requested ?? "(unnamed key)");
  const [, , , region, account] = (arn ?? "").split(":");
  return { type: "AWS::KMS::Key", id, ...(arn ? { arn } : {}), account: account || record.recipientAccountId, region: region || record.awsRegion };
}

const KEY_ID = "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e";
const KEY_ARN = `arn:aws:kms:${REGION}:${PROD}:key/${KEY_ID}`;

const ROOT_STATEMENT = {
  Sid: "Enable IAM User Permissions",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${PROD}:root` },
  Action: "kms:*",
  Resource: "*",
};

/** KMS logs the policy as the JSON text it was sent, pretty-printed by the console and SDK helpers alike. */
function putKeyPolicy(
  eventID: string,
  eventTime: string,
  statements: Record<string, unknown>[],
  options: { identity?: Record<string, unknown>; error?: { code: string; message: string } } = {},
) {
  const policy = JSON.stringify({ Version: "2012-10-17", Id: "key-consolepolicy-3", Statement: statements }, null, 2);
  return apiCall({
    eventID,
    eventTime,
    eventSource: "kms.amazonaws.com",
    eventName: "PutKeyPolicy",
    identity: options.identity ?? assumedRole(SECURITY_ADMIN, "d.nguyen@example.com"),
    region: REGION,
    requestParameters: { keyId: KEY_ID, policyName: "default", policy, bypassPolicyLockoutSafetyCheck: false },
    responseElements: null,
    resources: [{ accountId: PROD, type: "AWS::KMS::Key", ARN: KEY_ARN }],
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "kms.key-policy-opened",
  title: "KMS key policy opened to everyone or to an unknown account",
  severity: "high",
  mitre: ["T1537"],
  pattern: {
    source: ["aws.kms"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["kms.amazonaws.com"],
      eventName: ["PutKeyPolicy"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    const document = parsePolicyDocument(record.requestParameters ? field(record.requestParameters, "policy") : undefined);
    const exposures = statementsOf(document)
      .map((s) => exposureOf(record, baseline, s))
      .filter((e): e is Exposure => e !== undefined);
    if (exposures.length === 0) return undefined;
    const resource = keyResource(record);
    const everyone = exposures.filter((e) => e.everyone);
    const accounts = [...new Set(exposures.flatMap((e) => e.accounts))];
    const actions = [...new Set(exposures.flatMap((e) => asList(e.statement.Action ?? e.statement.NotAction).map(String)))];
    const sids = exposures.map((e) => e.statement.Sid).filter((sid): sid is string => typeof sid === "string" && sid !== "");
    const who: string[] = [];
    if (everyone.length > 0) who.push("anyone");
    if (accounts.length > 0) who.push(`${accounts.length === 1 ? "account" : "accounts"} ${accounts.join(", ")}, which the baseline does not list,`);
    const which = sids.length > 0 ? ` (statement ${sids.join(", ")})` : "";
    return {
      summary: sentence(
        `${actorName(record)} set a key policy on KMS key ${resource.id} in ${resource.region} that lets ${who.join(" and ")} use ${actions.join(", ") || "the key"}${which}.`,
      ),
      resources: [resource],
    };
  },
  runbook:
    "The new key policy has an Allow statement for everyone (Principal \"*\" or NotPrincipal, with no condition tying it to an account, organisation, network or " +
    "principal, and no kms:CallerAccount) or for an account the baseline neither owns nor trusts. Whoever it names can decrypt data encrypted under the key " +
    "wherever they obtain it (a shared snapshot, a copied object) and, with kms:PutKeyPolicy or kms:*, take the key over. Compare the policy with the previous " +
    "version (GetKeyPolicy, the infrastructure code), ask the key's owner, and list a legitimate partner under trust.externalAccounts. Otherwise put the previous " +
    "policy back, then review the key's Decrypt and CreateGrant calls from other accounts and any snapshot or AMI shares by the same principal. " +
    "A refused PutKeyPolicy (errorCode such as MalformedPolicyDocumentException or AccessDeniedException) is not a finding: the policy did not change.",
  examples: {
    match: [
      {
        description: "A key policy statement lets {\"AWS\": \"*\"} do kms:* with no condition",
        record: putKeyPolicy("dc92bb0f-53fa-4db8-a107-411ee995ac26", "2024-12-11T20:14:35Z", [
          ROOT_STATEMENT,
          { Sid: "AllowEveryone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" },
        ]),
      },
      {
        description: "A statement lets an account outside the organisation decrypt and create grants",
        record: putKeyPolicy("878e9b49-bc35-44b1-a93b-e13986f7ed80", "2024-12-11T20:31:02Z", [
          ROOT_STATEMENT,
          {
            Sid: "AllowExternalDecrypt",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${OUTSIDE}:root` },
            Action: ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"],
            Resource: "*",
          },
        ]),
      },
    ],
    noMatch: [
      {
        description: "The default key policy: the account's own root principal",
        record: putKeyPolicy("4e8f3541-8e8e-4dfc-b5c7-03fa539c6b0f", "2024-12-11T19:58:20Z", [ROOT_STATEMENT]),
      },
      {
        description: "AWS's \"access through EBS\" statement: Principal \"*\" limited by kms:CallerAccount and kms:ViaService",
        record: putKeyPolicy("0c10d20e-9b53-4408-ad05-f5ca5b9aab99", "2024-12-11T20:02:47Z", [
          ROOT_STATEMENT,
          {
            Sid: "Allow access through EBS for all principals in the account that are authorized to use EBS",
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
            Resource: "*",
            Condition: { StringEquals: { "kms:CallerAccount": PROD, "kms:ViaService": `ec2.${REGION}.amazonaws.com` } },
          },
        ]),
      },
      {
        description: "A partner account listed under trust.externalAccounts may decrypt",
        record: putKeyPolicy("abefa9e9-9d50-481e-9793-459e49c55243", "2024-12-11T20:06:13Z", [
          ROOT_STATEMENT,
          { Sid: "PartnerDecrypt", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: "kms:Decrypt", Resource: "*" },
        ]),
        baseline: { trust: { externalAccounts: [PARTNER] } },
      },
      {
        description: "An open policy that KMS refused: the policy did not change",
        record: putKeyPolicy("ca13479a-b2e5-4549-a384-e1479dcb6134", "2024-12-11T20:12:58Z", [{ Sid: "AllowEveryone", Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }], {
          error: {
            code: "MalformedPolicyDocumentException",
            message: "The new key policy will not allow you to update the key policy in the future.",
          },
        }),
      },
    ],
  },
});
