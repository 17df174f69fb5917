import { createTheme, type CSSVariablesResolver } from '@mantine/core';

/**
 * WCAG 2.1 AA: Mantine's default filled shade (6) under white text, its dimmed grey and its red error
 * text are below 4.5:1 on white. Shade 8 for filled colours, and darker dimmed and error colours, pass.
 */
export const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: { light: 8, dark: 8 },
  autoContrast: true,
  luminanceThreshold: 0.4,
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  defaultRadius: 'sm',
  focusRing: 'always',
});

export const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': t.colors.gray[7],
    '--mantine-color-error': t.colors.red[9],
    '--mantine-color-placeholder': t.colors.gray[7],
    '--mantine-color-anchor': t.colors.blue[9],
  },
  dark: {},
});
