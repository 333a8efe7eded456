import { describe, expect, it } from 'vitest';
import { parseEventGridRequest } from '../../../local/host/eventgrid.js';

const gridEvent = {
  id: '1',
  eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
  subject: 'db-password',
  eventTime: '2026-11-22T10:00:00Z',
  dataVersion: '1',
  data: { ObjectName: 'db-password' },
};
const cloudEvent = { specversion: '1.0', id: '2', source: '/vaults/v', type: 'Demo.Happened', data: {} };

describe('Event Grid webhook parsing', () => {
  it('reads the validation code', () => {
    const body = JSON.stringify([{ ...gridEvent, data: { validationCode: 'abc-123' } }]);
    expect(parseEventGridRequest('SubscriptionValidation', body)).toEqual({
      kind: 'validation',
      validationCode: 'abc-123',
    });
  });

  it('accepts an array, a single event and CloudEvents', () => {
    expect(parseEventGridRequest('Notification', JSON.stringify([gridEvent, gridEvent]))).toMatchObject({
      kind: 'notification',
      events: [gridEvent, gridEvent],
    });
    expect(parseEventGridRequest('notification', JSON.stringify(cloudEvent))).toMatchObject({
      kind: 'notification',
      events: [cloudEvent],
    });
  });

  it.each([
    [null, '[]', 'Missing aeg-event-type'],
    ['Other', '[]', 'Unknown aeg-event-type'],
    ['Notification', '{not json', 'not valid JSON'],
    ['Notification', '[]', 'no events'],
    ['Notification', '[1]', 'Event 0'],
    ['Notification', JSON.stringify([{ id: 'x' }]), 'Event 0'],
    ['SubscriptionValidation', JSON.stringify([{ data: {} }]), 'validationCode'],
  ])('rejects header %s body %s', (header, body, detail) => {
    const result = parseEventGridRequest(header, body);
    expect(result.kind).toBe('invalid');
    if (result.kind === 'invalid') expect(result.detail).toContain(detail);
  });

  it.each([
    ['specversion 2.0', { ...cloudEvent, specversion: '2.0' }, 'specversion'],
    ['specversion 0.1', { ...cloudEvent, specversion: '0.1' }, 'specversion'],
    ['specversion 1', { ...cloudEvent, specversion: 1 }, 'specversion'],
    ['an empty CloudEvents id', { ...cloudEvent, id: '' }, 'id'],
    ['an empty Event Grid id', { ...gridEvent, id: '' }, 'id'],
    [
      'specversion 2.0 on an otherwise valid Event Grid schema event',
      { ...gridEvent, specversion: '2.0' },
      'specversion',
    ],
  ])('rejects an event with %s, naming the attribute', (_, event, attribute) => {
    for (const body of [JSON.stringify(event), JSON.stringify([cloudEvent, event])]) {
      const result = parseEventGridRequest('Notification', body);
      expect(result.kind).toBe('invalid');
      if (result.kind === 'invalid') {
        expect(result.detail).toMatch(/^Event [01]\b/);
        expect(result.detail).toContain(attribute);
      }
    }
  });

  it('names a deeply nested specversion without serialising it', () => {
    const depth = 10_000;
    const body = `{"specversion":${'['.repeat(depth)}${']'.repeat(depth)},"id":"1","source":"/s","type":"t"}`;
    const result = parseEventGridRequest('Notification', body);
    expect(result).toEqual({
      kind: 'invalid',
      status: 400,
      detail: 'Event 0 has specversion of type object; only CloudEvents "1.0" is accepted.',
    });
  });
});
