import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Names the browser tab after the page (WCAG 2.4.2): "Inbox · 4EU+ micro-credential QA". Tabs and
 * history entries can then be told apart, and screen readers announce the page. Nothing is set until
 * the page knows its name (a proposal's reference arrives with its data).
 */
export function useDocumentTitle(page: string | undefined): void {
  const { t } = useTranslation();
  const app = t('app.name');
  useEffect(() => {
    if (!page) return;
    const before = document.title;
    document.title = `${page} · ${app}`;
    return () => {
      document.title = before;
    };
  }, [page, app]);
}
