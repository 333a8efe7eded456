import type { Logger } from '../platform/log.js';
import {
  type RotationConfig,
  type RotationPorts,
  RotationRun,
  type RotationSummary,
  type RunRequest,
} from './executor.js';

/** What the function files call: one rotation run (scheduled, manual, or for one app on an event). */
export class RotationService {
  constructor(
    readonly config: RotationConfig,
    private readonly ports: RotationPorts,
  ) {}

  /** Overlapping runs are safe: each app is rotated under its own lease, so a second run skips it. */
  run(log: Logger, request: RunRequest = {}): Promise<RotationSummary> {
    return new RotationRun(this.config, this.ports, log, request).run();
  }

  /**
   * Key Vault's `SecretNearExpiry` (30 days before `exp`) for a secret this product wrote (its
   * `managedBy` tag is the managed prefix, its `appId` tag names the app): that app is rotated now,
   * through the same lease and plan as a scheduled run. Anything else is not ours: undefined.
   */
  async onSecretNearExpiry(
    secret: { name: string; version?: string },
    log: Logger,
  ): Promise<RotationSummary | undefined> {
    const tags = await this.ports.vault.tags(secret.name, secret.version);
    if (!tags || tags.managedBy !== this.config.policy.managedPrefix || !tags.appId) return undefined;
    log.info('SecretNearExpiry for a managed secret: rotating its app', {
      appId: tags.appId,
      secret: secret.name,
    });
    return this.run(log, { appId: tags.appId, trigger: 'event' });
  }
}
