import type { FindingResource } from "./detector.js";
import type { Finding } from "./finding.js";

/**
 * The remediation contract (DESIGN.md). A remediation is one file that
 * declares the IAM permissions it needs and four steps: `intent` (pure, from
 * the finding alone, for offline replay), `plan` (read-only), `apply`
 * (idempotent writes) and `verify` (reads the resource back, never trusting
 * what apply returned). The workflow (core/workflow.ts) runs the steps; core
 * makes no AWS calls itself, so clients come in through `AwsClients`.
 */

export type RemediationRisk = "low" | "high";

export interface Permission {
  /** IAM actions, `service:Action`; never `*`. */
  actions: string[];
  resources: string[];
}

/** A constructor of an AWS SDK v3 client; core names no SDK package. */
export type ClientConstructor<T> = new (config: Record<string, unknown>) => T;

/**
 * Clients for the finding's account and region: in the cloud from STS
 * AssumeRole into the remediator role, locally against a configured endpoint.
 */
export interface AwsClients {
  client<T>(ctor: ClientConstructor<T>, region?: string): T;
}

/** The change a remediation would make, from the finding alone. */
export interface Intent {
  summary: string;
  /** One line per change, e.g. "s3:PutPublicAccessBlock on bucket x: all four flags true". */
  changes: string[];
}

export interface Plan {
  remediation: string;
  findingId: string;
  account: string;
  region: string;
  resource: FindingResource;
  /** False when the resource is already compliant or gone: nothing to do. */
  needed: boolean;
  summary: string;
  /** The state read now, and the state apply will write; JSON, shown to approvers. */
  current: unknown;
  intended: unknown;
}

export interface Verification {
  compliant: boolean;
  detail: string;
}

export interface RemediationDefinition {
  /** `<service>.<verb-object>`, equal to the file's path under remediations/. */
  id: string;
  title: string;
  risk: RemediationRisk;
  permissions: Permission[];
  intent(finding: Finding): Intent;
  plan(finding: Finding, aws: AwsClients): Promise<Plan>;
  apply(plan: Plan, aws: AwsClients): Promise<void>;
  verify(finding: Finding, aws: AwsClients): Promise<Verification>;
  /** How a person undoes it, when that is not obvious (quarantine, for one). */
  undo?: string;
}

export type Remediation = Readonly<RemediationDefinition>;

export function defineRemediation(definition: RemediationDefinition): Remediation {
  return Object.freeze({ ...definition });
}

/** Outcomes of one remediation run; every one is published like a finding. */
export const RESULT_STATUSES = ["planned", "applied", "verified", "not-needed", "denied", "expired", "refused", "failed"] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

export interface RemediationResult {
  findingId: string;
  remediation: string;
  status: ResultStatus;
  mode: "off" | "dry-run" | "approval" | "auto";
  account: string;
  region: string;
  plan?: Plan;
  /** Why a guardrail refused, or what failed: the error's name and message. */
  error?: { name: string; message: string };
  reason?: string;
}
