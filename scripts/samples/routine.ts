/**
 * Routine activity: what a normal working day of the organisation looks like
 * in CloudTrail. Each scenario writes a few related records (a developer's
 * session, a workload reading its secrets, a scan, a deploy, …);
 * `generateRoutineRecords` draws scenarios by weight until it has enough.
 */
import { aliasKeyArn, assumedRoleUser, assumeRoleCall, keyIdFor, kmsKeyArn, temporaryCredentials } from "./calls.js";
import { cfnDeploy, cfnLambdaRelease, terraformApply, terraformPlanOnly } from "./deploy.js";
import {
  ACCOUNTS,
  APP_ROLES,
  CI_ROLE,
  DEVELOPERS,
  FUNCTIONS,
  INSTANCE_IDS,
  pickAccount,
  PLATFORM_ENGINEERS,
  regionOf,
  runId,
  runnerIp,
  USER_AGENTS,
  VENDOR_ACCOUNT,
  VENDOR_EXTERNAL_ID,
  VENDOR_ROLE,
  workloadRegion,
  WORKLOAD_ACCOUNTS,
} from "./organisation.js";
import { appActor, ciActor, externalAccountActor, roleActor, roleArn, serviceActor, serviceRoleActor, ssoActor } from "./principals.js";
import { type Gen, stableId } from "./random.js";
import { anyOf, CONFIG_READS, EC2_READS, IAM_READS, LIST_BUCKETS, OBSERVE_READS, type ReadCall, S3_READS, simple } from "./reads.js";
import { type Actor, type Call, type Ctx, emit, type Json, type Scenario, sortByTimes } from "./records.js";
import { proxyChange } from "./proxy.js";
import { postureScan } from "./scan.js";
import { developerSecretRead, onCall, ssoConsoleLogin } from "./sanctioned.js";
import { HOUR } from "./time.js";

const DEVELOPER_READS: readonly (readonly [ReadCall, number])[] = [
  [anyOf(OBSERVE_READS), 10],
  [anyOf(EC2_READS), 4],
  [S3_READS, 2],
  [LIST_BUCKETS, 1],
  [anyOf(IAM_READS), 1],
];

/** Developers through IAM Identity Center: console browsing or CLI, read-mostly. */
function developerSession(c: Ctx): void {
  const { g } = c;
  const account = pickAccount(g, WORKLOAD_ACCOUNTS);
  const set = account === ACCOUNTS.prod.id ? "ReadOnly" : "Developer";
  const person = g.pick(DEVELOPERS);
  const console = g.chance(0.55);
  const actor = ssoActor(g, account, set, person, console);
  const region = regionOf(g, account);
  if (console && g.chance(0.25)) ssoConsoleLogin(c, account, set, person, actor.ip);
  if (!console) emit(c, account, region, actor, simple("sts.amazonaws.com", "GetCallerIdentity")(g, account, region));
  const n = g.range(2, 8);
  for (let i = 0; i < n; i++) emit(c, account, region, actor, g.weighted(DEVELOPER_READS)(g, account, region), 2, 40);
  if (set === "Developer" && g.chance(0.3)) {
    const fn = g.pick(FUNCTIONS);
    emit(c, account, region, actor, {
      source: "lambda.amazonaws.com",
      name: g.pick(["UpdateFunctionConfiguration20150331v2", "PublishVersion20150331"]),
      readOnly: false,
      params: { functionName: fn },
      response: { functionName: fn, functionArn: `arn:aws:lambda:${region}:${account}:function:${fn}`, runtime: "python3.12", state: "Active", lastUpdateStatus: "InProgress" },
    });
  }
  if (set === "Developer" && g.chance(0.1)) developerSecretRead(c, account, "eu-west-1", actor);
  if (set === "Developer" && g.chance(0.15)) {
    emit(c, account, region, actor, {
      source: "ssm.amazonaws.com",
      name: "PutParameter",
      readOnly: false,
      params: { name: "/payments/api/feature-flags", type: "String", overwrite: true, value: "HIDDEN_DUE_TO_SECURITY_REASONS" },
      response: { version: g.range(10, 90), tier: "Standard" },
    });
  }
  if (set === "ReadOnly" && g.chance(0.12)) {
    // A read-only session trying a write: refused, as it should be.
    emit(c, account, region, actor, {
      source: "ec2.amazonaws.com",
      name: "RebootInstances",
      readOnly: false,
      params: { instancesSet: { items: [{ instanceId: g.pick(INSTANCE_IDS) }] } },
      error: { code: "Client.UnauthorizedOperation", message: "You are not authorized to perform this operation. User: ... is not authorized to perform: ec2:RebootInstances" },
    });
  }
}

