// An outlet's station (makeup-<outlet>-<n>, S6) on the station page: no queue at an outlet, so this banner takes
// the queue panel's place and says which outlet it is, or that the outlet or station is unknown or unusable.
import { EnvironmentOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { makeupApi, makeupKeys } from '../../api/makeup.js';
import { currentLanguage } from '../../i18n/index.js';

export const OUTLET_STATION_PREFIX = 'makeup-';

export function isOutletStation(stationId: string): boolean {
  return stationId.startsWith(OUTLET_STATION_PREFIX);
}

export function OutletStationBanner({ stationId }: { stationId: string }): ReactNode {
  const { t } = useTranslation();
  const outlets = useQuery({ queryKey: makeupKeys.outlets, queryFn: makeupApi.outlets, staleTime: 60_000 });
  if (!outlets.data) return null;
  const outlet = outlets.data.items.find((o) => o.stationIds.includes(stationId));
  if (!outlet) return <Alert type="error" showIcon style={{ marginBottom: 16 }} data-testid="outlet-station-unknown" title={t('makeup.outletStationUnknown')} />;
  return (
    <Alert
      type={outlet.usable ? 'info' : 'error'}
      showIcon
      icon={<EnvironmentOutlined />}
      style={{ marginBottom: 16 }}
      data-testid="outlet-station"
      title={t('makeup.outletStation', { name: outlet.name[currentLanguage()] })}
      description={outlet.usable ? t('makeup.outletStationText') : t('makeup.outletStationUnusable')}
    />
  );
}
