// Given an IdP that sends a new user's claims in the shapes people configure by mistake or on purpose — a quota
// as a string, as nonsense or as 0, roles as a list, a storage label with path characters, no name at all —
// when the user logs in for the first time,
// then the photo server makes the account with the value its version derives from each claim.
import type { NewIdpUser } from '../harness/idp/control.js';
import { scenario } from '../harness/scenario.js';
import { userFactsOf } from './support.js';

type Field = 'quota' | 'isAdmin' | 'storageLabel' | 'name';
interface Case {
  user: (username: string) => Partial<NewIdpUser>;
  /** The one account field the case is about. */
  field: Field;
  /** Named values the expectations may use for that field (besides literals). */
  values?: (username: string) => Record<string, unknown>;
}

const cases: Record<string, Case> = {
  'quota-as-string': { user: () => ({ claims: { immich_quota: '5' } }), field: 'quota' },
  'quota-not-a-number': { user: () => ({ claims: { immich_quota: 'lots' } }), field: 'quota' },
  'quota-zero': { user: () => ({ claims: { immich_quota: 0 } }), field: 'quota' },
  'role-list': { user: () => ({ claims: { immich_role: ['user', 'admin'] } }), field: 'isAdmin' },
  'label-with-path': {
    user: (u) => ({ preferredUsername: `../${u}/photos.2026` }),
    field: 'storageLabel',
    values: (u) => ({ 'as-sent': `../${u}/photos.2026`, 'without-dots-and-slashes': `${u}photos2026` }),
  },
  'given-and-family-only': {
    user: () => ({ name: undefined, givenName: 'Ada', familyName: 'Lovelace' }),
    field: 'name',
    values: () => ({ 'given-family': 'Ada Lovelace' }),
  },
  'no-name': {
    user: () => ({ name: undefined }),
    field: 'name',
    values: (u) => ({ 'preferred-username': u, 'one-space': ' ' }),
  },
};

scenario('claims-mapping', 'A new user gets the quota, role, storage label and name their version derives from the claims', async ({ stack, check, applies }) => {
  // Who a new user is does not depend on the flow: the web flow keeps the matrix fast.
  await stack.useOAuth({ autoRegister: true });
  for (const [caseId, { user: claimsOf, field, values }] of Object.entries(cases)) {
    if (!applies(caseId)) continue;
    // given
    const username = stack.unique('claims');
    const user = await stack.createUser({ username, ...claimsOf(username) });
    // when
    const result = await stack.login('web', user);
    // then
    const created = userFactsOf(await stack.userByEmail(user.profile.email!));
    await check(caseId, { ...result, facts: { [field]: created?.[field] } }, { [field]: values?.(username) ?? {} });
  }
});
