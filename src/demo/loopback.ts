// A server of the demo (a bank's API, a web shop) listening on a free loopback port: its base URL.
import type { AddressInfo } from 'node:net';

export async function listen(app: {
  listen(o: { host: string; port: number }): Promise<string>;
  server: { address(): unknown };
}): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}
