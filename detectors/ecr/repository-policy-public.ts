import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { allowsPublicAccess, asList, parsePolicyDocument, statementsOf } from "../../core/policy.js";
import { actorName, API_CALL, field, partitionOf, sentence, stringField } from "../common.js";
import { apiCall, assumedRole, OUTSIDE, PROD, USER_AGENTS } from "../examples.js";

const REGION = "eu-west-1";
const DEVELOPER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Developer_1a2b3c4d5e6f7a8b";
const TERRAFORM = "arn:aws:iam::111122223333:role/ci/terraform-apply";

/** The repository in the registry the request or response names, by default the caller's account. */
function repositoryResource(record: CloudTrailRecord): FindingResource {
  const name = stringField(record.requestParameters, "repositoryName") ?? "(unnamed repository)";
  const registry =
    stringField(record.requestParameters, "registryId") ?? stringField(record.responseElements, "registryId") ?? record.recipientAccountId;
  const arn = `arn:${partitionOf(record.awsRegion)}:ecr:${record.awsRegion}:${registry}:repository/${name}`;
  return { type: "AWS::ECR::Repository", id: name, arn, account: registry, region: record.awsRegion };
}

function actionsOf(statement: Record<string, unknown>): string {
  if (statement.Action !== undefined) return asList(statement.Action).map(String).join(", ");
  if (statement.NotAction !== undefined) return `every action except ${asList(statement.NotAction).map(String).join(", ")}`;
  return "access";
}

const PULL = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

function setRepositoryPolicy(
  eventID: string,
  eventTime: string,
  repositoryName: string,
  statements: Record<string, unknown>[],
  options: { identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  const policyText = JSON.stringify({ Version: "2012-10-17", Statement: statements });
  return apiCall({
    eventID,
    eventTime,
    eventSource: "ecr.amazonaws.com",
    eventName: "SetRepositoryPolicy",
    identity: options.identity ?? assumedRole(DEVELOPER, "s.okafor@example.com"),
    region: REGION,
    requestParameters: { repositoryName, policyText, force: false },
    responseElements: { registryId: PROD, repositoryName, policyText: JSON.stringify(JSON.parse(policyText), null, 2) },
    resources: [{ accountId: PROD, type: "AWS::ECR::Repository", ARN: `arn:aws:ecr:${REGION}:${PROD}:repository/${repositoryName}` }],
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "ecr.repository-policy-public",
  title: "ECR repository policy allows public access",
  severity: "high",
  mitre: ["T1530"],
  pattern: {
    source: ["aws.ecr"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["ecr.amazonaws.com"],
      eventName: ["SetRepositoryPolicy"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const document = parsePolicyDocument(record.requestParameters ? field(record.requestParameters, "policyText") : undefined);
    const open = statementsOf(document).filter(allowsPublicAccess);
    if (open.length === 0) return undefined;
    const resource = repositoryResource(record);
    const actions = [...new Set(open.map(actionsOf))];
    const sids = open.map((s) => s.Sid).filter((sid): sid is string => typeof sid === "string" && sid !== "");
    const which = sids.length > 0 ? ` (statement ${sids.join(", ")})` : "";
    return {
      summary: sentence(
        `${actorName(record)} set a policy on ECR repository ${resource.id} in ${resource.region} that allows ${actions.join(", ")} to anyone${which}.`,
      ),
      resources: [resource],
    };
  },
  runbook:
    "A statement of the repository's new policy allows everyone (Principal \"*\", {\"AWS\": \"*\"} or NotPrincipal) with no condition tying it to an account, " +
    "organisation, network or principal. With the pull actions any AWS principal anywhere can download the images, and with them the application code, " +
    "configuration and any credential baked into a layer; with ecr:PutImage or ecr:* anyone can replace an image the workloads run. Read the policy " +
    "(GetRepositoryPolicy), ask the repository's owner (public distribution belongs in ECR Public), and put back a policy scoped to the organisation " +
    "(aws:PrincipalOrgID) or named accounts, or delete it (DeleteRepositoryPolicy). Then rotate secrets found in the images and, if push was open, compare image " +
    "digests with the build pipeline's. Grants to one named account are not judged here. A refused SetRepositoryPolicy (errorCode) is not a finding: the policy " +
    "did not change.",
  examples: {
    match: [
      {
        description: "Anyone may pull the images of the payments service",
        record: setRepositoryPolicy("81c27f94-1e0b-4df1-9a8d-8beeeb21ea7d", "2025-02-04T16:27:39Z", "payments-api", [
          { Sid: "PublicPull", Effect: "Allow", Principal: "*", Action: PULL },
        ]),
      },
      {
        description: "Terraform writes a policy that lets {\"AWS\": \"*\"} do ecr:* on the base image repository",
        record: setRepositoryPolicy(
          "34f93035-ad8a-46af-a084-b552f0ee51e2",
          "2025-02-04T16:35:02Z",
          "platform/base-images",
          [{ Sid: "AllowAll", Effect: "Allow", Principal: { AWS: ["*"] }, Action: "ecr:*" }],
          { identity: assumedRole(TERRAFORM, "terraform-run-9034"), userAgent: USER_AGENTS.terraform },
        ),
      },
    ],
    noMatch: [
      {
        description: "Principal \"*\" limited to the organisation with aws:PrincipalOrgID",
        record: setRepositoryPolicy("98d2c048-abea-4c42-9487-d048ac39c483", "2025-02-04T16:02:18Z", "platform/base-images", [
          { Sid: "OrgPull", Effect: "Allow", Principal: "*", Action: PULL, Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } },
        ]),
      },
      {
        description: "Lambda may pull images for functions of the account (a service principal with aws:sourceArn)",
        record: setRepositoryPolicy("b62dd33d-6a6f-41c9-9487-bbe1f10a5587", "2025-02-04T16:05:44Z", "payments-api", [
          {
            Sid: "LambdaECRImageRetrievalPolicy",
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            Condition: { StringLike: { "aws:sourceArn": `arn:aws:lambda:${REGION}:${PROD}:function:*` } },
          },
        ]),
      },
      {
        description: "A pull grant to one account outside the organisation: cross-account, not public",
        record: setRepositoryPolicy("04149bca-3701-48e0-ac5b-243f7683e0e8", "2025-02-04T16:09:30Z", "payments-api", [
          { Sid: "PartnerPull", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OUTSIDE}:root` }, Action: PULL },
        ]),
      },
      {
        description: "A public policy that ECR refused: the policy did not change",
        record: setRepositoryPolicy("3180f934-00d9-4dfb-afbb-f4f0355337ba", "2025-02-04T16:25:12Z", "payments-api", [{ Effect: "Allow", Principal: "*", Action: PULL }], {
          identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          error: {
            code: "AccessDeniedException",
            message:
              "User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: ecr:SetRepositoryPolicy on resource: arn:aws:ecr:eu-west-1:111122223333:repository/payments-api because no identity-based policy allows the ecr:SetRepositoryPolicy action",
          },
        }),
      },
    ],
  },
});
