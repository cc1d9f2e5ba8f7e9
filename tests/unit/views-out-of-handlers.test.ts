/**
 * Views live in gateway/pages/ and take a view model; handlers compute the model (DESIGN.md). This scan
 * fails when a string or template literal outside pages/ carries HTML markup, or the html`` tag is used
 * there. Comments are not read (the TypeScript parser gives the literals).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const GATEWAY = path.join(__dirname, '../../gateway');

/** Files outside pages/ that must carry markup, and why. Keep this short. */
const ALLOWED: Record<string, string> = {
  'proxy/cookie-shim.ts': 'the <script> the proxy puts into vendor pages, not a Passway page',
  'usage/reports/charts.ts': 'SVG chart drawing (no text of its own: titles come from the usage view)',
};
const ALLOWED_DIRS = ['pages/', 'proxy/rewrite/']; // the views; the rewriter reads and patches vendor HTML

const TAG = /<\/?(a|p|div|span|form|input|button|label|select|option|textarea|table|thead|tbody|tr|td|th|ul|ol|li|h[1-6]|section|nav|main|header|footer|details|summary|img|dl|dt|dd|time|fieldset|legend|br|strong|em|code|meta|link|style|script|svg|html|head|body|title)\b[^<>]*>/i;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? files(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Where a file writes markup: the literals with a tag, and uses of the html`` tag. */
function markupIn(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const line = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const visit = (node: ts.Node) => {
    if (ts.isTaggedTemplateExpression(node) && node.tag.getText(source) === 'html') found.push(`${line(node)}: html\`…\``);
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      const match = TAG.exec(node.text);
      if (match) found.push(`${line(node)}: ${match[0]}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('no file outside gateway/pages/ (handlers included) builds HTML markup', () => {
  const offenders = files(GATEWAY)
    .map((file) => path.relative(GATEWAY, file).split(path.sep).join('/'))
    .filter((rel) => !ALLOWED_DIRS.some((dir) => rel.startsWith(dir)) && !(rel in ALLOWED))
    .flatMap((rel) => markupIn(path.join(GATEWAY, rel)).map((where) => `gateway/${rel}:${where}`));
  expect(offenders).toEqual([]);
});

test('the allow-list is tight: each allowed file still needs it', () => {
  for (const rel of Object.keys(ALLOWED)) expect(markupIn(path.join(GATEWAY, rel)).length).toBeGreaterThan(0);
});

test('the scan sees markup in a handler-like file (it is not vacuous)', () => {
  expect(TAG.test('<p class="notice">')).toBe(true);
  expect(TAG.test('.argument(\'<config>\')')).toBe(false);
});
