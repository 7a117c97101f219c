import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Input, Modal, Select, Space, Table, Tag } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role } from '../../contracts/common.js';
import type { CreateUserRequest, User } from '../../contracts/user.js';
import { endpoints, queryKeys } from '../api/endpoints.js';
import { ErrorResult } from '../components/ErrorResult.js';
import { PageHeader } from '../components/PageHeader.js';
import { formatInstant } from '../format.js';
import { useUser } from '../session.js';
import { useDepartmentOptions } from '../useDepartments.js';

const ROLES: Role[] = ['admin', 'secretary', 'operator', 'cashier', 'student'];

function CreateUserModal({ open, onClose }: { open: boolean; onClose: () => void }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const { departments } = useDepartmentOptions();
  const [form] = Form.useForm<CreateUserRequest>();
  const role = Form.useWatch('role', form);
  const create = useMutation({
    mutationFn: endpoints.createUser,
    onSuccess: (_, body) => {
      void message.success(t('users.created', { username: body.username }));
      void queryClient.invalidateQueries({ queryKey: queryKeys.users });
      form.resetFields();
      onClose();
    },
  });
  return (
    <Modal
      open={open}
      title={t('users.create')}
      okText={t('common.confirm')}
      cancelText={t('common.cancel')}
      confirmLoading={create.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      {create.error ? <Alert type="error" showIcon title={create.error.message} style={{ marginBottom: 12 }} /> : null}
      <Form<CreateUserRequest>
        form={form}
        layout="vertical"
        initialValues={{ role: 'secretary', departments: [] }}
        onFinish={(values) => create.mutate({ ...values, displayName: values.displayName?.trim() || undefined })}
      >
        <Form.Item name="username" label={t('users.username')} rules={[{ required: true, pattern: /^[A-Za-z0-9._@-]{2,64}$/, message: t('users.usernameRule') }]}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="displayName" label={t('users.displayName')}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="role" label={t('users.role')} rules={[{ required: true }]}>
          <Select options={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))} />
        </Form.Item>
        <Form.Item
          name="departments"
          label={t('users.departments')}
          rules={[{ validator: async (_, value: string[] | undefined) => (role === 'secretary' && !value?.length ? Promise.reject(new Error(t('users.departmentsRequired'))) : undefined) }]}
        >
          <Select mode="multiple" allowClear showSearch={{ optionFilterProp: 'label' }} options={departments.map((d) => ({ value: d, label: d }))} />
        </Form.Item>
        <Form.Item name="password" label={t('users.password')} extra={t('users.passwordHint')} rules={[{ required: true, min: 10, message: t('users.passwordHint') }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** A new password for someone who forgot theirs: set by the admin, every session of the account ends. */
function ResetPasswordModal({ user, onClose }: { user: User | null; onClose: () => void }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ newPassword: string }>();
  const reset = useMutation({
    mutationFn: (newPassword: string) => endpoints.updateUser(user!.id, { newPassword }),
    onSuccess: () => {
      void message.success(t('users.passwordReset', { username: user!.username }));
      form.resetFields();
      onClose();
    },
  });
  return (
    <Modal
      open={user !== null}
      title={user ? t('users.resetPasswordTitle', { username: user.username }) : ''}
      okText={t('common.confirm')}
      cancelText={t('common.cancel')}
      confirmLoading={reset.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      {reset.error ? <Alert type="error" showIcon title={reset.error.message} style={{ marginBottom: 12 }} /> : null}
      <Form form={form} layout="vertical" onFinish={(values) => reset.mutate(values.newPassword)}>
        <Form.Item name="newPassword" label={t('users.newPassword')} extra={t('users.resetPasswordHint')} rules={[{ required: true, min: 10, message: t('users.passwordHint') }]}>
          <Input.Password autoComplete="new-password" data-testid="users-new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export default function UsersPage(): ReactNode {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const me = useUser();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [resetting, setResetting] = useState<User | null>(null);
  const users = useQuery({ queryKey: queryKeys.users, queryFn: endpoints.users });
  const toggle = useMutation({
    mutationFn: (u: User) => endpoints.updateUser(u.id, { disabled: !u.disabled }),
    onSuccess: (u) => {
      void message.success(t(u.disabled ? 'users.disabledDone' : 'users.enabledDone', { username: u.username }));
      void queryClient.invalidateQueries({ queryKey: queryKeys.users });
    },
    onError: (e) => void message.error(e.message),
  });
  const askToggle = (u: User) => {
    if (u.disabled) return toggle.mutate(u);
    modal.confirm({
      title: t('users.disable'),
      content: t('users.disableConfirm', { username: u.username }),
      okText: t('users.disable'),
      okButtonProps: { danger: true },
      cancelText: t('common.cancel'),
      onOk: () => toggle.mutate(u),
    });
  };
  const columns: TableColumnsType<User> = [
    { title: t('users.username'), dataIndex: 'username', width: 160 },
    { title: t('users.displayName'), dataIndex: 'displayName', width: 140, render: (v: string | null) => v ?? t('common.none') },
    { title: t('users.role'), dataIndex: 'role', width: 130, render: (r: Role) => <Tag color="blue">{t(`roles.${r}`)}</Tag> },
    { title: t('users.departments'), dataIndex: 'departments', render: (d: string[]) => (d.length ? d.join('、') : t('common.none')) },
    { title: t('users.totp'), dataIndex: 'totpEnabled', width: 100, render: (v: boolean) => (v ? t('common.yes') : t('common.no')) },
    { title: t('users.status'), dataIndex: 'disabled', width: 90, render: (v: boolean) => (v ? <Tag>{t('users.disabled')}</Tag> : <Tag color="green">{t('users.active')}</Tag>) },
    { title: t('users.createdAt'), dataIndex: 'createdAt', width: 170, render: (v: string) => formatInstant(v) },
    {
      title: t('users.actions'),
      key: 'actions',
      width: 190,
      render: (_, u) =>
        u.id === me.id ? (
          <span style={{ color: 'rgba(0,0,0,0.45)' }}>{t('users.self')}</span>
        ) : (
          <Space size={4}>
            <Button size="small" danger={!u.disabled} onClick={() => askToggle(u)} data-testid={`users-toggle-${u.username}`}>
              {u.disabled ? t('users.enable') : t('users.disable')}
            </Button>
            <Button size="small" onClick={() => setResetting(u)} data-testid={`users-reset-${u.username}`}>
              {t('users.resetPassword')}
            </Button>
          </Space>
        ),
    },
  ];
  return (
    <>
      <PageHeader
        title={t('users.title')}
        crumbs={[{ title: t('menu.users') }]}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setOpen(true)}>
            {t('users.create')}
          </Button>
        }
      />
      <Card size="small">
        {users.error ? (
          <ErrorResult error={users.error} onRetry={() => void users.refetch()} />
        ) : (
          <Table<User> rowKey="id" size="small" loading={users.isLoading} columns={columns} dataSource={users.data?.items ?? []} scroll={{ x: 1090 }} pagination={{ pageSize: 50, hideOnSinglePage: true }} />
        )}
      </Card>
      <CreateUserModal open={open} onClose={() => setOpen(false)} />
      <ResetPasswordModal user={resetting} onClose={() => setResetting(null)} />
    </>
  );
}
