import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The last successful use of each application credential, as Entra keeps it for the
 * "application credential activity" report (Graph beta `appCredentialSignInActivity`: keyId,
 * keyType `clientSecret`/`certificate`, signInActivity.lastSignInDateTime / lastSignInRequestId).
 * The Entra stand-in records every successful client-credentials request here; the Graph
 * stand-in's `/beta/reports/appCredentialSignInActivities` reads it. JSON in a file for
 * `npm start`, memory for tests.
 */
export type CredentialKeyType = 'clientSecret' | 'certificate';

export interface CredentialUse {
  appId: string;
  keyId: string;
  keyType: CredentialKeyType;
  /** The resource (app id) the token was for. */
  resourceAppId: string;
  lastSignInDateTime: string;
  lastSignInRequestId: string;
}

export class CredentialActivity {
  private readonly uses = new Map<string, CredentialUse>();

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      for (const use of JSON.parse(readFileSync(file, 'utf8')) as CredentialUse[])
        this.uses.set(use.keyId, use);
    }
  }

  record(use: CredentialUse): void {
    this.uses.set(use.keyId, use);
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(`${this.file}.tmp`, `${JSON.stringify([...this.uses.values()], null, 2)}\n`, {
      mode: 0o600,
    });
    renameSync(`${this.file}.tmp`, this.file);
  }

  forKey(keyId: string): CredentialUse | undefined {
    return this.uses.get(keyId);
  }

  all(): CredentialUse[] {
    return [...this.uses.values()];
  }
}
