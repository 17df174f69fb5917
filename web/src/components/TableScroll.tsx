import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A wide table's sideways scroller. While its table is wider than the screen it is a labelled,
 * focusable region, so keyboard users can scroll it too (with the arrow keys once focused); when the
 * table fits, it adds no tab stop.
 */
export function TableScroll({ children, label }: { children: ReactNode; label?: string }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const [overflows, setOverflows] = useState(false);
  // Named after its table's caption where it has one, so two such regions on a page differ.
  const [caption, setCaption] = useState<string | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const check = () => {
      setOverflows(el.scrollWidth > el.clientWidth + 1);
      setCaption(el.querySelector('caption')?.textContent?.trim() || null);
    };
    check();
    const observer = new ResizeObserver(check);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    return () => observer.disconnect();
  }, []);
  return (
    <div
      ref={ref}
      className="table-scroll"
      {...(overflows
        ? { tabIndex: 0, role: 'region', 'aria-label': label ?? caption ?? t('common.tableScrolls') }
        : {})}
    >
      {children}
    </div>
  );
}
