import { describe, expect, it } from 'vitest';
import { addColumnSql, checkName, createIndexSql, createTableSql, DdlError, defaultLiteral } from './ddl.ts';

describe('the table designer SQL', () => {
  it('creates a table with an integer primary key, constraints, defaults and a foreign key', () => {
    expect(
      createTableSql('orders', [
        { name: 'id', type: 'INTEGER', primaryKey: true },
        { name: 'customer_id', type: 'INTEGER', notNull: true, references: { table: 'customers', column: 'id', onDelete: 'CASCADE' } },
        { name: 'status', type: 'TEXT', notNull: true, defaultValue: "it's new" },
        { name: 'total', type: 'REAL', defaultValue: '0.5' },
        { name: 'code', type: 'TEXT', unique: true },
        { name: 'created_at', type: 'TEXT', defaultValue: 'current_timestamp' },
      ]),
    ).toBe(
      [
        'CREATE TABLE "orders" (',
        '  "id" INTEGER PRIMARY KEY,',
        '  "customer_id" INTEGER NOT NULL REFERENCES "customers" ("id") ON DELETE CASCADE,',
        `  "status" TEXT NOT NULL DEFAULT 'it''s new',`,
        '  "total" REAL DEFAULT 0.5,',
        '  "code" TEXT UNIQUE,',
        '  "created_at" TEXT DEFAULT CURRENT_TIMESTAMP',
        ');',
      ].join('\n'),
    );
  });

  it('puts a key of several columns in a table constraint', () => {
    expect(
      createTableSql('tags', [
        { name: 'note', type: 'INTEGER', primaryKey: true },
        { name: 'tag', type: 'TEXT', primaryKey: true },
      ]),
    ).toBe('CREATE TABLE "tags" (\n  "note" INTEGER,\n  "tag" TEXT,\n  PRIMARY KEY ("note", "tag")\n);');
  });

  it('adds a column, a unique one through an index in the same migration', () => {
    expect(addColumnSql('notes', { name: 'pinned', type: 'INTEGER', notNull: true, defaultValue: '0' })).toBe(
      'ALTER TABLE "notes" ADD COLUMN "pinned" INTEGER NOT NULL DEFAULT 0;',
    );
    expect(addColumnSql('notes', { name: 'slug', type: 'TEXT', unique: true })).toBe(
      'ALTER TABLE "notes" ADD COLUMN "slug" TEXT;\nCREATE UNIQUE INDEX "notes_slug_unique" ON "notes" ("slug");',
    );
  });

  it('creates an index, named after its table and columns unless named', () => {
    expect(createIndexSql('notes', ['owner', 'created_at'])).toBe('CREATE INDEX "notes_owner_created_at" ON "notes" ("owner", "created_at");');
    expect(createIndexSql('notes', ['title'], { name: 'by_title', unique: true })).toBe('CREATE UNIQUE INDEX "by_title" ON "notes" ("title");');
  });

  it('refuses bad names with a clear message, so nothing unquoted ever reaches the SQL', () => {
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(DdlError);
        return (err as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refusal(() => checkName('', 'table'))).toBe('The table needs a name.');
    expect(refusal(() => checkName('drop"; --', 'table'))).toBe(
      'The table name "drop"; --" may hold only letters, digits and underscores, and may not start with a digit (e.g. order_items).',
    );
    expect(refusal(() => checkName('1st', 'column'))).toContain('may not start with a digit');
    expect(refusal(() => checkName('sqlite_master', 'table'))).toContain('which SQLite keeps for itself');
    expect(refusal(() => checkName('x'.repeat(65), 'column'))).toContain('longer than 64 characters');
    expect(checkName('  order_items ', 'table')).toBe('order_items');
    expect(
      refusal(() =>
        createTableSql('t', [
          { name: 'a', type: 'TEXT' },
          { name: 'A', type: 'TEXT' },
        ]),
      ),
    ).toBe('Two columns are named "A".');
    expect(refusal(() => createTableSql('t', []))).toBe('The table "t" needs at least one column.');
    expect(refusal(() => createTableSql('t', [{ name: 'n', type: 'INTEGER', defaultValue: '1; DROP TABLE t' }]))).toBe(
      'Column "n": the default "1; DROP TABLE t" is not a number, and the column is INTEGER.',
    );
    expect(refusal(() => addColumnSql('t', { name: 'n', type: 'TEXT', notNull: true }))).toContain('needs a default');
    expect(refusal(() => addColumnSql('t', { name: 'id', type: 'INTEGER', primaryKey: true }))).toContain('cannot add a primary key');
    expect(refusal(() => createIndexSql('t', []))).toBe('An index needs at least one column.');
  });

  it('writes defaults as literals of the column type', () => {
    expect(defaultLiteral({ name: 'a', type: 'TEXT', defaultValue: '' })).toBeNull();
    expect(defaultLiteral({ name: 'a', type: 'TEXT', defaultValue: '42' })).toBe("'42'");
    expect(defaultLiteral({ name: 'a', type: 'INTEGER', defaultValue: '-3' })).toBe('-3');
    expect(defaultLiteral({ name: 'a', type: 'REAL', defaultValue: 'null' })).toBe('NULL');
  });
});
