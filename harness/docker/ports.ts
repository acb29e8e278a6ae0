// Host ports for the same-port topology: a port free on loopback now, to be published as P:P.
import { createServer, type AddressInfo } from 'node:net';

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Docker's answer when a host port was taken between choosing it and publishing it. */
export function isPortTaken(err: unknown): boolean {
  return /port is already allocated|address already in use/i.test(String((err as Error)?.message ?? err));
}
