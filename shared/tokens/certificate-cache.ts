import type { CertificateGenerations } from '../platform/certificate-generations.js';
import type { Logger } from '../platform/log.js';
import { assertValidAt, type ParsedCertificate, parseCertificate } from './certificate.js';
import type { CertificateSource } from './sources.js';

/** A certificate ready for msal-node, with the source version it came from. */
export interface LoadedCertificate extends ParsedCertificate {
  label: string;
  version: string;
}

export interface CertificateCacheOptions {
  clock: () => number;
  /**
   * How long a loaded certificate is used before the source is asked again which version is current.
   * TTL reason: rotation pickup. Key Vault auto-renewal creates a new version that must be picked up
   * without a restart, yet every check is a Key Vault operation (4,000 per 10 s per vault), so we
   * check at most once per TTL per certificate (default 300 s), and at once when the IdP rejects
   * the assertion.
   */
  refreshMs: number;
  /** Bound on cached certificates (one per configured source, so configuration bounds it too). */
  maxEntries?: number;
  /** Shortest gap between two forced re-checks of one certificate, so a rejecting IdP cannot turn every request into a Key Vault read. */
  minForcedGapMs?: number;
  /**
   * Generation markers the audit trail sets on `CertificateNewVersionCreated`. TTL reason: a new
   * version reaches every instance within this bound instead of `refreshMs`, for one table read per
   * certificate per 10 s (default), not one Key Vault read.
   */
  generations?: Pick<CertificateGenerations, 'read'>;
  generationCheckMs?: number;
  logger?: Logger;
}

interface Entry {
  cert: LoadedCertificate;
  /** The version used before the current one: the fallback while the IdP does not know the new one yet. */
  previous?: LoadedCertificate;
  checkedAt: number;
  forcedAt: number;
  /** The generation marker seen when the certificate was last loaded or checked. */
  generation?: string | undefined;
  generationCheckedAt: number;
}

/**
 * Loads certificates from their sources with: one key-material read per version, concurrent loads
 * of the same certificate coalesced (single-flight), stale-while-revalidate after the TTL, and the
 * last good certificate kept when the source is down (stale-if-error).
 */
