import { createHash } from 'node:crypto';
import { type Client, type PageCollection, PageIterator } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { errorOf, graphClient, graphFailure, graphToken, secretCredential } from './helpers/graph-client.js';

/** The Graph stand-in's reads, through the unmodified Microsoft Graph client (local/README.md). */
let id: RunningIdentity;
let partner: Client; // Application.ReadWrite.OwnedBy, owns the DCR apps
let product: Client; // Application.ReadWrite.OwnedBy (+ AuditLog.Read.All), owns the partner portal app
let reader: Client; // Application.Read.All
const extraApps: string[] = [];

type Item = Record<string, unknown> & { id: string; appId: string };

async function collectAll(client: Client, first: PageCollection): Promise<Item[]> {
  const items: Item[] = [];
  await new PageIterator(client, first, (item: Item) => {
    items.push(item);
    return true;
  }).iterate();
  return items;
}

beforeAll(async () => {
  id = await startIdentity();
  const { apps } = id;
  partner = graphClient(
    id,
    secretCredential(id, apps.partnerGateway.appId, apps.partnerGateway.secret ?? ''),
  );
  product = graphClient(id, secretCredential(id, apps.product.appId, apps.product.secret ?? ''));
  const readerApp = id.directory.addApplication({ displayName: 'Inventory reader' });
  const readerSecret = id.directory.addPassword(readerApp.appId).secretText;
  id.directory.assignRole(readerApp.appId, apps.graph.appId, 'Application.Read.All');
  reader = graphClient(id, secretCredential(id, readerApp.appId, readerSecret));
  // Three more DCR apps, so the partner owns 7 and $top=2 needs 4 pages.
  for (const name of ['extra one', 'extra two', 'extra three']) {
    const app = id.directory.addApplication({
      displayName: name,
      owners: [apps.partnerGateway.servicePrincipalId],
    });
    id.directory.addPassword(app.appId, { displayName: 'dcr' });
    extraApps.push(app.appId);
  }
});
afterAll(async () => {
  await id?.stop();
});

