/**
 * Principals as CloudTrail records them (`userIdentity`): generic builders
 * for assumed roles, IAM users, root, services and other accounts, and the
 * organisation's own principals built from them (Identity Center users, CI,
 * Terraform, CloudFormation, workloads).
 */
import {
  ACCOUNTS,
  type AppRole,
  CFN_ROLE,
  CI_ROLE,
  EMAIL_DOMAIN,
  HOME_IPS,
  IAC_ROLE,
  natIp,
  OFFICE_IPS,
  PROD_INTERFACE_VPCE,
  privateIp,
  type RoleRef,
  runnerIp,
  SSO_REGION,
  SSO_SUFFIX,
  USER_AGENTS,
} from "./organisation.js";
import { accessKeyId, type Gen, stableId } from "./random.js";
import type { Actor, Json } from "./records.js";
import { HOUR, hourStart, isoSeconds } from "./time.js";

// ------------------------------------------------------------------ ARNs and ids

export function roleArn(account: string, roleName: string, path = "/"): string {
  return `arn:aws:iam::${account}:role${path}${roleName}`;
}

/** The role's unique id (AROA…), stable for its ARN. */
export function roleId(roleArn: string): string {
  return stableId("AROA", roleArn, 21);
}

/** An assumed-role session's ARN: no role path. */
export function sessionArn(account: string, roleName: string, session: string): string {
  return `arn:aws:sts::${account}:assumed-role/${roleName}/${session}`;
}

export function userArn(account: string, userName: string, path = "/"): string {
  return `arn:aws:iam::${account}:user${path}${userName}`;
}

export function userId(account: string, userName: string): string {
  return stableId("AIDA", `${account}/${userName}`, 21);
}

/** `sessionContext` of a session that started on the hour of `time`. */
function sessionContext(time: number, mfa: boolean | undefined, issuer: Json = {}): Json {
  return {
    sessionIssuer: issuer,
    webIdFederationData: {},
    attributes: { creationDate: isoSeconds(hourStart(time)), mfaAuthenticated: mfa ? "true" : "false" },
  };
}

// ------------------------------------------------------------------ generic principals

export interface RoleOptions {
  account: string;
  roleName: string;
  /** With leading and trailing slash, e.g. "/deploy/". */
  path?: string;
  session: string;
  ip: string;
  userAgent: string;
  mfa?: boolean;
  console?: boolean;
  invokedBy?: string;
  sourceIdentity?: string;
  ec2Instance?: boolean;
  vpce?: string;
  privateIp?: string;
}

/**
 * An assumed-role session: `arn` is the session ARN without the role's path;
 * the role ARN with its path is in `sessionContext.sessionIssuer.arn`.
 */
export function roleActor(o: RoleOptions): Actor {
  const path = o.path ?? "/";
  const issuerArn = roleArn(o.account, o.roleName, path);
  const id = roleId(issuerArn);
  return {
    ip: o.invokedBy ?? o.ip,
    userAgent: o.invokedBy ?? o.userAgent,
    console: o.console,
    invokedBy: o.invokedBy,
    vpce: o.vpce,
    privateIp: o.privateIp,
    identity(time: number): Json {
      const context = sessionContext(time, o.mfa, { type: "Role", principalId: id, arn: issuerArn, accountId: o.account, userName: o.roleName });
      if (o.sourceIdentity) context.sourceIdentity = o.sourceIdentity;
      if (o.ec2Instance) context.ec2RoleDelivery = "2.0";
      const identity: Json = {
        type: "AssumedRole",
        principalId: `${id}:${o.session}`,
        arn: sessionArn(o.account, o.roleName, o.session),
        accountId: o.account,
        accessKeyId: accessKeyId("ASIA", `${issuerArn}/${o.session}/${hourStart(time)}`),
        sessionContext: context,
      };
      if (o.invokedBy) identity.invokedBy = o.invokedBy;
      return identity;
    },
  };
}

export interface UserOptions {
  account: string;
  userName: string;
  path?: string;
  ip: string;
  userAgent: string;
  /** Console session (temporary ASIA key and a session context) rather than a long-term AKIA key. */
  console?: boolean;
  mfa?: boolean;
  /** A named long-term key, e.g. one the story created earlier. */
  accessKeyId?: string;
}

/** The long-term access key an IAM user of the samples has unless told otherwise. */
export function userKey(account: string, userName: string, path = "/"): string {
  return accessKeyId("AKIA", `${userArn(account, userName, path)}/key`);
}

