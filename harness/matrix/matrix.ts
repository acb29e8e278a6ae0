// fixtures/matrix.yaml: the tested versions, the IdP settings variants, the scenarios and which
// cells each backend runs. Loaded once, validated completely, and expanded into cells up front,
// so a mistake anywhere is reported at its line before anything starts.
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { catalog } from '../../containers/catalog.js';
import { idpProducts as products } from '../../products/index.js';
import { PLAIN_IDP } from '../../products/embedded-idp/plain.js';
import type { Backend, Cell, IdpProduct, IdpSettings } from '../model.js';
import { suggest } from './errors.js';
import { sortCells } from './shard.js';
import { authMethods, productsWith, settingKeys, settingRules, settingsMatch, settingSupport, unsupportedSetting } from './settings.js';
import { YamlSource, type Located } from './source.js';

export const defaultMatrixPath = fileURLToPath(new URL('../../fixtures/matrix.yaml', import.meta.url));

/** The real products, and the embedded oidc-provider as an IdP of its own. */
export const idpProducts: readonly IdpProduct[] = [...products.keys(), PLAIN_IDP];
export const backends: readonly Backend[] = ['embedded', 'docker'];

export interface Variant {
  name: string;
  product: IdpProduct;
  about?: string;
  settings: IdpSettings;
  /** When set, the only scenarios this variant runs. */
  scenarios?: string[];
}

export interface IdpEntry {
  versions: string[];
  defaultVariant: string;
  variants: Record<string, Variant>;
}

export interface ScenarioSpec {
  id: string;
  /** The case ids the scenario checks; expectations must give exactly these, and the scenario may check no other. */
  cases: string[];
  /** Settings a cell must have; such a scenario runs only where a variant names it. */
  requires?: IdpSettings;
  /** IdPs whose every cell runs it although it `requires` settings: their control does what it needs. */
  idps?: IdpProduct[];
}

export interface Matrix {
  file: string;
  immich: string[];
  idps: Partial<Record<IdpProduct, IdpEntry>>;
  scenarios: ScenarioSpec[];
  cells: Record<Backend, Cell[]>;
}

const variantName = /^[a-z0-9][a-z0-9-]*$/;

export function cellId(immich: string, product: string, version: string, variant: string, backend: Backend): string {
  return `immich-${immich}__${product}-${version}__${variant}__${backend}`;
}

export function loadMatrix(path: string = defaultMatrixPath): Matrix {
  const src: YamlSource = new YamlSource(path);
  const top = src.map(src.root, 'the matrix', { required: ['immich', 'idps', 'scenarios', 'backends'] });

  const immich = readTested(src, top.get('immich')!, 'immich', 'immich');
  // Scenarios first: variants name them.
  const scenarios = readScenarios(src, top.get('scenarios')!);

  const idps: Partial<Record<IdpProduct, IdpEntry>> = {};
  const idpsAt = top.get('idps')!;
  for (const [name, at] of src.map(idpsAt, 'idps', null)) {
    if (!isProduct(name)) src.fail(at.key, `unknown IdP product "${name}" in idps`, suggest(name, idpProducts, 'one of'));
    idps[name] = readIdp(src, at, name, scenarios);
  }

  const matrix: Matrix = { file: src.file, immich, idps, scenarios, cells: { embedded: [], docker: [] } };
  for (const [name, at] of src.map(top.get('backends')!, 'backends', null)) {
    if (!(backends as readonly string[]).includes(name)) {
      src.fail(at.key, `unknown backend "${name}" in backends`, suggest(name, backends, 'one of'));
    }
    matrix.cells[name as Backend] = expandBackend(src, at, name as Backend, matrix);
  }
  return matrix;
}

function isProduct(name: string): name is IdpProduct {
  return (idpProducts as readonly string[]).includes(name);
}

/** A product's tested versions: valid, unrepeated, and each with a container definition. */
function readTested(src: YamlSource, at: Located, where: string, product: 'immich' | IdpProduct): string[] {
  const defined = catalog[product] ?? [];
  const seen = new Set<string>();
  return src.list(at, where).map(({ value, at: itemAt }) => {
    if (!semver.valid(value)) src.fail(itemAt, `"${value}" in ${where} is not a version`, `write a full version such as "${defined[0]}"`);
    if (!defined.includes(value)) {
      src.fail(
        itemAt,
        `${product} ${value} has no container definition in products/${product}/`,
        `add it to the product's versions first, or use one of ${defined.join(', ')}` + hint(value, defined),
      );
    }
    if (seen.has(value)) src.fail(itemAt, `${product} ${value} is listed twice in ${where}`, 'remove the repeat');
    seen.add(value);
    return value;
  });
}

function hint(word: string, valid: readonly string[]): string {
  const s = suggest(word, valid);
  return s.startsWith('did you mean') ? ` (${s})` : '';
}

