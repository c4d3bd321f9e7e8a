/**
 * State the remediation workflow keeps between executions: rate-limit windows
 * and per-resource locks. In memory for local replay and tests; the cloud
 * implementation (DynamoDB: a string set per window key with ADD and a TTL,
 * and a lock item written with a condition on its owner and expiry) sits
 * behind the same interfaces.
 */

export interface RateLimitStore {
  /**
   * Records `member` (a finding id) in the window `key` and returns how many
   * distinct members the window now holds. Recording the same member twice
   * counts once, so a retried step never spends a second slot.
   * `expiresAt` (epoch ms) is when the window may be forgotten.
   */
  record(key: string, member: string, expiresAt: number): Promise<number>;
}

export type LockAttempt = { acquired: true } | { acquired: false; owner: string; expiresAt: number };

export interface LockStore {
  /**
   * Takes the lock `key` for `owner` unless another owner holds it and it has
   * not expired at `now` (epoch ms). Taking a lock one already holds succeeds
   * and moves its expiry: the workflow re-takes it before it writes.
   */
  acquire(key: string, owner: string, expiresAt: number, now: number): Promise<LockAttempt>;
  /** Releases the lock if `owner` holds it; returns whether it did. */
  release(key: string, owner: string): Promise<boolean>;
}

export interface RemediationStores {
  rateLimits: RateLimitStore;
  locks: LockStore;
}

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { members: Set<string>; expiresAt: number }>();

  async record(key: string, member: string, expiresAt: number): Promise<number> {
    const window = this.windows.get(key) ?? { members: new Set<string>(), expiresAt };
    window.members.add(member);
    window.expiresAt = Math.max(window.expiresAt, expiresAt);
    this.windows.set(key, window);
    return window.members.size;
  }

  /** Forgets windows that ended before `now` (epoch ms), as a TTL would. */
  prune(now: number): void {
    for (const [key, window] of this.windows) if (window.expiresAt < now) this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }
}

export class MemoryLockStore implements LockStore {
  private readonly locks = new Map<string, { owner: string; expiresAt: number }>();

  async acquire(key: string, owner: string, expiresAt: number, now: number): Promise<LockAttempt> {
    const held = this.locks.get(key);
    if (held && held.owner !== owner && held.expiresAt > now) return { acquired: false, owner: held.owner, expiresAt: held.expiresAt };
    this.locks.set(key, { owner, expiresAt });
    return { acquired: true };
  }

  async release(key: string, owner: string): Promise<boolean> {
    if (this.locks.get(key)?.owner !== owner) return false;
    this.locks.delete(key);
    return true;
  }

  holder(key: string): string | undefined {
    return this.locks.get(key)?.owner;
  }
}

export function memoryStores(): RemediationStores & { rateLimits: MemoryRateLimitStore; locks: MemoryLockStore } {
  return { rateLimits: new MemoryRateLimitStore(), locks: new MemoryLockStore() };
}
