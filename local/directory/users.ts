import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The tenant's people, for the dashboard's sign-in: Graph `user` (id, userPrincipalName,
 * displayName) with a password kept as a salted scrypt hash, and their delegated permission grants
 * (Graph `oAuth2PermissionGrant` with consentType `Principal`: clientId, principalId, resourceId,
 * space-separated `scope`). JSON in a file for `npm start`, in memory for tests.
 */
export interface User {
  id: string;
  userPrincipalName: string;
  displayName: string;
  salt: string;
  passwordHash: string;
}

export interface DelegatedGrant {
  clientAppId: string;
  principalId: string;
  resourceAppId: string;
  scope: string;
}

interface State {
  users: User[];
  grants: DelegatedGrant[];
}

const SCRYPT = { N: 1024, r: 8, p: 1 } as const;
const hash = (password: string, salt: string) =>
  scryptSync(password, Buffer.from(salt, 'base64'), 32, SCRYPT).toString('base64');

export class Users {
  readonly #file: string | undefined;
  readonly #state: State;

  constructor(file?: string) {
    this.#file = file;
    this.#state =
      file && existsSync(file)
        ? (JSON.parse(readFileSync(file, 'utf8')) as State)
        : { users: [], grants: [] };
  }

  add(input: { userPrincipalName: string; displayName: string; password: string }): User {
    const salt = randomBytes(16).toString('base64');
    const user: User = {
      id: randomUUID(),
      userPrincipalName: input.userPrincipalName,
      displayName: input.displayName,
      salt,
      passwordHash: hash(input.password, salt),
    };
    this.#state.users.push(user);
    this.#save();
    return user;
  }

  find(id: string): User | undefined {
    return this.#state.users.find((user) => user.id === id);
  }

  /** The user whose UPN and password these are (UPNs compare case-insensitively). */
  signIn(userPrincipalName: string, password: string): User | undefined {
    const user = this.#state.users.find(
      (candidate) => candidate.userPrincipalName.toLowerCase() === userPrincipalName.trim().toLowerCase(),
    );
    if (!user) return undefined;
    const expected = Buffer.from(user.passwordHash, 'base64');
    const actual = Buffer.from(hash(password, user.salt), 'base64');
    return timingSafeEqual(expected, actual) ? user : undefined;
  }

  grant(grant: DelegatedGrant): void {
    this.#state.grants.push(grant);
    this.#save();
  }

  /** The scopes the user consented to for this client on this resource. */
  scopes(clientAppId: string, principalId: string, resourceAppId: string): string[] {
    return this.#state.grants
      .filter(
        (g) =>
          g.clientAppId === clientAppId && g.principalId === principalId && g.resourceAppId === resourceAppId,
      )
      .flatMap((g) => g.scope.split(' '))
      .filter(Boolean);
  }

  #save(): void {
    if (!this.#file) return;
    mkdirSync(dirname(this.#file), { recursive: true });
    writeFileSync(`${this.#file}.tmp`, `${JSON.stringify(this.#state, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${this.#file}.tmp`, this.#file);
  }
}