const CONFIG_ROLE = { name: "AWSServiceRoleForConfig", path: "/aws-service-role/config.amazonaws.com/" };

/** AWS Config's service-linked role describing resources. */
function configRecorder(c: Ctx): void {
  const { g } = c;
  const account = pickAccount(g, [["prod", 5], ["staging", 3], ["security", 2]]);
  const region = regionOf(g, account);
  const actor = serviceRoleActor(account, CONFIG_ROLE, "AWSConfig-Describe", "config.amazonaws.com");
  const n = g.range(2, 7);
  for (let i = 0; i < n; i++) emit(c, account, region, actor, g.pick(CONFIG_READS)(g, account, region), 0, 3);
}

/** Application runtime: KMS, Secrets Manager and SSM reads by workload roles, through VPC endpoints in prod. */
function appRuntime(c: Ctx): void {
  const { g } = c;
  const app = g.pick(APP_ROLES);
  const region = workloadRegion(g, app.account);
  const account = app.account;
  const actor = appActor(g, app);
  const keyArn = aliasKeyArn(account, region, g.pick(["payments", "ledger"]));
  const n = g.range(1, 6);
  for (let i = 0; i < n; i++) {
    const kind = g.weighted([["decrypt", 6], ["datakey", 3], ["secret", app.secret ? 2 : 0], ["param", app.param ? 2 : 0]] as const);
    let call: Call;
    if (kind === "decrypt" || kind === "datakey") {
      call = {
        source: "kms.amazonaws.com",
        name: kind === "decrypt" ? "Decrypt" : "GenerateDataKey",
        readOnly: true,
        params:
          kind === "decrypt"
            ? { encryptionAlgorithm: "SYMMETRIC_DEFAULT", encryptionContext: { service: app.role } }
            : { keyId: keyArn, keySpec: "AES_256", encryptionContext: { service: app.role } },
        resources: [{ accountId: account, type: "AWS::KMS::Key", ARN: keyArn }],
      };
    } else if (kind === "secret") {
      call = { source: "secretsmanager.amazonaws.com", name: "GetSecretValue", readOnly: true, params: { secretId: app.secret } };
    } else {
      // Configuration values, plain String parameters: nothing to decrypt.
      call = { source: "ssm.amazonaws.com", name: "GetParameter", readOnly: true, params: { name: app.param, withDecryption: false } };
    }
    emit(c, account, region, actor, call, 0, 4);
  }
}

/** Services assuming roles on a workload's behalf (Lambda, ECS tasks, EC2 instance profiles). */
function serviceAssumeRole(c: Ctx): void {
  const { g } = c;
  const app = g.pick(APP_ROLES);
  const service = app.kind === "lambda" ? "lambda.amazonaws.com" : app.kind === "ecs" ? "ecs-tasks.amazonaws.com" : "ec2.amazonaws.com";
  const region = workloadRegion(g, app.account);
  const role = { name: app.role, path: "/app/" };
  const durationSeconds = app.kind === "ec2" ? 21600 : 3600;
  emit(c, app.account, region, serviceActor(service), assumeRoleCall({ account: app.account, role, session: app.session, durationSeconds, expires: c.t + HOUR, keySuffix: String(c.t) }));
}

const VENDOR_READS: readonly (readonly [ReadCall, number])[] = [
  [simple("monitoring.amazonaws.com", "GetMetricData"), 6],
  [simple("monitoring.amazonaws.com", "ListMetrics", (g) => ({ namespace: g.pick(["AWS/Lambda", "AWS/ECS", "AWS/RDS", "AWS/SQS"]) })), 2],
  [simple("tagging.amazonaws.com", "GetResources", () => ({ resourceTypeFilters: ["ec2:instance", "lambda:function", "rds:db"] })), 1],
  [EC2_READS[0]!, 1],
];

