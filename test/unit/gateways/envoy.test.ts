import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readGuide } from './guide-files.js';

/**
 * docs/gateways/envoy.yaml, checked without an Envoy binary: the structure that makes the check
 * reach Azure, fixed to one policy, failing closed and unspoofable. Field meanings from
 * ext_authz.proto (envoy.extensions.filters.http.ext_authz.v3), route.proto and
 * header_mutation.proto.
 */
// biome-ignore lint/suspicious/noExplicitAny: walking a parsed YAML document.
type Node = any;
const config: Node = parse(readGuide('envoy.yaml'));
const listeners: Node[] = config.static_resources.listeners;
const clusters: Node[] = config.static_resources.clusters;
const listener = (name: string) => listeners.find((l) => l.name === name);
const cluster = (name: string) => clusters.find((c) => c.name === name);
const hcm = (l: Node) =>
  l.filter_chains[0].filters.find((f: Node) => f.name === 'envoy.filters.network.http_connection_manager')
    .typed_config;

const ingress = hcm(listener('ingress'));
const filters: Node[] = ingress.http_filters;
const extAuthz = filters.find((f) => f.name === 'envoy.filters.http.ext_authz').typed_config;
const exact = (list: Node) => list.patterns.map((p: Node) => p.exact);

describe('envoy.yaml', () => {
  it('normalises the client path before routing and before the check', () => {
    expect(ingress.normalize_path).toBe(true);
    expect(ingress.merge_slashes).toBe(true);
  });

  it('removes every client x-agw-* header before ext_authz runs', () => {
    const names = filters.map((f) => f.name);
    const mutation = names.indexOf('envoy.filters.http.header_mutation');
    expect(mutation).toBeGreaterThanOrEqual(0);
    expect(mutation).toBeLessThan(names.indexOf('envoy.filters.http.ext_authz'));
    const removals = filters[mutation].typed_config.mutations.request_mutations;
    expect(removals).toContainEqual({
      remove_on_match: { key_matcher: { prefix: 'x-agw-', ignore_case: true } },
    });
  });

  it('fails closed: no failure_mode_allow, and an unreachable validator is 503 (status_on_error), not 403', () => {
    expect(extAuthz.failure_mode_allow).toBe(false);
    expect(extAuthz.status_on_error).toEqual({ code: 'ServiceUnavailable' });
  });

  it('sends the token and the function key, and passes the identity and the challenge on', () => {
    expect(exact(extAuthz.allowed_headers)).toEqual(['authorization']);
    const service = extAuthz.http_service;
    expect(service.authorization_request.headers_to_add).toContainEqual({
      key: 'x-functions-key',
      value: '<function-key>',
    });
    expect(exact(service.authorization_response.allowed_upstream_headers)).toEqual([
      'x-agw-client_id',
      'x-agw-userid',
    ]);
    expect(exact(service.authorization_response.allowed_client_headers)).toEqual([
      'www-authenticate',
      'retry-after',
    ]);
  });

  it('routes the check through an internal listener that sets the Function App Host and a fixed path', () => {
    expect(config.bootstrap_extensions.map((e: Node) => e.name)).toContain(
      'envoy.bootstrap.internal_listener',
    );
    const internal = cluster(extAuthz.http_service.server_uri.cluster);
    const target =
      internal.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.envoy_internal_address;
    const hop = listener(target.server_listener_name);
    expect(hop.internal_listener).toEqual({});
    const [route] = hcm(hop).route_config.virtual_hosts[0].routes;
    expect(route.route.host_rewrite_literal).toBe('my-func.azurewebsites.net');

    // ext_authz appends the client path to path_prefix; the rewrite must leave only the fixed path.
    const { pattern, substitution } = route.route.regex_rewrite;
    expect(substitution).toMatch(/^\/api\/validate\/[A-Za-z0-9_-]+$/);
    for (const clientPath of ['/orders/42', '/../../health', '/%2e%2e/health', '//api/health', '/']) {
      const checked = `${extAuthz.http_service.path_prefix}${clientPath}`.replace(
        new RegExp(pattern.regex),
        substitution,
      );
      expect(checked, clientPath).toBe(substitution);
    }
  });

  it('verifies the Function App certificate and name', () => {
    const [route] = hcm(listener('agw_validate_rewrite')).route_config.virtual_hosts[0].routes;
    const azure = cluster(route.route.cluster);
    const tls = azure.transport_socket.typed_config;
    expect(tls['@type']).toContain('UpstreamTlsContext');
    expect(tls.sni).toBe('my-func.azurewebsites.net');
    expect(tls.common_tls_context.validation_context.trusted_ca.filename).toBeTruthy();
    expect(tls.common_tls_context.validation_context.match_typed_subject_alt_names).toContainEqual({
      san_type: 'DNS',
      matcher: { exact: 'my-func.azurewebsites.net' },
    });
  });
});
