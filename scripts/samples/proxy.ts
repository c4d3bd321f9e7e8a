/**
 * The control-plane proxy of the platform team: a Lambda function in each
 * workload account that carries out changes approved in the change system,
 * as `role/platform/control-plane-proxy`. RDS and ElastiCache change only
 * through it (the baseline's `proxy.services`), and the on-call engineer
 * scales services through it rather than by hand in production.
 */
import { ACCOUNTS, CACHE_GROUP, DATABASES, natIp, pickAccount, PROXY_ROLE, USER_AGENTS } from "./organisation.js";
import { roleActor } from "./principals.js";
import type { Gen } from "./random.js";
import { type Actor, type Call, type Ctx, emit, type Json } from "./records.js";

export function proxyActor(g: Gen, account: string): Actor {
  return roleActor({ account, roleName: PROXY_ROLE.name, path: PROXY_ROLE.path, session: "control-plane-proxy", ip: natIp(g, account), userAgent: USER_AGENTS.proxy });
}

const rds = (name: string, readOnly: boolean, params: Json, response?: Json): Call => ({ source: "rds.amazonaws.com", name, readOnly, params, response });

function dbArn(account: string, region: string, db: string): string {
  return `arn:aws:rds:${region}:${account}:db:${db}`;
}

/** The proxy scales a service for the on-call engineer (change ticket in the request's client token). */
export function proxyScale(c: Ctx, account: string = ACCOUNTS.prod.id): void {
  const { g } = c;
  const actor = proxyActor(g, account);
  const region = "eu-west-1";
  emit(c, account, region, actor, { source: "ecs.amazonaws.com", name: "DescribeServices", readOnly: true, params: { cluster: "payments", services: ["payments-api"] } }, 0, 2);
  emit(c, account, region, actor, {
    source: "ecs.amazonaws.com",
    name: "UpdateService",
    readOnly: false,
    params: { cluster: "payments", service: "payments-api", desiredCount: g.range(6, 12) },
    response: { service: { serviceName: "payments-api", status: "ACTIVE" } },
  });
}

type ProxyChange = "retention" | "reboot" | "snapshot" | "cache" | "scale";

/**
 * One approved change, read first and then made: backup retention or a
 * reboot of the ledger database, a manual snapshot copied to the security
 * account's backup vault (shared with that account, which the organisation
 * owns), the session cache's snapshot retention, or a service scaled.
 */
export function proxyChange(c: Ctx, forced?: ProxyChange): void {
  const { g } = c;
  const account = pickAccount(g, [["prod", 3], ["staging", 2]]);
  const kind = forced ?? g.weighted([["retention", 2], ["reboot", 1], ["snapshot", 2], ["cache", 1], ["scale", 2]] as const);
  if (kind === "scale") return proxyScale(c, account);
  const region = "eu-west-1";
  const actor = proxyActor(g, account);
  const db = DATABASES[account]!;
  const step = (call: Call) => emit(c, account, region, actor, call, 1, 6);
  if (kind === "cache") {
    step({ source: "elasticache.amazonaws.com", name: "DescribeReplicationGroups", readOnly: true, params: { replicationGroupId: CACHE_GROUP } });
    step({
      source: "elasticache.amazonaws.com",
      name: "ModifyReplicationGroup",
      readOnly: false,
      params: { replicationGroupId: CACHE_GROUP, snapshotRetentionLimit: g.pick([5, 7]), applyImmediately: true },
      response: { replicationGroupId: CACHE_GROUP, status: "modifying", aRN: `arn:aws:elasticache:${region}:${account}:replicationgroup:${CACHE_GROUP}` },
    });
    return;
  }
  step(rds("DescribeDBInstances", true, { dBInstanceIdentifier: db }));
  const instance = { dBInstanceIdentifier: db, dBInstanceClass: "db.r6g.xlarge", engine: "postgres", dBInstanceArn: dbArn(account, region, db) };
  if (kind === "retention") {
    const days = g.pick([14, 21, 35]);
    step(rds("ModifyDBInstance", false, { dBInstanceIdentifier: db, backupRetentionPeriod: days, applyImmediately: false }, { ...instance, dBInstanceStatus: "available", backupRetentionPeriod: 7, pendingModifiedValues: { backupRetentionPeriod: days } }));
  } else if (kind === "reboot") {
    step(rds("RebootDBInstance", false, { dBInstanceIdentifier: db }, { ...instance, dBInstanceStatus: "rebooting" }));
  } else {
    const snapshot = `${db}-pre-change-${g.hex(6)}`;
    const snapshotArn = `arn:aws:rds:${region}:${account}:snapshot:${snapshot}`;
    step(rds("CreateDBSnapshot", false, { dBSnapshotIdentifier: snapshot, dBInstanceIdentifier: db }, { dBSnapshotIdentifier: snapshot, dBInstanceIdentifier: db, status: "creating", dBSnapshotArn: snapshotArn }));
    const vault = ACCOUNTS.security.id;
    step(rds("ModifyDBSnapshotAttribute", false, { dBSnapshotIdentifier: snapshot, attributeName: "restore", valuesToAdd: [vault] }, {
      dBSnapshotIdentifier: snapshot,
      dBSnapshotAttributes: [{ attributeName: "restore", attributeValues: [vault] }],
    }));
  }
}
