/**
 * Request counters of the identity stand-ins, for tests that assert how often the product calls
 * Entra, Key Vault and Graph (caching, single-flight, retries). Test-only.
 */
export class Counters {
  private readonly tokens = new Map<string, number>();
  private readonly assertions = new Map<string, number>();
  private readonly secrets = new Map<string, number>();
  private readonly graph = new Map<string, number>();
  private jwks = 0;

  recordToken(clientId: string | undefined, outcome: string): void {
    const key = `${clientId ?? ''}\n${outcome}`;
    this.tokens.set(key, (this.tokens.get(key) ?? 0) + 1);
  }

  recordFailedAssertion(clientId: string | undefined): void {
    const key = clientId ?? '';
    this.assertions.set(key, (this.assertions.get(key) ?? 0) + 1);
  }

  recordSecretRead(name: string, version: string | undefined): void {
    const key = `${name.toLowerCase()}\n${version ?? 'latest'}`;
    this.secrets.set(key, (this.secrets.get(key) ?? 0) + 1);
  }

  /** A Graph stand-in answer: the route served (e.g. `ownedObjects`) and its HTTP status. */
  recordGraph(route: string, status: number): void {
    const key = `${route}\n${status}`;
    this.graph.set(key, (this.graph.get(key) ?? 0) + 1);
  }

  /** Graph requests, optionally for one route and/or one status. */
  graphRequests(filter: { route?: string; status?: number } = {}): number {
    let total = 0;
    for (const [key, count] of this.graph) {
      const [route, status] = key.split('\n');
      if (filter.route !== undefined && route !== filter.route) continue;
      if (filter.status !== undefined && Number(status) !== filter.status) continue;
      total += count;
    }
    return total;
  }

  recordJwks(): void {
    this.jwks += 1;
  }

  /** Token requests, optionally for one client and/or one outcome (`success` or the OAuth error). */
  tokenRequests(filter: { clientId?: string; outcome?: string } = {}): number {
    let total = 0;
    for (const [key, count] of this.tokens) {
      const [clientId, outcome] = key.split('\n');
      if (filter.clientId !== undefined && clientId !== filter.clientId) continue;
      if (filter.outcome !== undefined && outcome !== filter.outcome) continue;
      total += count;
    }
    return total;
  }

  failedAssertions(clientId?: string): number {
    if (clientId !== undefined) return this.assertions.get(clientId) ?? 0;
    return [...this.assertions.values()].reduce((a, b) => a + b, 0);
  }

  /** Secret GETs by name; `version` 'latest' counts reads without a version. Omit it for all versions. */
  secretReads(name: string, version?: string): number {
    let total = 0;
    for (const [key, count] of this.secrets) {
      const [n, v] = key.split('\n');
      if (n !== name.toLowerCase()) continue;
      if (version !== undefined && v !== version) continue;
      total += count;
    }
    return total;
  }

  jwksRequests(): number {
    return this.jwks;
  }

  snapshot() {
    return {
      tokens: Object.fromEntries(this.tokens),
      failedAssertions: Object.fromEntries(this.assertions),
      secretReads: Object.fromEntries(this.secrets),
      jwks: this.jwks,
      graph: Object.fromEntries(this.graph),
    };
  }

  reset(): void {
    this.tokens.clear();
    this.assertions.clear();
    this.secrets.clear();
    this.graph.clear();
    this.jwks = 0;
  }
}