function readIdp(src: YamlSource, at: Located, product: IdpProduct, scenarios: ScenarioSpec[]): IdpEntry {
  const where = `idps.${product}`;
  const keys = src.map(at, where, { required: ['versions', 'default', 'variants'] });
  const versions = readTested(src, keys.get('versions')!, `${where}.versions`, product);
  const variants: Record<string, Variant> = {};
  for (const [name, vAt] of src.map(keys.get('variants')!, `${where}.variants`, null)) {
    if (!variantName.test(name)) {
      src.fail(vAt.key, `variant name "${name}" is not usable in cell ids`, 'use lower-case letters, digits and dashes');
    }
    if (name === 'default') src.fail(vAt.key, 'a variant cannot be called "default"', '"default" names the product\'s default variant; pick another name');
    variants[name] = readVariant(src, vAt, product, name, scenarios);
  }
  const defaultAt = keys.get('default')!;
  const defaultVariant = src.string(defaultAt, `${where}.default`);
  if (!variants[defaultVariant]) {
    src.fail(defaultAt, `unknown variant "${defaultVariant}" as ${where}.default`, suggest(defaultVariant, Object.keys(variants), 'one of the variants'));
  }
  return { versions, defaultVariant, variants };
}

function readVariant(src: YamlSource, at: Located, product: IdpProduct, name: string, scenarios: ScenarioSpec[]): Variant {
  const where = `idps.${product}.variants.${name}`;
  const keys = src.map(at, where, { required: ['settings'], optional: ['about', 'scenarios'] });
  const settings = readSettings(src, keys.get('settings')!, `${where}.settings`, product);
  const variant: Variant = { name, product, settings };
  const about = keys.get('about');
  if (about) variant.about = src.string(about, `${where}.about`);
  const scenariosAt = keys.get('scenarios');
  if (scenariosAt) {
    // A variant may restrict its scenarios, and must satisfy the requirements of those it names.
    variant.scenarios = src.list(scenariosAt, `${where}.scenarios`).map(({ value, at: sAt }) => {
      const spec = scenarios.find((s) => s.id === value);
      if (!spec) src.fail(sAt, `unknown scenario "${value}" in ${where}.scenarios`, suggest(value, scenarios.map((s) => s.id), 'one of the scenarios'));
      if (spec.requires && !settingsMatch(spec.requires, settings)) {
        src.fail(sAt, `variant ${name} names scenario ${value}, which requires ${JSON.stringify(spec.requires)}`, `set those settings in the variant, or drop ${value} from its scenarios`);
      }
      return value;
    });
  }
  return variant;
}

/**
 * An IdpSettings mapping. With a product, settings of other products are refused, and with
 * `complete` (a variant, not a condition) the settings that product always has must be stated.
 */
export function readSettings(src: YamlSource, at: Located, where: string, product?: IdpProduct, complete = true): IdpSettings {
  const settings: IdpSettings = {};
  for (const [key, valueAt] of src.map(at, where, { optional: settingKeys })) {
    const name = key as keyof IdpSettings;
    const rule = settingRules[name];
    if (product && !settingSupport(product, name)) {
      const have = productsWith(name);
      src.fail(valueAt.key, `"${name}" in ${where} is not a setting of ${product} (${rule.about}: ${have.join(', ') || 'no product'} only)`, `remove it from ${where}`);
    }
    if (rule.kind === 'boolean') {
      (settings as Record<string, boolean>)[name] = src.boolean(valueAt, `${where}.${name}`);
    } else {
      const method = src.string(valueAt, `${where}.${name}`);
      if (!(authMethods as readonly string[]).includes(method)) {
        src.fail(valueAt, `unknown token endpoint auth method "${method}"`, suggest(method, authMethods, 'one of'));
      }
      settings.tokenEndpointAuthMethod = method as IdpSettings['tokenEndpointAuthMethod'];
    }
  }
  if (product && complete) {
    for (const name of settingKeys) {
      if (settingSupport(product, name)?.required && settings[name] === undefined) {
        src.fail(at, `${where} does not set ${name} (${product} always has one: ${settingRules[name].about})`, `add \`${name}:\` to ${where}`);
      }
    }
  }
  return settings;
}

function readScenarios(src: YamlSource, at: Located): ScenarioSpec[] {
  const scenarios: ScenarioSpec[] = [];
  for (const [id, sAt] of src.map(at, 'scenarios', null)) {
    const where = `scenarios.${id}`;
    if (!variantName.test(id)) src.fail(sAt.key, `scenario id "${id}" is not usable in file names`, 'use lower-case letters, digits and dashes');
    const keys = src.map(sAt, where, { required: ['cases'], optional: ['requires', 'idps'] });
    const cases = src.list(keys.get('cases')!, `${where}.cases`).map(({ value }) => value);
    if (cases.length === 0) src.fail(keys.get('cases')!, `${where}.cases is empty`, 'list the case ids the scenario checks');
    const spec: ScenarioSpec = { id, cases };
    const requires = keys.get('requires');
    if (requires) spec.requires = readSettings(src, requires, `${where}.requires`);
    const idpsAt = keys.get('idps');
    if (idpsAt) {
      spec.idps = src.list(idpsAt, `${where}.idps`).map(({ value, at: itemAt }) => {
        if (!isProduct(value)) src.fail(itemAt, `unknown IdP product "${value}" in ${where}.idps`, suggest(value, idpProducts, 'one of'));
        return value;
      });
    }
    scenarios.push(spec);
  }
  return scenarios;
}

