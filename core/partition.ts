/** `aws`, `aws-cn` or `aws-us-gov`, from the region an event was recorded in; ARNs need it. */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}
