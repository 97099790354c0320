import { useEffect, useRef, type ReactNode } from 'react';
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { Badge, Card, Stat, Table } from '@tessera/ui';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

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
            <RevenueChart data={byProduct} />
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

/** Revenue per product as bars in the theme's primary colour (Chart.js on a canvas). */
function RevenueChart({ data }: { data: Array<[string, number]> }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const styles = getComputedStyle(document.documentElement);
    const primary = styles.getPropertyValue('--primary').trim() || '#4f46e5';
    const muted = styles.getPropertyValue('--muted-foreground').trim() || '#64748b';
    const chart = new Chart(canvas.current!, {
      type: 'bar',
      data: { labels: data.map(([product]) => product), datasets: [{ label: 'Revenue', data: data.map(([, value]) => value), backgroundColor: primary, borderRadius: 6, maxBarThickness: 56 }] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { tooltip: { callbacks: { label: (item) => money(Number(item.raw)) } } },
        scales: {
          x: { grid: { display: false }, ticks: { color: muted } },
          y: { beginAtZero: true, border: { display: false }, ticks: { color: muted, callback: (value) => money(Number(value)).replace(/\.00$/, '') } },
        },
      },
    });
    return () => chart.destroy();
  }, [data.map(([product, value]) => `${product}:${value}`).join('|')]);
  return (
    <div className="relative h-56">
      <canvas ref={canvas} role="img" aria-label={data.map(([product, value]) => `${product}: ${money(value)}`).join(', ')} />
    </div>
  );
}
