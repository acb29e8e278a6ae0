// Where an image is really taken from. IDP_HARNESS_IMAGE_MAP="from=to,from=to" replaces an official image name
// with another (a registry mirror, a locally rebuilt tag) everywhere the harness names it: the availability
// check, the container, the provenance in reports. Tests use it to name images that cannot exist.

export function imageMap(env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of (env.IDP_HARNESS_IMAGE_MAP ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) {
      throw new Error(`IDP_HARNESS_IMAGE_MAP: "${pair}" is not from=to; write e.g. docker.io/authelia/authelia:4.39.0=mirror.example/authelia:4.39.0`);
    }
    map.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return map;
}

export function mapImage(name: string): string {
  return imageMap().get(name) ?? name;
}
