import { describe, expect, it } from 'vitest';
import { RotationError } from '../../../shared/rotation/errors.js';
import { RotationRun, secretName } from '../../../shared/rotation/executor.js';
import type { JournalRecord, RotationStep } from '../../../shared/rotation/model.js';
import type { SecretVault } from '../../../shared/rotation/vault.js';
import { DAY, type Fault, memoryPorts, NOW, noAnswer, PREFIX, testConfig } from './memory-ports.js';

/**
 * The executor (shared/rotation/executor.ts) on in-memory ports: the order of the journal steps,
 * resuming from each state a crash can leave, compensation, and that no secret value reaches the
 * journal, an event or a log line. The directory behind the Graph port is the truth the assertions
 * read, not the run summary alone.
 */
const APP = 'a1';

function setup(config = testConfig()) {
  const t = memoryPorts();
  t.graph.addApp(APP, [{ keyId: 'old', displayName: `${PREFIX} seeded`, endDays: 10 }]);
  const run = () => new RotationRun(config, t.ports, t.log, { appId: APP }).run();
  const keyIds = () => t.graph.apps.get(APP)?.credentials.map((c) => c.keyId) ?? [];
  const records = async () => t.journal.records(APP);
  return { ...t, run, keyIds, records };
}

const publishedTypes = (t: ReturnType<typeof setup>) => t.events.events.map((e) => e.type);

describe('one rotation: the journal is written step by step', () => {
  const lifetimePolicy = () =>
    new RotationError('lifetime_policy', 'Credential lifetime exceeds the max value.', {
      graphCode: 'CredentialInvalidLifetimeAsPerAppPolicy',
    });
  it.each<{
    name: string;
    faults?: Fault[];
    vault?: 'refuses' | 'no answer';
    verifies?: boolean;
    steps: RotationStep[];
    keyIds: string[];
    events: string[];
  }>([
    {
      name: 'all goes well',
      steps: ['intent', 'added', 'stored', 'verifying', 'complete'],
      keyIds: ['old', 'new-1'],
      events: ['CredentialRotated'],
    },
    {
      name: 'ownership denied at addPassword',
      faults: [
        {
          operation: 'addPassword',
          when: 'before',
          error: new RotationError('ownership_denied', 'Graph refused addPassword (403).'),
        },
      ],
      steps: ['intent', 'failed'],
      keyIds: ['old'],
      events: ['RotationFailed'],
    },
    {
      name: 'addPassword happens but its answer is lost',
      faults: [{ operation: 'addPassword', when: 'after', error: noAnswer() }],
      steps: ['intent'],
      keyIds: ['old', 'new-1'],
      events: [],
    },
    {
      name: 'Key Vault refuses the secret',
      vault: 'refuses',
      steps: ['intent', 'added', 'compensated'],
      keyIds: ['old'],
      events: ['RotationFailed'],
    },
    {
      name: 'Key Vault stores it but the answer is lost',
      vault: 'no answer',
      steps: ['intent', 'added'],
      keyIds: ['old', 'new-1'],
      events: [],
    },
    {
      name: 'the new secret never authenticates',
      verifies: false,
      steps: ['intent', 'added', 'stored', 'verifying', 'failed'],
      keyIds: ['old', 'new-1'],
      events: ['RotationFailed'],
    },
    {
      name: 'two lifetime-policy refusals, then accepted',
      faults: [
        { operation: 'addPassword', when: 'before', error: lifetimePolicy() },
        { operation: 'addPassword', when: 'before', error: lifetimePolicy() },
      ],
      steps: ['intent', 'added', 'stored', 'verifying', 'complete'],
      keyIds: ['old', 'new-1'],
      events: ['CredentialRotated'],
    },
  ])('$name', async ({ faults = [], vault, verifies = true, steps, keyIds, events }) => {
    const t = setup();
    t.graph.faults.push(...faults);
    t.verifier.accept = verifies;
    if (vault === 'refuses') t.vault.fail = true;
    if (vault === 'no answer') {
      const store = t.vault.store.bind(t.vault);
      t.vault.store = async (...args: Parameters<SecretVault['store']>) => {
        await store(...args);
        throw new RotationError('no_answer', 'Key Vault gave no answer (test).');
      };
    }
    await t.run();
    expect(t.steps).toEqual(steps);
    expect(t.keyIds()).toEqual(keyIds);
    expect(publishedTypes(t)).toEqual(events);
  });

  it('halves the lifetime on each policy refusal and remembers what worked', async () => {
    const t = setup();
    const refusal = new RotationError('lifetime_policy', 'Credential lifetime exceeds the max value.');
    t.graph.faults.push(
      { operation: 'addPassword', when: 'before', error: refusal },
      { operation: 'addPassword', when: 'before', error: refusal },
    );
    await t.run();
    expect(t.graph.calls.filter((c) => c === 'addPassword')).toHaveLength(3);
    const [record] = await t.records();
    expect(record?.lifetimeDays).toBe(45);
    const added = t.graph.apps.get(APP)?.credentials.find((c) => c.keyId === 'new-1');
    expect(Date.parse(added?.endDateTime ?? '') - NOW).toBe(45 * DAY);
    expect((await t.journal.memory()).find((m) => m.appId === APP)?.lifetimeDays).toBe(45);
  });

  it('stores the secret under the template name with its tags and dates', async () => {
    const t = setup();
    await t.run();
    const name = secretName('{appDisplayNameSlug}-client-secret', { appId: APP, displayName: `App ${APP}` });
    expect(name).toBe('app-a1-client-secret');
    const [version] = t.vault.versions.get(name) ?? [];
    expect(version?.value).toBe(t.graph.secrets.get('new-1'));
    expect(version?.tags).toMatchObject({
      appId: APP,
      objectId: `obj-${APP}`,
      keyId: 'new-1',
      rotatedFrom: 'old',
    });
    expect(version?.tags.managedBy).toBe(PREFIX);
  });
});

