import { BankOutlined, LockOutlined, SafetyOutlined, UserOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Divider, Flex, Form, Input, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router';
import type { LoginRequest } from '../../contracts/auth.js';
import { ApiError } from '../api/client.js';
import { endpoints, queryKeys } from '../api/endpoints.js';
import { LanguageSwitch } from '../layout/AppLayout.js';
import { useMe } from '../session.js';

/** The campus sign-on failure the server redirected here with (`/login?error=CODE&reason=…&account=…`). */
function useOidcError(search: string): string | null {
  const { t } = useTranslation();
  const query = new URLSearchParams(search);
  const code = query.get('error');
  if (!code || !code.startsWith('OIDC_')) return null;
  const reason = query.get('reason') ?? 'other';
  const known = ['OIDC_NOT_CONFIGURED', 'OIDC_FAILED', 'OIDC_NO_STUDENT'].includes(code) ? code : 'other';
  return t(`oidc.errors.${known}`, {
    reason: t(`oidc.reasons.${reason}`, { defaultValue: t('oidc.reasons.other') }),
    account: query.get('account') ?? '',
  });
}

/** "统一身份认证登录 / Campus sign-on": a full-page navigation to the server, which sends the browser to the provider. */
function CampusSignOn(): ReactNode {
  const { t } = useTranslation();
  return (
    <>
      <Button type="primary" size="large" block icon={<BankOutlined />} href="/api/auth/oidc/start" data-testid="login-oidc" style={{ height: 48, fontSize: 16 }}>
        {t('oidc.button')}
      </Button>
      <Typography.Paragraph type="secondary" style={{ textAlign: 'center', margin: '8px 0 0', fontSize: 13 }}>
        {t('oidc.hint')}
      </Typography.Paragraph>
      <Divider plain style={{ margin: '16px 0 8px', fontSize: 13 }}>
        <Typography.Text type="secondary">{t('oidc.or')}</Typography.Text>
      </Divider>
    </>
  );
}

export default function LoginPage(): ReactNode {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const { me } = useMe();
  const [needTotp, setNeedTotp] = useState(false);
  const [form] = Form.useForm<LoginRequest>();
  const from = (location.state as { from?: string } | null)?.from;
  const oidcError = useOidcError(location.search);
  const oidcStatus = useQuery({ queryKey: queryKeys.oidcStatus, queryFn: endpoints.oidcStatus, staleTime: 60_000, retry: false });
  // With campus sign-on, students take the campus button; the password form is the staff's way in.
  const campusSignOn = oidcStatus.data?.enabled === true;
  const oidcNoStudent = new URLSearchParams(location.search).get('error') === 'OIDC_NO_STUDENT';
  const target = from && from.startsWith('/') && !from.startsWith('/login') ? from : '/';

  const login = useMutation({
    mutationFn: endpoints.login,
    onSuccess: ({ user }) => {
      queryClient.setQueryData(queryKeys.me, user);
      navigate(target, { replace: true });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'TOTP_REQUIRED') setNeedTotp(true);
    },
  });

  if (me) return <Navigate to={target} replace />;

  const error = login.error;
  const totpAsked = error instanceof ApiError && error.code === 'TOTP_REQUIRED';

  return (
    <Flex
      vertical
      align="center"
      justify="center"
      style={{
        minHeight: '100vh',
        padding: 16,
        background: 'linear-gradient(160deg, #0f2a5c 0%, #1f4e9c 55%, #64c5ff 140%)',
      }}
    >
      <div style={{ position: 'absolute', top: 12, right: 12 }}>
        <LanguageSwitch />
      </div>
      <Card style={{ width: '100%', maxWidth: 400, boxShadow: '0 12px 40px rgba(0,0,0,0.25)' }}>
        <Flex vertical align="center" gap={4} style={{ marginBottom: 24 }}>
          <img src="/favicon.svg" alt="" width={48} height={48} />
          <Typography.Title level={4} style={{ margin: '8px 0 0', textAlign: 'center' }}>
            {t('app.title')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('login.subtitle')}</Typography.Text>
        </Flex>
        {oidcError && !login.isPending && !error ? (
          <Alert type="error" showIcon title={oidcError} description={oidcNoStudent ? t('oidc.noStudentHelp') : undefined} style={{ marginBottom: 16 }} data-testid="login-oidc-error" />
        ) : null}
        {campusSignOn ? <CampusSignOn /> : null}
        {error && !totpAsked ? <Alert type="error" showIcon title={error.message} style={{ marginBottom: 16 }} data-testid="login-error" /> : null}
        {needTotp ? <Alert type="info" showIcon title={totpAsked ? error.message : t('login.totpHint')} description={totpAsked ? t('login.totpHint') : undefined} style={{ marginBottom: 16 }} /> : null}
        <Form<LoginRequest>
          form={form}
          layout="vertical"
          requiredMark={false}
          size="large"
          onFinish={(values) => login.mutate({ username: values.username.trim(), password: values.password, ...(needTotp && values.totp ? { totp: values.totp } : {}) })}
        >
          <Form.Item name="username" label={t('login.username')} rules={[{ required: true, whitespace: true, message: t('login.usernameRequired') }]}>
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus id="username" />
          </Form.Item>
          <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('login.passwordRequired') }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" id="password" />
          </Form.Item>
          {needTotp ? (
            <Form.Item name="totp" label={t('login.totp')} rules={[{ required: true, pattern: /^\d{6}$/, message: t('login.totpInvalid') }]}>
              <Input prefix={<SafetyOutlined />} inputMode="numeric" autoComplete="one-time-code" maxLength={6} autoFocus id="totp" />
            </Form.Item>
          ) : null}
          <Button type={campusSignOn ? 'default' : 'primary'} htmlType="submit" block loading={login.isPending} data-testid="login-submit">
            {t('login.submit')}
          </Button>
        </Form>
      </Card>
      <a href="/notice" data-testid="login-notice-link" style={{ color: '#fff', marginTop: 16, fontSize: 14, textDecoration: 'underline' }}>
        {t('notice.loginLink')}
      </a>
      <a href="/signin" data-testid="login-signin-link" style={{ color: '#fff', marginTop: 8, fontSize: 14, textDecoration: 'underline' }}>
        {t('signinLink.loginLink')}
      </a>
      <Typography.Text style={{ color: 'rgba(255,255,255,0.75)', marginTop: 16, fontSize: 12 }}>{t('app.footer')}</Typography.Text>
    </Flex>
  );
}
