/**
 * MITRE ATT&CK (Enterprise) techniques that trailwarden detectors cite, pinned to
 * one release so that a finding's mapping means the same thing a year later.
 * A detector may only cite ids listed here (a registry meta-test checks it),
 * which keeps typos and retired ids out of findings.
 */
export const ATTACK_VERSION = "16.1";

export const TECHNIQUES: Record<string, { name: string; tactic: string }> = {
  T1021: { name: "Remote Services", tactic: "Lateral Movement" },
  "T1021.007": { name: "Remote Services: Cloud Services", tactic: "Lateral Movement" },
  T1059: { name: "Command and Scripting Interpreter", tactic: "Execution" },
  "T1059.009": { name: "Command and Scripting Interpreter: Cloud API", tactic: "Execution" },
  "T1069.003": { name: "Permission Groups Discovery: Cloud Groups", tactic: "Discovery" },
  "T1078.004": { name: "Valid Accounts: Cloud Accounts", tactic: "Initial Access" },
  T1078: { name: "Valid Accounts", tactic: "Defense Evasion" },
  "T1087.004": { name: "Account Discovery: Cloud Account", tactic: "Discovery" },
  T1098: { name: "Account Manipulation", tactic: "Persistence" },
  "T1098.001": { name: "Account Manipulation: Additional Cloud Credentials", tactic: "Persistence" },
  "T1098.003": { name: "Account Manipulation: Additional Cloud Roles", tactic: "Persistence" },
  "T1098.004": { name: "Account Manipulation: SSH Authorized Keys", tactic: "Persistence" },
  T1110: { name: "Brute Force", tactic: "Credential Access" },
  T1136: { name: "Create Account", tactic: "Persistence" },
  "T1136.003": { name: "Create Account: Cloud Account", tactic: "Persistence" },
  T1190: { name: "Exploit Public-Facing Application", tactic: "Initial Access" },
  T1199: { name: "Trusted Relationship", tactic: "Initial Access" },
  T1201: { name: "Password Policy Discovery", tactic: "Discovery" },
  T1484: { name: "Domain or Tenant Policy Modification", tactic: "Defense Evasion" },
  "T1484.002": { name: "Domain or Tenant Policy Modification: Trust Modification", tactic: "Defense Evasion" },
  T1485: { name: "Data Destruction", tactic: "Impact" },
  T1486: { name: "Data Encrypted for Impact", tactic: "Impact" },
  T1496: { name: "Resource Hijacking", tactic: "Impact" },
  T1526: { name: "Cloud Service Discovery", tactic: "Discovery" },
  T1530: { name: "Data from Cloud Storage", tactic: "Collection" },
  T1531: { name: "Account Access Removal", tactic: "Impact" },
  T1535: { name: "Unused/Unsupported Cloud Regions", tactic: "Defense Evasion" },
  T1537: { name: "Transfer Data to Cloud Account", tactic: "Exfiltration" },
  "T1552.005": { name: "Unsecured Credentials: Cloud Instance Metadata API", tactic: "Credential Access" },
  "T1555.006": { name: "Credentials from Password Stores: Cloud Secrets Management Stores", tactic: "Credential Access" },
  "T1556.006": { name: "Modify Authentication Process: Multi-Factor Authentication", tactic: "Credential Access" },
  "T1562.001": { name: "Impair Defenses: Disable or Modify Tools", tactic: "Defense Evasion" },
  "T1562.007": { name: "Impair Defenses: Disable or Modify Cloud Firewall", tactic: "Defense Evasion" },
  "T1562.008": { name: "Impair Defenses: Disable or Modify Cloud Logs", tactic: "Defense Evasion" },
  "T1578.001": { name: "Modify Cloud Compute Infrastructure: Create Snapshot", tactic: "Defense Evasion" },
  "T1578.002": { name: "Modify Cloud Compute Infrastructure: Create Cloud Instance", tactic: "Defense Evasion" },
  "T1578.005": { name: "Modify Cloud Compute Infrastructure: Modify Cloud Compute Configurations", tactic: "Defense Evasion" },
  T1580: { name: "Cloud Infrastructure Discovery", tactic: "Discovery" },
  T1606: { name: "Forge Web Credentials", tactic: "Credential Access" },
  T1619: { name: "Cloud Storage Object Discovery", tactic: "Discovery" },
  T1621: { name: "Multi-Factor Authentication Request Generation", tactic: "Credential Access" },
  T1648: { name: "Serverless Execution", tactic: "Execution" },
  T1651: { name: "Cloud Administration Command", tactic: "Execution" },
  T1666: { name: "Modify Cloud Resource Hierarchy", tactic: "Defense Evasion" },
};

export const TECHNIQUE_ID = /^T\d{4}(\.\d{3})?$/;
