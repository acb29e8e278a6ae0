// fixtures/expectations.yaml: what each scenario case should produce, by version range.
// Resolution for one case on one cell:
//   1. the case's first matching rule; if it is a `skip`, the case cannot be exercised there: skip;
//   2. else the first matching login-level rule (a login that fails for everyone wins over the case);
//   3. else the case's rule.
// Loading checks that every case resolves on every cell the matrix can express, so a missing rule is
// reported at load time, at the case's line, not in the middle of a run.
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import type { Cell, IdpProduct, IdpSettings, Outcome } from '../model.js';
import { suggest } from './errors.js';
import { cellId, idpProducts, loadMatrix, readSettings, type Matrix } from './matrix.js';
import { settingsMatch, unsupportedSetting } from './settings.js';
import { YamlSource, type Located } from './source.js';

export const defaultExpectationsPath = fileURLToPath(new URL('../../fixtures/expectations.yaml', import.meta.url));

export interface Condition {
  /** semver range over the Immich version */
  immich?: string;
  idp?: IdpProduct[];
  /** semver range over the IdP version; only with a single `idp` */
  idpVersion?: string;
  variant?: string[];
  settings?: IdpSettings;
}

export interface Rule {
  when: Condition;
  expect?: Outcome;
  skip?: string;
  because?: string;
  /**
   * The answer comes before any token request (at discovery, or on the login page), so the `login` rules (about
   * the token exchange and the ID token) do not apply to it.
   */
  beforeToken?: boolean;
  /** The expectation is what should happen; a known upstream bug makes the product answer `observed` instead. */
  knownBug?: KnownBug;
  /** `file:line` of the rule, to point a reader at it. */
  source: string;
}

/** Cells whose expectations no source or run has confirmed: reported as unconfirmed, never as known. */
export interface Unconfirmed {
  when: Condition;
  because: string;
  source: string;
}

export interface Expectations {
  file: string;
  login: Rule[];
  unconfirmed: Unconfirmed[];
  /** scenario id → case id → rules, first match wins */
  scenarios: Record<string, Record<string, Rule[]>>;
}

export interface KnownBug {
  /** Where the bug is described (an upstream issue, or the spec and source it departs from). */
  link: string;
  /** What the product answers while the bug is there. */
  observed: Outcome;
}

export type Expected =
  | { outcome: Outcome; because?: string; knownBug?: KnownBug; unconfirmed?: string; beforeToken?: true; rule: string }
  | { skip: string; rule: string };

export function loadExpectations(path: string = defaultExpectationsPath, matrix: Matrix = loadMatrix()): Expectations {
  const src: YamlSource = new YamlSource(path);
  const top = src.map(src.root, 'the expectations', { required: ['scenarios'], optional: ['login', 'unconfirmed'] });
  const loginAt = top.get('login');
  const login = loginAt ? src.sequence(loginAt, 'login').map((at, i) => readRule(src, at, `login[${i}]`, matrix, true)) : [];

  const unconfirmedAt = top.get('unconfirmed');
  const unconfirmed = unconfirmedAt
    ? src.sequence(unconfirmedAt, 'unconfirmed').map((at, i) => {
        const where = `unconfirmed[${i}]`;
        const keys = src.map(at, where, { required: ['when', 'because'] });
        return { when: readCondition(src, keys.get('when')!, `${where}.when`, matrix), because: src.string(keys.get('because')!, `${where}.because`), source: src.where(at) };
      })
    : [];

  const known = matrix.scenarios.map((s) => s.id);
  const scenarios: Expectations['scenarios'] = {};
  const caseAt = new Map<string, Located>();
  const scenariosAt = top.get('scenarios')!;
  for (const [id, sAt] of src.map(scenariosAt, 'scenarios', null)) {
    if (!known.includes(id)) {
      src.fail(sAt.key, `unknown scenario "${id}" (not in ${matrix.file})`, suggest(id, known, 'one of the scenarios'));
    }
    const cases: Record<string, Rule[]> = {};
    const declared = matrix.scenarios.find((s) => s.id === id)!.cases;
    for (const [caseId, cAt] of src.map(sAt, `scenarios.${id}`, null)) {
      const where = `scenarios.${id}.${caseId}`;
      if (!declared.includes(caseId)) {
        src.fail(cAt.key ?? cAt, `unknown case "${caseId}" of scenario ${id} (its cases in ${matrix.file}: ${declared.join(', ')})`, suggest(caseId, declared, 'one of the cases'));
      }
      const rules = src.sequence(cAt, where);
      if (rules.length === 0) src.fail(cAt, `${where} has no rules`, 'add at least one rule (a last rule without `when` matches every cell)');
      cases[caseId] = rules.map((at, i) => readRule(src, at, `${where}[${i}]`, matrix, false));
      caseAt.set(`${id}/${caseId}`, cAt.key ? { node: cAt.key, anchor: cAt.key } : cAt);
    }
    scenarios[id] = cases;
    const missing = declared.filter((c) => !cases[c]);
    if (missing.length) src.fail(sAt.key ?? sAt, `scenario ${id} has no expectations for case ${missing.join(', ')}`, `add scenarios.${id}.${missing[0]} with its rules`);
  }
  for (const id of known) {
    if (!scenarios[id]) src.fail(scenariosAt, `scenario ${id} (declared in ${matrix.file}) has no expectations`, `add scenarios.${id} with its cases`);
  }

  const expectations: Expectations = { file: src.file, login, unconfirmed, scenarios };
  // Every case must resolve on every cell the matrix can express, not only the ones it runs today.
  for (const cell of possibleCells(matrix)) {
    for (const scenario of matrix.scenarios) {
      const variant = matrix.idps[cell.idp.product as IdpProduct]!.variants[cell.idp.variant]!;
      const runs = variant.scenarios ? variant.scenarios.includes(scenario.id) : !scenario.requires;
      if (!runs) continue;
      for (const caseId of Object.keys(scenarios[scenario.id]!)) {
        if (resolve(expectations, scenario.id, caseId, cell)) continue;
        src.fail(
          caseAt.get(`${scenario.id}/${caseId}`)!,
          `no rule of ${scenario.id}/${caseId} matches Immich ${cell.immich} with ${cell.idp.product} ${cell.idp.version} (${cell.idp.variant})`,
          'add a rule for it, or end the list with a rule without `when`',
        );
      }
    }
  }
  return expectations;
}

