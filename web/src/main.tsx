import '@mantine/core/styles.css';
import './app.css';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { ApiError, onSessionEnded } from './api/client';
import { App } from './App';
import './i18n';
import { cssVariablesResolver, theme } from './theme';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not change by asking again; an outage might (once, then the page offers "Retry").
      retry: (count, error) =>
        !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 1,
      refetchOnWindowFocus: false,
      staleTime: 5_000,
    },
  },
});

// The session ended under the user's feet: forget what the old session saw and ask who is signed in;
// nobody is, so the sign-in page shows at the same address, and signing in again returns there.
onSessionEnded(() => {
  queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
  void queryClient.resetQueries({ queryKey: ['me'] });
});

// A data router (its one route renders the app's own <Routes>), so a form can ask before unsaved edits
// are left behind (useBlocker).
const router = createBrowserRouter([{ path: '*', element: <App /> }]);

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
