import { useEffect, useRef } from 'react';

/**
 * Focus after a dialog closes. The page's dialogs unmount when they close, so their own focus return
 * cannot run: the page gives focus back to the button that opened one (`opener`, set on click), or to
 * the page's heading when that button is gone (the action it offered no longer applies).
 */
export function useReturnFocus(dialogOpen: boolean) {
  const opener = useRef<HTMLElement | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (dialogOpen || !opener.current) return;
    const target = opener.current;
    opener.current = null;
    if (target.isConnected) target.focus();
    else heading.current?.focus();
  }, [dialogOpen]);
  return { opener, heading };
}
