import {
  AccountBookOutlined,
  ApartmentOutlined,
  AuditOutlined,
  CameraOutlined,
  CalendarOutlined,
  CloudUploadOutlined,
  DashboardOutlined,
  DeleteOutlined,
  EnvironmentOutlined,
  ExportOutlined,
  GiftOutlined,
  PrinterOutlined,
  FileTextOutlined,
  FundProjectionScreenOutlined,
  GlobalOutlined,
  IdcardOutlined,
  KeyOutlined,
  LogoutOutlined,
  MenuFoldOutlined,
  MenuUnfoldOutlined,
  QrcodeOutlined,
  RedoOutlined,
  ScheduleOutlined,
  TeamOutlined,
  UserOutlined,
  UsergroupAddOutlined,
  WarningOutlined,
} from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Avatar, Button, Drawer, Dropdown, Flex, Form, Grid, Input, Layout, Menu, Modal, Segmented, Tag, Typography, theme } from 'antd';
import type { MenuProps } from 'antd';
import { Suspense, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router';
import type { Me } from '../../contracts/auth.js';
import type { Permission } from '../../contracts/common.js';
import { endpoints, queryKeys } from '../api/endpoints.js';
import { setLanguage, type Language } from '../i18n/index.js';
import { can, FullPageSpin, useUser } from '../session.js';

interface NavItem {
  path: string;
  labelKey: string;
  icon: ReactNode;
  /** shown to users who hold it (getMe's permissions) */
  permission: Permission | null;
  /** not shown to users who hold this one too (they have the page's content elsewhere) */
  exceptWith?: Permission;
}

const NAV: NavItem[] = [
  { path: '/', labelKey: 'menu.overview', icon: <DashboardOutlined />, permission: 'campaign.overview' },
  { path: '/my', labelKey: 'menu.my', icon: <ScheduleOutlined />, permission: 'session.listMine' },
  { path: '/schedule', labelKey: 'menu.schedule', icon: <CalendarOutlined />, permission: 'campaign.overview' },
  // the planner proposes a new schedule: offered to those who may change it
  { path: '/plan', labelKey: 'menu.plan', icon: <FundProjectionScreenOutlined />, permission: 'schedule.manage' },
  { path: '/station', labelKey: 'menu.station', icon: <CameraOutlined />, permission: 'station.read' },
  { path: '/desk', labelKey: 'desk.menu', icon: <QrcodeOutlined />, permission: 'checkin.create' },
  { path: '/payments', labelKey: 'payments.menu', icon: <AccountBookOutlined />, permission: 'payment.read' },
  { path: '/makeup', labelKey: 'makeup.menu', icon: <EnvironmentOutlined />, permission: 'makeup.manage' },
  { path: '/roster/import', labelKey: 'menu.rosterImport', icon: <CloudUploadOutlined />, permission: 'roster.import' },
  { path: '/students', labelKey: 'menu.students', icon: <TeamOutlined />, permission: 'student.list' },
  { path: '/department', labelKey: 'menu.department', icon: <ApartmentOutlined />, permission: 'student.export' },
  { path: '/corrections', labelKey: 'corrections.menu', icon: <WarningOutlined />, permission: 'corrections.read' },
  { path: '/exports', labelKey: 'exports.menu', icon: <ExportOutlined />, permission: 'export.manage' },
  // the admin reads the re-take list under 学信网导出; secretaries and the agency's operators here
  { path: '/retakes', labelKey: 'retakesPage.menu', icon: <RedoOutlined />, permission: 'retake.read', exceptWith: 'export.manage' },
  { path: '/retention', labelKey: 'retention.menu', icon: <DeleteOutlined />, permission: 'retention.manage' },
  { path: '/prints', labelKey: 'printsHandover.menuPrints', icon: <PrinterOutlined />, permission: 'print.produce' },
  { path: '/handover', labelKey: 'printsHandover.menuHandover', icon: <GiftOutlined />, permission: 'handover.department' },
  { path: '/audit', labelKey: 'menu.audit', icon: <AuditOutlined />, permission: 'audit.read' },
  { path: '/users', labelKey: 'menu.users', icon: <UsergroupAddOutlined />, permission: 'user.manage' },
  { path: '/notice', labelKey: 'notice.menu', icon: <FileTextOutlined />, permission: null },
];

/** One's own password: the current one, then the new one twice; the account's other sessions end. */
function ChangePasswordModal({ open, onClose }: { open: boolean; onClose: () => void }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ currentPassword: string; newPassword: string; repeat: string }>();
  const change = useMutation({
    mutationFn: endpoints.changePassword,
    onSuccess: () => {
      void message.success(t('password.done'));
      form.resetFields();
      onClose();
    },
  });
  return (
    <Modal open={open} title={t('password.title')} okText={t('common.confirm')} cancelText={t('common.cancel')} confirmLoading={change.isPending} onOk={() => form.submit()} onCancel={onClose} destroyOnHidden>
      {change.error ? <Alert type="error" showIcon title={change.error.message} style={{ marginBottom: 12 }} data-testid="password-error" /> : null}
      <Form form={form} layout="vertical" onFinish={(v) => change.mutate({ currentPassword: v.currentPassword, newPassword: v.newPassword })}>
        <Form.Item name="currentPassword" label={t('password.current')} rules={[{ required: true }]}>
          <Input.Password autoComplete="current-password" data-testid="password-current" />
        </Form.Item>
        <Form.Item name="newPassword" label={t('password.new')} extra={t('password.hint')} rules={[{ required: true, min: 10, message: t('users.passwordHint') }]}>
          <Input.Password autoComplete="new-password" data-testid="password-new" />
        </Form.Item>
        <Form.Item
          name="repeat"
          label={t('password.repeat')}
          dependencies={['newPassword']}
          rules={[{ required: true }, ({ getFieldValue }) => ({ validator: async (_, value: string) => (value === getFieldValue('newPassword') ? undefined : Promise.reject(new Error(t('password.mismatch')))) })]}
        >
          <Input.Password autoComplete="new-password" data-testid="password-repeat" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function navFor(me: Me): NavItem[] {
  const items = NAV.filter((n) => (n.permission === null || can(me, n.permission)) && !(n.exceptWith && can(me, n.exceptWith)));
  // a student's own record (a student lists nobody, so this is their one student page)
  if (!can(me, 'student.list') && me.studentId) {
    items.push({ path: `/students/${me.studentId}`, labelKey: 'menu.myRecord', icon: <IdcardOutlined />, permission: 'student.read' });
  }
  return items;
}

/** The menu key of a path: the longest nav path that prefixes it (the home entry otherwise). */
function selectedKey(pathname: string, items: NavItem[]): string {
  let best = '';
  for (const item of items) {
    if (item.path === '/') continue;
    if ((pathname === item.path || pathname.startsWith(`${item.path}/`)) && item.path.length > best.length) best = item.path;
  }
  return best || (items[0]?.path ?? '/');
}

export function LanguageSwitch({ compact = false }: { compact?: boolean }): ReactNode {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  return (
    <Segmented<Language>
      size="small"
      aria-label={t('lang.label')}
      value={i18n.language === 'en' ? 'en' : 'zh'}
      options={[
        { label: compact ? '中' : t('lang.zh'), value: 'zh' },
        { label: compact ? 'EN' : t('lang.en'), value: 'en' },
      ]}
      onChange={(lang) => {
        setLanguage(lang);
        // Server messages (errors, roster problems) come in the request's language: ask again.
        void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== queryKeys.me[0] });
      }}
    />
  );
}