export class CertificateCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<LoadedCertificate>>();
  private readonly options: Required<Omit<CertificateCacheOptions, 'logger' | 'generations'>> &
    Pick<CertificateCacheOptions, 'logger' | 'generations'>;

  constructor(options: CertificateCacheOptions) {
    this.options = { maxEntries: 256, minForcedGapMs: 10_000, generationCheckMs: 10_000, ...options };
  }

  /** The certificate to use now. `force` re-checks the source at once (after an IdP rejection). */
  async get(source: CertificateSource, options: { force?: boolean } = {}): Promise<LoadedCertificate> {
    const now = this.options.clock();
    const entry = this.entries.get(source.label);
    if (!entry) return this.load(source);
    const expired = now > entry.cert.notAfter.getTime();
    if (
      !options.force &&
      !expired &&
      this.generationDue(source, entry, now) &&
      (await this.generationChanged(source, entry, now))
    ) {
      try {
        return await this.load(source);
      } catch (error) {
        this.options.logger?.warn(
          'Certificate reload after a new generation failed; keeping the loaded version',
          {
            certificate: source.label,
            version: entry.cert.version,
            error: (error as Error).message,
          },
        );
        return entry.cert;
      }
    }
    if (options.force || expired) {
      if (!expired && now - entry.forcedAt < this.options.minForcedGapMs) {
        // Inside the gap a re-check may still be running (another rejected request started it):
        // join it, or this caller retries with the version the IdP just rejected.
        const running = this.inflight.get(source.label);
        return running ? running.catch(() => entry.cert) : entry.cert;
      }
      entry.forcedAt = now;
      try {
        return await this.load(source);
      } catch (error) {
        if (expired) throw error;
        this.options.logger?.warn('Certificate re-check failed; keeping the loaded version', {
          certificate: source.label,
          version: entry.cert.version,
          error: (error as Error).message,
        });
        return entry.cert;
      }
    }
    if (now - entry.checkedAt >= this.options.refreshMs) {
      // Stale: serve the loaded certificate, re-check in the background.
      this.load(source).catch((error: unknown) => {
        this.options.logger?.warn('Background certificate re-check failed; keeping the loaded version', {
          certificate: source.label,
          version: entry.cert.version,
          error: (error as Error).message,
        });
      });
    }
    return entry.cert;
  }

  /**
   * The version in use before the current one, while still valid. Key Vault auto-renewal creates a
   * version Entra does not know until its public key is uploaded; until then the old one still works.
   */
  previousOf(source: CertificateSource): LoadedCertificate | undefined {
    const previous = this.entries.get(source.label)?.previous;
    if (!previous) return undefined;
    const now = this.options.clock();
    return now >= previous.notBefore.getTime() && now <= previous.notAfter.getTime() ? previous : undefined;
  }

  /** Whether the certificate's marker is due a check: at most once per `generationCheckMs`. */
  private generationDue(source: CertificateSource, entry: Entry, now: number): boolean {
    if (!this.options.generations || !source.certificateName) return false;
    return now - entry.generationCheckedAt >= this.options.generationCheckMs;
  }

  /** Whether the marker moved since the certificate was loaded or last checked. */
  private async generationChanged(source: CertificateSource, entry: Entry, now: number): Promise<boolean> {
    entry.generationCheckedAt = now;
    const marker = await this.marker(source);
    if (marker === undefined || marker === entry.generation) return false;
    entry.generation = marker;
    return true;
  }

  /** The marker, or undefined when there is none or storage does not answer (the TTL still applies). */
  private async marker(source: CertificateSource): Promise<string | undefined> {
    if (!this.options.generations || !source.certificateName) return undefined;
    try {
      return await this.options.generations.read(source.certificateName);
    } catch (error) {
      this.options.logger?.warn('Certificate generation marker unreadable', {
        certificate: source.label,
        error: (error as Error).message,
      });
      return undefined;
    }
  }

  /** Drops everything (tests, configuration reload). */
  clear(): void {
    this.entries.clear();
  }

  private load(source: CertificateSource): Promise<LoadedCertificate> {
    const running = this.inflight.get(source.label);
    if (running) return running;
    const promise = this.fetch(source).finally(() => this.inflight.delete(source.label));
    this.inflight.set(source.label, promise);
    return promise;
  }

  private async fetch(source: CertificateSource): Promise<LoadedCertificate> {
    const [current, generation] =
      this.options.generations && source.certificateName
        ? await Promise.all([source.current(), this.marker(source)])
        : [await source.current(), undefined];
    const now = this.options.clock();
    const entry = this.entries.get(source.label);
    if (entry && entry.cert.version === current.version) {
      entry.checkedAt = now;
      entry.generation = generation ?? entry.generation;
      assertValidAt(`${source.label} version ${current.version}`, entry.cert, new Date(now));
      return entry.cert;
    }
    const label = `${source.label} version ${current.version}`;
    const parsed = parseCertificate(label, await source.material(current.version));
    // The certificate's own dates decide; the source's window (Key Vault attributes) can only narrow it.
    const notBefore = new Date(Math.max(parsed.notBefore.getTime(), current.notBefore?.getTime() ?? 0));
    const notAfter = new Date(Math.min(parsed.notAfter.getTime(), current.expiresOn?.getTime() ?? Infinity));
    const cert: LoadedCertificate = {
      ...parsed,
      notBefore,
      notAfter,
      label: source.label,
      version: current.version,
    };
    assertValidAt(label, cert, new Date(this.options.clock()));
    this.entries.delete(source.label);
    this.entries.set(source.label, {
      cert,
      checkedAt: now,
      forcedAt: entry?.forcedAt ?? 0,
      generation: generation ?? entry?.generation,
      generationCheckedAt: now,
      ...(entry ? { previous: entry.cert } : {}),
    });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    if (entry) {
      this.options.logger?.info('Certificate version changed', {
        certificate: source.label,
        from: entry.cert.version,
        to: current.version,
      });
    }
    return cert;
  }
}
