/** `@tessera/ui`: Tabs. */
import { Children, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { cx, show } from './shared.tsx';

export interface TabsProps {
  tabs: Array<string | { label: string; content?: ReactNode }>;
  defaultIndex?: number;
  className?: string;
  children?: ReactNode;
}

export function Tabs({ tabs, defaultIndex = 0, className, children }: TabsProps) {
  const items = (Array.isArray(tabs) ? tabs : []).map((tab) => (typeof tab === 'string' ? { label: tab, content: undefined } : tab));
  const panels = Children.toArray(children);
  const [index, setIndex] = useState(Math.min(Math.max(0, defaultIndex), Math.max(0, items.length - 1)));
  const id = useId();
  const refs = useRef<Array<HTMLButtonElement | null>>([]);

  function onKeyDown(event: KeyboardEvent) {
    const last = items.length - 1;
    const next =
      event.key === 'ArrowRight'
        ? index === last
          ? 0
          : index + 1
        : event.key === 'ArrowLeft'
          ? index === 0
            ? last
            : index - 1
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? last
              : null;
    if (next === null) return;
    event.preventDefault();
    setIndex(next);
    refs.current[next]?.focus();
  }

  return (
    <div className={cx('flex flex-col gap-4', className)}>
      <div role="tablist" aria-orientation="horizontal" onKeyDown={onKeyDown} className="flex gap-1 border-b border-border">
        {items.map((tab, i) => (
          <button
            key={i}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${i}`}
            aria-selected={i === index}
            aria-controls={`${id}-panel-${i}`}
            tabIndex={i === index ? 0 : -1}
            onClick={() => setIndex(i)}
            className={cx(
              '-mb-px cursor-pointer border-b-2 px-4 py-2 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-primary',
              i === index ? 'border-primary text-foreground' : 'border-transparent text-muted-foreground hover:text-foreground',
            )}
          >
            {tab.label}
          </button>
        ))}
      </div>
      {items.map((tab, i) => (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a tab panel takes focus when it holds nothing focusable (WAI-ARIA tabs pattern)
        <div key={i} role="tabpanel" id={`${id}-panel-${i}`} aria-labelledby={`${id}-tab-${i}`} hidden={i !== index} tabIndex={0}>
          {i === index && (tab.content !== undefined ? show(tab.content) : panels[i])}
        </div>
      ))}
    </div>
  );
}
