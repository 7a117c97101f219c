// The make-up outlets (issue 10 section 3, S6): list, add, edit, (de)activate. An outlet outside Beijing is
// refused by the server (OUTLET_CITY_NOT_ALLOWED, in the user's language): the form shows that message on the city.
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, InputNumber, Modal, Space, Switch, Table, Tag, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CreateOutletRequest, Outlet } from '../../../contracts/makeup.js';
import { ApiError } from '../../api/client.js';
import { makeupApi, makeupKeys } from '../../api/makeup.js';
import { ErrorResult } from '../ErrorResult.js';
import { currentLanguage } from '../../i18n/index.js';
import { useIsMobile } from '../../useIsMobile.js';

type FormValues = Required<Omit<CreateOutletRequest, 'active'>> & { active: boolean };

function OutletForm({ outlet, city, onClose }: { outlet: Outlet | null; city: string; onClose: () => void }): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<FormValues>();
  const save = useMutation({
    mutationFn: (v: FormValues) => {
      const body = { nameZh: v.nameZh, nameEn: v.nameEn, address: v.address, city: v.city, hours: v.hours, stations: v.stations, active: v.active };
      return outlet ? makeupApi.updateOutlet(outlet.id, body) : makeupApi.createOutlet({ id: v.id, ...body });
    },
    onSuccess: async (saved) => {
      void message.success(t(outlet ? 'makeup.updated' : 'makeup.created', { name: saved.name[currentLanguage()] }));
      await queryClient.invalidateQueries({ queryKey: makeupKeys.all });
      onClose();
    },
    onError: (e: Error) => {
      const field = e instanceof ApiError && e.code === 'OUTLET_CITY_NOT_ALLOWED' ? 'city' : e instanceof ApiError && e.code === 'OUTLET_EXISTS' ? 'id' : null;
      if (field) form.setFields([{ name: field, errors: [e.message] }]);
      else void message.error(e.message);
    },
  });
  return (
    <Modal
      open
      title={outlet ? t('makeup.editOutlet') : t('makeup.addOutlet')}
      okText={t('makeup.save')}
      cancelText={t('makeup.cancel')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={save.isPending}
      okButtonProps={{ 'data-testid': 'outlet-save' } as never}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={outlet ? { id: outlet.id, nameZh: outlet.name.zh, nameEn: outlet.name.en, address: outlet.address, city: outlet.city, hours: outlet.hours, stations: outlet.stations, active: outlet.active } : { stations: 1, active: true, city: '北京' }}
        onFinish={(v) => save.mutate(v)}
      >
        <Form.Item name="id" label={t('makeup.id')} extra={t('makeup.idHelp')} rules={[{ required: true, pattern: /^[a-z0-9]{1,20}$/, message: t('makeup.idHelp') }]}>
          <Input disabled={outlet !== null} data-testid="outlet-id" maxLength={20} />
        </Form.Item>
        <Form.Item name="nameZh" label={t('makeup.nameZh')} rules={[{ required: true, whitespace: true }]}>
          <Input data-testid="outlet-name-zh" maxLength={60} />
        </Form.Item>
        <Form.Item name="nameEn" label={t('makeup.nameEn')} rules={[{ required: true, whitespace: true }]}>
          <Input data-testid="outlet-name-en" maxLength={80} />
        </Form.Item>
        <Form.Item name="address" label={t('makeup.address')} rules={[{ required: true, whitespace: true }]}>
          <Input data-testid="outlet-address" maxLength={200} />
        </Form.Item>
        <Form.Item name="city" label={t('makeup.city')} extra={t('makeup.cityHelp', { city })} rules={[{ required: true, whitespace: true }]}>
          <Input data-testid="outlet-city" maxLength={40} />
        </Form.Item>
        <Form.Item name="hours" label={t('makeup.hours')} rules={[{ required: true, whitespace: true }]}>
          <Input data-testid="outlet-hours" placeholder={t('makeup.hoursPlaceholder')} maxLength={200} />
        </Form.Item>
        <Space size="large" wrap>
          <Form.Item name="stations" label={t('makeup.stations')} rules={[{ required: true }]}>
            <InputNumber min={1} max={20} precision={0} data-testid="outlet-stations" />
          </Form.Item>
          <Form.Item name="active" label={t('makeup.active')} valuePropName="checked">
            <Switch data-testid="outlet-active" />
          </Form.Item>
        </Space>
      </Form>
    </Modal>
  );
}

