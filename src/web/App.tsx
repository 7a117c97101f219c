import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { lazy, Suspense, useSyncExternalStore, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { ApiError } from './api/client.js';
import { AppLayout } from './layout/AppLayout.js';
import { can, FullPageSpin, RequireAuth, RequirePermission, UnauthorizedWatcher, useUser } from './session.js';

const LoginPage = lazy(() => import('./pages/LoginPage.js'));
const SignInLinkPage = lazy(() => import('./pages/SignInLinkPage.js'));
const OverviewPage = lazy(() => import('./pages/OverviewPage.js'));
const RosterImportPage = lazy(() => import('./pages/RosterImportPage.js'));
const StudentsPage = lazy(() => import('./pages/StudentsPage.js'));
const StudentDetailPage = lazy(() => import('./pages/StudentDetailPage.js'));
const DepartmentPage = lazy(() => import('./pages/DepartmentPage.js'));
const AuditPage = lazy(() => import('./pages/AuditPage.js'));
const UsersPage = lazy(() => import('./pages/UsersPage.js'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage.js'));
const SchedulePage = lazy(() => import('./pages/SchedulePage.js'));
const MyPage = lazy(() => import('./pages/MyPage.js'));
const PlanPage = lazy(() => import('./pages/PlanPage.js'));
const StationPage = lazy(() => import('./pages/StationPage.js'));
const PaymentsPage = lazy(() => import('./pages/PaymentsPage.js'));
const MakeUpPage = lazy(() => import('./pages/MakeUpPage.js'));
const NoticePage = lazy(() => import('./pages/NoticePage.js'));
const ReviewScreenPage = lazy(() => import('./pages/ReviewScreenPage.js'));
const DeskPage = lazy(() => import('./pages/DeskPage.js'));
const BoardPage = lazy(() => import('./pages/BoardPage.js'));
const ExportsPage = lazy(() => import('./pages/ExportsPage.js'));
const PrintsPage = lazy(() => import('./pages/PrintsPage.js'));
const HandoverPage = lazy(() => import('./pages/HandoverPage.js'));
const CorrectionsPage = lazy(() => import('./pages/CorrectionsPage.js'));
const RetentionPage = lazy(() => import('./pages/RetentionPage.js'));
const RetakesPage = lazy(() => import('./pages/RetakesPage.js'));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // 4xx answers will not change by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 15_000,
    },
  },
});

const FONT_FAMILY =
  "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', 'Helvetica Neue', Arial, sans-serif";

const REDUCED_MOTION = '(prefers-reduced-motion: reduce)';

function subscribeReducedMotion(onChange: () => void): () => void {
  const query = window.matchMedia(REDUCED_MOTION);
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}

/**
 * The system's "reduce motion" setting (WCAG 2.3.3): when on, menus, pop-ups and dialogs appear without
 * zooming or sliding. The browser journeys run that way too (test/e2e/server.ts launchBrowser): a click is
 * never aimed at a pop-up that is still growing.
 */
export function usePrefersReducedMotion(): boolean {
  return useSyncExternalStore(subscribeReducedMotion, () => window.matchMedia(REDUCED_MOTION).matches);
}

function Providers({ children }: { children: ReactNode }): ReactNode {
  const { i18n, t } = useTranslation();
  const reducedMotion = usePrefersReducedMotion();
  const en = i18n.language === 'en';
  dayjs.locale(en ? 'en' : 'zh-cn');
  document.title = t('app.title');
  return (
    <ConfigProvider
      locale={en ? enUS : zhCN}
      theme={{ token: { colorPrimary: '#1f4e9c', fontFamily: FONT_FAMILY, borderRadius: 4, motion: !reducedMotion } }}
    >
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

/**
 * `/`: a student's home is their own page; the agency's station operators land on the station and cashiers on
 * the payments (issue 9 section 5); whoever manages the campaign (the admin) and everyone else on the overview.
 */
function Home(): ReactNode {
  const me = useUser();
  if (can(me, 'session.listMine')) return <Navigate to="/my" replace />;
  if (!can(me, 'campaign.manage') && can(me, 'queue.operate')) return <Navigate to="/station" replace />;
  if (!can(me, 'campaign.manage') && can(me, 'payment.reconcile')) return <Navigate to="/payments" replace />;
  return <OverviewPage />;
}

export function App(): ReactNode {
  return (
    <QueryClientProvider client={queryClient}>
      <Providers>
        <BrowserRouter>
          <UnauthorizedWatcher />
          <Suspense fallback={<FullPageSpin />}>
            <Routes>
              <Route path="/login" element={<LoginPage />} />
              {/* public: ask for a sign-in link by mail, and the link's own page (issue #3 part 6) */}
              <Route path="/signin" element={<SignInLinkPage />} />
              <Route path="/signin/:token" element={<SignInLinkPage />} />
              {/* public: the campaign notice, signed in or not */}
              <Route path="/notice" element={<NoticePage />} />
              {/* public: the station's review screen, turned to the student; paired by a one-time code, no account (C3) */}
              <Route path="/station/:id/review" element={<ReviewScreenPage />} />
              {/* public: the call board of a site (a TV in the hall; no personal data) */}
              <Route path="/board/:site" element={<BoardPage />} />
              <Route
                element={
                  <RequireAuth>
                    <AppLayout />
                  </RequireAuth>
                }
              >
                <Route index element={<Home />} />
                <Route path="my" element={<RequirePermission permission="session.listMine"><MyPage /></RequirePermission>} />
                <Route path="schedule" element={<RequirePermission permission="campaign.overview"><SchedulePage /></RequirePermission>} />
                <Route path="plan" element={<RequirePermission permission="schedule.manage"><PlanPage /></RequirePermission>} />
                <Route path="station" element={<RequirePermission permission="station.read"><StationPage /></RequirePermission>} />
                <Route path="desk" element={<RequirePermission permission="checkin.create"><DeskPage /></RequirePermission>} />
                <Route path="payments" element={<RequirePermission permission="payment.read"><PaymentsPage /></RequirePermission>} />
                <Route path="makeup" element={<RequirePermission permission="makeup.manage"><MakeUpPage /></RequirePermission>} />
                <Route path="roster/import" element={<RequirePermission permission="roster.import"><RosterImportPage /></RequirePermission>} />
                <Route path="students" element={<StudentsPage />} />
                <Route path="students/:id" element={<StudentDetailPage />} />
                <Route path="department" element={<RequirePermission permission="student.export"><DepartmentPage /></RequirePermission>} />
                <Route path="corrections" element={<RequirePermission permission="corrections.read"><CorrectionsPage /></RequirePermission>} />
                <Route path="exports" element={<RequirePermission permission="export.manage"><ExportsPage /></RequirePermission>} />
                <Route path="retention" element={<RequirePermission permission="retention.manage"><RetentionPage /></RequirePermission>} />
                <Route path="retakes" element={<RequirePermission permission="retake.read"><RetakesPage /></RequirePermission>} />
                <Route path="prints" element={<RequirePermission permission="print.produce"><PrintsPage /></RequirePermission>} />
                <Route path="handover" element={<RequirePermission permission="handover.department"><HandoverPage /></RequirePermission>} />
                <Route path="audit" element={<RequirePermission permission="audit.read"><AuditPage /></RequirePermission>} />
                <Route path="users" element={<RequirePermission permission="user.manage"><UsersPage /></RequirePermission>} />
                <Route path="*" element={<NotFoundPage />} />
              </Route>
            </Routes>
          </Suspense>
        </BrowserRouter>
      </Providers>
    </QueryClientProvider>
  );
}
