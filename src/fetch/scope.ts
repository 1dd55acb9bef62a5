/**
 * Where the fetcher may connect: the address half of the crawl scope (the host half, which hosts
 * a site may request, is `src/crawl/scope.ts`).
 *
 * A crawler fed by hostile pages must not become a proxy into the network it runs in: a link or a
 * redirect to `http://127.0.0.1:6379/`, `http://169.254.169.254/` (cloud metadata) or
 * `http://10.0.0.5/` is refused before any byte is sent. The check is made
 *
 * - on IP literals in the URL (`http://127.0.0.1/`, `http://[::1]/`), before each hop, and
 * - on every address a host name resolves to, inside the connection's own `lookup` (so the
 *   address connected to is the address checked: no DNS rebinding between check and connect).
 *
 * Refused: loopback, private (RFC 1918, IPv6 ULA), link-local, unspecified, CGNAT (100.64/10),
 * multicast, reserved and documentation ranges, and IPv4-mapped IPv6 forms of all of them. A host
 * whose name resolves to several addresses is refused if ANY of them is refused.
 */
import dns from 'node:dns';
import net from 'node:net';
import { FetchError } from './errors.js';

/** Why an address is refused. */
export type AddressClass = 'loopback' | 'private' | 'link-local' | 'unspecified' | 'cgnat' | 'multicast' | 'reserved';

const RANGES: [AddressClass, string, number, 'ipv4' | 'ipv6'][] = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['cgnat', '100.64.0.0', 10, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'], // incl. 255.255.255.255
  ['reserved', '192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['reserved', '192.0.2.0', 24, 'ipv4'], // documentation
  ['reserved', '198.51.100.0', 24, 'ipv4'],
  ['reserved', '203.0.113.0', 24, 'ipv4'],
  ['reserved', '198.18.0.0', 15, 'ipv4'], // benchmarking
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['private', 'fc00::', 7, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['private', 'fec0::', 10, 'ipv6'], // deprecated site-local
  ['multicast', 'ff00::', 8, 'ipv6'],
  ['reserved', '2001:db8::', 32, 'ipv6'],
  ['reserved', '::', 96, 'ipv6'], // IPv4-compatible (deprecated)
  ['reserved', '64:ff9b:1::', 48, 'ipv6'], // local-use NAT64
];

const LISTS = new Map<AddressClass, net.BlockList>();
for (const [cls, prefix, bits, type] of RANGES) {
  let list = LISTS.get(cls);
  if (!list) LISTS.set(cls, (list = new net.BlockList()));
  list.addSubnet(prefix, bits, type);
}

/** The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`) or NAT64 (`64:ff9b::a.b.c.d`) IPv6 address. */
function embeddedIpv4(ip: string): string | undefined {
  let norm: string;
  try {
    norm = new URL(`http://[${ip}]/`).hostname.slice(1, -1); // WHATWG compresses and lower-cases
  } catch {
    return undefined;
  }
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(norm);
  if (!hex) return undefined;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/**
 * The class of a refused address, or null for an ordinary public address. Accepts IPv4, IPv6
 * (with or without brackets) and IPv4-mapped IPv6; anything that is not an IP address gives null.
 */
export function classifyAddress(address: string): AddressClass | null {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = net.isIP(ip);
  if (family === 0) return null;
  if (family === 6) {
    const v4 = embeddedIpv4(ip);
    if (v4 !== undefined) return classifyAddress(v4);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [cls, list] of LISTS) if (list.check(ip, type)) return cls;
  return null;
}

/**
 * A URL's host is, or resolves to, an address the crawler never connects to (loopback, private,
 * link-local…), and its site is not marked `local`. Nothing was sent. Not retryable.
 */
export class PrivateAddressError extends FetchError {
  declare readonly code: 'NB_FETCH_PRIVATE_ADDRESS';
  readonly host: string;
  readonly address: string;
  readonly addressClass: AddressClass;
  constructor(host: string, address: string, addressClass: AddressClass, options?: { url?: string }) {
    super(
      'NB_FETCH_PRIVATE_ADDRESS',
      `refused: ${host}${host === address ? '' : ` resolves to ${address}`}, a ${addressClass} address (mark the site "local": true in the registry to crawl it)`,
      { ...options, retryable: false },
    );
    this.host = host;
    this.address = address;
    this.addressClass = addressClass;
  }
}

/**
 * The URL's host is not one its site may request (neither the site's own domain nor in its
 * `allowHosts`). Nothing was sent, not even robots.txt. Not retryable.
 */
export class OutOfScopeError extends FetchError {
  declare readonly code: 'NB_FETCH_OUT_OF_SCOPE';
  readonly host: string;
  constructor(host: string, scope: string, options?: { url?: string }) {
    super('NB_FETCH_OUT_OF_SCOPE', `refused: host ${host} is outside ${scope} (add it to the site's "allowHosts" to crawl it)`, {
      ...options,
      retryable: false,
    });
    this.host = host;
  }
}

/** Options of {@link AddressGuard}. */
export interface AddressGuardOptions {
  /** Host names (no port) that may be, or resolve to, refused addresses: the hosts of `local` sites. */
  localHosts?: readonly string[] | undefined;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** Refuses connections to non-public addresses, except for the hosts of `local` sites. */
export class AddressGuard {
  readonly #local: Set<string>;

  constructor(options: AddressGuardOptions = {}) {
    this.#local = new Set((options.localHosts ?? []).map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')));
  }

  /** Whether `hostname` belongs to a `local` site (its addresses are not checked). */
  isLocal(hostname: string): boolean {
    return this.#local.has(hostname.toLowerCase().replace(/^\[|\]$/g, ''));
  }

  /** Throws {@link PrivateAddressError} when the URL's host is an IP literal that is refused. */
  checkLiteral(url: URL): void {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (net.isIP(host) === 0 || this.isLocal(host)) return;
    const cls = classifyAddress(host);
    if (cls) throw new PrivateAddressError(host, host, cls, { url: url.href });
  }

  /**
   * Checks the URL's host before anything is sent for it (robots.txt included): an IP literal
   * directly, a name by resolving it. Throws {@link PrivateAddressError}. A name that does not
   * resolve passes (the request then fails with its own DNS error). The connection's `lookup`
   * checks again, on the addresses actually connected to.
   */
  async check(url: URL): Promise<void> {
    this.checkLiteral(url);
    const host = url.hostname;
    if (net.isIP(host.replace(/^\[|\]$/g, '')) !== 0 || this.isLocal(host)) return;
    let addresses: dns.LookupAddress[];
    try {
      addresses = await dns.promises.lookup(host, { all: true });
    } catch {
      return;
    }
    for (const a of addresses) {
      const cls = classifyAddress(a.address);
      if (cls) throw new PrivateAddressError(host, a.address, cls, { url: url.href });
    }
  }

  /**
   * A `lookup` for `net.connect` / undici's `connect` options: resolves every address of the host
   * and fails the connection with {@link PrivateAddressError} if any of them is refused.
   */
  readonly lookup = (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : '');
      if (!this.isLocal(hostname)) {
        for (const a of addresses) {
          const cls = classifyAddress(a.address);
          if (cls) return callback(new PrivateAddressError(hostname, a.address, cls) as unknown as NodeJS.ErrnoException, options.all ? [] : '');
        }
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };
}