describe('Graph reads per app', () => {
  it('an app with nothing due is read once; a rotated one again, so its new secret is remembered', async () => {
    const t = setup();
    t.graph.addApp('a2', [{ keyId: 'far', displayName: `${PREFIX} seeded`, endDays: 200 }]);
    await new RotationRun(testConfig(), t.ports, t.log).run();
    expect(t.graph.calls.filter((c) => c === 'app')).toHaveLength(3);
    const memory = await t.journal.memory();
    expect(memory.find((m) => m.appId === 'a2')?.knownKeyIds).toEqual(['far']);
    expect(memory.find((m) => m.appId === APP)?.knownKeyIds).toEqual(['old', 'new-1']);
  });
});

describe('resume: the next run completes or compensates what a crash left', () => {
  const NAME = 'app-a1-client-secret';

  /** A crashed run's record at `step`, with the directory and vault as that crash leaves them. */
  async function crashedAt(
    t: ReturnType<typeof setup>,
    step: RotationStep,
    state: { onApp: boolean; inVault: boolean },
  ): Promise<void> {
    const displayName = `${PREFIX} crashed`;
    const secret = 'SECRET-VALUE-crashed-do-not-log';
    if (state.onApp) {
      t.graph.apps.get(APP)?.credentials.push({
        kind: 'password',
        keyId: 'crashed-key',
        displayName,
        startDateTime: new Date(NOW - 60_000).toISOString(),
        endDateTime: new Date(NOW + 180 * DAY).toISOString(),
      });
      t.graph.secrets.set('crashed-key', secret);
    }
    const stored = state.inVault
      ? await t.vault.store(NAME, secret, {
          contentType: 'text/plain',
          notBefore: new Date(NOW),
          expiresOn: new Date(NOW + 180 * DAY),
          tags: { appId: APP, keyId: 'crashed-key', managedBy: PREFIX },
        })
      : null;
    const learnt = step !== 'intent';
    const record: JournalRecord = {
      appId: APP,
      objectId: `obj-${APP}`,
      runId: 'crashed',
      kind: 'password',
      step,
      displayName,
      oldKeyId: 'old',
      newKeyId: learnt ? 'crashed-key' : null,
      lifetimeDays: 180,
      newCreatedAt: learnt ? new Date(NOW - 60_000).toISOString() : null,
      secretName: NAME,
      secretVersion: learnt && step !== 'added' ? (stored?.version ?? null) : null,
      secretId: learnt && step !== 'added' ? (stored?.id ?? null) : null,
      createdAt: new Date(NOW - 120_000).toISOString(),
      updatedAt: new Date(NOW - 60_000).toISOString(),
      error: step === 'failed' ? 'verification_timeout: not yet' : null,
      removedAt: null,
      note: null,
    };
    await t.journal.put(record);
    t.steps.length = 0;
  }

  it.each<{
    step: RotationStep;
    onApp: boolean;
    inVault: boolean;
    ends: RotationStep;
    removed: boolean;
    rotatesAgain: boolean;
  }>([
    // The secret text of an addPassword without an answer never arrived: it can never reach Key Vault.
    { step: 'intent', onApp: false, inVault: false, ends: 'compensated', removed: false, rotatesAgain: true },
    { step: 'intent', onApp: true, inVault: false, ends: 'compensated', removed: true, rotatesAgain: true },
    { step: 'added', onApp: true, inVault: false, ends: 'compensated', removed: true, rotatesAgain: true },
    { step: 'added', onApp: true, inVault: true, ends: 'complete', removed: false, rotatesAgain: false },
    { step: 'stored', onApp: true, inVault: true, ends: 'complete', removed: false, rotatesAgain: false },
    { step: 'verifying', onApp: true, inVault: true, ends: 'complete', removed: false, rotatesAgain: false },
    { step: 'failed', onApp: true, inVault: true, ends: 'complete', removed: false, rotatesAgain: false },
    // Removed by hand since: nothing to verify, nothing to undo; the app is due again.
    { step: 'stored', onApp: false, inVault: true, ends: 'compensated', removed: false, rotatesAgain: true },
  ])(
    'from $step (on the app: $onApp, in the vault: $inVault) it ends $ends',
    async ({ step, onApp, inVault, ends, removed, rotatesAgain }) => {
      const t = setup();
      await crashedAt(t, step, { onApp, inVault });
      const summary = await t.run();
      const records = await t.records();
      expect(records.find((r) => r.runId === 'crashed')?.step).toBe(ends);
      expect(t.graph.calls.includes('removePassword crashed-key')).toBe(removed);
      expect(t.keyIds().includes('crashed-key')).toBe(ends === 'complete');
      // The old secret is untouched whatever happened, so the app keeps a valid credential.
      expect(t.keyIds()).toContain('old');
      expect(summary.rotated).toEqual(rotatesAgain || ends === 'complete' ? [APP] : []);
      const fresh = records.find((r) => r.runId !== 'crashed');
      expect(fresh?.step).toBe(rotatesAgain ? 'complete' : undefined);
    },
  );

  it('a resume that gets no answer again leaves the record for the next run and starts nothing new', async () => {
    const t = setup();
    await crashedAt(t, 'intent', { onApp: true, inVault: false });
    t.graph.faults.push({ operation: 'removePassword', when: 'before', error: noAnswer() });
    const summary = await t.run();
    expect(summary.deferred).toEqual([APP]);
    expect(t.graph.calls).not.toContain('addPassword');
    expect((await t.records()).map((r) => r.runId)).toEqual(['crashed']);
    const next = await t.run();
    expect(next.compensated).toBe(1);
    expect(t.keyIds()).not.toContain('crashed-key');
  });
});

