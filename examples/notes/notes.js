// GET /api/notes lists notes, newest first; POST /api/notes {"text": "..."} adds one.
const db = require('@tessera/db');

module.exports = async function (context) {
  const { method, body } = context.request;
  if (method === 'POST') {
    const text = typeof body?.text === 'string' ? body.text.trim() : '';
    if (!text) return { status: 400, body: { error: 'text is required' } };
    const { lastInsertRowid } = await db.execute('INSERT INTO notes (text) VALUES (?)', [text]);
    const [note] = await db.query('SELECT id, text, created_at FROM notes WHERE id = ?', [lastInsertRowid]);
    return { status: 201, body: note };
  }
  const notes = await db.query('SELECT id, text, created_at FROM notes ORDER BY id DESC LIMIT ?', [100]);
  return { status: 200, body: notes };
};
