/**
 * The table designer's SQL: CREATE TABLE, ADD COLUMN and CREATE INDEX from what a person filled in,
 * with every name checked and quoted and every default written as a literal of the column's type.
 * Pure (no DOM, no fetch) so that what the designer shows is exactly what the tests check.
 */

export const COLUMN_TYPES = ['INTEGER', 'TEXT', 'REAL', 'NUMERIC', 'BLOB'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  notNull?: boolean;
  /** As typed: a number for numeric types, any text for TEXT (quoted here), or CURRENT_TIMESTAMP/CURRENT_DATE/CURRENT_TIME/NULL. Empty: no default. */
  defaultValue?: string;
  unique?: boolean;
  primaryKey?: boolean;
  /** A foreign key to one column of another table. */
  references?: { table: string; column: string; onDelete?: OnDelete };
}
export const ON_DELETE = ['NO ACTION', 'CASCADE', 'SET NULL', 'RESTRICT'] as const;
export type OnDelete = (typeof ON_DELETE)[number];

/** A name the designer refuses, with a message saying what to change. */
export class DdlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DdlError';
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_NAME = 64;
const KEYWORD_DEFAULTS = new Set(['CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'NULL']);
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A table, column or index name: letters, digits and underscores, not starting with a digit, at most
 * 64 characters, not SQLite's own `sqlite_` prefix. Narrower than SQLite allows, so that the name also
 * works unquoted in the app's own SQL and in the functions the agent writes.
 */
export function checkName(name: string, what: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new DdlError(`The ${what} needs a name.`);
  if (trimmed.length > MAX_NAME) throw new DdlError(`The ${what} name "${trimmed.slice(0, 20)}…" is longer than ${MAX_NAME} characters.`);
  if (!NAME.test(trimmed))
    throw new DdlError(`The ${what} name "${trimmed}" may hold only letters, digits and underscores, and may not start with a digit (e.g. order_items).`);
  if (/^sqlite_/i.test(trimmed)) throw new DdlError(`The ${what} name "${trimmed}" starts with "sqlite_", which SQLite keeps for itself.`);
  return trimmed;
}

/** `"name"`, inner quotes doubled (checked names have none, but quoting never depends on that). */
export function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `'text'`, inner quotes doubled. */
export function quoteText(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The DEFAULT clause's value as a literal of the column's type, or null for no default. */
export function defaultLiteral(column: Pick<ColumnSpec, 'name' | 'type' | 'defaultValue'>): string | null {
  const raw = column.defaultValue?.trim() ?? '';
  if (raw === '') return null;
  if (KEYWORD_DEFAULTS.has(raw.toUpperCase())) return raw.toUpperCase();
  if (column.type === 'TEXT') return quoteText(column.defaultValue!);
  if (column.type === 'BLOB') throw new DdlError(`Column "${column.name}": a BLOB column's default can only be NULL.`);
  if (!NUMBER.test(raw)) throw new DdlError(`Column "${column.name}": the default "${raw}" is not a number, and the column is ${column.type}.`);
  return raw;
}

function columnDefinition(column: ColumnSpec, inlinePrimaryKey: boolean): string {
  const name = checkName(column.name, 'column');
  const parts = [quoteName(name), column.type];
  if (inlinePrimaryKey) parts.push('PRIMARY KEY');
  if (column.notNull) parts.push('NOT NULL');
  const literal = defaultLiteral({ ...column, name });
  if (literal !== null) parts.push(`DEFAULT ${literal}`);
  if (column.unique && !inlinePrimaryKey) parts.push('UNIQUE');
  if (column.references) {
    const table = checkName(column.references.table, 'referenced table');
    const target = checkName(column.references.column, 'referenced column');
    parts.push(`REFERENCES ${quoteName(table)} (${quoteName(target)})`);
    if (column.references.onDelete && column.references.onDelete !== 'NO ACTION') parts.push(`ON DELETE ${column.references.onDelete}`);
  }
  return parts.join(' ');
}

function checkDistinct(names: string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    // SQLite compares names without regard to ASCII case.
    const key = name.toLowerCase();
    if (seen.has(key)) throw new DdlError(`Two ${what}s are named "${name}".`);
    seen.add(key);
  }
}

/** CREATE TABLE: one primary key column inline (an INTEGER one is the rowid), several as a table constraint. */
export function createTableSql(table: string, columns: ColumnSpec[]): string {
  const name = checkName(table, 'table');
  if (columns.length === 0) throw new DdlError(`The table "${name}" needs at least one column.`);
  checkDistinct(
    columns.map((c) => checkName(c.name, 'column')),
    'column',
  );
  const keys = columns.filter((c) => c.primaryKey);
  const lines = columns.map((c) => `  ${columnDefinition(c, keys.length === 1 && c.primaryKey === true)}`);
  if (keys.length > 1) lines.push(`  PRIMARY KEY (${keys.map((c) => quoteName(c.name.trim())).join(', ')})`);
  return `CREATE TABLE ${quoteName(name)} (\n${lines.join(',\n')}\n);`;
}

/**
 * ALTER TABLE ... ADD COLUMN. SQLite cannot add a UNIQUE or PRIMARY KEY column, nor a NOT NULL one
 * without a default: UNIQUE becomes a unique index in the same migration; the others are refused
 * with what to do instead.
 */
export function addColumnSql(table: string, column: ColumnSpec): string {
  const tableName = checkName(table, 'table');
  const name = checkName(column.name, 'column');
  if (column.primaryKey) throw new DdlError(`SQLite cannot add a primary key column to an existing table; create a new table instead.`);
  if (column.notNull && defaultLiteral(column) === null)
    throw new DdlError(`Column "${name}": a NOT NULL column added to a table with rows needs a default (the value the existing rows get).`);
  if (column.references && defaultLiteral(column) !== null && defaultLiteral(column) !== 'NULL')
    throw new DdlError(`Column "${name}": SQLite cannot add a column with a foreign key and a default other than NULL.`);
  const statements = [`ALTER TABLE ${quoteName(tableName)} ADD COLUMN ${columnDefinition({ ...column, unique: false }, false)};`];
  if (column.unique) statements.push(createIndexSql(tableName, [name], { unique: true }));
  return statements.join('\n');
}

/** CREATE [UNIQUE] INDEX, named `<table>_<columns>[_unique]` unless given a name. */
export function createIndexSql(table: string, columns: string[], options: { name?: string; unique?: boolean } = {}): string {
  const tableName = checkName(table, 'table');
  if (columns.length === 0) throw new DdlError('An index needs at least one column.');
  const names = columns.map((c) => checkName(c, 'column'));
  checkDistinct(names, 'index column');
  const indexName = options.name?.trim()
    ? checkName(options.name, 'index')
    : `${tableName}_${names.join('_')}${options.unique ? '_unique' : ''}`.slice(0, MAX_NAME);
  return `CREATE ${options.unique ? 'UNIQUE ' : ''}INDEX ${quoteName(indexName)} ON ${quoteName(tableName)} (${names.map(quoteName).join(', ')});`;
}
