CREATE TABLE orders (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer TEXT NOT NULL,
  product TEXT NOT NULL,
  amount REAL NOT NULL CHECK (amount > 0),
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'refunded')),
  created_at TEXT NOT NULL DEFAULT (date('now'))
);
INSERT INTO orders (customer, product, amount, status, created_at) VALUES
  ('Ada Lovelace', 'Notebook', 24.5, 'paid', '2026-11-02'),
  ('Grace Hopper', 'Fountain pen', 89, 'paid', '2026-11-03'),
  ('Alan Turing', 'Desk lamp', 45, 'open', '2026-11-03'),
  ('Katherine Johnson', 'Notebook', 49, 'paid', '2026-11-04'),
  ('Edsger Dijkstra', 'Ink set', 18.9, 'refunded', '2026-11-05'),
  ('Barbara Liskov', 'Desk lamp', 45, 'paid', '2026-11-06'),
  ('Donald Knuth', 'Fountain pen', 178, 'paid', '2026-11-06'),
  ('Margaret Hamilton', 'Ink set', 37.8, 'open', '2026-11-07'),
  ('John Backus', 'Notebook', 12.25, 'paid', '2026-11-08'),
  ('Frances Allen', 'Desk lamp', 90, 'paid', '2026-11-09'),
  ('Ken Thompson', 'Fountain pen', 89, 'open', '2026-11-10'),
  ('Radia Perlman', 'Notebook', 36.75, 'paid', '2026-11-11');
