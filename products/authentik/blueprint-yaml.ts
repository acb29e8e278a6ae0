// authentik blueprint tags (!KeyOf, !Find) as values the `yaml` library can write and read back.
import { Scalar, YAMLSeq, parse, stringify, type CollectionTag, type ScalarTag } from 'yaml';

/** `!KeyOf id`: the primary key of an entry with that `id` in the same blueprint. */
export class KeyOf {
  constructor(readonly id: string) {}
}
/** `!Find [model, [field, value], …]`: the primary key of an existing object. */
export class Find {
  constructor(
    readonly model: string,
    readonly query: [string, string][],
  ) {}
}

const keyOfTag: ScalarTag = {
  tag: '!KeyOf',
  identify: (v) => v instanceof KeyOf,
  resolve: (s) => new KeyOf(s),
  stringify: (item) => String((item as Scalar<KeyOf>).value.id),
};

const findTag: CollectionTag = {
  tag: '!Find',
  collection: 'seq',
  nodeClass: YAMLSeq,
  identify: (v) => v instanceof Find,
  createNode: (schema, value, ctx) => {
    const f = value as Find;
    return YAMLSeq.from(schema, [f.model, ...f.query], ctx);
  },
  resolve: (seq) => {
    const [model, ...query] = (seq as YAMLSeq).toJSON() as [string, ...[string, string][]];
    return new Find(model, query) as unknown as YAMLSeq;
  },
};

export const blueprintTags = [keyOfTag, findTag];

export function stringifyBlueprint(doc: unknown): string {
  return stringify(doc, { customTags: blueprintTags });
}
export function parseBlueprint(text: string): any {
  return parse(text, { customTags: blueprintTags });
}
