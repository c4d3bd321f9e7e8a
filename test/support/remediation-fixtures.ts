import { randomUUID } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { EC2Client } from "@aws-sdk/client-ec2";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client, type Grant } from "@aws-sdk/client-s3";
import { DEFAULT_BASELINE, parseBaseline, type Baseline, type BaselineInput } from "../../core/baseline.js";
import type { Detector } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import { REMEDIATION_SESSION_NAME } from "../../core/guardrails.js";
import { LocalWorkflow, type LocalExecution } from "../../core/local-workflow.js";
import { DEFAULT_REMEDIATOR_ROLE_NAME, type RemediationConfigInput } from "../../core/remediation-config.js";
import type { AwsClients, ClientConstructor, Remediation, RemediationResult } from "../../core/remediation.js";
import { memoryStores } from "../../core/stores.js";
import { createRemediateHandler } from "../../functions/remediate.js";
import { iamActionFor } from "../../remediations/iam-actions.js";
import { isReadOnlyCommand } from "../../remediations/permissions.js";
import { remediations as registry } from "../../remediations/registry.js";
import { motoClientConfig } from "./aws.js";
import { findingFromRecord } from "./findings.js";

/**
 * Shared setup for the end-to-end remediation tests: findings built the way
 * the proposing detector builds them from its own match examples, the
 * remediate handler wired to moto through clients that record every command
 * (with its input), and the LocalWorkflow around it.
 */

/** moto's default account: every resource the tests create lives there. */
export const MOTO_ACCOUNT = "123456789012";

/**
 * The finding `detector` makes from its match example `index`, with `patch`
 * assigned over the raw record (a fresh eventID unless the patch sets one),
 * evaluated under `baseline`. Throws when the detector does not fire.
 */
export function findingFromExample(detector: Detector, index: number, patch: Record<string, unknown> = {}, baseline: Baseline = DEFAULT_BASELINE): Finding {
  const example = detector.examples.match[index];
  if (!example) throw new Error(`${detector.id} has no match example ${index}`);
  const raw = structuredClone(example.record) as Record<string, unknown>;
  return findingFromRecord(detector, Object.assign(raw, { eventID: randomUUID() }, patch), baseline);
}

export { withBucket } from "./findings.js";

export interface SentCommand {
  /** SDK client class name, e.g. S3Client. */
  client: string;
  /** API name without the Command suffix, e.g. PutBucketPolicy. */
  command: string;
  /** The IAM action it needs. */
  action: string;
  input: Record<string, unknown>;
  /** The region the client was made for. */
  region: string;
  readOnly: boolean;
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: { input: Record<string, unknown> }) => Promise<unknown>,
      options: { step: "initialize"; name: string },
    ): void;
  };
}

/** Like recordingClients, but each record also keeps the command's input and region, for replaying as CloudTrail. */
export function capturingClients(
  sent: SentCommand[],
  config: (region: string) => Record<string, unknown>,
  defaultRegion: string,
  adjust: (client: object) => void = () => undefined,
): AwsClients {
  return {
    client<T>(ctor: ClientConstructor<T>, region?: string): T {
      const clientRegion = region ?? defaultRegion;
      const client = new ctor(config(clientRegion));
      (client as unknown as MiddlewareClient).middlewareStack.add(
        (next, context) => async (args) => {
          const clientName = context.clientName ?? ctor.name;
          const command = (context.commandName ?? "unknown").replace(/Command$/, "");
          sent.push({
            client: clientName,
            command,
            action: iamActionFor(clientName, command),
            input: structuredClone(args.input),
            region: clientRegion,
            readOnly: isReadOnlyCommand(`${command}Command`),
          });
          return next(args);
        },
        { step: "initialize", name: "trailwardenCaptureCalls" },
      );
      adjust(client as object);
      return client;
    },
  };
}

/** The ids of the high-risk remediations, for `allowAutoHighRisk`. */
export const HIGH_RISK_IDS = registry.filter((r) => r.risk === "high").map((r) => r.id);

/** `auto` for everything, high-risk remediations included. */
export const AUTO_EVERYTHING: RemediationConfigInput = { defaultMode: "auto", allowAutoHighRisk: HIGH_RISK_IDS };

const silentMetrics = { addDimension: () => undefined, addMetric: () => undefined, publishStoredMetrics: () => undefined } as never;

export interface HarnessOptions {
  remediation?: RemediationConfigInput;
  baseline?: Omit<BaselineInput, "remediation">;
  remediations?: readonly Remediation[];
  /** Client settings per region; moto by default. */
  clientConfig?: (region: string) => Record<string, unknown>;
  /** Sees each client once it is made (e.g. S3 Control routed to moto: ./s3-control.ts). */
  adjustClient?: (client: object) => void;
}

