import {
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  S3ControlClient,
  type PublicAccessBlockConfiguration,
} from "@aws-sdk/client-s3-control";
import type { FindingResource } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import { defineRemediation, type AwsClients } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError } from "../../core/remediation-errors.js";

const ID = "s3.restore-account-public-access-block";
const FLAGS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;
type Flags = Record<(typeof FLAGS)[number], boolean>;
const ALL_ON: Flags = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

/** The account whose settings changed; S3 Control puts it into the host name, so it must be twelve digits. */
function accountOf(finding: Finding): FindingResource {
  const account = finding.resources.find((resource) => resource.type === "AWS::::Account");
  if (!account) throw new InvalidRequestError(`finding ${finding.id} names no AWS account`);
  if (!/^\d{12}$/.test(account.id)) throw new InvalidRequestError(`finding ${finding.id} names account "${account.id}", not a 12-digit account id`);
  return account;
}

/** A missing flag is off: that is how S3 reads a partial configuration. */
function flagsOf(configuration: PublicAccessBlockConfiguration | undefined): Flags {
  return Object.fromEntries(FLAGS.map((flag) => [flag, configuration?.[flag] === true])) as Flags;
}

function flagsOff(flags: Flags): string[] {
  return FLAGS.filter((flag) => !flags[flag]);
}

/** The account's Block Public Access flags; all off when it has no configuration. */
async function readFlags(aws: AwsClients, accountId: string, region: string): Promise<Flags> {
  try {
    const out = await aws.client(S3ControlClient, region).send(new GetPublicAccessBlockCommand({ AccountId: accountId }));
    return flagsOf(out.PublicAccessBlockConfiguration);
  } catch (error) {
    if ((error as { name?: string } | undefined)?.name === "NoSuchPublicAccessBlockConfiguration") return flagsOf(undefined);
    throw classifyAwsError(error);
  }
}

export default defineRemediation({
  id: ID,
  title: "Turn all four S3 Block Public Access settings back on for the whole account",
  // High: the account-level block overrides every bucket, so it also shuts the
  // buckets the baseline approves as public (websites) until a person decides.
  risk: "high",
  // The account-level actions support no resource type: IAM only accepts "*".
  permissions: [{ actions: ["s3:GetAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock"], resources: ["*"] }],
  intent(finding) {
    const account = accountOf(finding);
    return {
      summary: `Restore S3 Block Public Access for account ${account.id}: all four settings on, for every bucket of the account.`,
      changes: [`s3:PutAccountPublicAccessBlock on account ${account.id}: ${FLAGS.join(", ")} all true`],
    };
  },
  async plan(finding, aws) {
    const account = accountOf(finding);
    const region = account.region ?? finding.region;
    const current = await readFlags(aws, account.id, region);
    const base = { remediation: ID, findingId: finding.id, account: account.id, region, resource: account };
    const off = flagsOff(current);
    if (off.length === 0) {
      return { ...base, needed: false, summary: `S3 Block Public Access is already fully on for account ${account.id}.`, current, intended: current };
    }
    return {
      ...base,
      needed: true,
      summary: `Turn ${off.join(", ")} back on in the S3 Block Public Access settings of account ${account.id}; buckets approved as public stop being public too.`,
      current,
      intended: ALL_ON,
    };
  },
  async apply(plan, aws) {
    if (!plan.needed) return;
    const accountId = plan.resource.id;
    // Read first so a repeated apply writes nothing (and makes no CloudTrail event to react to).
    if (flagsOff(await readFlags(aws, accountId, plan.region)).length === 0) return;
    try {
      await aws
        .client(S3ControlClient, plan.region)
        .send(new PutPublicAccessBlockCommand({ AccountId: accountId, PublicAccessBlockConfiguration: ALL_ON }));
    } catch (error) {
      throw classifyAwsError(error);
    }
  },
  async verify(finding, aws) {
    const account = accountOf(finding);
    const off = flagsOff(await readFlags(aws, account.id, account.region ?? finding.region));
    return off.length === 0
      ? { compliant: true, detail: `S3 Block Public Access is fully on for account ${account.id}.` }
      : { compliant: false, detail: `Account ${account.id} still has ${off.join(", ")} off.` };
  },
});
