import { describe, expect, it } from 'vitest';
import { findJdk, mavenRepository } from './local-image.js';
import { KEYCLOAK_PATHS, keycloakImage, renderKeycloak } from './facts.js';

const tls = { certPem: 'CERT', keyPem: 'KEY' };
const admin = { username: 'harness-admin', password: 'secret' };

describe('the Keycloak container', () => {
  it('names the official image by version', () => {
    expect(keycloakImage('26.7.3')).toBe('quay.io/keycloak/keycloak:26.7.3');
    expect(() => keycloakImage('latest')).toThrow(/not a version/);
  });

  it('serves https only, on the published port inside the container too, under the public host name', () => {
    const spec = renderKeycloak({ version: '26.7.3', port: 41234, tls, admin });
    expect(spec.command).toEqual(
      expect.arrayContaining(['start-dev', '--https-port=41234', '--http-enabled=false', '--hostname=https://auth.harness.test:41234']),
    );
    expect(spec.ports).toContainEqual({ container: 41234, host: 41234 });
    expect(spec.networkAliases).toEqual(['auth.harness.test']);
    expect(spec.files.map((f) => f.target)).toEqual([KEYCLOAK_PATHS.tlsCert, KEYCLOAK_PATHS.tlsKey]);
  });

  it('is ready on its health check, not on a log line or a sleep', () => {
    const spec = renderKeycloak({ version: '26.4.7', port: 41234, tls, admin });
    expect(spec.command).toContain('--health-enabled=true');
    expect(spec.wait).toEqual({ kind: 'http', path: '/health/ready', port: 9000, tls: true, status: 200 });
  });

  it('runs a local build instead of the official image when given one', () => {
    expect(renderKeycloak({ version: '26.7.3', port: 1, tls, admin, image: 'idp-harness-local/keycloak:26.7.3-abc' }).image).toBe(
      'idp-harness-local/keycloak:26.7.3-abc',
    );
  });
});

describe('what a local Keycloak is built from', () => {
  it('takes a JDK of at least 21, the newest first, or says what to install', () => {
    const jdk = findJdk();
    expect(Number(jdk.version.split('.')[0])).toBeGreaterThanOrEqual(21);
    expect(() => findJdk(999)).toThrow(/needs Java 999 or newer.*IDP_HARNESS_JAVA_HOME/);
  });

  it('downloads from Maven Central unless a repository is named', () => {
    const before = process.env.IDP_HARNESS_MAVEN_REPOSITORY;
    delete process.env.IDP_HARNESS_MAVEN_REPOSITORY;
    expect(mavenRepository()).toBe('https://repo1.maven.org/maven2');
    process.env.IDP_HARNESS_MAVEN_REPOSITORY = 'https://mirror.example.test/maven/';
    expect(mavenRepository()).toBe('https://mirror.example.test/maven');
    if (before === undefined) delete process.env.IDP_HARNESS_MAVEN_REPOSITORY;
    else process.env.IDP_HARNESS_MAVEN_REPOSITORY = before;
  });
});
