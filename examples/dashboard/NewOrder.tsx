import { Card, Form, Input, Select } from '@tessera/ui';

export default function NewOrder() {
  return (
    <Card title="New order" description="Saved at once; the overview updates.">
      <Form action="orders" submitLabel="Add order" successMessage="Order added">
        <Input name="customer" label="Customer" placeholder="Jane Doe" required />
        <Select name="product" label="Product" placeholder="Choose a product" options={['Notebook', 'Fountain pen', 'Desk lamp', 'Ink set']} />
        <Input name="amount" label="Amount (USD)" type="number" step="0.01" placeholder="0.00" />
        <Select name="status" label="Status" options={[{ value: 'open', label: 'Open' }, { value: 'paid', label: 'Paid' }]} />
      </Form>
    </Card>
  );
}