export function AppLayout(): ReactNode {
  const me = useUser();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const screens = Grid.useBreakpoint();
  const isMobile = !screens.lg;
  const [collapsed, setCollapsed] = useState(false);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [changingPassword, setChangingPassword] = useState(false);
  const { token } = theme.useToken();

  const nav = useMemo(() => navFor(me), [me]);
  const menuItems: MenuProps['items'] = nav.map((n) => ({ key: n.path, icon: n.icon, label: t(n.labelKey) }));
  const menu = (
    <Menu
      theme="dark"
      mode="inline"
      selectedKeys={[selectedKey(location.pathname, nav)]}
      items={menuItems}
      onClick={({ key }) => {
        navigate(key);
        setDrawerOpen(false);
      }}
    />
  );

  async function logout(): Promise<void> {
    try {
      await endpoints.logout();
    } finally {
      queryClient.setQueryData(queryKeys.me, null);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== queryKeys.me[0] });
      navigate('/login', { replace: true });
    }
  }

  const brand = (small: boolean) => (
    <Flex align="center" gap={10} style={{ height: 64, padding: small ? '0 16px' : '0 20px', overflow: 'hidden', whiteSpace: 'nowrap' }}>
      <img src="/favicon.svg" alt="" width={28} height={28} />
      {!small || isMobile ? (
        <div style={{ lineHeight: 1.25 }}>
          <div style={{ color: '#fff', fontWeight: 600, fontSize: 15 }}>{t('app.short')}</div>
          <div style={{ color: 'rgba(255,255,255,0.6)', fontSize: 12 }}>{t('app.org')}</div>
        </div>
      ) : null}
    </Flex>
  );

  const userMenu: MenuProps['items'] = [
    { key: 'role', label: t(`roles.${me.role}`), disabled: true },
    ...(me.departments.length ? [{ key: 'deps', label: me.departments.join('、'), disabled: true }] : []),
    { type: 'divider' as const },
    { key: 'password', icon: <KeyOutlined />, label: t('header.changePassword') },
    { key: 'logout', icon: <LogoutOutlined />, label: t('header.logout'), danger: true },
  ];

  return (
    <Layout style={{ minHeight: '100vh' }}>
      {isMobile ? (
        <Drawer
          placement="left"
          open={drawerOpen}
          onClose={() => setDrawerOpen(false)}
          size={240}
          closable={false}
          styles={{ body: { padding: 0, background: '#001529' }, header: { display: 'none' } }}
        >
          {brand(false)}
          {menu}
          <div style={{ padding: 16, borderTop: '1px solid rgba(255,255,255,0.12)', marginTop: 8 }}>
            <div style={{ color: '#fff', marginBottom: 4 }}>{me.displayName || me.username}</div>
            <Tag color="blue">{t(`roles.${me.role}`)}</Tag>
            {me.departments.length ? <div style={{ color: 'rgba(255,255,255,0.65)', fontSize: 12, marginTop: 4 }}>{me.departments.join('、')}</div> : null}
            <Button ghost block icon={<KeyOutlined />} style={{ marginTop: 12 }} onClick={() => setChangingPassword(true)}>
              {t('header.changePassword')}
            </Button>
            <Button ghost block icon={<LogoutOutlined />} style={{ marginTop: 8 }} onClick={() => void logout()}>
              {t('header.logout')}
            </Button>
          </div>
        </Drawer>
      ) : (
        <Layout.Sider width={220} collapsible collapsed={collapsed} onCollapse={setCollapsed} trigger={null}>
          {/* the sider's background runs the page's full height; its menu stays in view on scroll */}
          <div style={{ position: 'sticky', top: 0, maxHeight: '100vh', overflowY: 'auto' }}>
            {brand(collapsed)}
            {menu}
          </div>
        </Layout.Sider>
      )}
      <Layout style={{ minWidth: 0 }}>
        <Layout.Header
          style={{
            background: token.colorBgContainer,
            padding: isMobile ? '0 8px' : '0 16px',
            display: 'flex',
            alignItems: 'center',
            gap: isMobile ? 6 : 12,
            borderBottom: `1px solid ${token.colorBorderSecondary}`,
            position: 'sticky',
            top: 0,
            zIndex: 10,
          }}
        >
          <Button
            type="text"
            aria-label={collapsed || isMobile ? t('header.expand') : t('header.collapse')}
            icon={isMobile || collapsed ? <MenuUnfoldOutlined /> : <MenuFoldOutlined />}
            onClick={() => (isMobile ? setDrawerOpen(true) : setCollapsed(!collapsed))}
          />
          <Typography.Text strong ellipsis style={{ flex: 1, minWidth: 0, fontSize: isMobile ? 14 : 16 }}>
            {isMobile ? t('app.short') : t('app.title')}
          </Typography.Text>
          <GlobalOutlined style={{ color: token.colorTextSecondary, display: isMobile ? 'none' : undefined }} />
          <LanguageSwitch compact={isMobile} />
          <Dropdown
            trigger={['click']}
            menu={{
              items: userMenu,
              onClick: ({ key }) => {
                if (key === 'logout') void logout();
                if (key === 'password') setChangingPassword(true);
              },
            }}
          >
            <Button type="text" data-testid="user-menu" style={{ paddingInline: 4, height: 40 }}>
              <Flex align="center" gap={6}>
                <Avatar size="small" icon={<UserOutlined />} style={{ background: token.colorPrimary }} />
                {isMobile ? null : <span>{me.displayName || me.username}</span>}
                {screens.sm ? <Tag color="blue" style={{ marginInlineEnd: 0 }}>{t(`roles.${me.role}`)}</Tag> : null}
              </Flex>
            </Button>
          </Dropdown>
          {isMobile ? null : (
            <Button type="text" icon={<LogoutOutlined />} onClick={() => void logout()} data-testid="logout">
              {t('header.logout')}
            </Button>
          )}
        </Layout.Header>
        <ChangePasswordModal open={changingPassword} onClose={() => setChangingPassword(false)} />
        <Layout.Content style={{ padding: isMobile ? 12 : 24, minWidth: 0 }}>
          {/* Set-up problems only an admin can fix (getMe's warnings, e.g. no mail server): on every page. */}
          {me.warnings.map((w) => (
            <Alert key={w} type="warning" showIcon banner title={t(`setupWarnings.${w}`)} style={{ marginBottom: 16 }} data-testid={`setup-warning-${w}`} />
          ))}
          <Suspense fallback={<FullPageSpin />}>
            <Outlet />
          </Suspense>
        </Layout.Content>
        <Layout.Footer style={{ textAlign: 'center', color: token.colorTextTertiary, padding: '12px 16px', fontSize: 12 }}>{t('app.footer')}</Layout.Footer>
      </Layout>
    </Layout>
  );
}