/** The trusted observability vendor: cross-account AssumeRole with an external id, then metrics. */
function vendorPoll(c: Ctx): void {
  const { g } = c;
  const account = pickAccount(g, WORKLOAD_ACCOUNTS);
  const region = g.pick(["eu-west-1", "us-east-1"]);
  const ip = `192.0.2.${g.range(200, 220)}`;
  const session = `obs-${g.hex(12)}`;
  const userAgent = USER_AGENTS.goSdkVendor;
  const caller = externalAccountActor(VENDOR_ACCOUNT, `${stableId("AROA", `vendor/${VENDOR_ACCOUNT}`, 21)}:poller`, ip, userAgent);
  const assume = assumeRoleCall({ account, role: VENDOR_ROLE, session, externalId: VENDOR_EXTERNAL_ID, durationSeconds: 3600, expires: c.t + HOUR });
  emit(c, account, region, caller, { ...assume, sharedEventID: g.uuid() }, 0, 2);
  const actor = roleActor({ account, roleName: VENDOR_ROLE.name, path: VENDOR_ROLE.path, session, ip, userAgent });
  const n = g.range(3, 10);
  for (let i = 0; i < n; i++) emit(c, account, region, actor, g.weighted(VENDOR_READS)(g, account, region), 0, 2);
}

