import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { splitStatements, tokenize } from './split.ts';

/** The schema SQLite ends up with, for comparing "run as one script" with "run statement by statement". */
function schemaAfter(run: (db: Database.Database) => void): unknown[] {
  const db = new Database(':memory:');
  run(db);
  const rows = db.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY name').all();
  db.close();
  return rows;
}

describe('splitStatements', () => {
  it('does not split on semicolons inside strings, quoted identifiers or comments', () => {
    const sql = `CREATE TABLE "a;b" (x TEXT DEFAULT 'semi;colon', "y"";z" INT); -- comment; here
      /* block; comment */ INSERT INTO [a;b] (x) VALUES ('it''s; fine');;
      SELECT \`x;y\` FROM t`;
    expect(splitStatements(sql)).toEqual([
      `CREATE TABLE "a;b" (x TEXT DEFAULT 'semi;colon', "y"";z" INT)`,
      `-- comment; here\n      /* block; comment */ INSERT INTO [a;b] (x) VALUES ('it''s; fine')`,
      'SELECT `x;y` FROM t',
    ]);
  });

  it('keeps trigger bodies whole, CASE ... END and several body statements included', () => {
    const sql = `CREATE TRIGGER t AFTER INSERT ON notes BEGIN
        UPDATE notes SET text = CASE WHEN new.text = '' THEN 'end;' ELSE new.text END WHERE id = new.id;
        INSERT INTO log VALUES (new.id);
      END; create temp trigger u before delete on notes begin select 1; end;
      CREATE TEMPORARY TRIGGER IF NOT EXISTS "end" AFTER UPDATE ON notes BEGIN DELETE FROM log; END;
      CREATE INDEX i ON notes (text)`;
    const statements = splitStatements(sql);
    expect(statements).toHaveLength(4);
    expect(statements[0]).toMatch(/^CREATE TRIGGER t[\s\S]*INSERT INTO log VALUES \(new\.id\);\s+END$/);
    expect(statements[1]).toBe('create temp trigger u before delete on notes begin select 1; end');
    expect(statements[2]).toBe('CREATE TEMPORARY TRIGGER IF NOT EXISTS "end" AFTER UPDATE ON notes BEGIN DELETE FROM log; END');
    expect(statements[3]).toBe('CREATE INDEX i ON notes (text)');
  });

  it('treats BEGIN/END outside CREATE TRIGGER as ordinary statements', () => {
    expect(splitStatements('BEGIN; CREATE TABLE a (x); END; COMMIT')).toEqual(['BEGIN', 'CREATE TABLE a (x)', 'END', 'COMMIT']);
    expect(splitStatements('CREATE TABLE trigger_log (x); CREATE TABLE b (y)')).toEqual(['CREATE TABLE trigger_log (x)', 'CREATE TABLE b (y)']);
  });

  it('drops empty statements, comment-only input and trailing comments', () => {
    expect(splitStatements(' ;; -- nothing\n /* here */ ')).toEqual([]);
    expect(splitStatements('')).toEqual([]);
    expect(splitStatements('SELECT 1 -- the end\n; SELECT 2 /* done */')).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('runs unterminated strings, identifiers and comments to the end of the input', () => {
    expect(splitStatements("SELECT 'a; b; c")).toEqual(["SELECT 'a; b; c"]);
    expect(splitStatements('SELECT 1; SELECT [a; b')).toEqual(['SELECT 1', 'SELECT [a; b']);
    expect(splitStatements('SELECT 1; /* a; b')).toEqual(['SELECT 1']);
    expect(splitStatements('CREATE TRIGGER t AFTER INSERT ON n BEGIN SELECT 1; SELECT 2')).toHaveLength(1);
  });

  it('gives statements that re-split to themselves when joined with ";"', () => {
    const statements = splitStatements("CREATE TABLE a (x) -- note\n; INSERT INTO a VALUES ('--;'); CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END");
    expect(splitStatements(`${statements.join(';\n')};`)).toEqual(statements);
  });

  it('agrees with SQLite on where statements end', () => {
    const script = `CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT DEFAULT ';', "semi;" INT);
      CREATE TABLE log (id INT); /* ; */ -- ;
      CREATE TRIGGER t1 AFTER INSERT ON notes BEGIN
        INSERT INTO log SELECT CASE WHEN new.id > 0 THEN new.id ELSE 0 END; UPDATE notes SET text = 'x;y' WHERE id = new.id;
      END;
      CREATE VIEW v AS SELECT [semi;] FROM notes; INSERT INTO notes (text) VALUES ('a'';b');`;
    const pieces = splitStatements(script);
    expect(pieces).toHaveLength(5);
    expect(
      schemaAfter((db) => {
        for (const piece of pieces) db.prepare(piece).run();
      }),
    ).toEqual(schemaAfter((db) => db.exec(script)));
  });
});

describe('tokenize', () => {
  it('reads a numbered parameter as SQLite does: digits only, so a word right after it is a token', () => {
    expect(tokenize('SELECT ?1ATTACH ?12x ?').map((t) => [t.kind, t.text])).toEqual([
      ['word', 'SELECT'],
      ['param', '?1'],
      ['word', 'ATTACH'],
      ['param', '?12'],
      ['word', 'X'],
      ['param', '?'],
    ]);
    // Named parameters take identifier characters; `$a(` is not one token (no Tcl variables in this SQLite).
    expect(tokenize("$a(') :b1c @d").map((t) => [t.kind, t.text])).toEqual([
      ['param', '$a'],
      ['punct', '('],
      ['string', ') :b1c @d'],
    ]);
  });

  it('drops comments, keeps strings and quoted names as single tokens, and reads parameters', () => {
    const tokens = tokenize(`/*x*/ATTACH -- y\n'it''s' "A""b" [c d] \`e\` :name ?1 @p $q 1.5e3`);
    expect(tokens.map((t) => [t.kind, t.text])).toEqual([
      ['word', 'ATTACH'],
      ['string', "it's"],
      ['quoted', 'A"B'],
      ['quoted', 'C D'],
      ['quoted', 'E'],
      ['param', ':name'],
      ['param', '?1'],
      ['param', '@p'],
      ['param', '$q'],
      ['number', '1.5e3'],
    ]);
  });

  it('treats non-ASCII characters as part of a word, as SQLite does', () => {
    expect(tokenize('PRAG\u00a0MA x').map((t) => t.text)).toEqual(['PRAG\u00a0MA', 'X']);
  });
});
