// The dashboard page (issue 14): esbuild bundles web/dashboard/src/main.ts (the views, the d3 chart
// modules and msal-browser) into one ES module and its CSS into one stylesheet, both with
// content-hashed names, so /api/dashboard/assets/ can serve them as immutable; index.html is the
// template with those names filled in. No inline script or style anywhere: the page runs under the
// dashboard's Content-Security-Policy (default-src 'self', no 'unsafe-inline', no 'unsafe-eval').
// functions/dashboard.ts serves dist/dashboard; .funcignore keeps it in the deployment package.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The built page, relative to the project. */
export const DASHBOARD_DIR = 'dist/dashboard';
/** Where index.html points: the assets route of functions/dashboard.ts under the host's `api` prefix. */
export const ASSETS_URL = '/api/dashboard/assets/';
const SOURCE_DIR = 'web/dashboard';

/** index.html with `{{main.js}}` and `{{main.css}}` replaced by the hashed file names. */
export function renderIndex(template, assets) {
  const html = template.replace(/\{\{([a-z]+\.(?:js|css))\}\}/g, (_, name) => {
    const file = assets[name];
    if (!file) throw new Error(`index.html names ${name}, which the build did not produce.`);
    return file;
  });
  if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html) || /<style|\sstyle=/i.test(html))
    throw new Error('index.html must hold no inline script or style (the CSP forbids them).');
  return html;
}

/**
 * @param {string} root the project folder
 * @param {string} [out] the output folder (tests build into a temporary one)
 * @returns {Promise<{ dir: string, files: string[], bytes: number }>}
 */
export async function buildDashboard(root, out = join(root, DASHBOARD_DIR)) {
  const assetsDir = join(out, 'assets');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(assetsDir, { recursive: true });
  const result = await build({
    entryPoints: { main: join(root, SOURCE_DIR, 'src/main.ts') },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['es2022', 'chrome111', 'edge111', 'firefox111', 'safari16'],
    outdir: assetsDir,
    entryNames: '[name].[hash]',
    assetNames: '[name].[hash]',
    minify: true,
    // The deployment package leaves *.map out, and the page needs none to run.
    sourcemap: false,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });
  const assets = {};
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (output.entryPoint) assets['main.js'] = basename(file);
    else if (file.endsWith('.css')) assets['main.css'] = basename(file);
  }
  const template = readFileSync(join(root, SOURCE_DIR, 'index.html'), 'utf8');
  writeFileSync(join(out, 'index.html'), renderIndex(template, assets));
  const files = ['index.html', ...Object.values(assets).map((file) => `assets/${file}`)];
  const bytes = files.reduce((sum, file) => sum + statSync(join(out, file)).size, 0);
  return { dir: relative(root, out), files, bytes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  buildDashboard(root).then(
    ({ dir, files, bytes }) =>
      console.log(`Built the dashboard into ${dir}: ${files.join(', ')} (${(bytes / 1024).toFixed(0)} KiB).`),
    (error) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