export function OutletsPanel(): ReactNode {
  const { t } = useTranslation();
  const lang = currentLanguage();
  const mobile = useIsMobile();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const outlets = useQuery({ queryKey: makeupKeys.outlets, queryFn: makeupApi.outlets });
  const [editing, setEditing] = useState<Outlet | 'new' | null>(null);
  const toggle = useMutation({
    mutationFn: (o: Outlet) => makeupApi.updateOutlet(o.id, { active: !o.active }),
    onSuccess: async (saved) => {
      void message.success(t('makeup.updated', { name: saved.name[lang] }));
      await queryClient.invalidateQueries({ queryKey: makeupKeys.all });
    },
    onError: (e: Error) => void message.error(e.message),
  });
  const city = outlets.data ? outlets.data.makeUpCityName[lang] : '';
  return (
    <Card
      size="small"
      style={{ marginBottom: 16 }}
      data-testid="makeup-outlets"
      title={t('makeup.outlets')}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="outlet-add">
          {t('makeup.addOutlet')}
        </Button>
      }
    >
      {outlets.error ? <ErrorResult error={outlets.error} onRetry={() => void outlets.refetch()} /> : null}
      <Table<Outlet>
        size="small"
        rowKey="id"
        loading={outlets.isLoading}
        dataSource={outlets.data?.items ?? []}
        pagination={false}
        scroll={{ x: mobile ? 640 : undefined }}
        locale={{ emptyText: t('makeup.noOutlets') }}
        columns={[
          {
            title: t('makeup.outletName'),
            key: 'name',
            render: (_, o) => (
              <div data-testid="outlet-row" data-outlet={o.id}>
                <Typography.Text strong>{o.name[lang]}</Typography.Text>
                <div>
                  <Typography.Text type="secondary">{o.id}</Typography.Text>{' '}
                  {!o.active ? <Tag>{t('makeup.inactive')}</Tag> : !o.usable ? <Tag color="error">{t('makeup.notUsable')}</Tag> : null}
                </div>
              </div>
            ),
          },
          { title: t('makeup.address'), key: 'address', render: (_, o) => <span style={{ overflowWrap: 'anywhere' }}>{o.cityName[lang]} · {o.address}</span> },
          { title: t('makeup.hours'), dataIndex: 'hours' },
          { title: t('makeup.stationIds'), key: 'stations', render: (_, o) => <span style={{ overflowWrap: 'anywhere' }}>{o.stationIds.join(', ')}</span> },
          { title: t('makeup.recorded'), key: 'counts', render: (_, o) => t('makeup.photos', { photos: o.photos, confirmed: o.confirmed }) },
          {
            title: t('makeup.actions'),
            key: 'actions',
            render: (_, o) => (
              <Space wrap>
                <Button size="small" onClick={() => setEditing(o)} data-testid="outlet-edit">
                  {t('makeup.edit')}
                </Button>
                <Button size="small" danger={o.active} loading={toggle.isPending && toggle.variables?.id === o.id} onClick={() => toggle.mutate(o)} data-testid="outlet-toggle">
                  {o.active ? t('makeup.deactivate') : t('makeup.activate')}
                </Button>
              </Space>
            ),
          },
        ]}
      />
      {editing ? <OutletForm outlet={editing === 'new' ? null : editing} city={city} onClose={() => setEditing(null)} /> : null}
    </Card>
  );
}
