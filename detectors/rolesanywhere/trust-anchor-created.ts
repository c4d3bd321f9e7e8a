import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, isIacPrincipal, isObject, param, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, PROD, USER_AGENTS } from "../examples.js";

/** Where the anchor's trust comes from: an uploaded CA bundle, or a Private CA by ARN. */
function sourceOf(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const type = typeof value.sourceType === "string" ? value.sourceType : undefined;
  const data = isObject(value.sourceData) ? value.sourceData : undefined;
  if (typeof data?.acmPcaArn === "string") return `Private CA ${data.acmPcaArn}`;
  if (type === "CERTIFICATE_BUNDLE" || typeof data?.x509CertificateData === "string") return "an uploaded CA certificate";
  return type ? `a ${type} source` : "a new source";
}

function anchorResource(record: CloudTrailRecord, id: string | undefined, arn: string | undefined, name: string | undefined): FindingResource {
  const anchorId = id ?? arn?.split("/").pop() ?? name ?? "(unknown trust anchor)";
  const fullArn = arn ?? (id ? `arn:${partitionOf(record.awsRegion)}:rolesanywhere:${record.awsRegion}:${record.recipientAccountId}:trust-anchor/${id}` : undefined);
  return { type: "AWS::RolesAnywhere::TrustAnchor", id: anchorId, ...(fullArn ? { arn: fullArn } : {}), account: record.recipientAccountId, region: record.awsRegion };
}

const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2Zb9pT0kq3v1r8yX4mN6cFh2wQwCgYIKoZIzj0EAwIw\n-----END CERTIFICATE-----\n";

