/** Named counts for the replay summary: warnings by kind, rejections by reason. */
export class Counters {
  private readonly counts = new Map<string, number>();

  add(kind: string, by = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + by);
  }

  /** Adds every count of `entries` (as `entries()` gives them, e.g. from a worker thread). */
  addAll(entries: Iterable<[string, number]>): void {
    for (const [kind, by] of entries) this.add(kind, by);
  }

  get(kind: string): number {
    return this.counts.get(kind) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const value of this.counts.values()) sum += value;
    return sum;
  }

  /** Largest first, then by name, so the summary reads the same every run. */
  entries(): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.entries());
  }
}
