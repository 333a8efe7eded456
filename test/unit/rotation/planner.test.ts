import { describe, expect, it } from 'vitest';
import {
  type AppState,
  type Credential,
  DAY_MS,
  type JournalRecord,
} from '../../../shared/rotation/model.js';
import {
  type Action,
  halvedLifetime,
  type PlanInput,
  plan,
  type RotationPolicy,
} from '../../../shared/rotation/planner.js';
import { PREFIX, testPolicy } from './memory-ports.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const iso = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();
const policy: RotationPolicy = testPolicy();

function secret(keyId: string, endOffset: number | null, options: Partial<Credential> = {}): Credential {
  return {
    kind: 'password',
    keyId,
    displayName: `${PREFIX} run-${keyId}`,
    startDateTime: iso(-100 * DAY_MS),
    endDateTime: endOffset === null ? null : iso(endOffset),
    ...options,
  };
}

function app(credentials: Credential[], extra: Partial<AppState> = {}): AppState {
  return {
    appId: 'app-1',
    objectId: 'obj-1',
    displayName: 'Partner portal',
    signInAudience: null,
    credentials,
    ...extra,
  };
}

function record(extra: Partial<JournalRecord>): JournalRecord {
  return {
    appId: 'app-1',
    objectId: 'obj-1',
    runId: 'run-1',
    kind: 'password',
    step: 'complete',
    displayName: `${PREFIX} run-1`,
    oldKeyId: 'old',
    newKeyId: 'new',
    lifetimeDays: 180,
    newCreatedAt: iso(-14 * DAY_MS),
    secretName: 'partner-portal-client-secret',
    secretVersion: 'v1',
    secretId: 'https://vault/secrets/partner-portal-client-secret/v1',
    createdAt: iso(-14 * DAY_MS),
    updatedAt: iso(-14 * DAY_MS),
    error: null,
    removedAt: null,
    note: null,
    ...extra,
  };
}

function run(apps: AppState[], extra: Partial<PlanInput> = {}): Action[] {
  return plan({ apps, journal: [], memory: [], lastUse: new Map(), policy, now: NOW, ...extra });
}

/** The actions without the app object, for compact expectations. */
const brief = (actions: Action[]) =>
  actions.map((a) => {
    const { app: _app, ...rest } = a as Action & { record?: JournalRecord };
    return 'record' in rest ? { ...rest, record: (rest.record as JournalRecord).runId } : rest;
  });

describe('planner: the rotation window', () => {
  it.each([
    ['31 days left', 31 * DAY_MS, []],
    ['30 days and 1 ms left', 30 * DAY_MS + 1, []],
    [
      'exactly 30 days left (the boundary rotates)',
      30 * DAY_MS,
      [{ kind: 'rotate', oldKeyId: 'a', lifetimeDays: 180 }],
    ],
    ['10 days left', 10 * DAY_MS, [{ kind: 'rotate', oldKeyId: 'a', lifetimeDays: 180 }]],
    ['ended 1 ms ago', -1, [{ kind: 'rotate', oldKeyId: 'a', lifetimeDays: 180 }]],
    ['ends exactly now', 0, [{ kind: 'rotate', oldKeyId: 'a', lifetimeDays: 180 }]],
  ])('%s', (_name, endOffset, expected) => {
    expect(brief(run([app([secret('a', endOffset)])]))).toEqual(expected);
  });

  it('judges the newest managed secret: an older one in the window does not rotate again', () => {
    expect(brief(run([app([secret('old', 5 * DAY_MS), secret('new', 170 * DAY_MS)])]))).toEqual([]);
  });

  it('a secret with no end date is reported, not rotated (null dates)', () => {
    expect(brief(run([app([secret('a', null)])]))).toEqual([
      { kind: 'blocked', keyId: 'a', reason: 'no_end_date' },
    ]);
  });

  it('a null start date does not matter for the window', () => {
    expect(brief(run([app([secret('a', 5 * DAY_MS, { startDateTime: null })])]))[0]?.kind).toBe('rotate');
  });
});

