import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CADDY } from './helpers/gateway-binary.js';
import { substitute } from './helpers/gateway-config.js';
import { type GatewayLaunch, startGateway } from './helpers/gateway-process.js';
import { describeGatewayInterop } from './helpers/gateway-suite.js';

/**
 * Caddy for real (Debian's Caddy 2.6; `.ci/run` installs it, `CADDY_BIN` picks another binary):
 * client -> Caddy -> /api/validate over TLS -> a recording upstream. The configuration is
 * docs/gateways/Caddyfile as shipped, with only its placeholders filled in.
 */
const GUIDE = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'gateways', 'Caddyfile'), 'utf8');

function caddyLaunch(binary: string, dir: string, site: string): GatewayLaunch {
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  return {
    binary,
    prepare(port) {
      // No admin endpoint; Caddy's data and config folders (autosave.json) stay in `dir`.
      const caddyfile = `{
	admin off
}
${substitute(site, [[':8080 {', `:${port} {\n\tbind 127.0.0.1`]])}`;
      writeFileSync(join(dir, 'Caddyfile'), caddyfile);
      return {
        args: ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'],
        env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: home, XDG_DATA_HOME: home },
      };
    },
    // Logged once every server is listening (a taken port makes Caddy exit instead).
    ready: (output) => output.includes('serving initial configuration'),
  };
}

describeGatewayInterop({
  title: 'Caddy reverse_proxy pre-check -> /api/validate (docs/gateways/Caddyfile)',
  binary: CADDY,
  // Caddy's own answer when the check request cannot be made: the request stops there.
  untrustedValidatorStatus: 502,
  start(binary, backends, caFile, dir, options) {
    const site = substitute(GUIDE, [
      ['https://my-func.azurewebsites.net', backends.validatorUrl],
      // The run's CA issues server certificates for localhost and 127.0.0.1.
      ['tls_server_name my-func.azurewebsites.net', 'tls_server_name localhost'],
      ['/etc/ssl/certs/ca-certificates.crt', caFile],
      ['http://backend:8000', backends.upstreamUrl],
      ['<function-key>', backends.functionKey],
    ]);
    return startGateway(caddyLaunch(binary, dir, site), options);
  },
});
