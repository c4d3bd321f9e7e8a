import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { motoClientConfig } from "../test/support/aws.js";
import { RemediatorCredentials } from "./credentials.js";

const A = "111111111111";
const B = "222222222222";
const HOUR = 3600_000;

describe("RemediatorCredentials", () => {
  const stsMock = () => mockClient(STSClient);
  let sts: ReturnType<typeof stsMock>;
  beforeEach(() => {
    sts = stsMock();
  });
  afterEach(() => sts.restore());

  function answer(expiresAt: () => number) {
    let n = 0;
    sts.on(AssumeRoleCommand).callsFake(async () => {
      n++;
      return { Credentials: { AccessKeyId: `AKIA${n}`, SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(expiresAt()) } };
    });
  }

  it("assumes the remediator role with the pipeline's session name, and reuses it per account until 5 minutes before expiry", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    answer(() => now + HOUR);
    const creds = new RemediatorCredentials({ sts: new STSClient({ region: "us-east-1" }), now: () => now, durationSeconds: 3600 });
    const first = await creds.get(A, "us-east-1");
    expect(first.accessKeyId).toBe("AKIA1");
    now += HOUR - 6 * 60_000; // 6 minutes left: still fresh
    expect((await creds.get(A, "eu-west-1")).accessKeyId).toBe("AKIA1");
    now += 2 * 60_000; // 4 minutes left: refreshed
    expect((await creds.get(A, "us-east-1")).accessKeyId).toBe("AKIA2");
    expect((await creds.get(A, "us-east-1")).accessKeyId).toBe("AKIA2");
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      { RoleArn: `arn:aws:iam::${A}:role/trailwarden-remediator`, RoleSessionName: "trailwarden-remediation", DurationSeconds: 3600 },
      { RoleArn: `arn:aws:iam::${A}:role/trailwarden-remediator`, RoleSessionName: "trailwarden-remediation", DurationSeconds: 3600 },
    ]);
  });

  it("makes one call per account, shared by concurrent requests, and uses the region's partition and the configured role", async () => {
    answer(() => Date.now() + HOUR);
    const creds = new RemediatorCredentials({ sts: new STSClient({ region: "us-east-1" }), roleName: "custom-remediator" });
    const got = await Promise.all([creds.get(A, "us-east-1"), creds.get(A, "us-east-1"), creds.get(B, "us-east-1"), creds.get(B, "cn-north-1")]);
    expect(got[0]).toBe(got[1]);
    expect(got[2]).not.toBe(got[0]);
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn).sort()).toEqual([
      `arn:aws-cn:iam::${B}:role/custom-remediator`,
      `arn:aws:iam::${A}:role/custom-remediator`,
      `arn:aws:iam::${B}:role/custom-remediator`,
    ]);
  });

  it("does not cache a failure", async () => {
    sts.on(AssumeRoleCommand).rejectsOnce(new Error("AccessDenied")).resolves({
      Credentials: { AccessKeyId: "AKIA", SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + HOUR) },
    });
    const creds = new RemediatorCredentials({ sts: new STSClient({ region: "us-east-1" }) });
    await expect(creds.get(A, "us-east-1")).rejects.toThrow("AccessDenied");
    expect((await creds.get(A, "us-east-1")).accessKeyId).toBe("AKIA");
  });

  it("gives SDK clients the role's credentials in the target region", async () => {
    answer(() => Date.now() + HOUR);
    const creds = new RemediatorCredentials({ sts: new STSClient({ region: "us-east-1" }), clientConfig: { endpoint: "http://localhost:1" } });
    const configs: Record<string, unknown>[] = [];
    class Probe {
      constructor(config: Record<string, unknown>) {
        configs.push(config);
      }
    }
    const clients = creds.clients({ account: A, region: "eu-west-1" });
    clients.client(Probe);
    clients.client(Probe, "us-east-1");
    expect(configs.map((c) => [c.region, c.endpoint])).toEqual([
      ["eu-west-1", "http://localhost:1"],
      ["us-east-1", "http://localhost:1"],
    ]);
    expect(await (configs[0]!.credentials as () => Promise<{ accessKeyId: string }>)()).toMatchObject({ accessKeyId: "AKIA1" });
    await (configs[1]!.credentials as () => Promise<unknown>)();
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });
});

describe("RemediatorCredentials against moto's STS", () => {
  it("assumes the role and the SDK signs requests with the session", async () => {
    const config = motoClientConfig();
    const creds = new RemediatorCredentials({ clientConfig: config });
    const credential = await creds.get("123456789012", "us-east-1");
    expect(credential.accessKeyId).toMatch(/^ASIA/);
    expect(await creds.get("123456789012", "us-east-1")).toBe(credential);
    const client = creds.clients({ account: "123456789012", region: "us-east-1" }).client(STSClient);
    const identity = await client.send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toContain("assumed-role/trailwarden-remediator/trailwarden-remediation");
  });
});
