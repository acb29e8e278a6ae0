// Reading a YAML file node by node, so that every value keeps its line and column and every
// mistake can be reported where it is. Both fixture loaders are built on these few readers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Scalar } from 'yaml';
import { MatrixError, suggest, type SourcePosition } from './errors.js';

/** A value node, or the key it hangs from when the value is empty (`key:` with nothing after it). */
export type Located = { node: Node | null; anchor: Node };

export class YamlSource {
  readonly file: string;
  readonly root: Located;
  private readonly lines: LineCounter;
  private readonly doc: Document;

  constructor(absolutePath: string) {
    this.file = displayPath(absolutePath);
    let text: string;
    try {
      text = readFileSync(absolutePath, 'utf8');
    } catch (error) {
      throw new MatrixError(
        { file: this.file, line: 1, col: 1 },
        `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
        'check the path',
      );
    }
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false });
    const syntax = this.doc.errors[0];
    if (syntax) {
      const pos = syntax.linePos?.[0] ?? { line: 1, col: 1 };
      const problem = syntax.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      const fix = syntax.code === 'DUPLICATE_KEY' ? 'remove or rename the repeated key' : 'fix the YAML syntax';
      throw new MatrixError({ file: this.file, ...pos }, problem, fix);
    }
    const contents = this.doc.contents as Node | null;
    this.root = { node: contents, anchor: contents ?? (this.doc as unknown as Node) };
  }

  position(at: Located | Node): SourcePosition {
    const node = isLocated(at) ? (at.node ?? at.anchor) : at;
    const offset = node.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  /** `file:line` of a node, kept in parsed data so later checks can point back at it. */
  where(at: Located | Node): string {
    const { file, line } = this.position(at);
    return `${file}:${line}`;
  }

  fail(at: Located | Node, problem: string, fix: string): never {
    throw new MatrixError(this.position(at), problem, fix);
  }

  private deref(node: Node | null): Node | null {
    return node && isAlias(node) ? (node.resolve(this.doc) as Node | undefined) ?? null : node;
  }

  /**
   * The entries of a mapping, refusing keys outside `keys` (with the nearest valid key as the fix)
   * and reporting required keys that are missing. `keys: null` accepts any key (maps of names).
   */
  map(
    at: Located,
    where: string,
    keys: { required?: readonly string[]; optional?: readonly string[] } | null,
  ): Map<string, Located & { key: Scalar }> {
    const node = this.deref(at.node);
    if (!isMap(node)) this.fail(at, `${where} must be a mapping (key: value)`, 'write it as `key: value` lines or `{ key: value }`');
    const entries = new Map<string, Located & { key: Scalar }>();
    const allowed = keys ? [...(keys.required ?? []), ...(keys.optional ?? [])] : null;
    for (const pair of node.items) {
      const key = pair.key as Scalar;
      const name = String(isScalar(key) ? key.value : key);
      if (allowed && !allowed.includes(name)) {
        this.fail(key, `unknown key "${name}" in ${where}`, suggest(name, allowed, 'one of the keys'));
      }
      const value = this.deref((pair.value as Node | null) ?? null);
      entries.set(name, { node: value, anchor: key, key });
    }
    for (const name of keys?.required ?? []) {
      if (!entries.has(name)) this.fail(at, `${where} has no "${name}"`, `add \`${name}:\` to ${where}`);
    }
    return entries;
  }

  string(at: Located, where: string): string {
    const node = this.deref(at.node);
    if (!isScalar(node) || node.value === null || typeof node.value === 'object') {
      this.fail(at, `${where} must be a single value`, 'write a plain value, not a list or mapping');
    }
    return String(node.value);
  }

  boolean(at: Located, where: string): boolean {
    const node = this.deref(at.node);
    if (!isScalar(node) || typeof node.value !== 'boolean') this.fail(at, `${where} must be true or false`, 'write true or false');
    return node.value;
  }

  integer(at: Located, where: string): number {
    const node = this.deref(at.node);
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value)) {
      this.fail(at, `${where} must be a whole number`, 'write a number such as 201');
    }
    return node.value;
  }

  /** A list of values; a single value is accepted as a list of one. Each item keeps its position. */
  list(at: Located, where: string): { value: string; at: Located }[] {
    const node = this.deref(at.node);
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        const itemAt = { node: this.deref(item as Node), anchor: (item as Node | null) ?? at.anchor };
        return { value: this.string(itemAt, `${where}[${i}]`), at: itemAt };
      });
    }
    return [{ value: this.string(at, where), at }];
  }

  /** The items of a sequence, as located nodes. */
  sequence(at: Located, where: string): Located[] {
    const node = this.deref(at.node);
    if (!isSeq(node)) this.fail(at, `${where} must be a list`, 'write it as `- item` lines or `[a, b]`');
    return node.items.map((item) => ({ node: this.deref(item as Node), anchor: (item as Node | null) ?? at.anchor }));
  }

  /** Any plain data (for free-form facts), converted to JS. */
  plain(at: Located): unknown {
    const node = this.deref(at.node);
    return node ? (node.toJSON?.() as unknown) : null;
  }
}

function isLocated(at: Located | Node): at is Located {
  return 'anchor' in at;
}

/** Paths in messages are relative to the working directory when they are inside it. */
export function displayPath(absolutePath: string): string {
  const relative = path.relative(process.cwd(), absolutePath);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : absolutePath;
}
