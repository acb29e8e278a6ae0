// oidc-provider storage in memory; the Client model reads the control API's clients so they exist at once.
import type { Adapter, AdapterPayload } from 'oidc-provider';

type Entry = { payload: AdapterPayload; expiresAt: number };

export function memoryAdapter(findClient: (id: string) => AdapterPayload | undefined): new (name: string) => Adapter {
  const models = new Map<string, Map<string, Entry>>();

  return class MemoryAdapter implements Adapter {
    private readonly items: Map<string, Entry>;

    constructor(private readonly name: string) {
      let items = models.get(name);
      if (!items) models.set(name, (items = new Map()));
      this.items = items;
    }

    private live(id: string): AdapterPayload | undefined {
      const entry = this.items.get(id);
      if (!entry) return undefined;
      if (entry.expiresAt && entry.expiresAt < Date.now()) {
        this.items.delete(id);
        return undefined;
      }
      return entry.payload;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      this.items.set(id, { payload: { ...payload }, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : 0 });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'Client') return findClient(id);
      return this.live(id);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return [...this.items.keys()].map((k) => this.live(k)).find((p) => p?.userCode === userCode);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return [...this.items.keys()].map((k) => this.live(k)).find((p) => p?.uid === uid);
    }

    async consume(id: string): Promise<void> {
      const payload = this.live(id);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      this.items.delete(id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const [id, entry] of this.items) if (entry.payload.grantId === grantId) this.items.delete(id);
    }
  };
}
