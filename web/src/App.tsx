import { AppShell, Badge, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure, useMediaQuery, useWindowEvent } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Route, Routes, useLocation, useNavigationType } from 'react-router';
import { api, ApiError, unwrap, type Me } from './api/client';
import { ErrorState, Loading } from './components/states';
import { InboxPage } from './pages/InboxPage';
import { SignInPage } from './pages/SignInPage';
import { SignInRefusedPage } from './pages/SignInRefusedPage';
import { WaitingPage } from './pages/WaitingPage';

// Sign-in and the inbox are in the first bundle; every other page loads when first visited.
const ProposalsPage = lazy(() => import('./pages/ProposalsPage'));
const ProposalFormPage = lazy(() => import('./pages/ProposalFormPage'));
const ProposalPage = lazy(() => import('./pages/ProposalPage'));
const HistoryPage = lazy(() => import('./pages/HistoryPage'));
const WorkflowPage = lazy(() => import('./pages/WorkflowPage'));
const ChecklistPage = lazy(() => import('./pages/ChecklistPage'));
const UsersPage = lazy(() => import('./pages/UsersPage'));
const InstitutionsPage = lazy(() => import('./pages/InstitutionsPage'));
const AuditPage = lazy(() => import('./pages/AuditPage'));
const MePage = lazy(() => import('./pages/MePage'));
const CataloguePage = lazy(() => import('./pages/CataloguePage'));
const CatalogueEntryPage = lazy(() => import('./pages/CatalogueEntryPage'));
const AnalyticsPage = lazy(() => import('./pages/AnalyticsPage'));
const ForgotPasswordPage = lazy(() => import('./pages/ForgotPasswordPage'));
const ResetPasswordPage = lazy(() => import('./pages/ResetPasswordPage'));

export function useMe() {
  return useQuery({ queryKey: ['me'], queryFn: () => unwrap(api.GET('/api/me')) });
}

export function useUnreadCount() {
  return useQuery({
    queryKey: ['notifications'],
    queryFn: () => unwrap(api.GET('/api/me/notifications', { params: { query: { limit: 100 } } })),
    select: (page) => page.items.filter((n) => !n.readAt).length,
    refetchInterval: 60_000,
  });
}

/** Signs out, forgets everything the user saw, then asks who is signed in (nobody: the sign-in page shows). */
export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/auth/session')),
    onSettled: () => {
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
      void queryClient.resetQueries({ queryKey: ['me'] });
    },
  });
}

export function App() {
  const location = useLocation();
  // A refused university sign-in lands here without a session.
  if (location.pathname === '/sign-in-refused') return <SignInRefusedPage />;
  // A forgotten password: asking for a link, and where the link lands (signed in or not).
  if (location.pathname === '/forgot-password' || location.pathname === '/reset-password')
    return (
      <Suspense fallback={<Loading />}>
        {location.pathname === '/forgot-password' ? <ForgotPasswordPage /> : <ResetPasswordPage />}
      </Suspense>
    );
  return <SignedInApp />;
}

function SignedInApp() {
  const me = useMe();
  const signOut = useSignOut();
  const location = useLocation();
  if (me.isPending) return <Loading />;
  // The catalogue is public: signed out, its pages show without the application's shell. Its "Sign in"
  // asks for the sign-in page at the same address (?signin), so signing in returns to that page.
  if (me.error instanceof ApiError && me.error.status === 401)
    return (location.pathname === '/catalogue' || location.pathname.startsWith('/catalogue/')) &&
      !new URLSearchParams(location.search).has('signin') ? (
      <PublicCatalogue />
    ) : (
      <SignInPage />
    );
  if (me.isError)
    return (
      <main style={{ padding: '1rem' }}>
        <ErrorState error={me.error} onRetry={() => void me.refetch()} />
      </main>
    );
  if (me.data.waitingForRoles)
    return <WaitingPage me={me.data} onSignOut={() => signOut.mutate()} signingOut={signOut.isPending} />;
  return <Shell me={me.data} />;
}