/** Keywords and lists in a cell entry: `all`, `newest`, or explicit tested versions. */
function pickVersions(src: YamlSource, at: Located, where: string, tested: string[], product: string): string[] {
  const items = src.list(at, where);
  if (items.length === 1 && items[0]!.value === 'all') return [...tested];
  if (items.length === 1 && items[0]!.value === 'newest') return [tested.reduce((a, b) => (semver.gt(b, a) ? b : a))];
  return items.map(({ value, at: itemAt }) => {
    if (!tested.includes(value)) {
      src.fail(
        itemAt,
        `${product} ${value} in ${where} is not a tested version`,
        `list it under the tested versions first, or use one of ${['all', 'newest', ...tested].join(', ')}` + hint(value, tested),
      );
    }
    return value;
  });
}

function expandBackend(src: YamlSource, at: Located, backend: Backend, matrix: Matrix): Cell[] {
  const cells: Cell[] = [];
  const producedAt = new Map<string, string>();
  src.sequence(at, `backends.${backend}`).forEach((entryAt, i) => {
    const where = `backends.${backend}[${i}]`;
    const keys = src.map(entryAt, where, { required: ['immich', 'idp', 'versions'], optional: ['variants'] });
    const productAt = keys.get('idp')!;
    const product = src.string(productAt, `${where}.idp`);
    if (!isProduct(product)) src.fail(productAt, `unknown IdP product "${product}" in ${where}`, suggest(product, idpProducts, 'one of'));
    const idp = matrix.idps[product];
    if (!idp) src.fail(productAt, `${where} uses ${product}, which has no entry under idps`, `add idps.${product} or remove this entry`);

    const immichVersions = pickVersions(src, keys.get('immich')!, `${where}.immich`, matrix.immich, 'immich');
    const idpVersions = pickVersions(src, keys.get('versions')!, `${where}.versions`, idp.versions, product);
    const variantsAt = keys.get('variants');
    const variants = (variantsAt ? src.list(variantsAt, `${where}.variants`) : [{ value: 'default', at: entryAt }]).map(
      ({ value, at: vAt }) => {
        const name = value === 'default' ? idp.defaultVariant : value;
        const variant = idp.variants[name];
        if (!variant) {
          src.fail(vAt, `unknown ${product} variant "${value}" in ${where}.variants`, suggest(value, ['default', ...Object.keys(idp.variants)], 'one of'));
        }
        return { variant, at: vAt };
      },
    );

    for (const immich of immichVersions) {
      for (const version of idpVersions) {
        for (const { variant, at: vAt } of variants) {
          const impossible = unsupportedSetting(product, version, variant.settings);
          if (impossible) {
            src.fail(vAt, `variant ${variant.name} cannot run on ${product} ${version}: ${impossible}`, `list only versions that have it in ${where}.versions`);
          }
          const id = cellId(immich, product, version, variant.name, backend);
          const earlier = producedAt.get(id);
          if (earlier) src.fail(entryAt, `duplicate cell ${id} (also produced by the entry at ${earlier})`, 'remove the overlap from one of the two entries');
          producedAt.set(id, src.where(entryAt));
          cells.push({ id, backend, immich, idp: { product, version, variant: variant.name, settings: { ...variant.settings } } });
        }
      }
    }
  });
  return cells;
}

/** The cells a backend runs, in canonical order (see shard.ts), whatever order the file lists them in. */
export function expandCells(matrix: Matrix, backend: Backend): Cell[] {
  return sortCells(matrix.cells[backend]).map((cell) => structuredClone(cell));
}

export function findVariant(matrix: Matrix, cell: Cell): Variant {
  const product = cell.idp.product;
  const variant = matrix.idps[product]?.variants[cell.idp.variant];
  if (!variant) throw new Error(`cell ${cell.id}: ${product} has no variant "${cell.idp.variant}" in ${matrix.file}`);
  return variant;
}

/**
 * The scenarios a cell runs, in the matrix's order: the ones its variant names, else every
 * scenario without requirements, and those that name the cell's IdP.
 */
export function scenariosFor(cell: Cell, matrix: Matrix): string[] {
  const variant = findVariant(matrix, cell);
  return matrix.scenarios
    .filter((s) => (variant.scenarios ? variant.scenarios.includes(s.id) : !s.requires || s.idps?.includes(cell.idp.product)))
    .map((s) => s.id);
}
