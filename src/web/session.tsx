import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Result, Spin } from 'antd';
import { useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router';
import type { Me } from '../contracts/auth.js';
import type { Permission } from '../contracts/common.js';
import { onUnauthorized } from './api/client.js';
import { endpoints, queryKeys } from './api/endpoints.js';

/** The signed-in user; `null` when nobody is signed in, `undefined` while loading. */
export function useMe(): { me: Me | null | undefined; isLoading: boolean; error: unknown } {
  const query = useQuery({ queryKey: queryKeys.me, queryFn: endpoints.me, staleTime: Infinity, retry: false });
  return { me: query.data, isLoading: query.isLoading, error: query.error };
}

/** The signed-in user inside the guarded part of the app (never null there). */
export function useUser(): Me {
  const { me } = useMe();
  if (!me) throw new Error('useUser outside RequireAuth');
  return me;
}

/** Any 401 from the API ends the session in the browser and goes to /login (back here after). */
export function UnauthorizedWatcher(): null {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(
    () =>
      onUnauthorized(() => {
        if (queryClient.getQueryData(queryKeys.me) === null) return;
        queryClient.setQueryData(queryKeys.me, null);
        queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== queryKeys.me[0] });
        if (location.pathname !== '/login') navigate('/login', { replace: true, state: { from: location.pathname + location.search } });
      }),
    [queryClient, navigate, location],
  );
  return null;
}

export function FullPageSpin(): ReactNode {
  return (
    <div style={{ minHeight: '60vh', display: 'grid', placeItems: 'center' }}>
      <Spin size="large" />
    </div>
  );
}

export function RequireAuth({ children }: { children: ReactNode }): ReactNode {
  const { me, isLoading, error } = useMe();
  const location = useLocation();
  const { t } = useTranslation();
  if (isLoading) return <FullPageSpin />;
  if (error) return <Result status="error" title={t('errors.loadFailed')} subTitle={(error as Error).message} />;
  if (!me) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return children;
}

/** Whether the signed-in user holds a permission (as getMe lists them): the web never decides by role. */
export function can(me: Pick<Me, 'permissions'> | null | undefined, permission: Permission): boolean {
  return me?.permissions.includes(permission) ?? false;
}

/** Shows a 403 page unless the user holds the permission (the server checks too; this only avoids dead ends). */
export function RequirePermission({ permission, children }: { permission: Permission; children: ReactNode }): ReactNode {
  const { me } = useMe();
  const { t } = useTranslation();
  if (!can(me, permission)) {
    return <Result status="403" title={t('errors.forbidden')} subTitle={t('errors.forbiddenDesc')} />;
  }
  return children;
}
