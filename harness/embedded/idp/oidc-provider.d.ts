// The part of oidc-provider 9's API this module uses (the package ships no types; @types/oidc-provider
// lags behind). Loose where oidc-provider's own shapes are large.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AnyObject = Record<string, unknown>;

  export interface KoaContextWithOIDC {
    method: string;
    path: string;
    status: number;
    body: unknown;
    headers: Record<string, string | string[] | undefined>;
    response: { get(field: string): string };
    redirect(url: string): void;
    /** Koa: sets a response header. */
    set(field: string, value: string): void;
    oidc?: {
      route?: string;
      client?: { clientId: string; metadata(): AnyObject };
      params?: AnyObject;
    };
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string, claims: AnyObject, rejected: string[]): Promise<AnyObject> | AnyObject;
  }

  export interface InteractionDetails {
    uid: string;
    prompt: { name: string; reasons: string[]; details: AnyObject };
    params: AnyObject & { client_id?: string; scope?: string; redirect_uri?: string };
    session?: { accountId?: string };
    grantId?: string;
    lastSubmission?: AnyObject;
  }

  export interface GrantInstance {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    save(): Promise<string>;
  }

  export interface ClientInstance {
    clientId: string;
    compareClientSecret(secret: string): Promise<boolean> | boolean;
  }

  export interface AdapterPayload extends AnyObject {
    uid?: string;
    userCode?: string;
    grantId?: string;
    consumed?: number;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export class Provider {
    constructor(issuer: string, configuration: AnyObject);
    static readonly ctx: KoaContextWithOIDC | undefined;
    proxy: boolean;
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>): void;
    on(event: string, listener: (...args: any[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: AnyObject, opts?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    readonly Grant: new (props: { accountId: string; clientId: string }) => GrantInstance;
    readonly Client: { prototype: ClientInstance; find(id: string): Promise<ClientInstance | undefined> };
  }

  export const errors: {
    InvalidClientAuth: new (detail?: string) => Error & { error_description: string };
  };

  export default Provider;
}
