import { describe, expect, it } from 'vitest';
import { HttpRequest } from '../../../shared/platform/sdk.js';
import { bodyFields, bodyText, parseTokenRequest, validateFields } from '../../../shared/tokens/request.js';

const SCOPE = 'api://downstream/.default';

/** What a parse gives: the request, or the error's code and message. */
function outcome(parse: () => unknown): unknown {
  try {
    return { ok: parse() };
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return { code, message };
  }
}

describe('token request parsing: the well-formed fast path', () => {
  // Each body parsed with the fast path (parseTokenRequest) and with the schema alone
  // (validateFields): same request, or the same error, code and message.
  it.each([
    ['a scope', { scope: SCOPE }],
    ['a scope and a client', { scope: SCOPE, client: 'billing' }],
    ['an unknown member', { scope: SCOPE, extra: 1 }],
    ['a scope to trim', { scope: `  ${SCOPE}\n` }],
    ['a client to trim', { scope: SCOPE, client: ' billing ' }],
    ['a non-breaking space', { scope: `\u00a0${SCOPE}` }],
    ['no scope', {}],
    ['an empty scope', { scope: '' }],
    ['a blank scope', { scope: '   ' }],
    ['a numeric scope', { scope: 42 }],
    ['a null scope', { scope: null }],
    ['a longest scope', { scope: `api://${'a'.repeat(1024 - 15)}/.default` }],
    ['a scope one too long', { scope: `api://${'a'.repeat(1025 - 15)}/.default` }],
    ['a permission scope', { scope: 'User.Read' }],
    ['two scopes', { scope: `${SCOPE} api://b/.default` }],
    ['a comma in the scope', { scope: `api://a,b/.default` }],
    ['an empty client', { scope: SCOPE, client: '' }],
    ['a null client', { scope: SCOPE, client: null }],
    ['a numeric client', { scope: SCOPE, client: 7 }],
    ['a path as client', { scope: SCOPE, client: '../etc' }],
    ['a longest client', { scope: SCOPE, client: 'c'.repeat(64) }],
    ['a client one too long', { scope: SCOPE, client: 'c'.repeat(65) }],
    ['both fields wrong', { scope: 1, client: '../etc' }],
    ['a bad client and a permission scope', { scope: 'User.Read', client: '../etc' }],
  ])('%s: the same outcome as the schema alone', (_name, fields) => {
    for (const [type, text] of [
      ['application/json', JSON.stringify(fields)],
      ['application/x-www-form-urlencoded', new URLSearchParams(fields as Record<string, string>).toString()],
    ] as const) {
      const fast = outcome(() => parseTokenRequest(type, text));
      expect(fast).toEqual(outcome(() => validateFields(bodyFields(type, text))));
    }
  });

  it('returns only scope and client, trimmed, however it got there', () => {
    expect(parseTokenRequest('application/json', JSON.stringify({ scope: SCOPE, extra: 1 }))).toEqual({
      scope: SCOPE,
    });
    expect(
      parseTokenRequest(
        'application/json; charset=utf-8',
        JSON.stringify({ scope: ` ${SCOPE}`, client: 'b ' }),
      ),
    ).toEqual({ scope: SCOPE, client: 'b' });
  });
});

describe('bodyText', () => {
  const url = 'http://localhost/api/token';
  const post = (bytes: Uint8Array) =>
    new HttpRequest({ method: 'POST', url, headers: {}, query: {}, params: {}, body: { bytes } });

  it.each([
    ['JSON', Buffer.from(JSON.stringify({ scope: SCOPE }))],
    ['a byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"scope":"x"}')])],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x7d])],
    ['multi-byte characters', Buffer.from('{"scope":"ü€𝄞"}')],
    ['a form', Buffer.from(`scope=${encodeURIComponent(SCOPE)}`)],
  ])('reads %s as HttpRequest.text() does', async (_name, bytes) => {
    expect(await bodyText(post(bytes))).toBe(await post(bytes).text());
  });

  /** A request whose body stream delivers copies of `chunks` and then stays open unless `close`. */
  const streamedWith = (chunks: Uint8Array[], headers: Record<string, string>, close: boolean) =>
    new HttpRequest({
      method: 'POST',
      url,
      nativeRequest: new Request(url, {
        method: 'POST',
        headers,
        body: new ReadableStream({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(new Uint8Array(chunk));
            if (close) controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit),
    } as ConstructorParameters<typeof HttpRequest>[0]);

  it('reads a body that arrives in chunks, a character split between two', async () => {
    const text = '{"scope":"ü€𝄞"}';
    const bytes = Buffer.from(text);
    const chunks = [bytes.subarray(0, 11), bytes.subarray(11, 13), bytes.subarray(13)];
    const streamed = () => streamedWith(chunks, {}, true);
    expect(await bodyText(streamed())).toBe(text);
    expect(await bodyText(streamed())).toBe(await streamed().text());
  });

  it('stops reading once the declared Content-Length has arrived', async () => {
    const bytes = Buffer.from('{"scope":"ü€𝄞"}');
    const parts = [bytes.subarray(0, 7), bytes.subarray(7)];
    // The stream never ends: only the declared length can finish the read.
    const open = streamedWith(parts, { 'content-length': String(bytes.length) }, false);
    expect(await bodyText(open)).toBe(bytes.toString());
  });

  it.each([
    ['missing', undefined],
    ['smaller than the body', '3'],
    ['larger than the body', '999'],
    ['not a number', '1e3'],
  ])('reads to the end when the Content-Length is %s', async (_name, declared) => {
    const bytes = Buffer.from('{"scope":"x"}');
    const headers: Record<string, string> = declared === undefined ? {} : { 'content-length': declared };
    const make = () => streamedWith([bytes.subarray(0, 5), bytes.subarray(5)], headers, true);
    expect(await bodyText(make())).toBe(await make().text());
  });

  it('reads no body as empty, and a body once', async () => {
    expect(await bodyText(new HttpRequest({ method: 'GET', url, headers: {}, query: {}, params: {} }))).toBe(
      '',
    );
    const request = post(Buffer.from('{}'));
    expect(await bodyText(request)).toBe('{}');
    expect(request.bodyUsed).toBe(true);
    await expect(bodyText(request)).rejects.toThrow();
  });
});
