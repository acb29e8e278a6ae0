// A small client for the authentik REST API calls the harness needs (users), authenticated with the
// bootstrap token. Endpoints are the same from 2024.12 to 2026.x (checked in the client-go schema.yml).
import { fetch, type Dispatcher } from 'undici';

export interface AuthentikApiOptions {
  /** e.g. https://auth.harness.test:9443 */
  baseUrl: string;
  token: string;
  /** e.g. caAgent(ca.certPem): trusts the run's CA and resolves *.harness.test to loopback. */
  dispatcher?: Dispatcher;
}

export interface AuthentikApiUser {
  pk: number;
  username: string;
  name: string;
  email: string;
  is_active: boolean;
  attributes: Record<string, unknown>;
}

export interface NewAuthentikUser {
  username: string;
  name: string;
  email?: string;
  password?: string;
  attributes?: Record<string, unknown>;
  isActive?: boolean;
}

export type AuthentikUserPatch = Partial<Pick<AuthentikApiUser, 'username' | 'name' | 'email' | 'is_active' | 'attributes'>>;

export class AuthentikApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly body: string,
  ) {
    super(`authentik API ${method} ${path} answered ${status}: ${body.slice(0, 300)}`);
  }
}

export class AuthentikApi {
  private readonly base: string;
  constructor(private readonly options: AuthentikApiOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.base}/api/v3${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.options.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.options.dispatcher,
    });
    const text = await response.text();
    if (!response.ok) throw new AuthentikApiError(response.status, method, path, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Creates a user (and sets its password when given). */
  async createUser(user: NewAuthentikUser): Promise<AuthentikApiUser> {
    const created = await this.call<AuthentikApiUser>('POST', '/core/users/', {
      username: user.username,
      name: user.name,
      ...(user.email === undefined ? {} : { email: user.email }),
      is_active: user.isActive ?? true,
      attributes: user.attributes ?? {},
    });
    if (user.password !== undefined) await this.setPassword(created.pk, user.password);
    return created;
  }

  patchUser(pk: number, patch: AuthentikUserPatch): Promise<AuthentikApiUser> {
    return this.call<AuthentikApiUser>('PATCH', `/core/users/${pk}/`, patch);
  }

  async setPassword(pk: number, password: string): Promise<void> {
    await this.call<void>('POST', `/core/users/${pk}/set_password/`, { password });
  }

  async findUser(username: string): Promise<AuthentikApiUser | undefined> {
    const page = await this.call<{ results: AuthentikApiUser[] }>('GET', `/core/users/?username=${encodeURIComponent(username)}`);
    return page.results.find((u) => u.username === username);
  }
}
