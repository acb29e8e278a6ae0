// Set-Cookie parsing, enough to carry Immich's cookies between calls and to check their attributes.

export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names lower-cased ("httponly", "samesite", "max-age", ...) → value ('' for flags). */
  attributes: Record<string, string>;
}

export function parseSetCookie(header: string): SetCookie {
  const [pair = '', ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  const name = (eq < 0 ? pair : pair.slice(0, eq)).trim();
  const raw = eq < 0 ? '' : pair.slice(eq + 1).trim();
  const attributes: Record<string, string> = {};
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    const key = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase();
    if (key) attributes[key] = i < 0 ? '' : attr.slice(i + 1).trim();
  }
  let value = raw;
  try {
    value = decodeURIComponent(raw);
  } catch {
    // keep the raw value
  }
  return { name, value, attributes };
}

/** name → value of the cookies a response sets (a cleared cookie maps to ''). */
export function cookieJar(setCookies: SetCookie[]): Record<string, string> {
  return Object.fromEntries(setCookies.map((c) => [c.name, c.value]));
}

/** A Cookie request header from name → value, skipping empty (cleared) cookies. */
export function cookieHeader(cookies: Record<string, string>): string {
  return Object.entries(cookies)
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('; ');
}
