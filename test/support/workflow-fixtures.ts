import { Logger } from "@aws-lambda-powertools/logger";
import { parseBaseline, type BaselineInput } from "../../core/baseline.js";
import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import type { Finding } from "../../core/finding.js";
import { LocalWorkflow, type ApprovalCallback, type LocalExecution } from "../../core/local-workflow.js";
import type { RemediationConfigInput } from "../../core/remediation-config.js";
import { defineRemediation, type AwsClients, type RemediationResult } from "../../core/remediation.js";
import { memoryStores } from "../../core/stores.js";
import type { ApprovalRequest } from "../../core/workflow.js";
import { createRemediateHandler } from "../../functions/remediate.js";

/**
 * The fixture of test/workflow.test.ts: a fake remediation over an in-memory
 * "cloud" of flags, findings about those flags, and the remediate handler and
 * local workflow around them, so the tests exercise the workflow, guardrails
 * and step handler, not any real service.
 */

export interface Flag {
  on: boolean;
  owner: string;
}

/** The in-memory cloud: flags by id, every call made, and failures to inject. */
class World {
  readonly flags = new Map<string, Flag>();
  readonly calls: string[] = [];
  readonly accounts: string[] = [];
  applyFailures: Error[] = [];
  /** Reads that still return the old state after a write (eventual consistency). */
  staleReadsAfterWrite = 0;
  staleReads = 0;
  /** Writes that succeed but change nothing. */
  loseWrites = false;
  writes(): string[] {
    return this.calls.filter((c) => c.startsWith("put "));
  }
}

class FlagApi {
  private readonly world: World;
  constructor(config: Record<string, unknown>) {
    this.world = config.world as World;
  }
  async get(id: string): Promise<Flag | undefined> {
    this.world.calls.push(`get ${id}`);
    if (this.world.staleReads > 0) {
      this.world.staleReads -= 1;
      return { on: false, owner: this.world.flags.get(id)?.owner ?? "" };
    }
    const flag = this.world.flags.get(id);
    return flag && { ...flag };
  }
  async put(id: string, flag: Flag): Promise<void> {
    this.world.calls.push(`put ${id}`);
    const failure = this.world.applyFailures.shift();
    if (failure) throw failure;
    if (this.world.loseWrites) return;
    this.world.flags.set(id, { ...flag });
    this.world.staleReads = this.world.staleReadsAfterWrite;
  }
}

function memoryClients(world: World, account: string): AwsClients {
  world.accounts.push(account);
  return { client: <T>(ctor: new (config: Record<string, unknown>) => T, region?: string) => new ctor({ world, region }) };
}

function flagRemediation(id: string, risk: "low" | "high") {
  return defineRemediation({
    id,
    title: "Turn the flag back on",
    risk,
    permissions: [{ actions: ["fake:GetFlag", "fake:PutFlag"], resources: ["*"] }],
    intent: (finding) => ({ summary: `turn ${finding.resources[0]!.id} on`, changes: [`fake:PutFlag ${finding.resources[0]!.id} on`] }),
    async plan(finding, aws) {
      const resource = finding.resources[0]!;
      const current = await aws.client(FlagApi).get(resource.id);
      const needed = current !== undefined && !current.on;
      const base = { remediation: id, findingId: finding.id, account: finding.account, region: finding.region, resource, current: current ?? null };
      return { ...base, needed, summary: needed ? `${resource.id} is off` : `${resource.id} is already on or gone`, intended: { on: true, owner: current?.owner } };
    },
    async apply(plan, aws) {
      await aws.client(FlagApi).put(plan.resource.id, plan.intended as Flag);
    },
    async verify(finding, aws) {
      const flag = await aws.client(FlagApi).get(finding.resources[0]!.id);
      return { compliant: flag?.on === true, detail: flag?.on ? "the flag reads back on" : "the flag still reads off" };
    },
  });
}

const restoreFlag = flagRemediation("fake.restore-flag", "low");
export const quarantineFlag = flagRemediation("fake.quarantine-flag", "high");

export const ACCOUNT = "111111111111";
export const OTHER_ACCOUNT = "222222222222";
let sequence = 0;

export function finding(overrides: Partial<Finding> & { flag?: string } = {}): Finding {
  const { flag = "flag-1", ...rest } = overrides;
  sequence += 1;
  const account = rest.account ?? ACCOUNT;
  return {
    schemaVersion: 1,
    id: `finding-${sequence.toString().padStart(4, "0")}`,
    detector: "fake.flag-turned-off",
    severity: "high",
    title: "A flag was turned off",
    summary: `alice turned ${flag} off`,
    eventName: "TurnOffFlag",
    eventSource: "fake.amazonaws.com",
    account,
    region: "eu-west-1",
    time: "2026-03-01T10:00:00Z",
    actor: { type: "AssumedRole", arn: `arn:aws:sts::${account}:assumed-role/developer/alice`, principal: `arn:aws:iam::${account}:role/developer` },
    resources: [{ type: "Fake::Flag", id: flag, account }],
    mitre: { attackVersion: "v17", techniques: [] },
    stratus: [],
    remediation: restoreFlag.id,
    record: {} as CloudTrailRecord,
    ...rest,
  };
}

interface Setup {
  remediation?: RemediationConfigInput;
  principals?: BaselineInput["principals"];
  approve?: ApprovalCallback;
  flags?: Record<string, Flag>;
}

export function setup({ remediation = {}, principals, approve, flags = { "flag-1": { on: false, owner: "team-a" } } }: Setup = {}) {
  const world = new World();
  for (const [id, flag] of Object.entries(flags)) world.flags.set(id, { ...flag });
  const stores = memoryStores();
  const results: RemediationResult[] = [];
  const approvals: ApprovalRequest[] = [];
  const baseline = parseBaseline({ remediation, ...(principals ? { principals } : {}) });
  const remediate = createRemediateHandler({
    remediations: [restoreFlag, quarantineFlag],
    baseline,
    clients: ({ account }) => memoryClients(world, account),
    stores,
    sinks: [{ result: (r) => void results.push(r), approvalRequested: (r) => void approvals.push(r) }],
    now: () => new Date("2026-03-01T10:05:00Z"),
    logger: new Logger({ logLevel: "SILENT" }),
    metrics: { addDimension: () => undefined, addMetric: () => undefined, publishStoredMetrics: () => undefined } as never,
  });
  const executions: LocalExecution[] = [];
  const workflow = new LocalWorkflow({ remediate, approve, retryDelayMs: 0, sinks: [{ execution: (e) => void executions.push(e) }] });
  async function run(f: Finding): Promise<RemediationResult> {
    const execution = await workflow.start(f);
    if (execution.status !== "completed") throw new Error(`execution ${execution.name} ${execution.status}: ${JSON.stringify(execution)}`);
    return execution.result;
  }
  return { world, stores, results, approvals, workflow, executions, run };
}

export const approveAll: ApprovalCallback = () => ({ decision: "approve", approver: "U123" });

export async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error("condition never held");
}