describe('Graph stand-in reads with the unmodified Graph client', () => {
  it('pages through every app a service principal owns, following @odata.nextLink verbatim', async () => {
    const spId = id.apps.partnerGateway.servicePrincipalId;
    id.counters.reset();
    const first = (await partner
      .api(`/servicePrincipals/${spId}/ownedObjects`)
      .select('id,appId,displayName,passwordCredentials')
      .top(2)
      .get()) as PageCollection;
    expect(first.value).toHaveLength(2);
    expect(first['@odata.nextLink']).toMatch(
      /\$top=2&\$select=id,appId,displayName,passwordCredentials&\$skiptoken=/,
    );
    const items = await collectAll(partner, first);
    const expected = [...id.apps.partnerApps.map((app) => app.appId), ...extraApps];
    expect(items.map((item) => item.appId).sort()).toEqual(expected.sort());
    expect(id.counters.graphRequests({ route: 'ownedObjects', status: 200 })).toBe(4);
    for (const item of items) {
      // Only the selected properties, plus the type of each directory object.
      expect(Object.keys(item).sort()).toEqual([
        '@odata.type',
        'appId',
        'displayName',
        'id',
        'passwordCredentials',
      ]);
      expect(item['@odata.type']).toBe('#microsoft.graph.application');
    }
    const tenDays = items.find((item) => item.appId === id.apps.partnerApps[0]?.appId);
    expect(tenDays?.passwordCredentials).toEqual([
      {
        customKeyIdentifier: null,
        displayName: 'seeded',
        endDateTime: id.apps.partnerApps[0]?.secretEnd,
        hint: id.apps.partnerApps[0]?.secret?.slice(0, 3),
        keyId: id.apps.partnerApps[0]?.secretKeyId,
        secretText: null,
        startDateTime: expect.any(String),
      },
    ]);
    expect(JSON.stringify(items)).not.toContain(id.apps.partnerApps[0]?.secret);
  });

  it('serves the microsoft.graph.application cast with the same applications', async () => {
    const spId = id.apps.product.servicePrincipalId;
    const page = (await product
      .api(`/servicePrincipals/${spId}/ownedObjects/microsoft.graph.application`)
      .select('appId')
      .get()) as PageCollection;
    expect(page.value).toEqual([{ '@odata.type': '#microsoft.graph.application', appId: id.apps.dcr.appId }]);
    expect(page['@odata.nextLink']).toBeUndefined();
  });

  it('returns a certificate key only on a single-object $select=keyCredentials', async () => {
    const gateway = id.apps.gateway;
    const full = await reader.api(`/applications/${gateway.objectId}`).get();
    expect(full).toMatchObject({
      id: gateway.objectId,
      appId: gateway.appId,
      displayName: gateway.displayName,
    });
    expect(full.keyCredentials).toHaveLength(1);
    expect(full.keyCredentials[0]).toMatchObject({
      customKeyIdentifier: gateway.thumbprintSha1,
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      key: null,
      displayName: 'CN=gateway-cert',
    });
    const selected = await reader.api(`/applications/${gateway.objectId}`).select('keyCredentials').get();
    expect(Object.keys(selected).filter((k) => !k.startsWith('@'))).toEqual(['keyCredentials']);
    const der = Buffer.from(selected.keyCredentials[0].key as string, 'base64');
    expect(createHash('sha1').update(der).digest('hex').toUpperCase()).toBe(gateway.thumbprintSha1);
    // A collection never carries it, even when selected.
    const owned = await product
      .api(`/servicePrincipals/${id.apps.product.servicePrincipalId}/ownedObjects`)
      .select('keyCredentials')
      .get();
    expect(owned.value[0]).toEqual({ '@odata.type': '#microsoft.graph.application', keyCredentials: [] });
  });

  it("finds an application by appId='…' and lists its owners", async () => {
    const dcr = id.apps.dcr;
    const byAppId = await product.api(`/applications(appId='${dcr.appId}')`).select('id,appId').get();
    expect(byAppId).toMatchObject({ id: dcr.objectId, appId: dcr.appId });
    const owners = await product.api(`/applications/${dcr.objectId}/owners`).get();
    expect(owners.value).toEqual([
      {
        '@odata.type': '#microsoft.graph.servicePrincipal',
        id: id.apps.product.servicePrincipalId,
        accountEnabled: true,
        appId: id.apps.product.appId,
        displayName: id.apps.product.displayName,
        servicePrincipalType: 'Application',
      },
    ]);
    const sameByAppId = await product.api(`/applications(appId='${dcr.appId}')/owners`).get();
    expect(sameByAppId.value).toEqual(owners.value);
  });

  it('answers delta: all applications page by page, then only what changed after the delta link', async () => {
    const first = (await reader
      .api('/applications/delta')
      .select('id,appId,passwordCredentials')
      .top(3)
      .get()) as PageCollection;
    const pages: PageCollection[] = [first];
    while (pages.at(-1)?.['@odata.nextLink'])
      pages.push((await reader.api(pages.at(-1)?.['@odata.nextLink'] as string).get()) as PageCollection);
    const all = pages.flatMap((page) => page.value as Item[]);
    expect(all.map((app) => app.appId).sort()).toEqual(
      id.directory
        .applications()
        .map((app) => app.appId)
        .sort(),
    );
    const deltaLink = pages.at(-1)?.['@odata.deltaLink'] as string;
    expect(deltaLink).toMatch(
      /\/v1\.0\/applications\/delta\?\$select=id,appId,passwordCredentials&\$deltatoken=/,
    );

    const quiet = await reader.api(deltaLink).get();
    expect(quiet.value).toEqual([]);

    const changed = id.apps.partnerApps[1];
    const added = id.directory.addPassword(changed?.appId ?? '', { displayName: 'rotated' });
    const doomed = id.directory.addApplication({ displayName: 'to be deleted' });
    id.directory.removeApplication(doomed.appId);
    const changes = await reader.api(deltaLink).get();
    expect(changes.value).toHaveLength(2);
    const changedEntry = changes.value.find((entry: Item) => entry.id === changed?.objectId);
    expect(changedEntry.passwordCredentials.map((c: { keyId: string }) => c.keyId)).toContain(added.keyId);
    expect(changes.value).toContainEqual({ id: doomed.id, '@removed': { reason: 'changed' } });
    expect(changes['@odata.deltaLink']).toBeDefined();
  });
});

