/**
 * Persistence that outlives the admin user's key: an allow-everything
 * policy, a role the attacker's account can assume with the platform admin
 * policy, an identity provider and a Roles Anywhere trust anchor of the
 * attacker's, the on-call user taken over (weaker password rules, its MFA
 * device removed, a new password), and a federation token.
 */
import { iamWrite, iamRead, policyJson, roleInfo, temporaryCredentials } from "../calls.js";
import { ACCOUNTS, ATTACKER_ACCOUNT, ONCALL_USER } from "../organisation.js";
import type { Call, Json } from "../records.js";
import { awsDate, HOUR } from "../time.js";
import { ATTACK, CAST, type Story } from "./story.js";

const PROD = ACCOUNTS.prod.id;
const EUW1 = "eu-west-1";
const EVERYTHING = [{ Effect: "Allow", Action: "*", Resource: "*" }];
const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBtjCCAVugAwIBAgIUR3k8pZ2vQ9mXc1nT5bW7yF0aE4swCgYIKoZIzj0EAwIw\n-----END CERTIFICATE-----\n";

/** 14:23 */
export function persist(s: Story): void {
  const A = ATTACK;
  const admin = CAST.admin(s);
  const who = `\`${A.createdUser}\``;
  const when = (time: string) => s.start + s.offset(time) * 1000;
  const iam = (time: string, c: Call) => s.at(time, PROD, "us-east-1", admin, c);

  iam("14:23:00", iamWrite("CreatePolicy", { policyName: "SupportSyncAccess", path: "/", policyDocument: policyJson(EVERYTHING) }, {
    response: {
      policy: {
        policyName: "SupportSyncAccess",
        policyId: "ANPA5R2K7W9Q3X1Z8V4NB",
        arn: `arn:aws:iam::${PROD}:policy/SupportSyncAccess`,
        path: "/",
        defaultVersionId: "v1",
        attachmentCount: 0,
        isAttachable: true,
        createDate: awsDate(when("14:23:00")),
      },
    },
  }));
  s.tell("14:23:00", who, "creates a managed policy that allows every action on every resource", ["iam.policy-grants-full-admin"]);

  const trust = policyJson([{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ATTACKER_ACCOUNT}:root` }, Action: "sts:AssumeRole" }]);
  iam("14:23:30", iamWrite("CreateRole", { roleName: A.backdoorRole, path: "/", assumeRolePolicyDocument: trust, maxSessionDuration: 43200 }, {
    response: { role: { ...roleInfo(PROD, A.backdoorRole, "/", when("14:23:30")), assumeRolePolicyDocument: encodeURIComponent(trust) } },
  }));
  iam("14:23:45", iamWrite("AttachRolePolicy", { roleName: A.backdoorRole, policyArn: `arn:aws:iam::${PROD}:policy/platform/platform-admin` }));
  s.tell("14:23:30", who, `creates role \`${A.backdoorRole}\`, which the attacker's account may assume, and attaches the platform team's admin policy to it (listed as privileged in the baseline)`, [
    "iam.role-trust-untrusted-account",
    "iam.admin-policy-attached",
  ]);

  const issuer = "auth.support-sync.example.net";
  iam("14:24:20", iamWrite("CreateOpenIDConnectProvider", { url: `https://${issuer}`, clientIDList: ["sts.amazonaws.com"], thumbprintList: ["5e1d2c8a4f7b9e3d6a0c1b2f4e8d7a9c3b5f1e20"] }, {
    response: { openIDConnectProviderArn: `arn:aws:iam::${PROD}:oidc-provider/${issuer}` },
  }));
  const anchorId = "7c2e9a4f-1b3d-4e5a-8c6f-0d2b4a6e8c13";
  const created = `${new Date(when("14:25:00")).toISOString().slice(0, 19)}.000Z`;
  s.at("14:25:00", PROD, EUW1, admin, {
    source: "rolesanywhere.amazonaws.com",
    name: "CreateTrustAnchor",
    readOnly: false,
    params: { name: "support-sync", source: { sourceType: "CERTIFICATE_BUNDLE", sourceData: { x509CertificateData: CA_PEM } }, enabled: true },
    response: {
      trustAnchor: {
        trustAnchorId: anchorId,
        trustAnchorArn: `arn:aws:rolesanywhere:${EUW1}:${PROD}:trust-anchor/${anchorId}`,
        name: "support-sync",
        enabled: true,
        createdAt: created,
        updatedAt: created,
      },
    },
  });
  s.tell("14:24:20", who, "adds an OIDC identity provider of its own, and a Roles Anywhere trust anchor for its own certificate authority", [
    "iam.identity-provider-changed",
    "rolesanywhere.trust-anchor-created",
  ]);

  iam("14:25:30", iamWrite("UpdateAccountPasswordPolicy", {
    minimumPasswordLength: 6,
    requireSymbols: false,
    requireNumbers: false,
    requireUppercaseCharacters: false,
    requireLowercaseCharacters: true,
    allowUsersToChangePassword: true,
  }));
  iam("14:25:40", iamRead("ListMFADevices", { userName: ONCALL_USER }));
  iam("14:25:55", iamWrite("DeactivateMFADevice", { userName: ONCALL_USER, serialNumber: `arn:aws:iam::${PROD}:mfa/${ONCALL_USER}-yubikey` }));
  iam("14:26:10", iamWrite("UpdateLoginProfile", { userName: ONCALL_USER, passwordResetRequired: false }));
  s.tell("14:25:30", who, `weakens the password policy, removes the on-call user's MFA device and sets a new console password for \`${ONCALL_USER}\``, [
    "iam.password-policy-weakened",
    "iam.mfa-device-deactivated",
    "iam.login-profile-for-other-user",
  ]);

  const federated: Json = { federatedUserId: `${PROD}:support-sync`, arn: `arn:aws:sts::${PROD}:federated-user/support-sync` };
  s.at("14:27:30", PROD, "us-east-1", admin, {
    source: "sts.amazonaws.com",
    name: "GetFederationToken",
    readOnly: false,
    params: { name: "support-sync", policy: policyJson(EVERYTHING), durationSeconds: 129600 },
    response: { credentials: temporaryCredentials(`federation/${s.start}`, when("14:27:30") + 36 * HOUR), federatedUser: federated, packedPolicySize: 6 },
  });
  s.tell("14:27:30", who, "gets a 36-hour federation token with an allow-everything session policy: credentials that outlive its key", ["sts.federation-token"]);
}