function Shell({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure(false);
  const burger = useRef<HTMLButtonElement>(null);
  // Escape closes the open phone menu and returns to its button, as a disclosure should.
  useWindowEvent('keydown', (e) => {
    if (e.key === 'Escape' && opened) {
      close();
      burger.current?.focus();
    }
  });
  const location = useLocation();
  const unread = useUnreadCount();
  const signOut = useSignOut();
  const isAdmin = me.roles.includes('admin');
  const canPropose = me.roles.includes('proposer');
  // Below the `sm` breakpoint the closed menu is only moved off-screen: keep it out of the tab order.
  const phone = useMediaQuery('(max-width: 47.99em)');
  useFocusOnNavigation(location.pathname);
  const seesAnalytics = me.roles.some(
    (r) => r === 'admin' || r === 'quality_officer' || r === 'agency_liaison',
  );
  const links = [
    { to: '/', label: t('nav.inbox'), badge: unread.data },
    { to: '/proposals', label: t('nav.proposals') },
    ...(canPropose ? [{ to: '/proposals/new', label: t('nav.newProposal') }] : []),
    { to: '/workflow', label: t('nav.workflow') },
    { to: '/quality-checklist', label: t('nav.checklist') },
    { to: '/me', label: t('nav.me') },
    { to: '/catalogue', label: t('catalogue.nav') },
    ...(seesAnalytics ? [{ to: '/analytics', label: t('analytics.nav') }] : []),
    ...(isAdmin
      ? [
          { to: '/admin/users', label: t('nav.users') },
          { to: '/admin/institutions', label: t('nav.institutions') },
          { to: '/admin/audit', label: t('nav.audit') },
        ]
      : []),
  ];
  const active = (to: string) =>
    to === '/'
      ? location.pathname === '/'
      : location.pathname === to || (to === '/proposals' && /^\/proposals\/(?!new)/.test(location.pathname));
  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap" gap="sm">
            <Burger
              ref={burger}
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={t('nav.menu')}
              aria-expanded={opened}
            />
            <Title order={2} size="h4">
              <Link to="/" style={{ color: 'inherit', textDecoration: 'none' }}>
                <Text span inherit visibleFrom="sm">
                  {t('app.name')}
                </Text>
                <Text span inherit hiddenFrom="sm">
                  {t('app.shortName')}
                </Text>
              </Link>
            </Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Link
              to="/"
              aria-label={t('nav.unreadLabel', { count: unread.data ?? 0 })}
              // The number alone does not say what it counts; a pointer's hover does.
              title={t('nav.unreadLabel', { count: unread.data ?? 0 })}
              data-testid="unread-count"
            >
              {/* Red only when something is unread: a red zero reads as an alarm. */}
              <Badge color={unread.data ? 'red.9' : 'gray.7'} variant="filled" size="lg">
                {unread.data ?? 0}
              </Badge>
            </Link>
            <Text size="sm" visibleFrom="sm">
              <Link to="/me" aria-label={t('nav.myAccount', { name: me.displayName })} data-testid="me-link">
                {me.displayName}
              </Link>{' '}
              · {me.institution.name}
            </Text>
            <Button variant="outline" size="xs" onClick={() => signOut.mutate()} loading={signOut.isPending}>
              {t('nav.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t('nav.main')} component="nav" inert={phone && !opened}>
        {links.map((l) => (
          <NavLink
            key={l.to}
            component={Link}
            to={l.to}
            label={l.label}
            active={active(l.to)}
            variant="filled"
            aria-current={active(l.to) ? 'page' : undefined}
            onClick={close}
            rightSection={
              l.badge ? (
                <Badge color="red.9" size="sm" aria-hidden>
                  {l.badge}
                </Badge>
              ) : undefined
            }
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<InboxPage me={me} />} />
            <Route path="/proposals" element={<ProposalsPage canPropose={canPropose} />} />
            <Route
              path="/proposals/new"
              element={canPropose ? <ProposalFormPage me={me} /> : <Navigate to="/proposals" />}
            />
            <Route path="/proposals/:id" element={<ProposalPage me={me} />} />
            <Route path="/proposals/:id/edit" element={<ProposalFormPage me={me} />} />
            <Route path="/proposals/:id/history" element={<HistoryPage />} />
            <Route path="/workflow" element={<WorkflowPage />} />
            <Route path="/quality-checklist" element={<ChecklistPage />} />
            <Route path="/admin/users" element={isAdmin ? <UsersPage me={me} /> : <Navigate to="/" />} />
            <Route
              path="/admin/institutions"
              element={isAdmin ? <InstitutionsPage me={me} /> : <Navigate to="/" />}
            />
            <Route path="/admin/audit" element={isAdmin ? <AuditPage me={me} /> : <Navigate to="/" />} />
            <Route path="/me" element={<MePage me={me} />} />
            <Route path="/catalogue" element={<CataloguePage />} />
            <Route path="/catalogue/:reference" element={<CatalogueEntryPage />} />
            <Route path="/analytics" element={seesAnalytics ? <AnalyticsPage /> : <Navigate to="/" />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

/**
 * After moving to another page, focus its heading (or the main region) so keyboard and screen-reader
 * users start at the new content, not on a link that no longer exists. A page that placed focus itself
 * (an autofocused field) keeps it. Pages load lazily, so the heading is awaited for a moment.
 */
function useFocusOnNavigation(pathname: string) {
  const first = useRef(true);
  // A replaced entry is the same page under a new address (a new draft's first save): focus stays.
  const replaced = useNavigationType() === 'REPLACE';
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (replaced) return;
    const before = document.activeElement;
    let frame = 0;
    let tries = 0;
    const place = () => {
      const main = document.getElementById('main');
      const now = document.activeElement;
      if (!main || (now && now !== before && now !== document.body && main.contains(now))) return;
      const heading = main.querySelector<HTMLElement>('h1');
      if (!heading && tries++ < 60) {
        frame = requestAnimationFrame(place);
        return;
      }
      const target = heading ?? main;
      if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
      // A new page starts at its top (the router keeps the old scroll position), where its notice is.
      window.scrollTo(0, 0);
      target.focus({ preventScroll: true });
    };
    frame = requestAnimationFrame(place);
    return () => cancelAnimationFrame(frame);
    // Only a new address moves focus; `replaced` is read along with it.
  }, [pathname]);
}

/** The catalogue for visitors who are not signed in: a plain header with a way to sign in. */
function PublicCatalogue() {
  const { t } = useTranslation();
  const location = useLocation();
  useFocusOnNavigation(location.pathname);
  return (
    <AppShell header={{ height: 60 }} padding="md">
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Title order={2} size="h4">
            <Link to="/catalogue" style={{ color: 'inherit', textDecoration: 'none' }}>
              {t('app.name')}
            </Link>
          </Title>
          <Button
            component={Link}
            to={{
              pathname: location.pathname,
              search: `${location.search ? `${location.search}&` : '?'}signin`,
            }}
            variant="outline"
            size="xs"
          >
            {t('catalogue.signIn')}
          </Button>
        </Group>
      </AppShell.Header>
      <AppShell.Main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/catalogue" element={<CataloguePage />} />
            <Route path="/catalogue/:reference" element={<CatalogueEntryPage />} />
          </Routes>
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

function NotFound() {
  const { t } = useTranslation();
  return <Title order={1}>{t('errors.pageNotFound')}</Title>;
}