describe('planner: which credentials are ours', () => {
  it('never touches an unmanaged secret, even in the window; it is reported', () => {
    const actions = run([app([secret('hand', 5 * DAY_MS, { displayName: 'added by hand' })])]);
    expect(brief(actions)).toEqual([{ kind: 'unmanaged', keyId: 'hand' }]);
  });

  it('a null displayName is unmanaged', () => {
    expect(brief(run([app([secret('x', 5 * DAY_MS, { displayName: null })])]))).toEqual([
      { kind: 'unmanaged', keyId: 'x' },
    ]);
  });

  it('an app listed in managedAppIds adopts its existing secrets (case-insensitive id)', () => {
    const actions = run([app([secret('seeded', 10 * DAY_MS, { displayName: 'seeded' })])], {
      policy: { ...policy, managedAppIds: ['APP-1'] },
    });
    expect(brief(actions)).toEqual([{ kind: 'rotate', oldKeyId: 'seeded', lifetimeDays: 180 }]);
  });

  it('certificates are not rotated as secrets (and are reported as not managed here)', () => {
    const cert: Credential = { ...secret('cert', 5 * DAY_MS), kind: 'certificate' };
    expect(brief(run([app([cert])]))).toEqual([{ kind: 'unmanaged', keyId: 'cert' }]);
  });
});

describe('planner: removal of the old secret', () => {
  const pair = (oldEnd = 10 * DAY_MS) => app([secret('old', oldEnd), secret('new', 160 * DAY_MS)]);

  it.each([
    ['grace not over (14 days minus 1 ms)', -14 * DAY_MS + 1, []],
    [
      'grace exactly over (the boundary removes)',
      -14 * DAY_MS,
      [{ kind: 'remove', keyId: 'old', lastUseChecked: true, record: 'run-1' }],
    ],
    [
      'long past the grace',
      -20 * DAY_MS,
      [{ kind: 'remove', keyId: 'old', lastUseChecked: true, record: 'run-1' }],
    ],
  ])('%s', (_name, createdOffset, expected) => {
    const journal = [record({ newCreatedAt: iso(createdOffset) })];
    expect(brief(run([pair()], { journal }))).toEqual(expected);
  });

  it.each([
    ['signed in after the new one was created', 1, 'stillInUse'],
    ['signed in exactly when the new one was created', 0, 'stillInUse'],
    ['last signed in before the new one was created', -1, 'remove'],
  ])('%s → %s', (_name, signInOffset, kind) => {
    const created = -14 * DAY_MS;
    const lastUse = new Map([['old', iso(created + signInOffset)]]);
    const [action] = run([pair()], { journal: [record({ newCreatedAt: iso(created) })], lastUse });
    expect(action?.kind).toBe(kind);
    if (action?.kind === 'stillInUse') expect(action.lastSignIn).toBe(iso(created + signInOffset));
  });

  it('still in use is reported until it expires; once expired it is removed', () => {
    const lastUse = new Map([['old', iso(-1 * DAY_MS)]]);
    const expired = run([pair(-1)], { journal: [record({})], lastUse });
    expect(brief(expired)).toEqual([{ kind: 'remove', keyId: 'old', lastUseChecked: true, record: 'run-1' }]);
  });

  it('without the last-use report it removes after the grace, and says the check was skipped', () => {
    const [action] = run([pair()], { journal: [record({})], lastUse: null });
    expect(action).toMatchObject({ kind: 'remove', lastUseChecked: false });
  });

  it('never removes the last valid credential (its replacement has ended: it is rotated again instead)', () => {
    const onlyOld = app([secret('old', 10 * DAY_MS), secret('new', -1)]);
    expect(brief(run([onlyOld], { journal: [record({})] }))).toEqual([
      { kind: 'blocked', keyId: 'old', reason: 'last_valid_credential' },
      { kind: 'rotate', oldKeyId: 'old', lifetimeDays: 180 },
    ]);
  });

  it('a valid certificate counts as another valid credential', () => {
    const withCert = app([
      secret('old', 10 * DAY_MS),
      secret('new', -1),
      { ...secret('cert', 100 * DAY_MS), kind: 'certificate', displayName: 'CN=x' },
    ]);
    // Removed (the certificate stays valid), and rotated again since its replacement has ended.
    expect(run([withCert], { journal: [record({})] }).map((a) => a.kind)).toEqual([
      'unmanaged',
      'remove',
      'rotate',
    ]);
  });

  it('an old secret that is already gone settles the record', () => {
    expect(brief(run([app([secret('new', 160 * DAY_MS)])], { journal: [record({})] }))).toEqual([
      { kind: 'settle', record: 'run-1' },
    ]);
  });

  it('a removed record is done', () => {
    expect(run([pair()], { journal: [record({ removedAt: iso(-1) })] })).toEqual([]);
  });
});

