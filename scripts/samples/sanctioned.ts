/**
 * The sanctioned twins of the sign-in, key and secret detectors (Identity
 * Center console sign-ins, the on-call user's MFA sign-in and key rotation, a
 * developer reading a secret), and
 * `generateSanctionedChanges`: every sanctioned twin at least once, for a
 * small sample that must show all of them.
 */
import { accessKeyCreated, iamRead, iamWrite, signInCall } from "./calls.js";
import { cfnDeploy, IAC_CHANGES } from "./deploy.js";
import { iacBucketPolicy, iacEventSelectors, iacScp, terraformPlan } from "./iac.js";
import { iacSecurityGroup, iacTrustPolicy } from "./iac-platform.js";
import { proxyChange, proxyScale } from "./proxy.js";
import { postureScan, SCANNED } from "./scan.js";
import { ACCOUNTS, APP_ROLES, DEVELOPERS, HOME_IPS, OFFICE_IPS, ONCALL_USER, SSO_SUFFIX, USER_AGENTS } from "./organisation.js";
import { ssoRoleActor, userActor, userKey } from "./principals.js";
import { accessKeyId, type Gen } from "./random.js";
import { EC2_READS, OBSERVE_READS } from "./reads.js";
import { type Actor, type Ctx, emit, type Json, sortByTimes } from "./records.js";

/**
 * Federated console sign-in through IAM Identity Center: an assumed-role
 * session, and `MFAUsed` is "No" because MFA happened at the identity
 * provider. Not an IAM user logging in without MFA.
 */
export function ssoConsoleLogin(c: Ctx, account: string, set: string, person: string, ip: string): void {
  const actor = ssoRoleActor(account, set, person, ip, USER_AGENTS.chromeMac);
  emit(c, account, "us-east-1", actor, signInCall("ConsoleLogin", {
    MobileVersion: "No",
    MFAUsed: "No",
    LoginTo: "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_7c1b9e2d4a6f8053",
    SamlProviderArn: `arn:aws:iam::${account}:saml-provider/AWSSSO_${SSO_SUFFIX[set]}_DO_NOT_DELETE`,
  }));
}

/** A developer reads one of the staging secrets it works with: a read or two, never a sweep. */
export function developerSecretRead(c: Ctx, account: string, region: string, actor: Actor): void {
  const secret = c.g.pick(APP_ROLES.filter((app) => app.account === account && app.secret).map((app) => app.secret!));
  emit(c, account, region, actor, { source: "secretsmanager.amazonaws.com", name: "GetSecretValue", readOnly: true, params: { secretId: secret } }, 5, 40);
}

/** The on-call IAM user: console with MFA, CLI with an MFA session, and its own key rotation. */
export function onCall(c: Ctx, forced?: "console" | "cli" | "rotate"): void {
  const { g } = c;
  const account = ACCOUNTS.prod.id;
  const ip = g.pick(HOME_IPS);
  const mode = forced ?? g.weighted([["console", 5], ["cli", 3], ["rotate", 1]] as const);
  if (mode === "console") {
    const login = userActor({ account, userName: ONCALL_USER, ip, userAgent: USER_AGENTS.firefoxLinux });
    emit(c, account, "us-east-1", login, signInCall("ConsoleLogin", {
      LoginTo: "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true",
      MobileVersion: "No",
      MFAIdentifier: `arn:aws:iam::${account}:mfa/${ONCALL_USER}-yubikey`,
      MFAUsed: "Yes",
    }), 5, 30);
    const actor = userActor({ account, userName: ONCALL_USER, ip, userAgent: USER_AGENTS.console, console: true, mfa: true });
    const n = g.range(3, 9);
    for (let i = 0; i < n; i++) emit(c, account, "eu-west-1", actor, g.pick(OBSERVE_READS)(g, account, "eu-west-1"), 3, 45);
    return;
  }
  const actor = userActor({ account, userName: ONCALL_USER, ip, userAgent: USER_AGENTS.cliMac, mfa: true });
  if (mode === "cli") {
    const n = g.range(2, 6);
    for (let i = 0; i < n; i++) {
      const call = g.chance(0.7) ? g.pick(OBSERVE_READS)(g, account, "eu-west-1") : g.pick(EC2_READS)(g, account, "eu-west-1");
      emit(c, account, "eu-west-1", actor, call, 2, 20);
    }
    // Scaling production is a change: the on-call engineer asks the control-plane proxy, not the CLI.
    if (g.chance(0.2)) proxyScale(c, account);
    return;
  }
  // Key rotation of its own key: CreateAccessKey naming itself is not a key for another user.
  const newKey = accessKeyId("AKIA", `rotation/${c.t}`);
  emit(c, account, "us-east-1", actor, iamRead("ListAccessKeys", { userName: ONCALL_USER }));
  emit(c, account, "us-east-1", actor, iamWrite("CreateAccessKey", { userName: ONCALL_USER }, { response: accessKeyCreated(ONCALL_USER, newKey, c.t) }));
  emit(c, account, "us-east-1", actor, iamWrite("UpdateAccessKey", { userName: ONCALL_USER, accessKeyId: userKey(account, ONCALL_USER), status: "Inactive" }));
}

