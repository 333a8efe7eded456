import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NGINX } from './helpers/gateway-binary.js';
import { substitute } from './helpers/gateway-config.js';
import { type GatewayLaunch, startGateway } from './helpers/gateway-process.js';
import { describeGatewayInterop } from './helpers/gateway-suite.js';

/**
 * nginx `auth_request` for real (Debian's nginx; `.ci/run` installs it, `NGINX_BIN` picks another
 * binary): client -> nginx -> /api/validate over TLS -> a recording upstream. The configuration is
 * docs/gateways/nginx.conf as shipped, with only its placeholders filled in.
 */
const GUIDE = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'gateways', 'nginx.conf'), 'utf8');

const readOr = (file: string, fallback: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
};

function nginxLaunch(binary: string, dir: string, server: string): GatewayLaunch {
  const pidFile = join(dir, 'nginx.pid');
  const errorLog = join(dir, 'error.log');
  return {
    binary,
    prepare(port) {
      rmSync(pidFile, { force: true });
      writeFileSync(errorLog, '');
      const conf = `daemon off;
master_process on;
worker_processes 1;
pid ${pidFile};
error_log ${errorLog} warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${substitute(server, [['listen 8080;', `listen 127.0.0.1:${port};`]])}
}
`;
      writeFileSync(join(dir, 'nginx.conf'), conf);
      return { args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', errorLog] };
    },
    // The master writes its pid file only once it has bound the listening socket.
    ready: () => readOr(pidFile, '').trim() !== '',
    logFile: () => readOr(errorLog, ''),
  };
}

describeGatewayInterop({
  title: 'nginx auth_request -> /api/validate (docs/gateways/nginx.conf)',
  binary: NGINX,
  // The guide's @agw_failed location: a validator nginx cannot verify is an unreachable one.
  untrustedValidatorStatus: 503,
  start(binary, backends, caFile, dir, options) {
    const server = substitute(GUIDE, [
      ['https://my-func.azurewebsites.net', backends.validatorUrl],
      // The run's CA issues server certificates for localhost and 127.0.0.1.
      ['proxy_ssl_name my-func.azurewebsites.net;', 'proxy_ssl_name localhost;'],
      ['/etc/ssl/certs/ca-certificates.crt', caFile],
      ['http://backend:8000', backends.upstreamUrl],
      ['<function-key>', backends.functionKey],
    ]);
    return startGateway(nginxLaunch(binary, dir, server), options);
  },
});
