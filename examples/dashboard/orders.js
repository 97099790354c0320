// GET /api/orders lists orders, newest first; POST /api/orders {customer, product, amount, status} adds one,
// or answers 422 {errors: {field: message}} (the field-error contract of the UI kit's Form).
const db = require('@tessera/db');

const PRODUCTS = ['Notebook', 'Fountain pen', 'Desk lamp', 'Ink set'];
const STATUSES = ['open', 'paid', 'refunded'];

module.exports = async function (context) {
  const { method, body } = context.request;
  if (method === 'POST') {
    const customer = typeof body?.customer === 'string' ? body.customer.trim() : '';
    const amount = Number(body?.amount);
    const errors = {};
    if (customer.length < 2) errors.customer = 'Enter the customer\'s name.';
    if (!PRODUCTS.includes(body?.product)) errors.product = 'Choose a product.';
    if (!Number.isFinite(amount) || amount <= 0) errors.amount = 'The amount must be more than 0.';
    const status = STATUSES.includes(body?.status) ? body.status : 'open';
    if (Object.keys(errors).length > 0) return { status: 422, body: { errors, message: 'The order was not saved.' } };
    const { lastInsertRowid } = await db.execute('INSERT INTO orders (customer, product, amount, status) VALUES (?, ?, ?, ?)', [customer, body.product, amount, status]);
    return { status: 201, body: { id: lastInsertRowid } };
  }
  return { status: 200, body: await db.query('SELECT id, customer, product, amount, status, created_at FROM orders ORDER BY created_at DESC, id DESC') };
};
