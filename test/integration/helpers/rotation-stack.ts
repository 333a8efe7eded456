import { join } from 'node:path';
import type { RunningIdentity } from '../../../local/entra/identity.js';
import { type LocalStack, startStack } from '../../../local/stack.js';

/**
 * The functions on the local host beside the identity stand-ins, with rotation configured (the
 * vault of the stand-ins) and timers off, so a test starts each run itself. Host log lines go to
 * `lines`.
 */
export function startRotationStack(
  id: RunningIdentity,
  values: Record<string, string>,
  lines: string[],
): Promise<LocalStack> {
  return startStack({
    functionsDir: join(import.meta.dirname, '..', '..', '..', 'functions'),
    port: 0,
    identity: id,
    timers: false,
    log: (line) => lines.push(line),
    settings: {
      IsEncrypted: false,
      Values: { ...id.productSettings(), Rotation__KeyVaultUrl: id.keyVaultUrl, ...values },
    },
  });
}