describe('planner: unfinished rotations and limits', () => {
  it.each(['intent', 'added', 'stored', 'verifying'] as const)(
    'a record left at %s is resumed, nothing else',
    (step) => {
      const actions = run([app([secret('old', 5 * DAY_MS)])], {
        journal: [record({ step, newKeyId: null })],
      });
      expect(brief(actions)).toEqual([{ kind: 'resume', record: 'run-1' }]);
    },
  );

  it('a failed verification (new secret in Key Vault) is re-verified; a failed add is not resumed', () => {
    const stored = record({ step: 'failed', newKeyId: 'new', secretName: 's' });
    const refused = record({
      step: 'failed',
      newKeyId: null,
      secretName: null,
      runId: 'run-2',
      oldKeyId: null,
    });
    expect(run([app([secret('old', 5 * DAY_MS)])], { journal: [stored] })[0]?.kind).toBe('resume');
    expect(run([app([secret('old', 5 * DAY_MS)])], { journal: [refused] }).map((a) => a.kind)).toEqual([
      'rotate',
    ]);
  });

  it.each([
    ['AzureADandPersonalMicrosoftAccount', 2, 'blocked'],
    ['AzureADandPersonalMicrosoftAccount', 1, 'rotate'],
    ['AzureADMyOrg', 2, 'rotate'],
  ])('credential limit: %s with %i passwords → %s', (audience, count, kind) => {
    const secrets = [secret('a', 5 * DAY_MS), secret('b', 4 * DAY_MS)].slice(0, count);
    const actions = run([app(secrets, { signInAudience: audience })]);
    expect(actions.at(-1)?.kind).toBe(kind);
    if (kind === 'blocked') expect(actions.at(-1)).toMatchObject({ reason: 'credential_limit' });
  });

  it('uses the lifetime that worked last time for that app', () => {
    const memory = [{ appId: 'app-1', knownKeyIds: ['a'], lifetimeDays: 45, updatedAt: iso(-1) }];
    expect(run([app([secret('a', 5 * DAY_MS)])], { memory })[0]).toMatchObject({ lifetimeDays: 45 });
  });

  it.each([
    [180, 90],
    [90, 45],
    [45, 22],
    [22, 11],
    [11, 7],
    [8, 7],
    [7, undefined],
    [3, undefined],
  ])('halving %i days gives %s (minimum 7)', (days, next) => {
    expect(halvedLifetime(days, 7)).toBe(next);
  });
});

describe('planner: drift', () => {
  const memory = (knownKeyIds: string[]) => [
    { appId: 'app-1', knownKeyIds, lifetimeDays: null, updatedAt: iso(-1) },
  ];

  it('a secret added by hand and one removed by hand are OutOfBandChange', () => {
    const actions = run(
      [app([secret('a', 100 * DAY_MS), secret('hand', 100 * DAY_MS, { displayName: 'portal' })])],
      {
        memory: memory(['a', 'gone']),
      },
    );
    expect(brief(actions)).toEqual([
      { kind: 'drift', keyId: 'hand', change: 'appeared' },
      { kind: 'drift', keyId: 'gone', change: 'vanished' },
      { kind: 'unmanaged', keyId: 'hand' },
    ]);
  });

  it('changes the journal explains are not drift; a first sighting has no baseline', () => {
    const journal = [record({ removedAt: iso(-1), oldKeyId: 'old', newKeyId: 'new' })];
    expect(run([app([secret('new', 160 * DAY_MS)])], { journal, memory: memory(['old']) })).toEqual([]);
    expect(run([app([secret('new', 160 * DAY_MS)])])).toEqual([]);
  });
});
