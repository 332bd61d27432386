import { isIPv4 } from 'node:net';

/** Whether a host name or socket address can only be reached from this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  const ipv4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return isIPv4(ipv4) && ipv4.startsWith('127.');
}

/**
 * Whether a request names a loopback host in its Host header. Checked besides the client address
 * to stop DNS rebinding: a web page in the user's browser reaching a local port under a foreign
 * host name. HTTP/1.0 clients may send no Host header; the address check covers them.
 */
export function addressedToLoopback(hostHeader: string | undefined): boolean {
  if (hostHeader === undefined) return true;
  return isLoopback(hostHeader.replace(/:\d+$/, ''));
}
