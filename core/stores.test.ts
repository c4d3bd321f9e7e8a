import { describe, expect, it } from "vitest";
import { MemoryLockStore, MemoryRateLimitStore, memoryStores } from "./stores.js";

describe("MemoryRateLimitStore", () => {
  it("counts distinct members per window, so a retried step does not spend a second slot", async () => {
    const store = new MemoryRateLimitStore();
    expect(await store.record("w1", "finding-a", 1000)).toBe(1);
    expect(await store.record("w1", "finding-a", 1000)).toBe(1);
    expect(await store.record("w1", "finding-b", 1000)).toBe(2);
    expect(await store.record("w2", "finding-b", 2000)).toBe(1);
  });

  it("forgets windows that have ended, as a TTL would", async () => {
    const store = new MemoryRateLimitStore();
    await store.record("old", "a", 1000);
    await store.record("new", "a", 5000);
    store.prune(2000);
    expect(store.size).toBe(1);
    expect(await store.record("old", "b", 3000)).toBe(1);
  });
});

describe("MemoryLockStore", () => {
  it("lets one owner hold a resource at a time", async () => {
    const locks = new MemoryLockStore();
    expect(await locks.acquire("bucket", "finding-a", 10_000, 0)).toEqual({ acquired: true });
    expect(await locks.acquire("bucket", "finding-b", 10_000, 5)).toEqual({ acquired: false, owner: "finding-a", expiresAt: 10_000 });
    expect(await locks.acquire("other", "finding-b", 10_000, 5)).toEqual({ acquired: true });
  });

  it("is re-entrant for its owner and moves the expiry", async () => {
    const locks = new MemoryLockStore();
    await locks.acquire("bucket", "finding-a", 1000, 0);
    expect(await locks.acquire("bucket", "finding-a", 9000, 500)).toEqual({ acquired: true });
    expect(await locks.acquire("bucket", "finding-b", 9999, 2000)).toMatchObject({ acquired: false, expiresAt: 9000 });
  });

  it("frees a lock whose holder vanished once it expires", async () => {
    const locks = new MemoryLockStore();
    await locks.acquire("bucket", "finding-a", 1000, 0);
    expect(await locks.acquire("bucket", "finding-b", 5000, 1000)).toEqual({ acquired: true });
    expect(locks.holder("bucket")).toBe("finding-b");
  });

  it("releases only for the owner", async () => {
    const locks = new MemoryLockStore();
    await locks.acquire("bucket", "finding-a", 1000, 0);
    expect(await locks.release("bucket", "finding-b")).toBe(false);
    expect(locks.holder("bucket")).toBe("finding-a");
    expect(await locks.release("bucket", "finding-a")).toBe(true);
    expect(locks.holder("bucket")).toBeUndefined();
  });
});

describe("memoryStores", () => {
  it("gives each caller its own state", async () => {
    const a = memoryStores();
    const b = memoryStores();
    await a.locks.acquire("k", "x", 1000, 0);
    expect(await b.locks.acquire("k", "y", 1000, 0)).toEqual({ acquired: true });
  });
});
