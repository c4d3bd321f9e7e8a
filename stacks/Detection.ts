import { CfnRule } from "aws-cdk-lib/aws-events";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { CfnPermission } from "aws-cdk-lib/aws-lambda";
import { Function, type StackContext } from "sst/constructs";
import { ruleFor } from "../core/rules.js";
import { detectors } from "../detectors/index.js";

/**
 * The detection half of the pipeline: one `detect` function and one rule per
 * detector, generated from the registry so the deployed patterns are the ones
 * replay matches. Findings storage, the topic and remediation come with the
 * deployment work.
 */
export function Detection({ stack }: StackContext) {
  const detect = new Function(stack, "Detect", {
    handler: "functions/detect.handler",
    runtime: "nodejs22.x",
    memorySize: 512,
    timeout: 30,
    environment: { POWERTOOLS_SERVICE_NAME: "trailwarden-detect", POWERTOOLS_METRICS_NAMESPACE: "trailwarden" },
  });

  for (const detector of detectors) {
    const rule = ruleFor(detector);
    // CfnRule, because the L2 Rule cannot set the state that delivers read-only calls.
    const cfn = new CfnRule(stack, `Rule-${detector.id}`, {
      name: `${stack.stackName}-${detector.id}`.slice(0, 64),
      description: rule.description,
      eventPattern: rule.eventPattern,
      state: rule.state,
      targets: [{ id: "detect", arn: detect.functionArn, inputTransformer: { inputPathsMap: {}, inputTemplate: rule.inputTemplate } }],
    });
    new CfnPermission(stack, `Invoke-${detector.id}`, {
      action: "lambda:InvokeFunction",
      functionName: detect.functionName,
      principal: new ServicePrincipal("events.amazonaws.com").service,
      sourceArn: cfn.attrArn,
    });
  }
  detect.addToRolePolicy(new PolicyStatement({ actions: ["cloudwatch:PutMetricData"], resources: ["*"], conditions: { StringEquals: { "cloudwatch:namespace": "trailwarden" } } }));

  stack.addOutputs({ DetectFunction: detect.functionName, Rules: String(detectors.length) });
  return { detect };
}
