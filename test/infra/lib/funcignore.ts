/**
 * The .funcignore reader (gitignore semantics) lives in scripts/funcignore.mjs, so the packaging script
 * (scripts/stage-package.mjs) and these checks apply the same rules.
 */
export {
  type IgnoreRule,
  isDirectoryIgnored,
  isIgnored,
  parseIgnoreRules,
} from '../../../scripts/funcignore.mjs';
