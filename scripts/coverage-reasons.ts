/**
 * Stratus Red Team techniques that no detector claims, and why CloudTrail
 * alone cannot reveal them. The coverage test fails when a technique is
 * neither claimed by a detector nor explained here.
 */
export const UNCOVERED_REASONS: Record<string, string> = {};
