// The student's own ticket on /my (issue 9 section 2): number, live position and wait (polled), and "please go
// to station N" once called. Nothing when the student holds no ticket today.
import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Flex, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { deskApi, deskKeys } from '../../api/desk.js';
import { stationLabel } from './station.js';

export function MyTicketCard(): ReactNode {
  const { t } = useTranslation();
  const mine = useQuery({ queryKey: deskKeys.myTicket, queryFn: deskApi.myTicket, refetchInterval: 10_000, refetchIntervalInBackground: false, staleTime: 0 });
  const ticket = mine.data?.ticket;
  if (!ticket) return null;
  const called = ticket.status === 'called' && ticket.stationId;
  return (
    <Card size="small" title={t('desk.myTicket.title')} style={{ marginBottom: 16, borderColor: called ? '#fa8c16' : undefined }} data-testid="my-ticket">
      <Flex wrap gap={24} align="center">
        <span style={{ fontSize: 56, fontWeight: 700, lineHeight: 1, color: '#1f4e9c', letterSpacing: 2 }} data-testid="my-ticket-number">
          {ticket.number}
        </span>
        <Flex vertical gap={4} style={{ minWidth: 0, flex: '1 1 220px' }}>
          {called ? (
            <Alert type="warning" showIcon title={<strong style={{ fontSize: 18 }}>{t('desk.myTicket.called', { station: stationLabel(t, ticket.stationId!) })}</strong>} data-testid="my-ticket-called" />
          ) : (
            <Typography.Text strong style={{ fontSize: 16 }} data-testid="my-ticket-position">
              {ticket.position === 1 ? t('desk.myTicket.next') : t('desk.myTicket.waiting', { ahead: Math.max(0, (ticket.position ?? 1) - 1), minutes: ticket.etaMinutes ?? 0 })}
            </Typography.Text>
          )}
          <Typography.Text type="secondary">{t('desk.myTicket.hint')}</Typography.Text>
        </Flex>
      </Flex>
    </Card>
  );
}