describe('compensation', () => {
  it('Key Vault down after addPassword: the new secret is removed again, RotationFailed says compensated', async () => {
    const t = setup();
    t.vault.fail = true;
    const summary = await t.run();
    expect(summary.compensated).toBe(1);
    expect(t.graph.calls).toContain('removePassword new-1');
    expect(t.keyIds()).toEqual(['old']);
    const failed = t.events.events.find((e) => e.type === 'RotationFailed');
    expect(failed?.data).toMatchObject({ step: 'store', code: 'keyvault_unavailable', compensated: true });
    const [record] = await t.records();
    expect(record).toMatchObject({ step: 'compensated', newKeyId: 'new-1' });
    expect(record?.error).toMatch(/^keyvault_unavailable: /);
  });

  it('when the compensating removePassword fails too, the record stays open and the next run finishes it', async () => {
    const t = setup();
    t.vault.fail = true;
    t.graph.faults.push({
      operation: 'removePassword',
      when: 'before',
      error: new RotationError('graph_unavailable', 'Graph answered 503.'),
    });
    const first = await t.run();
    expect(first.failed).toEqual([{ appId: APP, step: 'store', code: 'graph_unavailable' }]);
    const [pending] = await t.records();
    expect(pending).toMatchObject({ step: 'added', newKeyId: 'new-1' });
    expect(pending?.error).toMatch(/compensation pending \(graph_unavailable\)/);
    expect(t.keyIds()).toEqual(['old', 'new-1']);
    // Key Vault still down: the next run compensates (the secret is not there), then tries again and compensates that.
    const second = await t.run();
    expect(second.compensated).toBe(2);
    expect(t.keyIds()).toEqual(['old']);
  });

  it('never removes the old secret while no verified replacement exists', async () => {
    const t = setup();
    t.verifier.accept = false;
    await t.run();
    t.advance(30 * DAY);
    t.verifier.accept = false;
    await t.run();
    expect(t.keyIds()).toContain('old');
    expect(t.graph.calls.some((c) => c === 'removePassword old')).toBe(false);
  });
});

describe('no secret value reaches the journal, an event or a log line', () => {
  it.each([
    ['a full rotation and removal', (_t: ReturnType<typeof setup>) => undefined],
    [
      'Key Vault refusing (compensation)',
      (t: ReturnType<typeof setup>) => {
        t.vault.fail = true;
      },
    ],
    [
      'a failed verification',
      (t: ReturnType<typeof setup>) => {
        t.verifier.accept = false;
      },
    ],
    [
      'a lost addPassword answer and its resume',
      (t: ReturnType<typeof setup>) =>
        t.graph.faults.push({ operation: 'addPassword', when: 'after', error: noAnswer() }),
    ],
  ])('%s', async (_label, arrange) => {
    const t = setup();
    arrange(t);
    await t.run();
    t.advance(15 * DAY);
    await t.run();
    await t.run();
    const issued = [...t.vault.versions.values()].flat().map((v) => v.value);
    const journal = JSON.stringify([...t.journal.rows.values(), ...(await t.journal.memory())]);
    const events = JSON.stringify(t.events.events);
    const logs = t.lines.join('\n');
    expect(t.graph.calls).toContain('addPassword');
    expect(`${journal}${events}${logs}`).not.toContain('SECRET-VALUE');
    for (const value of issued) expect(value).toMatch(/^SECRET-VALUE-/);
  });
});
