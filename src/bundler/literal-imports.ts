import path from 'node:path';
import { transform, type Message } from 'esbuild';
import { parseSync, Visitor, type Expression, type Node } from 'oxc-parser';
import { compileError } from './errors.ts';

/**
 * Tenant code names every module it imports by a string literal.
 *
 * esbuild turns an `import()` or `require()` whose name is computed (`\`./${x}\``, `'./' + x`) into a
 * glob: it lists the folders the pattern reaches and reads every file that matches, without asking
 * the import plugin, so such a call could pull host files into a bundle or an error message. The
 * import plugin refuses local paths, and the build refuses every read outside the app's packages
 * (see bundler/imports.ts); this check stops it earlier, before esbuild lists or reads anything,
 * with an error a model can act on. A computed module name never worked here anyway: functions and
 * components are single files, and packages are imported by bare name.
 */
export const LITERAL_IMPORTS_MESSAGE = 'imports must name a module by a string literal';

/** Import attributes esbuild honours that inline the imported file as something else than code. */
const ALLOWED_IMPORT_TYPES = ['json'];

export type TenantLanguage = 'js' | 'ts' | 'tsx';

/**
 * Cheap screen first: parsing costs far more than bundling a small file, and almost every tenant
 * file names its modules in the plain forms below. Any other occurrence of `require`, of `import`
 * (a call, `import.meta`, a comment before the parenthesis), of an escaped identifier (`requ\u0069re`)
 * or of an import attribute sends the file to the parser. False alarms only cost a parse.
 */
const WORDS = /\\u|\b(?:require|import|with|assert)\b/g;
const STRING = String.raw`(?:'[^'\\\n]*'|"[^"\\\n]*"|\`[^\`\\$]*\`)`;
const LITERAL_CALL = new RegExp(String.raw`^\s*\(\s*${STRING}\s*\)`);
const PLAIN_AFTER = {
  require: LITERAL_CALL,
  // A static import (`import x from`, `import {`, `import * as`, `import 'side-effect'`, `import type`) or import('literal').
  import: new RegExp(String.raw`^\s+[\w$]|^\s*[{*'"]|${LITERAL_CALL.source}`),
} as const;

