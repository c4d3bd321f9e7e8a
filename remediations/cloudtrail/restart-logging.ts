import { CloudTrailClient, GetTrailStatusCommand, StartLoggingCommand } from "@aws-sdk/client-cloudtrail";
import type { FindingResource } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import { classifyAwsError, InvalidRequestError, ResourceNotFoundError } from "../../core/remediation-errors.js";
import { defineRemediation, type AwsClients, type Plan } from "../../core/remediation.js";

const ID = "cloudtrail.restart-logging";

/** The trail the finding is about, and where to call: a trail is managed from its home region, which its ARN names. */
function findTrail(finding: Finding): { resource: FindingResource; name: string; region: string } | undefined {
  const resource = finding.resources.find((r) => r.type === "AWS::CloudTrail::Trail");
  if (!resource) return undefined;
  // In the region its ARN names: StartLogging is called in a trail's home region.
  return { resource, name: callName(resource, finding.account), region: resource.region ?? finding.region };
}

/**
 * By name when the trail is the calling account's own, since moto resolves StartLogging by name only; by ARN when it
 * belongs to another account (an organization trail stopped by a delegated administrator), where a name finds nothing.
 */
function callName(resource: FindingResource, account: string): string {
  const foreign = resource.arn !== undefined && resource.account !== undefined && resource.account !== account;
  return foreign ? resource.arn! : resource.id;
}

function trailOf(finding: Finding): { resource: FindingResource; name: string; region: string } {
  const trail = findTrail(finding);
  if (!trail) throw new InvalidRequestError(`${ID}: finding ${finding.id} names no CloudTrail trail`);
  return trail;
}

async function isLogging(aws: AwsClients, region: string, name: string): Promise<boolean | undefined> {
  try {
    const status = await aws.client(CloudTrailClient, region).send(new GetTrailStatusCommand({ Name: name }));
    return status.IsLogging === true;
  } catch (error) {
    const classified = classifyAwsError(error);
    if (classified instanceof ResourceNotFoundError) return undefined;
    throw classified;
  }
}

export default defineRemediation({
  id: ID,
  title: "Restart CloudTrail logging on a stopped trail",
  risk: "low",
  permissions: [{ actions: ["cloudtrail:GetTrailStatus", "cloudtrail:StartLogging"], resources: ["arn:aws:cloudtrail:*:*:trail/*"] }],

  intent(finding) {
    const trail = findTrail(finding);
    if (!trail) return { summary: "Nothing to restart: the finding names no CloudTrail trail.", changes: [] };
    const { name, region } = trail;
    return { summary: `Restart logging on trail ${name}.`, changes: [`cloudtrail:StartLogging on trail ${name} in ${region}`] };
  },

  async plan(finding, aws): Promise<Plan> {
    const { resource, name, region } = trailOf(finding);
    const base = { remediation: ID, findingId: finding.id, account: finding.account, region, resource };
    const logging = await isLogging(aws, region, name);
    if (logging === undefined) {
      return { ...base, needed: false, summary: `Trail ${name} no longer exists: nothing to restart.`, current: { exists: false }, intended: null };
    }
    if (logging) {
      return { ...base, needed: false, summary: `Trail ${name} is already logging.`, current: { isLogging: true }, intended: { isLogging: true } };
    }
    return { ...base, needed: true, summary: `Trail ${name} is not logging: restart it with StartLogging.`, current: { isLogging: false }, intended: { isLogging: true, trail: name } };
  },

  async apply(plan, aws) {
    const name = callName(plan.resource, plan.account);
    // StartLogging on a trail that already logs succeeds and changes nothing, so a second apply is harmless.
    try {
      await aws.client(CloudTrailClient, plan.region).send(new StartLoggingCommand({ Name: name }));
    } catch (error) {
      throw classifyAwsError(error);
    }
  },

  async verify(finding, aws) {
    const { name, region } = trailOf(finding);
    const logging = await isLogging(aws, region, name);
    if (logging === undefined) return { compliant: false, detail: `Trail ${name} no longer exists (a deleted trail has its own finding).` };
    return logging ? { compliant: true, detail: `Trail ${name} is logging.` } : { compliant: false, detail: `Trail ${name} is still not logging.` };
  },
});
