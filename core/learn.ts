import { principalArn, type CloudTrailRecord } from "./cloudtrail.js";
import { parsePolicyDocument, statementsOf, strings } from "./policy.js";
import { apiNameOf, isSensitiveApi } from "./sensitive-apis.js";

/**
 * Proposes a baseline from history. Every learned entry keeps its evidence
 * (how often, first and last seen) so a reviewer can tell a pipeline from a
 * one-off before accepting it. Nothing here decides alone what is trusted:
 * the output is a file people review like code.
 */

export interface Evidence {
  count: number;
  first: string;
  last: string;
  /** What made it stand out, in words (user agents, where it was seen). */
  because?: string;
}

export interface LearnedProfile {
  apis: Map<string, Evidence>;
  regions: Map<string, Evidence>;
  externalAccounts: Map<string, Evidence>;
}

export interface LearnedBaseline {
  accounts: Map<string, Evidence>;
  regions: Map<string, Evidence>;
  iac: Map<string, Evidence>;
  externalAccounts: Map<string, Evidence>;
  profiles: Map<string, LearnedProfile>;
}

/** User agents of infrastructure-as-code tools. */
const IAC_AGENTS: [RegExp, string][] = [
  [/Terraform\//i, "Terraform"],
  [/cloudformation\.amazonaws\.com/i, "CloudFormation"],
  [/aws-cdk|\bCDK\b/i, "CDK"],
  [/pulumi/i, "Pulumi"],
  [/crossplane/i, "Crossplane"],
];

/** A principal is proposed as IaC when at least this many of its changes, and this share, came through IaC tools. */
const IAC_MIN_CHANGES = 3;
const IAC_MIN_SHARE = 0.8;

/** Events of global services are recorded in us-east-1 whatever the caller's region; they say nothing about regions in use. */
const GLOBAL_SOURCES = new Set([
  "iam.amazonaws.com",
  "sts.amazonaws.com",
  "organizations.amazonaws.com",
  "signin.amazonaws.com",
  "cloudfront.amazonaws.com",
  "route53.amazonaws.com",
  "account.amazonaws.com",
]);

interface PrincipalChanges {
  changes: Evidence;
  viaIac: number;
  tools: Set<string>;
}

function bump(entry: Evidence, time: string): void {
  entry.count++;
  if (time < entry.first) entry.first = time;
  if (time > entry.last) entry.last = time;
}

function touch(map: Map<string, Evidence>, key: string, time: string, because?: string): void {
  const entry = map.get(key);
  if (entry) bump(entry, time);
  else map.set(key, { count: 1, first: time, last: time, ...(because ? { because } : {}) });
}

function iacTool(record: CloudTrailRecord): string | undefined {
  if (record.userIdentity.invokedBy === "cloudformation.amazonaws.com") return "CloudFormation";
  const agent = record.userAgent ?? "";
  return IAC_AGENTS.find(([pattern]) => pattern.test(agent))?.[1];
}

function isChange(record: CloudTrailRecord): boolean {
  if (typeof record.readOnly === "boolean") return !record.readOnly;
  return !/^(Get|List|Describe|Head|Lookup|Search|BatchGet)/.test(record.eventName) || record.eventName === "GetFederationToken";
}

/** Accounts a trust policy or an assumed role names: account ids, root ARNs and principal ARNs. */
function accountsNamedBy(record: CloudTrailRecord): string[] {
  const request = record.requestParameters ?? {};
  if (record.eventName === "AssumeRole") {
    // Both ends of a role assumption: the account assumed into, and a caller from another account.
    const into = typeof request.roleArn === "string" ? request.roleArn.split(":")[4] : undefined;
    const from = record.userIdentity.accountId;
    return [into, from].filter((a): a is string => a !== undefined && /^\d{12}$/.test(a));
  }
  if (record.eventName !== "CreateRole" && record.eventName !== "UpdateAssumeRolePolicy") return [];
  const document = parsePolicyDocument(request.policyDocument ?? request.assumeRolePolicyDocument);
  if (!document) return [];
  const accounts: string[] = [];
  for (const statement of statementsOf(document)) {
    if (statement.Effect !== "Allow") continue;
    const principal = statement.Principal;
    const aws = typeof principal === "object" && principal !== null ? (principal as Record<string, unknown>).AWS : undefined;
    for (const value of strings(aws)) {
      const account = /^\d{12}$/.test(value) ? value : /^arn:[^:]+:(iam|sts)::(\d{12}):/.exec(value)?.[2];
      if (account) accounts.push(account);
    }
  }
  return accounts;
}

export class BaselineLearner {
  private readonly accounts = new Map<string, Evidence>();
  private readonly regions = new Map<string, Evidence>();
  private readonly changesBy = new Map<string, PrincipalChanges>();
  private readonly namedAccounts = new Map<string, Evidence>();
  private readonly profiles = new Map<string, LearnedProfile>();

  observe(record: CloudTrailRecord): void {
    if (record.errorCode) return; // refused calls show what was tried, not what is normal
    const time = record.eventTime;
    touch(this.accounts, record.recipientAccountId, time);
    const global = GLOBAL_SOURCES.has(record.eventSource);
    if (!global) touch(this.regions, record.awsRegion, time);

    const principal = principalArn(record);
    for (const account of accountsNamedBy(record)) {
      touch(this.namedAccounts, account, time, `seen in ${record.eventName}${principal ? ` by ${principal}` : ""}`);
    }
    const isService = record.userIdentity.type === "AWSService" || (record.userIdentity.invokedBy !== undefined && !iacTool(record));
    if (!principal || isService) return;

    if (isChange(record)) {
      const entry = this.changesBy.get(principal) ?? { changes: { count: 0, first: time, last: time }, viaIac: 0, tools: new Set<string>() };
      bump(entry.changes, time);
      const tool = iacTool(record);
      if (tool) {
        entry.viaIac++;
        entry.tools.add(tool);
      }
      this.changesBy.set(principal, entry);
    }

    const profile = this.profileOf(principal);
    if (isSensitiveApi(record)) touch(profile.apis, apiNameOf(record), time);
    if (!global) touch(profile.regions, record.awsRegion, time);
    if (record.eventName === "AssumeRole") for (const account of accountsNamedBy(record)) touch(profile.externalAccounts, account, time);
  }

  private profileOf(principal: string): LearnedProfile {
    let profile = this.profiles.get(principal);
    if (!profile) {
      profile = { apis: new Map(), regions: new Map(), externalAccounts: new Map() };
      this.profiles.set(principal, profile);
    }
    return profile;
  }

  result(): LearnedBaseline {
    const iac = new Map<string, Evidence>();
    for (const [principal, entry] of this.changesBy) {
      const share = entry.viaIac / entry.changes.count;
      if (entry.viaIac >= IAC_MIN_CHANGES && share >= IAC_MIN_SHARE) {
        const tools = [...entry.tools].sort().join(", ");
        iac.set(principal, { ...entry.changes, because: `${Math.round(share * 100)}% of its ${entry.changes.count} changes via ${tools}` });
      }
    }
    // Accounts of the organisation are not external; only accounts never seen as recipients are.
    const external = new Map([...this.namedAccounts].filter(([account]) => !this.accounts.has(account)));
    for (const profile of this.profiles.values()) {
      for (const account of [...profile.externalAccounts.keys()]) if (this.accounts.has(account)) profile.externalAccounts.delete(account);
    }
    return { accounts: this.accounts, regions: this.regions, iac, externalAccounts: external, profiles: this.profiles };
  }
}