/**
 * The remediate function's handler over the real registry, with AwsClients
 * pointed at moto (every command recorded in `sent`), fresh in-memory stores,
 * results collected, and the LocalWorkflow that drives it.
 */
export function remediationHarness(options: HarnessOptions = {}) {
  const sent: SentCommand[] = [];
  const results: RemediationResult[] = [];
  const baseline = parseBaseline({ ...(options.baseline ?? {}), remediation: options.remediation ?? AUTO_EVERYTHING });
  const config = options.clientConfig ?? ((region: string) => motoClientConfig(region));
  const remediate = createRemediateHandler({
    remediations: options.remediations ?? registry,
    baseline,
    clients: ({ region }) => capturingClients(sent, config, region, options.adjustClient),
    stores: memoryStores(),
    sinks: [{ result: (r) => void results.push(r) }],
    logger: new Logger({ logLevel: "SILENT" }),
    metrics: silentMetrics,
  });
  const workflow = new LocalWorkflow({ remediate, retryDelayMs: 0 });
  async function run(finding: Finding): Promise<RemediationResult> {
    const execution: LocalExecution = await workflow.start(finding);
    if (execution.status !== "completed") throw new Error(`execution ${execution.name} ${execution.status}: ${JSON.stringify(execution)}`);
    return execution.result;
  }
  return { baseline, sent, results, workflow, run, writes: () => sent.filter((c) => !c.readOnly) };
}

// ---------------------------------------------------------------------------
// Commands as CloudTrail would record them

const EVENT_SOURCES: Record<string, string> = {
  S3Client: "s3.amazonaws.com",
  S3ControlClient: "s3.amazonaws.com",
  IAMClient: "iam.amazonaws.com",
  CloudTrailClient: "cloudtrail.amazonaws.com",
  EventBridgeClient: "events.amazonaws.com",
  OrganizationsClient: "organizations.amazonaws.com",
  EC2Client: "ec2.amazonaws.com",
  KMSClient: "kms.amazonaws.com",
  STSClient: "sts.amazonaws.com",
  SNSClient: "sns.amazonaws.com",
};

/** SDK commands that CloudTrail records under another event name (the S3 public access block APIs name their level). */
const CLOUDTRAIL_EVENT_NAMES: Record<string, string> = {
  "S3Client:PutPublicAccessBlock": "PutBucketPublicAccessBlock",
  "S3Client:GetPublicAccessBlock": "GetBucketPublicAccessBlock",
  "S3Client:DeletePublicAccessBlock": "DeleteBucketPublicAccessBlock",
  "S3ControlClient:PutPublicAccessBlock": "PutAccountPublicAccessBlock",
  "S3ControlClient:GetPublicAccessBlock": "GetAccountPublicAccessBlock",
  "S3ControlClient:DeletePublicAccessBlock": "DeleteAccountPublicAccessBlock",
};

/** Services CloudTrail records in us-east-1 whatever region the client used. */
const GLOBAL_SOURCES = new Set(["iam.amazonaws.com", "organizations.amazonaws.com"]);

const lowerFirst = (key: string) => (key ? key[0]!.toLowerCase() + key.slice(1) : key);

/** JSON-protocol services (IAM, KMS, CloudTrail, EventBridge, Organizations): lower-camel keys all the way down. */
function lowerCamel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerCamel);
  if (value && typeof value === "object" && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [lowerFirst(k), lowerCamel(v)]));
  }
  return value instanceof Date ? value.toISOString() : value;
}

/** EC2 (query protocol): lower-camel keys, and every list as `{ items: [...] }`. */
function ec2Shape(value: unknown): unknown {
  if (Array.isArray(value)) return { items: value.map(ec2Shape) };
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [lowerFirst(k), ec2Shape(v)]));
  return value;
}

function ec2Parameters(command: string, input: Record<string, unknown>): Record<string, unknown> {
  if (command === "ModifySnapshotAttribute") {
    // CloudTrail: { snapshotId, attributeType: CREATE_VOLUME_PERMISSION, createVolumePermission: { add|remove: { items: [{ group } | { userId }] } } }
    const operation = String(input.OperationType ?? "remove").toLowerCase();
    const structured = (input.CreateVolumePermission as Record<string, { Group?: string; UserId?: string }[]> | undefined) ?? {};
    const items: Record<string, string>[] = [
      ...((input.GroupNames as string[] | undefined) ?? []).map((group) => ({ group })),
      ...((input.UserIds as string[] | undefined) ?? []).map((userId) => ({ userId })),
    ];
    const byOperation: Record<string, { items: Record<string, string>[] }> = {};
    if (items.length) byOperation[operation] = { items };
    for (const [op, list] of Object.entries(structured)) {
      byOperation[op.toLowerCase()] = { items: (list ?? []).map((p): Record<string, string> => (p.Group ? { group: p.Group } : { userId: p.UserId ?? "" })) };
    }
    return { snapshotId: input.SnapshotId, attributeType: "CREATE_VOLUME_PERMISSION", createVolumePermission: byOperation };
  }
  return ec2Shape(input) as Record<string, unknown>;
}

