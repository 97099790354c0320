import type { ReactNode } from 'react';
import { Badge, Card, Stat, Table } from '@tessera/ui';

interface Order { id: number; customer: string; product: string; amount: number; status: 'open' | 'paid' | 'refunded'; created_at: string }

const money = (n: number) => n.toLocaleString('en-US', { style: 'currency', currency: 'USD' });
const STATUS = { paid: 'success', open: 'primary', refunded: 'danger' } as const;

export default function Dashboard({ orders = [], children }: { orders?: Order[]; children?: ReactNode }) {
  const paid = orders.filter((o) => o.status === 'paid');
  const revenue = paid.reduce((sum, o) => sum + o.amount, 0);
  const open = orders.filter((o) => o.status === 'open').length;
  const byProduct = Object.entries(
    paid.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.product]: (acc[o.product] ?? 0) + o.amount }), {}),
  ).sort((a, b) => b[1] - a[1]);
  const top = Math.max(1, ...byProduct.map(([, v]) => v));

  return (
    <div className="flex flex-col gap-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-foreground">Sales overview</h1>
        <p className="text-sm text-muted-foreground">November 2026 · all stores</p>
      </div>
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Stat label="Revenue" value={money(revenue)} change="+12.4%" hint="paid orders" />
        <Stat label="Orders" value={orders.length} change="+3" hint="this month" />
        <Stat label="Average order" value={money(paid.length ? revenue / paid.length : 0)} change="-2.1%" />
        <Stat label="Open orders" value={open} hint="waiting for payment" />
      </div>
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="flex flex-col gap-6 lg:col-span-2">
          <Card title="Revenue by product" description="Paid orders">
            <div className="flex h-44 items-end gap-4" role="img" aria-label={byProduct.map(([p, v]) => `${p}: ${money(v)}`).join(', ')}>
              {byProduct.map(([product, value]) => (
                <div key={product} className="flex h-full flex-1 flex-col items-center gap-2">
                  <div className="flex w-full flex-1 flex-col items-center justify-end gap-1">
                    <span className="text-xs font-medium tabular-nums text-muted-foreground">{money(value)}</span>
                    {/* 85%: the tallest bar leaves room for its label. */}
                    <div className="w-full rounded-t-md bg-gradient-to-t from-primary to-primary/60" style={{ height: `${Math.round((value / top) * 85)}%` }} />
                  </div>
                  <span className="truncate text-xs text-foreground">{product}</span>
                </div>
              ))}
            </div>
          </Card>
          <Table
            caption="Recent orders"
            pageSize={6}
            columns={[
              { key: 'customer', label: 'Customer', sortable: true },
              { key: 'product', label: 'Product', sortable: true },
              { key: 'created_at', label: 'Date', sortable: true, format: 'date' },
              { key: 'status', label: 'Status', sortable: true },
              { key: 'amount', label: 'Amount', sortable: true, format: 'currency' },
            ]}
            rows={orders as unknown as Array<Record<string, unknown>>}
            render={{ status: (row) => <Badge variant={STATUS[row.status as Order['status']] ?? 'neutral'}>{String(row.status)}</Badge> }}
          />
        </div>
        <aside className="flex flex-col gap-6">{children}</aside>
      </div>
    </div>
  );
}