describe('Graph stand-in authorization and errors', () => {
  it('answers a missing or wrong-audience token with 401 InvalidAuthenticationToken', async () => {
    const url = `${id.graphUrl}/v1.0/applications/${id.apps.dcr.objectId}`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await errorOf(none)).toMatchObject({
      code: 'InvalidAuthenticationToken',
      message: 'Access token is empty.',
      innerError: { 'request-id': expect.any(String), date: expect.any(String) },
    });
    const vaultToken = await id.controls.mintAppToken({
      clientId: id.apps.product.appId,
      resource: 'https://vault.azure.net',
    });
    const wrong = await fetch(url, { headers: { authorization: `Bearer ${vaultToken}` } });
    expect(wrong.status).toBe(401);
    const text = await wrong.text();
    expect(JSON.parse(text).error.message).toBe('Access token validation failure. Invalid audience.');
    expect(text).not.toContain(vaultToken);
    const expired = await id.controls.mintAppToken({
      clientId: id.apps.product.appId,
      resource: 'https://graph.microsoft.com',
      offsetSeconds: -7200,
      lifetimeSeconds: 600,
    });
    const old = await fetch(url, { headers: { authorization: `Bearer ${expired}` } });
    expect((await errorOf(old)).message).toBe('Lifetime validation failed, the token is expired.');
  });

  it('answers a caller without an application permission with 403 Authorization_RequestDenied', async () => {
    const noRoles = graphClient(
      id,
      secretCredential(id, id.apps.secretClient.appId, id.apps.secretClient.secret ?? ''),
    );
    const failure = await graphFailure(noRoles.api(`/applications/${id.apps.dcr.objectId}`).get());
    expect(failure).toMatchObject({
      statusCode: 403,
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
    });
  });

  it('lets Application.ReadWrite.OwnedBy read only its own ownedObjects; another owner needs Application.Read.All', async () => {
    const other = `/servicePrincipals/${id.apps.partnerGateway.servicePrincipalId}/ownedObjects`;
    expect(await graphFailure(product.api(other).get())).toMatchObject({
      statusCode: 403,
      code: 'Authorization_RequestDenied',
    });
    const page = await reader.api(other).top(999).get();
    expect(page.value.length).toBe(id.apps.partnerApps.length + extraApps.length);
  });

  it('answers unknown objects, bad query options and bad paging tokens in Graph error shape', async () => {
    const missing = await graphFailure(
      reader.api('/applications/00000000-0000-0000-0000-000000000001').get(),
    );
    expect(missing).toMatchObject({ statusCode: 404, code: 'Request_ResourceNotFound' });
    const tooMany = await graphFailure(
      reader
        .api(`/servicePrincipals/${id.apps.partnerGateway.servicePrincipalId}/ownedObjects`)
        .top(1000)
        .get(),
    );
    expect(tooMany).toMatchObject({ statusCode: 400, code: 'Request_UnsupportedQuery' });
    expect(tooMany.message).toBe("Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.");
    const badSelect = await graphFailure(
      reader.api(`/applications/${id.apps.dcr.objectId}`).select('secretText,nope').get(),
    );
    expect(badSelect).toMatchObject({ statusCode: 400, code: 'Request_BadRequest' });
    expect(badSelect.message).toBe(
      "Could not find a property named 'secretText' on type 'microsoft.graph.application'.",
    );
    const token = await graphToken(id, id.apps.partnerGateway.appId, id.apps.partnerGateway.secret ?? '');
    const badSkip = await fetch(
      `${id.graphUrl}/v1.0/servicePrincipals/${id.apps.partnerGateway.servicePrincipalId}/ownedObjects?$skiptoken=%7Bnot-ours%7D`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(badSkip.status).toBe(400);
    expect((await errorOf(badSkip)).code).toBe('Request_BadRequest');
    const unknownSegment = await fetch(`${id.graphUrl}/v1.0/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(unknownSegment.status).toBe(400);
    expect(await errorOf(unknownSegment)).toMatchObject({
      code: 'BadRequest',
      message: "Resource not found for the segment 'me'.",
    });
  });
});