/**
 * Every sanctioned twin of a detector's event, once at least, at random
 * times between `start` and `end`: IaC applying each kind of change in turn
 * (with short plans), SCP maintenance, a CloudFormation stack that creates a
 * user and a VPC-endpoint bucket policy, the on-call user's key rotation and
 * MFA sign-in, an Identity Center console sign-in and a developer's secret
 * read, HTTPS security group rules and trust policies of both kinds, and the
 * control-plane proxy's changes. Random routine activity has them too, but
 * too rarely to rely on in a small sample.
 */
export function generateSanctionedChanges(g: Gen, start: number, end: number): Json[] {
  const out: Json[] = [];
  const times: number[] = [];
  const at = (): Ctx => ({ g, t: g.second(start, end), out, times });
  const workloads = [ACCOUNTS.prod.id, ACCOUNTS.staging.id, ACCOUNTS.security.id];
  IAC_CHANGES.forEach(([change], i) => change(terraformPlan(at(), workloads[i % workloads.length]!, 10)));
  // Basic event selectors in production (the loop above wrote advanced ones in the security account).
  iacEventSelectors(terraformPlan(at(), ACCOUNTS.prod.id, 10));
  // The CloudFront and log-delivery bucket policies live on particular buckets: write those too.
  for (const bucket of ["payments-prod-static-assets", "payments-prod-alb-logs"]) {
    iacBucketPolicy(terraformPlan(at(), ACCOUNTS.prod.id, 10), bucket);
  }
  iacScp(terraformPlan(at(), ACCOUNTS.management.id, 10), "update");
  iacScp(terraformPlan(at(), ACCOUNTS.management.id, 10), "attach");
  cfnDeploy(at(), true);
  onCall(at(), "rotate");
  onCall(at(), "console");
  const c = at();
  const developer = c.g.pick(DEVELOPERS);
  ssoConsoleLogin(c, ACCOUNTS.staging.id, "Developer", developer, c.g.pick(OFFICE_IPS));
  developerSecretRead(c, ACCOUNTS.staging.id, "eu-west-1", ssoRoleActor(ACCOUNTS.staging.id, "Developer", developer, c.g.pick(OFFICE_IPS), USER_AGENTS.cliMac));
  // HTTPS opened to the VPC, and to the internet on the public load balancer's group: port 443, not an admin port.
  iacSecurityGroup(terraformPlan(at(), ACCOUNTS.prod.id, 10), true);
  iacSecurityGroup(terraformPlan(at(), ACCOUNTS.staging.id, 10), false);
  // Both kinds of trust policy: the trusted vendor's account, and the security account's scanner.
  iacTrustPolicy(terraformPlan(at(), ACCOUNTS.prod.id, 10), "vendor");
  iacTrustPolicy(terraformPlan(at(), ACCOUNTS.staging.id, 10), "audit");
  // The control-plane proxy: a snapshot shared with the security account's vault, and a scaling for the on-call engineer.
  proxyChange(at(), "snapshot");
  proxyChange(at(), "cache");
  proxyScale(at());
  // The posture scanner in every account and region it covers: a full round.
  for (const where of SCANNED) postureScan(at(), where);
  return sortByTimes(out, times);
}
