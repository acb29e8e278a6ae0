// Small helpers shared by scenario files.
import type { UserFacts } from '../harness/stack/client.js';

/** The user fields the expectations speak of, in the names fixtures/expectations.yaml uses. */
export function userFactsOf(user: UserFacts | undefined): Record<string, unknown> | undefined {
  if (!user) return undefined;
  return { name: user.name, email: user.email, storageLabel: user.storageLabel, quota: user.quotaGiB, isAdmin: user.isAdmin };
}