const conditionKeys = ['immich', 'idp', 'idpVersion', 'variant', 'settings'];

function readRule(src: YamlSource, at: Located, where: string, matrix: Matrix, loginLevel: boolean): Rule {
  const keys = src.map(at, where, { optional: loginLevel ? ['when', 'expect', 'because'] : ['when', 'expect', 'skip', 'because', 'knownBug', 'beforeToken'] });
  const rule: Rule = { when: {}, source: src.where(at) };
  const whenAt = keys.get('when');
  if (whenAt) rule.when = readCondition(src, whenAt, `${where}.when`, matrix);
  const expectAt = keys.get('expect');
  const skipAt = keys.get('skip');
  if (!expectAt && !skipAt) {
    src.fail(at, `${where} says neither expect nor skip`, loginLevel ? 'add `expect: { status: ..., message: ... }`' : 'add `expect: { status: ... }` or `skip: <reason>`');
  }
  if (expectAt && skipAt) src.fail(skipAt.key, `${where} has both expect and skip`, 'keep one of them');
  if (expectAt) rule.expect = readOutcome(src, expectAt, `${where}.expect`);
  if (skipAt) rule.skip = src.string(skipAt, `${where}.skip`);
  const becauseAt = keys.get('because');
  if (becauseAt) rule.because = src.string(becauseAt, `${where}.because`);
  const discoveryAt = keys.get('beforeToken');
  if (discoveryAt) {
    if (!src.boolean(discoveryAt, `${where}.beforeToken`)) src.fail(discoveryAt.key, `${where}.beforeToken can only be true`, 'remove it, or write `beforeToken: true`');
    rule.beforeToken = true;
  }
  const bugAt = keys.get('knownBug');
  if (bugAt) {
    if (!expectAt) src.fail(bugAt.key, `${where} has knownBug without expect`, 'say in `expect` what should happen, and in knownBug.observed what happens');
    const bug = src.map(bugAt, `${where}.knownBug`, { required: ['link', 'observed'] });
    const link = src.string(bug.get('link')!, `${where}.knownBug.link`);
    if (!/^https:\/\/\S+$/.test(link)) src.fail(bug.get('link')!, `${where}.knownBug.link is not an https link: "${link}"`, 'link the upstream issue, or the spec section and source it departs from');
    rule.knownBug = { link, observed: readOutcome(src, bug.get('observed')!, `${where}.knownBug.observed`) };
  }
  return rule;
}

function readRange(src: YamlSource, at: Located, where: string): string {
  const range = src.string(at, where);
  if (semver.validRange(range) === null) {
    src.fail(at, `bad semver range "${range}" in ${where}`, 'write a range such as ">=1.133.0 <2.0.0" or "<3.1.0"');
  }
  return range;
}

