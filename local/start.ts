import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeys } from './host/keys.js';
import { PortInUseError } from './host/server.js';
import { type LocalSettings, readLocalSettings } from './host/settings.js';
import { startStack } from './stack.js';

/** `npm start`: the whole product locally, with state under `.local/`, until Ctrl-C. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

/** `--state <dir>` and `--settings <file>` move state elsewhere (the tests use temp dirs). */
const stateDir = resolve(argument('--state') ?? join(root, '.local'));
const settingsFile = resolve(argument('--settings') ?? join(root, 'local.settings.json'));

function portArgument(): number | undefined {
  const raw = argument('--port');
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('--port needs a number between 0 and 65535.');
    process.exit(2);
  }
  return port;
}

/** First run: local.settings.json from the example, with freshly generated host keys. */
function ensureSettings(): LocalSettings {
  if (!existsSync(settingsFile)) {
    const example = JSON.parse(
      readFileSync(join(root, 'local.settings.example.json'), 'utf8'),
    ) as LocalSettings;
    writeFileSync(settingsFile, `${JSON.stringify({ ...example, Keys: generateKeys() }, null, 2)}\n`, {
      mode: 0o600,
    });
    console.log(`Created ${settingsFile} with new local keys.`);
  }
  const settings = readLocalSettings(settingsFile);
  if (!settings) throw new Error(`Could not read ${settingsFile}.`);
  if (!settings.Keys?.master) {
    settings.Keys = { ...generateKeys(), ...settings.Keys };
    copyFileSync(settingsFile, `${settingsFile}.bak`);
    writeFileSync(settingsFile, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  }
  return settings;
}

async function main(): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  const settings = ensureSettings();
  const port = portArgument();
  const stack = await startStack({
    functionsDir: join(root, 'dist', 'functions'),
    stateDir,
    settings,
    ...(port === undefined ? {} : { port }),
  });
  const { host } = stack;
  console.log(`
Local stack is running (state in ${stateDir}).
  Functions host   ${host.url}/api/<route>
  Health           ${host.url}/api/health
  Admin run        POST ${host.url}/admin/functions/<name>   (x-functions-key: master key)
  Event Grid       POST ${host.url}/runtime/webhooks/EventGrid?functionName=<name>&code=<eventgrid_extension key>
  Azurite          blob ${stack.azurite.blobEndpoint}  queue ${stack.azurite.queueEndpoint}  table ${stack.azurite.tableEndpoint}
  Keys             in ${settingsFile} ("Keys")

Try:
  curl -s ${host.url}/api/health

Press Ctrl-C to stop.
`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal} received, stopping...`);
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof PortInUseError ? error.message : error);
  process.exit(1);
});
