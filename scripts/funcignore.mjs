// A .funcignore reader with .gitignore semantics (the Functions Core Tools and azd both read it as
// gitignore): blank lines and `#` comments skipped, `!` negates, a trailing `/` matches directories
// only, a pattern with a slash before its end is anchored to the root, otherwise it matches a name at
// any depth; `*` and `?` stay within a segment, `**` spans segments. As in git, a file inside an
// excluded directory stays excluded even if a later rule would re-include it.
// Shared by scripts/stage-package.mjs (what goes into the package) and test/infra (what must).

/** @param {string} glob */
function globToRegex(glob) {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === '*') {
      if (glob[i + 1] === '*') {
        const slashAfter = glob[i + 2] === '/';
        out += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else {
        out += '[^/]*';
      }
    } else if (char === '?') {
      out += '[^/]';
    } else if (char === '\\' && i + 1 < glob.length) {
      out += `\\${glob[++i]}`;
    } else {
      out += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return out;
}

/**
 * @param {string} text
 * @returns {import('./funcignore.d.mts').IgnoreRule[]}
 */
export function parseIgnoreRules(text) {
  const rules = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    const directoryOnly = line.endsWith('/');
    if (directoryOnly) line = line.slice(0, -1);
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    const body = globToRegex(line);
    const regex = new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`);
    rules.push({ negate, directoryOnly, regex, source: raw });
  }
  return rules;
}

/**
 * @param {readonly import('./funcignore.d.mts').IgnoreRule[]} rules
 * @param {string} path
 * @param {boolean} isDirectory
 */
function lastMatch(rules, path, isDirectory) {
  /** @type {boolean | undefined} */
  let verdict;
  for (const rule of rules) {
    if (rule.directoryOnly && !isDirectory) continue;
    if (rule.regex.test(path)) verdict = !rule.negate;
  }
  return verdict;
}

/**
 * True when the file at `path` (relative, `/`-separated) is left out of the package.
 * @param {readonly import('./funcignore.d.mts').IgnoreRule[]} rules
 * @param {string} path
 */
export function isIgnored(rules, path) {
  const segments = path.split('/');
  for (let depth = 1; depth < segments.length; depth++) {
    if (lastMatch(rules, segments.slice(0, depth).join('/'), true)) return true;
  }
  return lastMatch(rules, path, false) ?? false;
}

/**
 * True when a directory (and so everything in it) is left out.
 * @param {readonly import('./funcignore.d.mts').IgnoreRule[]} rules
 * @param {string} path
 */
export function isDirectoryIgnored(rules, path) {
  const segments = path.split('/');
  for (let depth = 1; depth <= segments.length; depth++) {
    if (lastMatch(rules, segments.slice(0, depth).join('/'), true)) return true;
  }
  return false;
}
