/**
 * Counts for threshold detectors and, later, remediation rate limits. In memory
 * for replay; the cloud implementation (DynamoDB with TTL) sits behind the same
 * interface.
 */
export interface WindowStore {
  /** Adds one to the counter and returns the new count. `expiresAt` is epoch ms after which the counter may be dropped. */
  increment(key: string, expiresAt: number): Promise<number> | number;
  /** Drops windows that ended more than `lagMs` before the newest one (stores with a TTL need not). */
  prune?(lagMs: number): void;
}

export class MemoryWindowStore implements WindowStore {
  private readonly counts = new Map<string, { count: number; expiresAt: number }>();
  private newestExpiry = 0;

  increment(key: string, expiresAt: number): number {
    const entry = this.counts.get(key);
    const count = (entry?.count ?? 0) + 1;
    this.counts.set(key, { count, expiresAt });
    this.newestExpiry = Math.max(this.newestExpiry, expiresAt);
    return count;
  }

  /**
   * Replay reads logs roughly in time order, so windows far behind the newest
   * one seen can be forgotten; `lagMs` keeps slightly out-of-order files exact.
   */
  prune(lagMs: number): void {
    for (const [key, entry] of this.counts) if (entry.expiresAt + lagMs < this.newestExpiry) this.counts.delete(key);
  }

  get size(): number {
    return this.counts.size;
  }
}
