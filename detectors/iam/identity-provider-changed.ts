import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { strings } from "../../core/policy.js";
import { actorName, API_CALL, field, isIacPrincipal, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, PROD, USER_AGENTS } from "../examples.js";

const EVENTS = [
  "CreateSAMLProvider",
  "UpdateSAMLProvider",
  "CreateOpenIDConnectProvider",
  "UpdateOpenIDConnectProviderThumbprint",
  "AddClientIDToOpenIDConnectProvider",
] as const;
type EventName = (typeof EVENTS)[number];

/** A string field of requestParameters or responseElements, whatever the casing of its first letter (`sAMLProviderArn`). */
function text(object: Record<string, unknown> | null | undefined, name: string): string | undefined {
  const value = object ? field(object, name) : undefined;
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** IAM names an OIDC provider by its URL without the scheme: `arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com`. */
function oidcArn(record: CloudTrailRecord, url: string): string {
  return `arn:${partitionOf(record.awsRegion)}:iam::${record.recipientAccountId}:oidc-provider/${url.replace(/^https:\/\//, "").replace(/\/$/, "")}`;
}

function provider(record: CloudTrailRecord, kind: "saml" | "oidc", arn: string | undefined, fallbackName: string): FindingResource {
  const type = kind === "saml" ? "AWS::IAM::SAMLProvider" : "AWS::IAM::OIDCProvider";
  const id = arn ? (arn.split(/:(?:saml|oidc)-provider\//)[1] ?? arn) : fallbackName;
  return { type, id, ...(arn ? { arn } : {}), account: record.recipientAccountId };
}

function describe(record: CloudTrailRecord): { what: string; resource: FindingResource } | undefined {
  const request = record.requestParameters;
  const response = record.responseElements;
  switch (record.eventName as EventName) {
    case "CreateSAMLProvider": {
      const name = text(request, "Name");
      if (!name) return undefined;
      const arn = text(response, "SAMLProviderArn") ?? `arn:${partitionOf(record.awsRegion)}:iam::${record.recipientAccountId}:saml-provider/${name}`;
      return { what: `created SAML identity provider ${name}`, resource: provider(record, "saml", arn, name) };
    }
    case "UpdateSAMLProvider": {
      const arn = text(request, "SAMLProviderArn");
      if (!arn) return undefined;
      const resource = provider(record, "saml", arn, arn);
      return { what: `replaced the metadata (signing certificates and sign-in endpoint) of SAML identity provider ${resource.id}`, resource };
    }
    case "CreateOpenIDConnectProvider": {
      const url = text(request, "Url");
      if (!url) return undefined;
      const arn = text(response, "OpenIDConnectProviderArn") ?? oidcArn(record, url);
      const audiences = strings(field(request ?? {}, "ClientIDList"));
      const forWhom = audiences.length > 0 ? ` for audience${audiences.length > 1 ? "s" : ""} ${audiences.join(", ")}` : "";
      return { what: `created OIDC identity provider ${url}${forWhom}`, resource: provider(record, "oidc", arn, url) };
    }
    case "UpdateOpenIDConnectProviderThumbprint": {
      const arn = text(request, "OpenIDConnectProviderArn");
      if (!arn) return undefined;
      const resource = provider(record, "oidc", arn, arn);
      return { what: `replaced the certificate thumbprints of OIDC identity provider ${resource.id}`, resource };
    }
    case "AddClientIDToOpenIDConnectProvider": {
      const arn = text(request, "OpenIDConnectProviderArn");
      if (!arn) return undefined;
      const resource = provider(record, "oidc", arn, arn);
      return { what: `added audience ${text(request, "ClientID") ?? "(not recorded)"} to OIDC identity provider ${resource.id}`, resource };
    }
    default:
      return undefined;
  }
}

function providerCall(
  eventID: string,
  eventTime: string,
  eventName: EventName | "DeleteOpenIDConnectProvider",
  identity: Record<string, unknown>,
  requestParameters: Record<string, unknown>,
  options: { responseElements?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "iam.amazonaws.com",
    eventName,
    identity,
    requestParameters,
    ...(options.responseElements ? { responseElements: options.responseElements } : {}),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

const TERRAFORM = "arn:aws:iam::111122223333:role/iac/terraform-apply";
const OPERATOR = "arn:aws:iam::111122223333:user/christophe";
const SSO_ADMIN = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a";
const GITHUB_OIDC = `arn:aws:iam::${PROD}:oidc-provider/token.actions.githubusercontent.com`;
const SAML_METADATA =
  '<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://www.okta-login.example.net/exk4f2a9q1LZw8Hjb5d7"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://okta-login.example.net/app/amazon_aws/exk4f2a9q1LZw8Hjb5d7/sso/saml"/></md:IDPSSODescriptor></md:EntityDescriptor>';

export default defineDetector({
  id: "iam.identity-provider-changed",
  title: "SAML or OIDC identity provider created or changed outside infrastructure as code",
  severity: "high",
  mitre: ["T1484.002"],
  pattern: {
    source: ["aws.iam"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["iam.amazonaws.com"],
      eventName: [...EVENTS],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    const change = describe(record);
    if (!change) return undefined;
    return { summary: sentence(`${actorName(record)} ${change.what}.`), resources: [change.resource] };
  },
  runbook:
    "An identity provider decides who may sign in to the account's roles without an IAM credential: a new SAML provider, new SAML metadata (its signing " +
    "certificate), a new OIDC provider, new OIDC thumbprints or a new audience lets whoever controls that identity provider (or that signing key) assume every role " +
    "that trusts it, a way back in that survives the loss of every key and password. Principals of the baseline's infrastructure-as-code list are not reported. " +
    "Ask the caller why; for SAML, compare the entity id, sign-in URL and certificate with the organisation's IdP; for OIDC, check that the issuer URL and " +
    "audience are ones the organisation uses (GitHub Actions, an EKS cluster). Then list the roles whose trust policy names the provider and the " +
    "AssumeRoleWithSAML or AssumeRoleWithWebIdentity calls through it since. If it is not approved, delete the provider or restore the previous metadata, " +
    "thumbprints or audiences; no remediation is proposed because the previous state is not in the event. A refused call (errorCode) is not a finding here: " +
    "nothing changed.",
  examples: {
    match: [
      {
        description: "An operator's key creates a SAML provider from the CLI",
        record: providerCall(
          "52b57364-185c-4ef2-9efe-f14e5049065a",
          "2024-07-08T22:14:36Z",
          "CreateSAMLProvider",
          iamUser(OPERATOR),
          { sAMLMetadataDocument: SAML_METADATA, name: "okta-sso" },
          { responseElements: { sAMLProviderArn: `arn:aws:iam::${PROD}:saml-provider/okta-sso` } },
        ),
      },
      {
        description: "An SSO administrator replaces the metadata of the existing SAML provider",
        record: providerCall(
          "f265b413-e650-4134-b0b8-9c72d25d3696",
          "2024-07-08T22:19:02Z",
          "UpdateSAMLProvider",
          assumedRole(SSO_ADMIN, "j.doe@example.com"),
          { sAMLMetadataDocument: SAML_METADATA, sAMLProviderArn: `arn:aws:iam::${PROD}:saml-provider/corp-adfs` },
          { responseElements: { sAMLProviderArn: `arn:aws:iam::${PROD}:saml-provider/corp-adfs` }, userAgent: USER_AGENTS.console },
        ),
      },
      {
        description: "An OIDC provider for an unfamiliar issuer created by a workload role",
        record: providerCall(
          "17a9c8b8-2f43-49e1-a401-2a79d8ef47db",
          "2024-07-08T22:23:47Z",
          "CreateOpenIDConnectProvider",
          assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          { url: "https://auth.example-tokens.net", clientIDList: ["aws-access"], thumbprintList: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"] },
          { responseElements: { openIDConnectProviderArn: `arn:aws:iam::${PROD}:oidc-provider/auth.example-tokens.net` }, userAgent: USER_AGENTS.boto3 },
        ),
      },
      {
        description: "New thumbprints for the GitHub Actions provider",
        record: providerCall("a4bef1e1-10a6-473f-b4a9-73954c5b946d", "2024-07-08T22:27:15Z", "UpdateOpenIDConnectProviderThumbprint", iamUser(OPERATOR), {
          openIDConnectProviderArn: GITHUB_OIDC,
          thumbprintList: ["3fcb7b3d9d4a6c0b8e9e0a0f4b0f0c8d2a1b7e63"],
        }),
      },
      {
        description: "A second audience added to the GitHub Actions provider",
        record: providerCall("3a67b712-323d-4858-8c0f-f3b01fd189be", "2024-07-08T22:29:58Z", "AddClientIDToOpenIDConnectProvider", iamUser(OPERATOR), {
          openIDConnectProviderArn: GITHUB_OIDC,
          clientID: "attacker-audience",
        }),
      },
    ],
    noMatch: [
      {
        description: "The Terraform deploy role creating the GitHub Actions provider, as reviewed code",
        record: providerCall(
          "6ef4b1e9-2991-48b9-99ce-3aa929f0a2ff",
          "2024-07-08T22:33:20Z",
          "CreateOpenIDConnectProvider",
          assumedRole(TERRAFORM, "terraform-run-8880"),
          { url: "https://token.actions.githubusercontent.com", clientIDList: ["sts.amazonaws.com"] },
          { responseElements: { openIDConnectProviderArn: GITHUB_OIDC }, userAgent: USER_AGENTS.terraform },
        ),
        baseline: { principals: { iac: [TERRAFORM] } },
      },
      {
        description: "An OIDC provider deleted: fewer ways in, not more",
        record: providerCall("076b9764-edd0-43ae-a304-4bacff8ddde5", "2024-07-08T22:36:41Z", "DeleteOpenIDConnectProvider", iamUser(OPERATOR), {
          openIDConnectProviderArn: `arn:aws:iam::${PROD}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/5C1A2B3D4E5F60718293A4B5C6D7E8F9`,
        }),
      },
      {
        description: "A CreateSAMLProvider that IAM refused",
        record: providerCall(
          "1fa65551-fb9a-4098-a533-cf832f161ef5",
          "2024-07-08T22:39:05Z",
          "CreateSAMLProvider",
          assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          { sAMLMetadataDocument: SAML_METADATA, name: "okta-sso" },
          {
            error: {
              code: "AccessDenied",
              message: `User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: iam:CreateSAMLProvider on resource: arn:aws:iam::${PROD}:saml-provider/okta-sso because no identity-based policy allows the iam:CreateSAMLProvider action`,
            },
          },
        ),
      },
    ],
  },
});