function anchorCall(
  eventID: string,
  eventTime: string,
  eventName: "CreateTrustAnchor" | "UpdateTrustAnchor",
  identity: Record<string, unknown>,
  requestParameters: Record<string, unknown>,
  options: { anchorId?: string; region?: string; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  const region = options.region ?? "eu-west-1";
  const anchorId = options.anchorId ?? "3f7b9c2e-1d4a-4e8b-9a6c-5d2e8f1b7a90";
  const account = typeof identity.accountId === "string" ? identity.accountId : PROD;
  return apiCall({
    eventID,
    eventTime,
    eventSource: "rolesanywhere.amazonaws.com",
    eventName,
    identity,
    region,
    requestParameters,
    responseElements: {
      trustAnchor: {
        trustAnchorId: anchorId,
        trustAnchorArn: `arn:aws:rolesanywhere:${region}:${account}:trust-anchor/${anchorId}`,
        name: requestParameters.name ?? "on-prem-build-farm",
        enabled: requestParameters.enabled ?? true,
        createdAt: eventTime.replace("Z", ".000Z"),
        updatedAt: eventTime.replace("Z", ".000Z"),
      },
    },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

const TERRAFORM = "arn:aws:iam::111122223333:role/iac/terraform-apply";
const OPERATOR = "arn:aws:iam::111122223333:user/christophe";

export default defineDetector({
  id: "rolesanywhere.trust-anchor-created",
  title: "IAM Roles Anywhere trust anchor created or its certificate authority replaced",
  severity: "high",
  mitre: ["T1098.001", "T1484.002"],
  stratus: ["aws.persistence.rolesanywhere-create-trust-anchor"],
  pattern: {
    source: ["aws.rolesanywhere"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["rolesanywhere.amazonaws.com"],
      eventName: ["CreateTrustAnchor", "UpdateTrustAnchor"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    const request = record.requestParameters ?? {};
    const anchor = isObject(record.responseElements?.trustAnchor) ? record.responseElements.trustAnchor : undefined;
    const id = param(record, "trustAnchorId") ?? (typeof anchor?.trustAnchorId === "string" ? anchor.trustAnchorId : undefined);
    const arn = typeof anchor?.trustAnchorArn === "string" ? anchor.trustAnchorArn : undefined;
    const name = param(record, "name") ?? (typeof anchor?.name === "string" ? anchor.name : undefined);
    const resource = anchorResource(record, id, arn, name);
    const label = name && name !== resource.id ? `${name} (${resource.id})` : resource.id;
    if (record.eventName === "CreateTrustAnchor") {
      return {
        summary: sentence(`${actorName(record)} created IAM Roles Anywhere trust anchor ${label} trusting ${sourceOf(request.source) ?? "a new source"} in ${record.awsRegion}.`),
        resources: [resource],
      };
    }
    // An update without a source only renames the anchor.
    const source = sourceOf(request.source);
    if (!source) return undefined;
    return {
      summary: sentence(`${actorName(record)} made IAM Roles Anywhere trust anchor ${label} trust ${source} in ${record.awsRegion}.`),
      resources: [resource],
    };
  },
  runbook:
    "A trust anchor makes IAM Roles Anywhere accept X.509 certificates signed by a certificate authority in exchange for credentials of the roles that trust " +
    "rolesanywhere.amazonaws.com: whoever holds that CA's key (for an uploaded bundle, whoever uploaded it) can mint certificates and assume those roles from " +
    "anywhere, long after their other access is gone. Principals of the baseline's infrastructure-as-code list are not reported, and renaming an anchor is not. " +
    "Ask the caller why; compare the CA with the organisation's PKI (GetTrustAnchor shows the certificate or Private CA ARN); list the Roles Anywhere profiles " +
    "and the roles whose trust policy allows rolesanywhere.amazonaws.com, and look for CreateSession calls through the anchor. If it is not approved, disable " +
    "the anchor (DisableTrustAnchor) before deleting it, so the evidence stays; no remediation is proposed yet. A refused call (errorCode) is not a finding " +
    "here: no anchor changed.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's rolesanywhere-create-trust-anchor: an anchor trusting an uploaded CA certificate",
        record: anchorCall(
          "e5cdceb0-58aa-4be9-915c-f42b9ba71c96",
          "2024-08-01T14:20:33Z",
          "CreateTrustAnchor",
          iamUser(OPERATOR),
          {
            name: "malicious-rolesanywhere-trust-anchor",
            source: { sourceData: { x509CertificateData: CA_PEM }, sourceType: "CERTIFICATE_BUNDLE" },
            enabled: true,
            tags: [{ key: "StratusRedTeam", value: "true" }],
          },
          { userAgent: USER_AGENTS.stratus, anchorId: "8e2d4c6a-0b1f-4a3e-9c7d-2f5b8a1e6d40" },
        ),
      },
      {
        description: "An existing anchor switched to a different certificate bundle from the console",
        record: anchorCall(
          "fbe32107-4475-43ad-9924-0ce640adccbd",
          "2024-07-09T07:41:12Z",
          "UpdateTrustAnchor",
          assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a", "j.doe@example.com"),
          {
            trustAnchorId: "3f7b9c2e-1d4a-4e8b-9a6c-5d2e8f1b7a90",
            source: { sourceData: { x509CertificateData: CA_PEM }, sourceType: "CERTIFICATE_BUNDLE" },
          },
          { userAgent: USER_AGENTS.console },
        ),
      },
    ],
    noMatch: [
      {
        description: "An anchor renamed, its certificate authority untouched",
        record: anchorCall("fb79ab1c-f19f-4db0-89a1-0a97348a9438", "2024-07-09T07:44:58Z", "UpdateTrustAnchor", iamUser(OPERATOR), {
          trustAnchorId: "3f7b9c2e-1d4a-4e8b-9a6c-5d2e8f1b7a90",
          name: "on-prem-build-farm",
        }),
      },
      {
        description: "The Terraform deploy role creating the anchor for the organisation's Private CA",
        record: anchorCall(
          "bb293672-4264-4e3b-89b0-a8b1189ea3cd",
          "2024-07-09T07:48:21Z",
          "CreateTrustAnchor",
          assumedRole(TERRAFORM, "terraform-run-8884"),
          {
            name: "corp-private-ca",
            source: { sourceData: { acmPcaArn: "arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/6b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d" }, sourceType: "AWS_ACM_PCA" },
            enabled: true,
          },
          { userAgent: USER_AGENTS.terraform },
        ),
        baseline: { principals: { iac: [TERRAFORM] } },
      },
      {
        description: "A CreateTrustAnchor that Roles Anywhere refused",
        record: anchorCall(
          "7fc6a241-ef64-47f7-88a4-37f60445b713",
          "2024-07-09T07:51:37Z",
          "CreateTrustAnchor",
          assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          { name: "build", source: { sourceData: { x509CertificateData: CA_PEM }, sourceType: "CERTIFICATE_BUNDLE" }, enabled: true },
          {
            error: {
              code: "AccessDeniedException",
              message:
                "User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: rolesanywhere:CreateTrustAnchor on resource: arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/* because no identity-based policy allows the rolesanywhere:CreateTrustAnchor action",
            },
          },
        ),
      },
    ],
  },
});
