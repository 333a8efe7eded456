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
}