export function userActor(o: UserOptions): Actor {
  const arn = userArn(o.account, o.userName, o.path);
  return {
    ip: o.ip,
    userAgent: o.userAgent,
    console: o.console,
    identity(time: number): Json {
      const identity: Json = {
        type: "IAMUser",
        principalId: userId(o.account, o.userName),
        arn,
        accountId: o.account,
        accessKeyId: o.accessKeyId ?? (o.console ? accessKeyId("ASIA", `${arn}/${Math.floor(time / HOUR)}`) : userKey(o.account, o.userName, o.path)),
        userName: o.userName,
      };
      if (o.console || o.mfa) identity.sessionContext = sessionContext(time, o.mfa);
      return identity;
    },
  };
}

export function rootActor(account: string, ip: string, userAgent: string, console = true): Actor {
  return {
    ip,
    userAgent,
    console,
    identity(time: number): Json {
      return {
        type: "Root",
        principalId: account,
        arn: `arn:aws:iam::${account}:root`,
        accountId: account,
        accessKeyId: accessKeyId("ASIA", `root/${account}/${Math.floor(time / HOUR)}`),
        sessionContext: sessionContext(time, false),
      };
    },
  };
}

/** An AWS service acting in its own name, e.g. Lambda assuming an execution role. */
export function serviceActor(service: string): Actor {
  return { ip: service, userAgent: service, invokedBy: service, identity: () => ({ type: "AWSService", invokedBy: service }) };
}

/** A principal of another AWS account, as the callee's CloudTrail sees it. */
export function externalAccountActor(account: string, principalId: string, ip: string, userAgent: string): Actor {
  return { ip, userAgent, identity: () => ({ type: "AWSAccount", principalId, accountId: account }) };
}

// ------------------------------------------------------------------ principals of the organisation

function ssoRoleName(set: string): string {
  return `AWSReservedSSO_${set}_${SSO_SUFFIX[set]}`;
}
const SSO_PATH = `/aws-reserved/sso.amazonaws.com/${SSO_REGION}/`;

/** A person's session through an IAM Identity Center permission set. */
export function ssoRoleActor(account: string, set: string, person: string, ip: string, userAgent: string, console?: boolean): Actor {
  return roleActor({ account, roleName: ssoRoleName(set), path: SSO_PATH, session: `${person}@${EMAIL_DOMAIN}`, ip, userAgent, console });
}

/** A person through Identity Center, from the office or home, in the console or with the CLI. */
export function ssoActor(g: Gen, account: string, set: string, person: string, console: boolean): Actor {
  const ip = g.pick(g.chance(0.7) ? OFFICE_IPS : HOME_IPS);
  const userAgent = console ? g.pick([USER_AGENTS.console, USER_AGENTS.console, USER_AGENTS.chromeMac]) : USER_AGENTS.cliMac;
  return ssoRoleActor(account, set, person, ip, userAgent, console);
}

export function terraformActor(g: Gen, account: string, session: string): Actor {
  return roleActor({
    account,
    roleName: IAC_ROLE.name,
    path: IAC_ROLE.path,
    session,
    ip: runnerIp(g),
    userAgent: USER_AGENTS.terraform,
    sourceIdentity: "github-actions",
  });
}

/** A role that an AWS service assumes and acts through: the service is the caller's address and user agent. */
export function serviceRoleActor(account: string, role: RoleRef, session: string, service: string): Actor {
  return roleActor({ account, roleName: role.name, path: role.path, session, ip: service, userAgent: service, invokedBy: service });
}

export function cfnActor(account: string): Actor {
  return serviceRoleActor(account, CFN_ROLE, "AWSCloudFormation", "cloudformation.amazonaws.com");
}

export function ciActor(g: Gen, account: string, run: string): Actor {
  return roleActor({ account, roleName: CI_ROLE.name, path: CI_ROLE.path, session: `gha-${run}`, ip: runnerIp(g), userAgent: USER_AGENTS.cliLinux });
}

export function appActor(g: Gen, app: AppRole): Actor {
  const vpce = app.account === ACCOUNTS.prod.id ? PROD_INTERFACE_VPCE : undefined;
  return roleActor({
    account: app.account,
    roleName: app.role,
    path: "/app/",
    session: app.session,
    ip: natIp(g, app.account),
    userAgent: app.kind === "lambda" ? USER_AGENTS.boto3Lambda : app.kind === "ecs" ? USER_AGENTS.nodeSdk : USER_AGENTS.javaSdk,
    ec2Instance: app.kind === "ec2",
    vpce,
    privateIp: vpce ? privateIp(g) : undefined,
  });
}