function readCondition(src: YamlSource, at: Located, where: string, matrix: Matrix): Condition {
  const keys = src.map(at, where, { optional: conditionKeys });
  const condition: Condition = {};
  const immichAt = keys.get('immich');
  if (immichAt) condition.immich = readRange(src, immichAt, `${where}.immich`);
  const idpAt = keys.get('idp');
  if (idpAt) {
    condition.idp = src.list(idpAt, `${where}.idp`).map(({ value, at: pAt }) => {
      if (!(idpProducts as readonly string[]).includes(value)) src.fail(pAt, `unknown IdP product "${value}" in ${where}.idp`, suggest(value, idpProducts, 'one of'));
      return value as IdpProduct;
    });
  }
  const versionAt = keys.get('idpVersion');
  if (versionAt) {
    if (condition.idp?.length !== 1) {
      src.fail(versionAt.key, `${where}.idpVersion without a single idp`, 'add `idp: <product>` so the range says which product it is about');
    }
    condition.idpVersion = readRange(src, versionAt, `${where}.idpVersion`);
  }
  const variantAt = keys.get('variant');
  if (variantAt) {
    const products = condition.idp ?? idpProducts;
    const names = [...new Set(products.flatMap((p) => Object.keys(matrix.idps[p]?.variants ?? {})))];
    condition.variant = src.list(variantAt, `${where}.variant`).map(({ value, at: vAt }) => {
      if (!names.includes(value)) src.fail(vAt, `unknown variant "${value}" in ${where}.variant`, suggest(value, names, 'one of the variants'));
      return value;
    });
  }
  const settingsAt = keys.get('settings');
  if (settingsAt) {
    const product = condition.idp?.length === 1 ? condition.idp[0] : undefined;
    condition.settings = readSettings(src, settingsAt, `${where}.settings`, product, false);
  }
  return condition;
}

function readOutcome(src: YamlSource, at: Located, where: string): Outcome {
  const keys = src.map(at, where, { required: ['status'], optional: ['message', 'facts'] });
  const statusAt = keys.get('status')!;
  const status = src.integer(statusAt, `${where}.status`);
  if (status < 100 || status > 599) src.fail(statusAt, `${where}.status ${status} is not an HTTP status`, 'write a status between 100 and 599');
  const outcome: Outcome = { status };
  const messageAt = keys.get('message');
  if (messageAt) outcome.message = src.string(messageAt, `${where}.message`);
  const factsAt = keys.get('facts');
  if (factsAt) {
    src.map(factsAt, `${where}.facts`, null);
    outcome.facts = src.plain(factsAt) as Record<string, unknown>;
  }
  return outcome;
}

function matches(when: Condition, cell: Cell): boolean {
  if (when.immich && !semver.satisfies(cell.immich, when.immich)) return false;
  if (when.idp && !(when.idp as string[]).includes(cell.idp.product)) return false;
  if (when.idpVersion && !semver.satisfies(cell.idp.version, when.idpVersion)) return false;
  if (when.variant && !when.variant.includes(cell.idp.variant)) return false;
  if (when.settings && !settingsMatch(when.settings, cell.idp.settings)) return false;
  return true;
}

function resolve(expectations: Expectations, scenarioId: string, caseId: string, cell: Cell): Expected | undefined {
  const caseRule = expectations.scenarios[scenarioId]?.[caseId]?.find((r) => matches(r.when, cell));
  if (caseRule?.skip !== undefined) return { skip: caseRule.skip, rule: caseRule.source };
  const chosen = (caseRule?.beforeToken ? undefined : expectations.login.find((r) => matches(r.when, cell))) ?? caseRule;
  if (!chosen?.expect) return undefined;
  const unconfirmedBecause = expectations.unconfirmed.find((u) => matches(u.when, cell))?.because;
  return {
    outcome: structuredClone(chosen.expect),
    rule: chosen.source,
    ...(chosen.because ? { because: chosen.because } : {}),
    ...(chosen.knownBug ? { knownBug: structuredClone(chosen.knownBug) } : {}),
    ...(unconfirmedBecause ? { unconfirmed: unconfirmedBecause } : {}),
    ...(chosen.beforeToken ? { beforeToken: true as const } : {}),
  };
}

/** The expected outcome of one case on one cell, or why the case is skipped there. */
export function expectedOutcome(expectations: Expectations, scenarioId: string, caseId: string, cell: Cell): Expected {
  const cases = expectations.scenarios[scenarioId];
  if (!cases) throw new Error(`no scenario "${scenarioId}" in ${expectations.file}: ${suggest(scenarioId, Object.keys(expectations.scenarios), 'one of')}`);
  if (!cases[caseId]) throw new Error(`no case "${caseId}" in scenario ${scenarioId} of ${expectations.file}: ${suggest(caseId, Object.keys(cases), 'one of')}`);
  const found = resolve(expectations, scenarioId, caseId, cell);
  if (!found) throw new Error(`no rule of ${scenarioId}/${caseId} in ${expectations.file} matches cell ${cell.id}: add one`);
  return found;
}

/** The case ids of a scenario, in file order. */
export function casesOf(expectations: Expectations, scenarioId: string): string[] {
  return Object.keys(expectations.scenarios[scenarioId] ?? {});
}

/** Every cell the matrix could express: each tested Immich × IdP version × variant that version supports. */
function* possibleCells(matrix: Matrix): Generator<Cell> {
  for (const product of idpProducts) {
    const idp = matrix.idps[product];
    if (!idp) continue;
    for (const immich of matrix.immich) {
      for (const version of idp.versions) {
        for (const variant of Object.values(idp.variants)) {
          if (unsupportedSetting(product, version, variant.settings)) continue;
          yield {
            id: cellId(immich, product, version, variant.name, 'embedded'),
            backend: 'embedded',
            immich,
            idp: { product, version, variant: variant.name, settings: variant.settings },
          };
        }
      }
    }
  }
}