/** GitHub Actions: OIDC web identity into the CI role, then image push and a rolling deploy (Lambda functions through a change set). */
function ciDeploy(c: Ctx): void {
  const { g } = c;
  const account = pickAccount(g, [["prod", 2], ["staging", 5]]);
  const region = "eu-west-1";
  const run = runId(g);
  const repo = g.pick(["example-payments/payments-api", "example-payments/ledger", "example-payments/webhooks"]);
  const role = roleArn(account, CI_ROLE.name, CI_ROLE.path);
  const provider = `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;
  const subject = `repo:${repo}:ref:refs/heads/main`;
  const web: Actor = {
    ip: runnerIp(g),
    userAgent: USER_AGENTS.cliLinux,
    identity: () => ({ type: "WebIdentityUser", principalId: `${provider}:sts.amazonaws.com:${subject}`, userName: subject, identityProvider: provider }),
  };
  emit(c, account, region, web, {
    source: "sts.amazonaws.com",
    name: "AssumeRoleWithWebIdentity",
    readOnly: true,
    params: { roleArn: role, roleSessionName: `gha-${run}`, durationSeconds: 3600 },
    response: {
      subjectFromWebIdentityToken: subject,
      assumedRoleUser: assumedRoleUser(account, CI_ROLE, `gha-${run}`),
      provider,
      audience: "sts.amazonaws.com",
      credentials: temporaryCredentials(`${role}/${run}`, c.t + HOUR),
    },
    resources: [{ accountId: account, type: "AWS::IAM::Role", ARN: role }],
    additional: { identityProviderConnectionVerificationMethod: "IAMTrustStore" },
  });
  const actor = ciActor(g, account, run);
  const repoName = repo.split("/")[1]!;
  const steps: Call[] = [
    { source: "ecr.amazonaws.com", name: "GetAuthorizationToken", readOnly: true, params: {} },
    { source: "ecr.amazonaws.com", name: "BatchCheckLayerAvailability", readOnly: true, params: { repositoryName: repoName, layerDigests: [`sha256:${g.hex(64)}`] } },
    { source: "ecr.amazonaws.com", name: "InitiateLayerUpload", readOnly: false, params: { repositoryName: repoName } },
    { source: "ecr.amazonaws.com", name: "CompleteLayerUpload", readOnly: false, params: { repositoryName: repoName, uploadId: g.uuid(), layerDigests: [`sha256:${g.hex(64)}`] } },
    { source: "ecr.amazonaws.com", name: "PutImage", readOnly: false, params: { repositoryName: repoName, imageTag: g.hex(7), imageManifestMediaType: "application/vnd.docker.distribution.manifest.v2+json" } },
  ];
  for (const step of steps) emit(c, account, region, actor, step, 1, 12);
  if (repoName === "payments-api") {
    emit(c, account, region, actor, { source: "ecs.amazonaws.com", name: "RegisterTaskDefinition", readOnly: false, params: { family: "payments-api", networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"] }, response: { taskDefinition: { family: "payments-api", revision: g.range(300, 400) } } });
    emit(c, account, region, actor, { source: "ecs.amazonaws.com", name: "UpdateService", readOnly: false, params: { cluster: "payments", service: "payments-api", forceNewDeployment: false } });
    const describe = simple("ecs.amazonaws.com", "DescribeServices", () => ({ cluster: "payments", services: ["payments-api"] }));
    // (The bound is drawn again at every turn.)
    for (let i = 0; i < g.range(2, 5); i++) emit(c, account, region, actor, describe(g, account, region), 10, 30);
  } else {
    const fn = repoName === "ledger" ? "ledger-writer" : "webhook-dispatcher";
    cfnLambdaRelease(c, account, actor, repoName, fn, `${account}.dkr.ecr.${region}.amazonaws.com/${repoName}:${g.hex(7)}`);
  }
}

/** KMS rotating a key on schedule: a service event, whose identity has no `type` (as in real logs). */
function kmsRotation(c: Ctx): void {
  const { g } = c;
  const account = pickAccount(g, [["prod", 3], ["staging", 2], ["security", 1]]);
  const region = regionOf(g, account);
  const keyId = keyIdFor(account, region, g.pick(["payments", "ledger", "logs"]));
  const actor: Actor = { ip: "AWS Internal", userAgent: "AWS Internal", invokedBy: "AWS Internal", identity: () => ({ accountId: account, invokedBy: "AWS Internal" }) };
  emit(c, account, region, actor, {
    source: "kms.amazonaws.com",
    name: "RotateKey",
    readOnly: false,
    eventType: "AwsServiceEvent",
    requestID: null,
    resources: [{ ARN: kmsKeyArn(account, region, keyId), accountId: account, type: "AWS::KMS::Key" }],
    serviceEventDetails: { keyId },
  });
}

const SECURITY_OPS_READS: readonly (readonly [ReadCall, number])[] = [
  [simple("securityhub.amazonaws.com", "GetFindings", () => ({ maxResults: 100 })), 3],
  [simple("guardduty.amazonaws.com", "ListFindings", () => ({ detectorId: "a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1", maxResults: 50 })), 2],
  [simple("athena.amazonaws.com", "StartQueryExecution", () => ({ queryString: "SELECT eventname, count(*) FROM cloudtrail_logs WHERE ... GROUP BY 1", workGroup: "security" })), 1],
  [anyOf(OBSERVE_READS), 3],
  [S3_READS, 2],
];

/** The platform team in the security account: findings, queries over the logs, buckets. */
function securityAccountOps(c: Ctx): void {
  const { g } = c;
  const account = ACCOUNTS.security.id;
  const region = regionOf(g, account);
  const person = g.pick(PLATFORM_ENGINEERS);
  const actor = ssoActor(g, account, "PlatformAdmin", person, g.chance(0.5));
  const n = g.range(2, 6);
  for (let i = 0; i < n; i++) emit(c, account, region, actor, g.weighted(SECURITY_OPS_READS)(g, account, region), 2, 30);
}

/** Routine activity: what a normal working day of this organisation looks like in CloudTrail. */
const ROUTINE_SCENARIOS: readonly (readonly [Scenario, number])[] = [
  [appRuntime, 34],
  [serviceAssumeRole, 10],
  [configRecorder, 9],
  [developerSession, 12],
  [postureScan, 2],
  [vendorPoll, 4],
  [ciDeploy, 2],
  [terraformPlanOnly, 1.2],
  [terraformApply, 1],
  [cfnDeploy, 0.8],
  [onCall, 1.5],
  [securityAccountOps, 2],
  [proxyChange, 1.2],
  [kmsRotation, 0.15],
];

export interface RoutineOptions {
  /** Inclusive start and exclusive end of the period, in epoch ms; scenarios start inside it. */
  start: number;
  end: number;
}

/**
 * `count` records of routine activity between `start` and `end`, sorted by
 * eventTime. Scenarios that start near `end` may run a few minutes past it.
 */
export function generateRoutineRecords(g: Gen, count: number, options: RoutineOptions): Json[] {
  const out: Json[] = [];
  const times: number[] = [];
  while (out.length < count) {
    const scenario = g.weighted(ROUTINE_SCENARIOS);
    scenario({ g, t: g.second(options.start, options.end), out, times });
  }
  out.length = count;
  times.length = count;
  return sortByTimes(out, times);
}
