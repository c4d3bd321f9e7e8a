/**
 * How the attack story is written: records placed at clock times of the
 * attack's day, and the lines of the README's table (when, who, what, and the
 * detectors each step trips). The cast (who the attacker is at each step)
 * and the names of the story are here too, for every step to share.
 */
import { accessKeyId, type Gen } from "../random.js";
import { type Actor, buildRecord, type Call, type Json } from "../records.js";
import { ACCOUNTS, ATTACKER_IPS, OUS, SCPS, USER_AGENTS } from "../organisation.js";
import { roleActor, rootActor, userActor } from "../principals.js";

export const ATTACK = {
  phishedUser: "l.moreau",
  otherUser: "svc-reporting",
  createdUser: "aws-support-sync",
  bucket: "payments-prod-settlement-reports",
  archive: "payments-prod-ledger-archive",
  reducedTrail: "payments-prod-audit",
  deletedTrail: "payments-prod-eu-audit",
  secret: "ops/org-automation-credentials",
  managementUser: "org-automation",
  scp: SCPS.protectLogging,
  scpTarget: OUS.prod,
  batchRole: "settlement-batch",
  batchHost: "i-0c4f7a2d9e81b3f56",
  backdoorRole: "aws-support-access",
} as const;

/** One line of the README's attack table. */
export interface StoryLine {
  /** Seconds after the attack's start. */
  at: number;
  who: string;
  what: string;
  trips: readonly string[];
}

/** The attack as it is written: its records and its lines. */
export class Story {
  readonly records: Json[] = [];
  readonly lines: StoryLine[] = [];
  private readonly day: number;

  constructor(
    readonly g: Gen,
    readonly start: number,
  ) {
    this.day = Math.floor(start / 86_400_000) * 86_400_000;
  }

  /** Seconds after the start of a UTC clock time ("13:45:10") of the attack's day, or seconds as given. */
  offset(time: string | number): number {
    if (typeof time === "number") return time;
    const [h = 0, m = 0, s = 0] = time.split(":").map(Number);
    return (this.day + ((h * 60 + m) * 60 + s) * 1000 - this.start) / 1000;
  }

  /** A record at `time`. */
  at(time: string | number, account: string, region: string, actor: Actor, call: Call): Json {
    const record = buildRecord(this.g, this.start + this.offset(time) * 1000, account, region, actor, call);
    this.records.push(record);
    return record;
  }

  /** Records from `time` on, `step` seconds apart. */
  run(time: string | number, step: number, account: string, region: string, actor: Actor, calls: readonly Call[]): void {
    const first = this.offset(time);
    calls.forEach((call, i) => this.at(first + i * step, account, region, actor, call));
  }

  /** A line of the README's table, from `time`. */
  tell(time: string | number, who: string, what: string, trips: readonly string[] = []): void {
    this.lines.push({ at: this.offset(time), who, what, trips });
  }
}

// ------------------------------------------------------------------ the cast

const PROD = ACCOUNTS.prod.id;

/** The access keys the story creates, stable for its start. */
export const otherUserKey = (s: Story) => accessKeyId("AKIA", `attack/${ATTACK.otherUser}/${s.start}`);
export const createdUserKey = (s: Story) => accessKeyId("AKIA", `attack/${ATTACK.createdUser}/${s.start}`);

export const CAST = {
  /** The phished legacy IAM user signing in, from a commercial VPN exit. */
  signIn: () => userActor({ account: PROD, userName: ATTACK.phishedUser, ip: ATTACKER_IPS.vpn, userAgent: USER_AGENTS.chromeAttacker }),
  /** ... and in the console. */
  console: () => userActor({ account: PROD, userName: ATTACK.phishedUser, ip: ATTACKER_IPS.vpn, userAgent: USER_AGENTS.console, console: true }),
  /** The service user, with the key created for it. */
  service: (s: Story) => userActor({ account: PROD, userName: ATTACK.otherUser, ip: ATTACKER_IPS.vpn, userAgent: USER_AGENTS.cliAttacker, accessKeyId: otherUserKey(s) }),
  /** The attacker's own admin user, from a rented server. */
  admin: (s: Story) => userActor({ account: PROD, userName: ATTACK.createdUser, ip: ATTACKER_IPS.server, userAgent: USER_AGENTS.boto3Attacker, accessKeyId: createdUserKey(s) }),
  /** The management account's automation user, with the key found in a secret. */
  management: () =>
    userActor({ account: ACCOUNTS.management.id, userName: ATTACK.managementUser, path: "/automation/", ip: ATTACKER_IPS.server, userAgent: USER_AGENTS.boto3Attacker }),
  /** The settlement batch host's instance role, on the host itself (a script run through SSM). */
  onInstance: () =>
    roleActor({ account: PROD, roleName: ATTACK.batchRole, path: "/app/", session: ATTACK.batchHost, ip: "198.51.100.10", userAgent: USER_AGENTS.cliInstance, ec2Instance: true }),
  /** The same credentials, copied off the host, on the attacker's Kali laptop. */
  stolenInstance: () =>
    roleActor({ account: PROD, roleName: ATTACK.batchRole, path: "/app/", session: ATTACK.batchHost, ip: ATTACKER_IPS.server, userAgent: USER_AGENTS.cliKali, ec2Instance: true }),
  rootSignIn: () => rootActor(PROD, ATTACKER_IPS.vpn, USER_AGENTS.chromeAttacker, false),
  rootConsole: () => rootActor(PROD, ATTACKER_IPS.vpn, USER_AGENTS.console, true),
};

/** An AccessDenied message as the service words it. */
export function denied(service: string, action: string, principal = `arn:aws:iam::${PROD}:user/${ATTACK.otherUser}`): { code: string; message: string } {
  const who = `User: ${principal} is not authorized to perform: ${service}:${action}`;
  if (service === "ec2") return { code: "Client.UnauthorizedOperation", message: `You are not authorized to perform this operation. ${who} because no identity-based policy allows the ${service}:${action} action` };
  const json = ["lambda", "dynamodb", "secretsmanager", "ssm", "kms", "cloudtrail", "guardduty", "organizations", "ecr", "ecs", "logs", "config", "securityhub", "athena", "bedrock"];
  return { code: json.includes(service) ? "AccessDeniedException" : "AccessDenied", message: `${who} because no identity-based policy allows the ${service}:${action} action` };
}
