// A private certificate authority per run, mkcert-style, with X.509 name constraints so that a leaked
// root can vouch for nothing but the test names (harness.test, localhost, loopback).
import { createHash, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import forge from 'node-forge';

export interface Leaf {
  names: string[];
  certPem: string;
  keyPem: string;
  certPath: string;
  keyPath: string;
}

export interface Ca {
  /** Directory holding ca.pem and the keys (0600). */
  dir: string;
  /** Root certificate PEM (what NODE_EXTRA_CA_CERTS points at). */
  certPem: string;
  certPath: string;
  /** Issue a leaf for DNS names and/or IP addresses (SANs). */
  issue(names: string[]): Leaf;
  /** base64 sha256 of the SPKI of the root and of the leaf key (what Chromium's spki-list flag takes). */
  spkiHashes(): string[];
}

/** The names a run's CA may vouch for; everything else is outside its constraints. */
export const PERMITTED_DNS = ['harness.test', 'localhost'];
const PERMITTED_IP: { address: number[]; mask: number[] }[] = [
  { address: [127, 0, 0, 0], mask: [255, 0, 0, 0] },
  { address: [...Array(15).fill(0), 1], mask: Array(16).fill(255) },
];

const OID_NAME_CONSTRAINTS = '2.5.29.30';
const DAY_MS = 24 * 60 * 60 * 1000;

export function createCa(dir: string, opts: { validityDays?: number } = {}): Ca {
  const validityDays = opts.validityDays ?? 2;
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  const rootKeys = rsaKeys();
  const root = forge.pki.createCertificate();
  root.publicKey = rootKeys.forgePublic;
  root.serialNumber = serial();
  setValidity(root, validityDays);
  const subject = [
    { name: 'commonName', value: `idp-harness run CA ${new Date().toISOString().slice(0, 19)}` },
    { name: 'organizationName', value: 'idp-harness' },
  ];
  root.setSubject(subject);
  root.setIssuer(subject);
  root.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { id: OID_NAME_CONSTRAINTS, critical: true, value: nameConstraintsDer() },
  ]);
  root.sign(rootKeys.forgePrivate, forge.md.sha256.create());

  const certPem = forge.pki.certificateToPem(root);
  const certPath = join(dir, 'ca.pem');
  writeFileSync(certPath, certPem, { mode: 0o644 });
  writeFileSync(join(dir, 'ca-key.pem'), rootKeys.privatePem, { mode: 0o600 });

  // One key for every leaf of the run: Chromium then needs a single SPKI hash to trust them all.
  const leafKeys = rsaKeys();
  const leafKeyPath = join(dir, 'leaf-key.pem');
  writeFileSync(leafKeyPath, leafKeys.privatePem, { mode: 0o600 });

  let issued = 0;
  return {
    dir,
    certPem,
    certPath,
    spkiHashes: () => [spkiHash(certPem), spkiHashOfKey(leafKeys.publicPem)],
    issue(names) {
      if (names.length === 0) throw new Error('ca.issue: give at least one DNS name or IP address');
      const leaf = forge.pki.createCertificate();
      leaf.publicKey = leafKeys.forgePublic;
      leaf.serialNumber = serial();
      setValidity(leaf, validityDays);
      // OpenSSL checks a host-like CN against the DNS constraints, so an IP-only leaf gets a neutral CN.
      leaf.setSubject([{ name: 'commonName', value: names.find((n) => !isIP(n)) ?? 'idp-harness leaf' }]);
      leaf.setIssuer(root.subject.attributes);
      leaf.setExtensions([
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
        { name: 'authorityKeyIdentifier', keyIdentifier: root.generateSubjectKeyIdentifier().getBytes() },
        {
          name: 'subjectAltName',
          altNames: names.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })),
        },
      ]);
      leaf.sign(rootKeys.forgePrivate, forge.md.sha256.create());
      const leafPem = forge.pki.certificateToPem(leaf);
      const base = `leaf-${++issued}-${names[0]!.replace(/[^a-z0-9.-]/gi, '_')}`;
      const leafCertPath = join(dir, `${base}.pem`);
      writeFileSync(leafCertPath, leafPem, { mode: 0o644 });
      return { names, certPem: leafPem, keyPem: leafKeys.privatePem, certPath: leafCertPath, keyPath: leafKeyPath };
    },
  };
}

function rsaKeys() {
  // Node's native generator: node-forge's pure-JS RSA generation takes seconds.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    publicPem: publicKey,
    privatePem: privateKey,
    forgePublic: forge.pki.publicKeyFromPem(publicKey),
    forgePrivate: forge.pki.privateKeyFromPem(privateKey),
  };
}

function serial(): string {
  // Positive 16-byte serial (high bit cleared).
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function setValidity(cert: forge.pki.Certificate, days: number) {
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000); // tolerate small clock skew between parties
  cert.validity.notAfter = new Date(now + days * DAY_MS);
}

/** DER of NameConstraints { permittedSubtrees [0] } (RFC 5280 4.2.1.10); node-forge has no helper for it. */
function nameConstraintsDer(): string {
  const { asn1 } = forge;
  const subtree = (generalName: forge.asn1.Asn1) =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [generalName]);
  const dns = PERMITTED_DNS.map((name) => subtree(asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, name)));
  const ips = PERMITTED_IP.map(({ address, mask }) =>
    subtree(asn1.create(asn1.Class.CONTEXT_SPECIFIC, 7, false, String.fromCharCode(...address, ...mask))),
  );
  const permitted = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [...dns, ...ips]);
  return asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [permitted])).getBytes();
}

function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

function spkiHashOfKey(publicPem: string): string {
  const der = Buffer.from(publicPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return createHash('sha256').update(der).digest('base64');
}