/** S3 (REST/XML): the bucket as bucketName with the Host header, bodies under their XML element names. */
function s3Parameters(command: string, input: Record<string, unknown>, region: string): Record<string, unknown> {
  const { Bucket, AccountId, ...rest } = input;
  const out: Record<string, unknown> = {};
  if (typeof Bucket === "string") Object.assign(out, { bucketName: Bucket, Host: `${Bucket}.s3.${region}.amazonaws.com` });
  if (typeof AccountId === "string") out.Host = `${AccountId}.s3-control.${region}.amazonaws.com`;
  switch (command) {
    case "PutBucketPolicy":
      return { ...out, bucketPolicy: JSON.parse(String(rest.Policy)), policy: [""] };
    case "DeleteBucketPolicy":
      return { ...out, policy: [""] };
    case "PutBucketAcl": {
      const acp = rest.AccessControlPolicy as { Owner?: unknown; Grants?: unknown[] } | undefined;
      if (!acp) return { ...out, acl: [""], ...(rest.ACL ? { "x-amz-acl": [rest.ACL] } : {}) };
      return { ...out, acl: [""], AccessControlPolicy: { AccessControlList: { Grant: acp.Grants ?? [] }, Owner: acp.Owner } };
    }
    case "PutPublicAccessBlock":
      return { ...out, publicAccessBlock: [""], PublicAccessBlockConfiguration: rest.PublicAccessBlockConfiguration };
    case "PutBucketEncryption": {
      const configuration = rest.ServerSideEncryptionConfiguration as { Rules?: unknown[] } | undefined;
      return { ...out, encryption: [""], ServerSideEncryptionConfiguration: { Rule: configuration?.Rules?.[0] } };
    }
    case "PutBucketVersioning":
      return { ...out, versioning: [""], VersioningConfiguration: rest.VersioningConfiguration };
    default:
      return { ...out, ...rest };
  }
}

export function requestParametersFor(call: Pick<SentCommand, "client" | "command" | "input" | "region">): Record<string, unknown> {
  if (call.client === "EC2Client") return ec2Parameters(call.command, call.input);
  if (call.client === "S3Client" || call.client === "S3ControlClient") return s3Parameters(call.command, call.input, call.region);
  return lowerCamel(call.input) as Record<string, unknown>;
}

/** The identity CloudTrail records for the remediator: its role assumed with the remediation session name. */
export function remediatorIdentity(account: string, roleName = DEFAULT_REMEDIATOR_ROLE_NAME): Record<string, unknown> {
  return {
    type: "AssumedRole",
    principalId: `AROAREMEDIATOR0000001:${REMEDIATION_SESSION_NAME}`,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${REMEDIATION_SESSION_NAME}`,
    accountId: account,
    accessKeyId: "ASIAREMEDIATOR000001",
    sessionContext: {
      sessionIssuer: { type: "Role", principalId: "AROAREMEDIATOR0000001", arn: `arn:aws:iam::${account}:role/${roleName}`, accountId: account, userName: roleName },
      attributes: { creationDate: "2026-03-01T09:59:00Z", mfaAuthenticated: "false" },
    },
  };
}

/** The management event CloudTrail would write for a call the remediator sent. */
export function cloudTrailRecordFor(call: SentCommand, account: string, eventTime = new Date().toISOString().replace(/\.\d{3}Z$/, "Z")): Record<string, unknown> {
  const eventSource = EVENT_SOURCES[call.client];
  if (!eventSource) throw new Error(`no CloudTrail event source known for ${call.client}`);
  const region = GLOBAL_SOURCES.has(eventSource) ? "us-east-1" : call.region;
  return {
    eventVersion: "1.09",
    userIdentity: remediatorIdentity(account),
    eventTime,
    eventSource,
    eventName: CLOUDTRAIL_EVENT_NAMES[`${call.client}:${call.command}`] ?? call.command,
    awsRegion: region,
    sourceIPAddress: "3.250.0.10",
    userAgent: "aws-sdk-js/3.0.0 ua/2.1 os/linux lang/js md/nodejs#20 api/trailwarden exec-env/AWS_Lambda_nodejs20.x",
    requestParameters: requestParametersFor(call),
    responseElements: null,
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: call.readOnly,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: "Management",
  };
}
