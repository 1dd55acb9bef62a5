/**
 * The undici Agents of a client: one that verifies TLS certificates, used for every host, and —
 * created only when such a host is first requested — a second one that does not, used only for
 * the hosts named in `insecureHosts` (a registry site's `overrides.tls: "insecure"`). No
 * connection is ever shared between the two.
 */
import { Agent } from 'undici';
import type { AddressGuard } from './scope.js';

export class Agents {
  readonly #options: Agent.Options;
  readonly #connectTimeoutMs: number;
  readonly #verified: Agent;
  #insecure: Agent | undefined;
  readonly #insecureHosts: Set<string>;

  readonly #lookup: AddressGuard['lookup'] | undefined;

  /**
   * `options` without `connect`; `connectTimeoutMs` applies to both Agents. With a `guard`, every
   * connection resolves its host through the guard's `lookup`, which refuses private addresses.
   */
  constructor(options: Omit<Agent.Options, 'connect'>, connectTimeoutMs: number, insecureHosts: readonly string[] = [], guard?: AddressGuard) {
    this.#options = options;
    this.#connectTimeoutMs = connectTimeoutMs;
    this.#lookup = guard?.lookup;
    this.#verified = new Agent({ ...options, connect: { timeout: connectTimeoutMs, ...this.#lookupOption() } });
    this.#insecureHosts = new Set(insecureHosts.map((h) => h.toLowerCase()));
  }

  /** The Agent for a request to `url`. */
  for(url: URL): Agent {
    if (url.protocol !== 'https:' || !this.#insecureHosts.has(url.host.toLowerCase())) return this.#verified;
    this.#insecure ??= new Agent({ ...this.#options, connect: { timeout: this.#connectTimeoutMs, rejectUnauthorized: false, ...this.#lookupOption() } });
    return this.#insecure;
  }

  #lookupOption(): { lookup?: AddressGuard['lookup'] } {
    return this.#lookup ? { lookup: this.#lookup } : {};
  }

  async close(): Promise<void> {
    await Promise.all([this.#verified.close(), this.#insecure?.close()]);
  }

  /** Drops every connection now, aborting the requests on them (an interrupted crawl). */
  async destroy(): Promise<void> {
    await Promise.all([this.#verified.destroy(), this.#insecure?.destroy()]);
  }
}
