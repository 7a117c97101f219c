import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Input, Modal, Select, Table, Tag } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role } from '../../contracts/common.js';
import type { CreateUserRequest, User } from '../../contracts/user.js';
import { endpoints, queryKeys } from '../api/endpoints.js';
import { ErrorResult } from '../components/ErrorResult.js';
import { PageHeader } from '../components/PageHeader.js';
import { formatInstant } from '../format.js';
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

export default function UsersPage(): ReactNode {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const users = useQuery({ queryKey: queryKeys.users, queryFn: endpoints.users });
  const columns: TableColumnsType<User> = [
    { title: t('users.username'), dataIndex: 'username', width: 160 },
    { title: t('users.displayName'), dataIndex: 'displayName', width: 140, render: (v: string | null) => v ?? t('common.none') },
    { title: t('users.role'), dataIndex: 'role', width: 130, render: (r: Role) => <Tag color="blue">{t(`roles.${r}`)}</Tag> },
    { title: t('users.departments'), dataIndex: 'departments', render: (d: string[]) => (d.length ? d.join('、') : t('common.none')) },
    { title: t('users.totp'), dataIndex: 'totpEnabled', width: 100, render: (v: boolean) => (v ? t('common.yes') : t('common.no')) },
    { title: t('users.status'), dataIndex: 'disabled', width: 90, render: (v: boolean) => (v ? <Tag>{t('users.disabled')}</Tag> : <Tag color="green">{t('users.active')}</Tag>) },
    { title: t('users.createdAt'), dataIndex: 'createdAt', width: 170, render: (v: string) => formatInstant(v) },
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
          <Table<User> rowKey="id" size="small" loading={users.isLoading} columns={columns} dataSource={users.data?.items ?? []} scroll={{ x: 900 }} pagination={{ pageSize: 50, hideOnSinglePage: true }} />
        )}
      </Card>
      <CreateUserModal open={open} onClose={() => setOpen(false)} />
    </>
  );
}
