import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { lazy, Suspense, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { ApiError } from './api/client.js';
import { AppLayout } from './layout/AppLayout.js';
import { FullPageSpin, RequireAuth, RequireRole, UnauthorizedWatcher, useUser } from './session.js';

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
const NoticePage = lazy(() => import('./pages/NoticePage.js'));

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

function Providers({ children }: { children: ReactNode }): ReactNode {
  const { i18n, t } = useTranslation();
  const en = i18n.language === 'en';
  dayjs.locale(en ? 'en' : 'zh-cn');
  document.title = t('app.title');
  return (
    <ConfigProvider
      locale={en ? enUS : zhCN}
      theme={{ token: { colorPrimary: '#1f4e9c', fontFamily: FONT_FAMILY, borderRadius: 4 } }}
    >
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

const ADMIN = ['admin'] as const;
const STAFF = ['admin', 'secretary'] as const;
const SCHEDULE = ['admin', 'secretary', 'operator', 'cashier'] as const;
const STUDENT = ['student'] as const;

/** `/`: a student's home is their own page; everyone else's the overview. */
function Home(): ReactNode {
  const me = useUser();
  return me.role === 'student' ? <Navigate to="/my" replace /> : <OverviewPage />;
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
              <Route
                element={
                  <RequireAuth>
                    <AppLayout />
                  </RequireAuth>
                }
              >
                <Route index element={<Home />} />
                <Route path="my" element={<RequireRole roles={[...STUDENT]}><MyPage /></RequireRole>} />
                <Route path="schedule" element={<RequireRole roles={[...SCHEDULE]}><SchedulePage /></RequireRole>} />
                <Route path="plan" element={<RequireRole roles={[...SCHEDULE]}><PlanPage /></RequireRole>} />
                <Route path="station" element={<RequireRole roles={['operator', 'admin']}><StationPage /></RequireRole>} />
                <Route path="roster/import" element={<RequireRole roles={[...ADMIN]}><RosterImportPage /></RequireRole>} />
                <Route path="students" element={<StudentsPage />} />
                <Route path="students/:id" element={<StudentDetailPage />} />
                <Route path="department" element={<RequireRole roles={[...STAFF]}><DepartmentPage /></RequireRole>} />
                <Route path="audit" element={<RequireRole roles={[...ADMIN]}><AuditPage /></RequireRole>} />
                <Route path="users" element={<RequireRole roles={[...ADMIN]}><UsersPage /></RequireRole>} />
                <Route path="*" element={<NotFoundPage />} />
              </Route>
            </Routes>
          </Suspense>
        </BrowserRouter>
      </Providers>
    </QueryClientProvider>
  );
}
