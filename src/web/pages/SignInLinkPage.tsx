import { MailOutlined, UserOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Flex, Form, Input, Result, Segmented, Spin, Typography } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import type { LoginResponseSchema } from '../../contracts/auth.js';
import type { z } from 'zod';
import { endpoints, queryKeys } from '../api/endpoints.js';
import { LanguageSwitch } from '../layout/AppLayout.js';

type LoginResponse = z.infer<typeof LoginResponseSchema>;

// A link is used once: the page asks once per token even when React runs the effect twice (StrictMode).
const consuming = new Map<string, Promise<LoginResponse>>();

function Frame({ children }: { children: ReactNode }): ReactNode {
  const { t } = useTranslation();
  return (
    <Flex vertical align="center" justify="center" style={{ minHeight: '100vh', padding: 16, background: 'linear-gradient(160deg, #0f2a5c 0%, #1f4e9c 55%, #64c5ff 140%)' }}>
      <div style={{ position: 'absolute', top: 12, right: 12 }}>
        <LanguageSwitch />
      </div>
      <Card style={{ width: '100%', maxWidth: 420, boxShadow: '0 12px 40px rgba(0,0,0,0.25)' }}>
        <Flex vertical align="center" gap={4} style={{ marginBottom: 16 }}>
          <img src="/favicon.svg" alt="" width={40} height={40} />
          <Typography.Title level={4} style={{ margin: '8px 0 0', textAlign: 'center' }}>
            {t('signinLink.title')}
          </Typography.Title>
        </Flex>
        {children}
      </Card>
      <a href="/login" style={{ color: '#fff', marginTop: 16, fontSize: 14, textDecoration: 'underline' }}>
        {t('signinLink.backToLogin')}
      </a>
    </Flex>
  );
}

/** `/signin`: ask for a link by student number or address; the answer is the same whether or not the student exists. */
function RequestLink(): ReactNode {
  const { t } = useTranslation();
  const [by, setBy] = useState<'studentNo' | 'email'>('studentNo');
  const [form] = Form.useForm<{ value: string }>();
  const request = useMutation({ mutationFn: endpoints.requestSignInLink });
  if (request.isSuccess) {
    return (
      <>
        {/* The server says whether it can mail at all (the same for everyone): never "sent" when it cannot. */}
        {request.data.delivery === 'unavailable' ? (
          <Alert type="warning" showIcon title={t('signinLink.unavailable')} data-testid="signin-link-unavailable" />
        ) : (
          <Alert type="success" showIcon title={t('signinLink.sent', { minutes: request.data.validMinutes })} data-testid="signin-link-sent" />
        )}
        <Button block style={{ marginTop: 16 }} onClick={() => request.reset()}>
          {t('signinLink.again')}
        </Button>
      </>
    );
  }
  return (
    <>
      <Typography.Paragraph type="secondary">{t('signinLink.intro')}</Typography.Paragraph>
      {request.error ? <Alert type="error" showIcon title={request.error.message} style={{ marginBottom: 16 }} /> : null}
      <Segmented<'studentNo' | 'email'>
        block
        value={by}
        onChange={(v) => {
          setBy(v);
          form.resetFields();
        }}
        options={[
          { value: 'studentNo', label: t('signinLink.byStudentNo') },
          { value: 'email', label: t('signinLink.byEmail') },
        ]}
        style={{ marginBottom: 16 }}
      />
      <Form form={form} layout="vertical" requiredMark={false} size="large" onFinish={({ value }) => request.mutate(by === 'studentNo' ? { studentNo: value.trim() } : { email: value.trim() })}>
        <Form.Item name="value" label={t(`signinLink.${by}`)} rules={[{ required: true, whitespace: true, message: t('signinLink.required') }, ...(by === 'email' ? [{ type: 'email' as const, message: t('signinLink.required') }] : [])]}>
          <Input prefix={by === 'email' ? <MailOutlined /> : <UserOutlined />} autoComplete={by === 'email' ? 'email' : 'username'} inputMode={by === 'email' ? 'email' : 'text'} autoFocus id="signin-link-value" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={request.isPending} data-testid="signin-link-submit">
          {t('signinLink.submit')}
        </Button>
      </Form>
    </>
  );
}

/** `/signin/<token>`: the link from the mail; the token goes to the API in a POST body, then leaves the address bar. */
function ConsumeLink({ token }: { token: string }): ReactNode {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = consuming.get(token);
    if (!current) {
      current = endpoints.consumeSignInLink(token);
      consuming.set(token, current);
    }
    let live = true;
    current.then(
      ({ user }) => {
        if (!live) return;
        queryClient.setQueryData(queryKeys.me, user);
        navigate('/', { replace: true });
      },
      (e: unknown) => {
        if (live) setError(e instanceof Error ? e.message : String(e));
      },
    );
    return () => {
      live = false;
    };
  }, [token, navigate, queryClient]);
  if (error) {
    return (
      <Result
        status="warning"
        title={t('signinLink.failed')}
        subTitle={<span data-testid="signin-link-error">{error}</span>}
        extra={
          <Button type="primary" onClick={() => navigate('/signin', { replace: true })}>
            {t('signinLink.askNew')}
          </Button>
        }
      />
    );
  }
  return (
    <Flex vertical align="center" gap={12} style={{ padding: 24 }}>
      <Spin size="large" />
      <Typography.Text type="secondary">{t('signinLink.consuming')}</Typography.Text>
    </Flex>
  );
}

export default function SignInLinkPage(): ReactNode {
  const { token } = useParams();
  return <Frame>{token ? <ConsumeLink token={token} /> : <RequestLink />}</Frame>;
}
