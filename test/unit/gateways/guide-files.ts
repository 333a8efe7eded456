import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sax from 'sax';

/** Reading the shipped gateway guides (docs/gateways/) for tests that check their structure. */
export const GUIDES_DIR = join(import.meta.dirname, '..', '..', '..', 'docs', 'gateways');

export const readGuide = (name: string): string => readFileSync(join(GUIDES_DIR, name), 'utf8');

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * Parses XML strictly (sax strict mode: unescaped quotes or `&` in attributes, bad nesting and
 * stray text outside the root are errors) and returns the root element. XML also forbids a raw
 * `<` in attribute values, which sax lets through, so that is checked on the source text.
 */
export function parseStrictXml(source: string): XmlElement {
  const rawLt = /\s[\w:-]+="[^"]*<[^"]*"/.exec(source);
  if (rawLt) throw new Error(`raw "<" in an attribute value: ${rawLt[0].slice(0, 80)}`);
  const parser = sax.parser(true, { trim: false });
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const errors: string[] = [];
  parser.onerror = (error) => {
    errors.push(error.message.split('\n')[0] ?? '');
    parser.resume();
  };
  parser.onopentag = (tag) => {
    const element: XmlElement = {
      name: tag.name,
      attributes: Object.fromEntries(Object.entries(tag.attributes).map(([k, v]) => [k, String(v)])),
      children: [],
      text: '',
    };
    stack.at(-1)?.children.push(element);
    stack.push(element);
  };
  parser.onclosetag = () => {
    stack.pop();
  };
  parser.ontext = (text) => {
    const current = stack.at(-1);
    if (current) current.text += text;
  };
  parser.write(source).close();
  if (errors.length > 0) throw new Error(`not well-formed XML: ${errors.join('; ')}`);
  const [documentElement] = root.children;
  if (!documentElement || root.children.length !== 1)
    throw new Error('XML must have exactly one root element');
  return documentElement;
}

/** Every element below `root` (depth first, document order). */
export function descendants(root: XmlElement): XmlElement[] {
  return root.children.flatMap((child) => [child, ...descendants(child)]);
}

/** The fenced code blocks of a Markdown guide with the given info string (```yaml, ```xml). */
export function codeBlocks(markdown: string, language: string): string[] {
  const fence = new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  return [...markdown.matchAll(fence)].map((match) => match[1] ?? '');
}
