import type { Permission } from "../core/remediation.js";

/**
 * How a remediation's declared permissions are read: an action is allowed
 * when a declared action names it exactly or ends in `*` and is a prefix of
 * it (`s3:Get*` allows `s3:GetBucketAcl`). IAM compares action names without
 * regard to case, so this does too. Resources are not compared: the registry
 * meta-test and the remediation tests check actions, and the member stack
 * grants each action on the resources declared next to it.
 */
export function actionAllowed(action: string, permissions: Permission[]): boolean {
  const wanted = action.toLowerCase();
  return permissions.some((permission) => permission.actions.some((declared) => matches(declared.toLowerCase(), wanted)));
}

function matches(declared: string, action: string): boolean {
  if (declared.endsWith("*")) return action.startsWith(declared.slice(0, -1));
  return declared === action;
}

/** The actions (deduplicated, in first-seen order) that no declared permission allows. */
export function undeclaredActions(actions: Iterable<string>, permissions: Permission[]): string[] {
  return [...new Set(actions)].filter((action) => !actionAllowed(action, permissions));
}

/**
 * Whether an SDK command (`GetBucketAcl` or `GetBucketAclCommand`) only reads:
 * what a plan may send. Names that start with Get but write (STS
 * `GetSessionToken`, `GetFederationToken`) are not read-only.
 */
export function isReadOnlyCommand(command: string): boolean {
  const name = command.replace(/Command$/, "");
  if (/^Get(SessionToken|FederationToken)$/.test(name)) return false;
  return /^(Get|List|Describe|Head)[A-Z]/.test(name);
}