function needsParse(code: string): boolean {
  for (const match of code.matchAll(WORDS)) {
    const word = match[0];
    if (word === '\\u') return true;
    const after = code.slice(match.index + word.length, match.index + word.length + 300);
    if (word === 'require' && !PLAIN_AFTER.require.test(after)) return true;
    if (word === 'import' && !PLAIN_AFTER.import.test(after)) return true;
    if ((word === 'with' || word === 'assert') && /^\s*\{/.test(after)) return true;
  }
  return false;
}

const unwrap = (node: Expression): Expression => {
  let current: Expression = node;
  for (;;) {
    if (current.type === 'ParenthesizedExpression') current = current.expression;
    else if (
      current.type === 'TSAsExpression' ||
      current.type === 'TSSatisfiesExpression' ||
      current.type === 'TSNonNullExpression' ||
      current.type === 'TSTypeAssertion'
    )
      current = current.expression;
    else return current;
  }
};

const isStringLiteral = (node: Node | null | undefined): boolean => {
  if (!node) return false;
  const bare = unwrap(node as Expression);
  return (bare.type === 'Literal' && typeof bare.value === 'string') || (bare.type === 'TemplateLiteral' && bare.expressions.length === 0);
};

const isIdentifier = (node: Expression, name: string): boolean => {
  const bare = unwrap(node);
  return bare.type === 'Identifier' && bare.name === name;
};

/** `import.meta.<name>` (any name). */
const isImportMetaMember = (node: Expression): boolean => {
  const bare = unwrap(node);
  return bare.type === 'MemberExpression' && unwrap(bare.object).type === 'MetaProperty';
};

/** The `type` of an `import()` call's `{ with: { type: '...' } }` (or `assert`), when it has one. */
function dynamicImportType(options: Expression | null): { type: string | null; at: number } | null {
  if (!options) return null;
  const bare = unwrap(options);
  if (bare.type !== 'ObjectExpression') return { type: null, at: bare.start };
  for (const property of bare.properties) {
    if (property.type !== 'Property') return { type: null, at: property.start };
    const outer = unwrap(property.value as Expression);
    if (outer.type !== 'ObjectExpression') return { type: null, at: outer.start };
    for (const inner of outer.properties) {
      if (inner.type !== 'Property' || !isStringLiteral(inner.value)) return { type: null, at: inner.start };
      const value = unwrap(inner.value as Expression);
      const text = value.type === 'Literal' ? String(value.value) : value.type === 'TemplateLiteral' ? (value.quasis[0]!.value.cooked ?? '') : '';
      return { type: text, at: value.start };
    }
  }
  return null;
}

/** 1-based line and 0-based column (esbuild's convention, which compileError turns 1-based) of `offset`. */
function locate(code: string, offset: number): { line: number; column: number; lineText: string } {
  const before = code.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = code.indexOf('\n', offset);
  return { line: before.split('\n').length, column: offset - lineStart, lineText: code.slice(lineStart, lineEnd === -1 ? code.length : lineEnd) };
}

/** The problems in `code`: each computed module name and each refused import attribute, at its place. */
export function literalImportProblems(file: string, code: string, language: TenantLanguage): { offset: number; text: string }[] | 'unparsed' {
  if (!needsParse(code)) return [];
  const parsed = parseSync(file, code, { lang: language, sourceType: 'unambiguous' });
  if (parsed.errors.length) return 'unparsed';
  const problems: { offset: number; text: string }[] = [];
  const computed = (what: string, at: number): void => {
    problems.push({
      offset: at,
      text: `${LITERAL_IMPORTS_MESSAGE}: ${what} is computed (a variable, a \`\${...}\` template or a concatenation), which cannot be bundled. Write the module's name out, e.g. import('some-package') or require('some-package'); a function or component is one file, so there is nothing else to load by name.`,
    });
  };
  const attribute = (type: string | null, at: number): void => {
    if (type !== null && ALLOWED_IMPORT_TYPES.includes(type)) return;
    problems.push({
      offset: at,
      text: `import attributes other than { type: 'json' } are not supported${type === null ? ' (and must be written out literally)' : `: '${type}'`}; import code or JSON by the package's name.`,
    });
  };
  const staticAttributes = (node: {
    attributes?: { value: { value: string; start: number }; key: { type: string; name?: string; value?: unknown } }[];
  }): void => {
    for (const attr of node.attributes ?? []) {
      const key = attr.key.type === 'Identifier' ? attr.key.name : attr.key.value;
      attribute(key === 'type' ? attr.value.value : null, attr.value.start);
    }
  };
  new Visitor({
    ImportExpression(node) {
      if (!isStringLiteral(node.source)) computed('the name in import(...)', node.source.start);
      const type = dynamicImportType(node.options);
      if (type) attribute(type.type, type.at);
    },
    CallExpression(node) {
      const callee = unwrap(node.callee);
      const first = node.arguments[0];
      const literalFirst = first !== undefined && first.type !== 'SpreadElement' && isStringLiteral(first);
      if (isIdentifier(callee, 'require')) {
        if (first !== undefined && !literalFirst) computed('the name in require(...)', first.start);
        return;
      }
      if (callee.type === 'MemberExpression' && isIdentifier(callee.object, 'require')) {
        if (first !== undefined && !literalFirst) computed(`the name in require.${code.slice(callee.property.start, callee.property.end)}(...)`, first.start);
        return;
      }
      if (isImportMetaMember(callee)) {
        const name = code.slice((callee as { property: Node }).property.start, (callee as { property: Node }).property.end);
        // import.meta.glob and friends (bundler extensions) name many modules by a pattern.
        if (/glob/i.test(name) || (first !== undefined && !literalFirst)) computed(`import.meta.${name}(...)`, node.start);
      }
    },
    ImportDeclaration: staticAttributes,
    ExportNamedDeclaration: staticAttributes,
    ExportAllDeclaration: staticAttributes,
  } as ConstructorParameters<typeof Visitor>[0]).visit(parsed.program);
  return problems.sort((a, b) => a.offset - b.offset);
}

/**
 * Throws COMPILE_ERROR, located at `file:line:column`, when tenant code names a module by anything
 * but a string literal or uses an import attribute that inlines a file. Code that does not parse is
 * left to esbuild, which reports it as before; code only esbuild accepts is refused (a check that
 * cannot read the code cannot vouch for it).
 */
export async function checkLiteralImports(file: string, code: string, language: TenantLanguage): Promise<void> {
  const problems = literalImportProblems(file, code, language);
  if (problems === 'unparsed') {
    const esbuildAccepts = await transform(code, { loader: language, logLevel: 'silent', tsconfigRaw: {} }).then(
      () => true,
      () => false,
    );
    if (!esbuildAccepts) return;
    const parsed = parseSync(file, code, { lang: language, sourceType: 'unambiguous' });
    const first = parsed.errors[0]!;
    throw compileError(file, [
      message(code, first.labels[0]?.start ?? 0, `this code could not be checked for how it names modules (${first.message}); write it in plainer syntax.`),
    ]);
  }
  if (problems.length)
    throw compileError(
      file,
      problems.map((p) => message(code, p.offset, p.text)),
    );
}

function message(code: string, offset: number, text: string): Message {
  const { line, column, lineText } = locate(code, offset);
  return {
    id: '',
    pluginName: '',
    text,
    location: { file: '', namespace: '', line, column, length: 0, lineText, suggestion: '' },
    notes: [],
    detail: undefined,
  };
}

/**
 * A call esbuild expands into a glob: `require('<prefix>' + x)`, `import(\`<prefix>${x}\`)` (or
 * require.resolve), whose literal start is a relative path. The start is where the walk begins.
 */
const GLOB_CALL = /\b(?:require(?:\s*\.\s*resolve)?|import)\s*\(\s*(?:'(\.[^'\\\n]*)'\s*\+|"(\.[^"\\\n]*)"\s*\+|`(\.[^`\\$]*)\$\{)/g;

/** Files whose code esbuild parses for imports, by extension, and esbuild's default loader for each. */
export const CODE_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
export const CODE_LOADERS: Record<string, 'js' | 'jsx' | 'ts' | 'tsx'> = {
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
};

/**
 * The first computed module name in a package's file whose glob would start outside the package
 * (e.g. `require('../../../' + x)`): esbuild would walk those folders, possibly the whole disk,
 * before the read guard refuses each file it found. Package code may glob its own folders
 * (locales and the like are common); only the start of the walk is checked here.
 */
export function globOutside(code: string, fileDir: string, packageDir: string): string | null {
  for (const match of code.matchAll(GLOB_CALL)) {
    const prefix = match[1] ?? match[2] ?? match[3] ?? '';
    const start = path.resolve(fileDir, prefix.endsWith('/') || prefix.endsWith('.') ? prefix : path.dirname(prefix));
    if (start !== packageDir && !start.startsWith(packageDir + path.sep)) return prefix;
  }
  return null;
}
