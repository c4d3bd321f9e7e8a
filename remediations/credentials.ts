import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { REMEDIATION_SESSION_NAME } from "../core/guardrails.js";
import { partitionOf } from "../core/partition.js";
import { DEFAULT_REMEDIATOR_ROLE_NAME } from "../core/remediation-config.js";
import type { AwsClients, ClientConstructor } from "../core/remediation.js";

/**
 * Credentials of the remediator role in a finding's account (DESIGN.md):
 * STS AssumeRole into `arn:<partition>:iam::<account>:role/<remediatorRoleName>`
 * with the session name the guardrails recognise as the pipeline's own
 * (`trailwarden-remediation`), so trailwarden never reacts to its own changes.
 *
 * One credential per partition, account and role is cached until shortly
 * before it expires (`refreshBeforeSeconds`, 5 minutes by default), and
 * concurrent requests for the same key share one AssumeRole call. A failed
 * call is not cached: the next request tries again.
 */

export interface RemediatorCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface RemediatorCredentialsOptions {
  /** Default: the baseline's default, trailwarden-remediator. */
  roleName?: string;
  /** The client AssumeRole is called with (the caller's own credentials). Created lazily when absent. */
  sts?: STSClient;
  /** Settings for the lazily created STS client and every remediation client (an endpoint for moto, say). */
  clientConfig?: Record<string, unknown>;
  /** The assumed session's lifetime; 900 s is the STS minimum. */
  durationSeconds?: number;
  /** A cached credential is replaced this long before its Expiration. */
  refreshBeforeSeconds?: number;
  now?: () => number;
}

export const DEFAULT_DURATION_SECONDS = 900;
export const DEFAULT_REFRESH_BEFORE_SECONDS = 300;

/** Thrown when STS answers without usable credentials. */
export class AssumeRoleError extends Error {
  override name = "AssumeRoleError";
}

interface Entry {
  pending: Promise<RemediatorCredential>;
  value?: RemediatorCredential;
}

export class RemediatorCredentials {
  readonly roleName: string;
  private readonly cache = new Map<string, Entry>();
  private stsClient: STSClient | undefined;
  private readonly durationSeconds: number;
  private readonly refreshBeforeMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RemediatorCredentialsOptions = {}) {
    this.roleName = options.roleName ?? DEFAULT_REMEDIATOR_ROLE_NAME;
    this.stsClient = options.sts;
    this.durationSeconds = options.durationSeconds ?? DEFAULT_DURATION_SECONDS;
    this.refreshBeforeMs = (options.refreshBeforeSeconds ?? DEFAULT_REFRESH_BEFORE_SECONDS) * 1000;
    this.now = options.now ?? Date.now;
  }

  /** The role's ARN in an account; the partition follows the region. */
  roleArn(account: string, region: string): string {
    return `arn:${partitionOf(region)}:iam::${account}:role/${this.roleName}`;
  }

  /** Credentials of the remediator role in `account`, from the cache while they are fresh. */
  get(account: string, region: string): Promise<RemediatorCredential> {
    const arn = this.roleArn(account, region);
    const entry = this.cache.get(arn);
    if (entry) {
      if (!entry.value) return entry.pending; // in flight: share the call
      if (entry.value.expiration.getTime() - this.refreshBeforeMs > this.now()) return entry.pending;
    }
    const fresh: Entry = { pending: this.assume(arn) };
    this.cache.set(arn, fresh);
    fresh.pending.then(
      (value) => void (fresh.value = value),
      () => {
        if (this.cache.get(arn) === fresh) this.cache.delete(arn);
      },
    );
    return fresh.pending;
  }

  /** A credential provider for SDK clients (called by the SDK before each request). */
  provider(account: string, region: string): () => Promise<RemediatorCredential> {
    return () => this.get(account, region);
  }

  /** AwsClients acting as the remediator role in the target's account and region. */
  clients(target: { account: string; region: string }): AwsClients {
    const credentials = this.provider(target.account, target.region);
    const extra = this.options.clientConfig ?? {};
    return {
      client<T>(ctor: ClientConstructor<T>, region?: string): T {
        return new ctor({ ...extra, region: region ?? target.region, credentials });
      },
    };
  }

  private sts(): STSClient {
    this.stsClient ??= new STSClient({ ...(this.options.clientConfig ?? {}) });
    return this.stsClient;
  }

  private async assume(roleArn: string): Promise<RemediatorCredential> {
    const { Credentials: c } = await this.sts().send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: REMEDIATION_SESSION_NAME, DurationSeconds: this.durationSeconds }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new AssumeRoleError(`STS returned no credentials for ${roleArn}`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: new Date(c.Expiration) };
  }
}

/** `(target) => AwsClients` for the remediate function, with one shared credential cache. */
export function remediatorClients(options: RemediatorCredentialsOptions = {}): (target: { account: string; region: string }) => AwsClients {
  const credentials = new RemediatorCredentials(options);
  return (target) => credentials.clients(target);
}
