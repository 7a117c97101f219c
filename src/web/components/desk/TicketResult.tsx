// The ticket the desk just gave: a big number, position and wait, the code's last 4 to compare with the phone,
// and a 58 mm receipt for a thermal printer (only the receipt is printed).
import { PrinterOutlined } from '@ant-design/icons';
import { Button, Card, Flex, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CheckInResponse } from '../../../contracts/queue.js';
import { beijingDateTime, stationLabel } from './station.js';
import { labelled } from '../../format.js';
import { currentLanguage } from '../../i18n/index.js';

const RECEIPT_CSS = `
.desk-receipt { display: none; }
@media print {
  @page { size: 58mm auto; margin: 2mm; }
  body * { visibility: hidden !important; }
  .desk-receipt, .desk-receipt * { visibility: visible !important; }
  .desk-receipt { display: block; position: fixed; left: 0; top: 0; width: 54mm; font-family: 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; color: #000; font-size: 10pt; line-height: 1.35; }
  .desk-receipt .number { font-size: 30pt; font-weight: 700; text-align: center; margin: 2mm 0; letter-spacing: 1px; }
  .desk-receipt .title { font-size: 9pt; text-align: center; border-bottom: 1px dashed #000; padding-bottom: 1mm; }
  .desk-receipt .notice { font-weight: 700; text-align: center; border-top: 1px dashed #000; margin-top: 2mm; padding-top: 1mm; }
}`;

export interface IssuedTicket {
  answer: CheckInResponse;
  /** 201: a new ticket; 200: the one the student held */
  created: boolean;
  issuedAt: string;
}

function Receipt({ issued }: { issued: IssuedTicket }): ReactNode {
  const { t } = useTranslation();
  const { ticket, student } = issued.answer;
  return (
    <div className="desk-receipt" data-testid="desk-receipt">
      <div className="title">{t('desk.receipt.title')}</div>
      <div className="number">{ticket.number}</div>
      <div>
        {labelled(t('desk.receipt.site'), currentLanguage())}
        {t(`site.${ticket.site}`)}
      </div>
      <div>
        {labelled(t('desk.receipt.time'), currentLanguage())}
        {beijingDateTime(issued.issuedAt)}
      </div>
      {ticket.etaMinutes !== null ? (
        <div>
          {labelled(t('desk.receipt.eta'), currentLanguage())}
          {t('desk.receipt.etaValue', { minutes: ticket.etaMinutes })}
        </div>
      ) : null}
      <div>
        {labelled(t('desk.receipt.name'), currentLanguage())}
        {student.name}
      </div>
      <div className="notice">{t('desk.receipt.notice')}</div>
    </div>
  );
}

export function TicketResult({ issued }: { issued: IssuedTicket }): ReactNode {
  const { t } = useTranslation();
  const { ticket, student, codeLast4 } = issued.answer;
  const called = ticket.status === 'called' && ticket.stationId;
  return (
    <Card size="small" style={{ borderColor: '#52c41a', background: '#f6ffed' }} data-testid="desk-ticket">
      <style>{RECEIPT_CSS}</style>
      <Flex wrap gap={24} align="center" justify="space-between">
        <div>
          <Typography.Text type="secondary">{issued.created ? t('desk.ticketTitle') : t('desk.ticketAgain')}</Typography.Text>
          <div style={{ fontSize: 'clamp(48px, 9vw, 88px)', fontWeight: 700, lineHeight: 1.05, letterSpacing: 2, color: '#1f4e9c' }} data-testid="desk-ticket-number">
            {ticket.number}
          </div>
          <Typography.Text strong style={{ fontSize: 16 }}>
            {student.name} · {student.studentNo}
          </Typography.Text>
        </div>
        <Flex vertical gap={6} style={{ fontSize: 16 }}>
          <span data-testid="desk-ticket-position">
            {called ? t('desk.positionCalled', { station: stationLabel(t, ticket.stationId!) }) : ticket.position ? t('desk.position', { ahead: ticket.position - 1 }) : null}
          </span>
          {ticket.etaMinutes !== null && !called ? <span>{t('desk.eta', { minutes: ticket.etaMinutes })}</span> : null}
          <span>
            {labelled(t('desk.codeLast4'), currentLanguage())}
            <strong style={{ fontSize: 22, fontFamily: 'monospace', letterSpacing: 2 }} data-testid="desk-ticket-last4">
              {codeLast4}
            </strong>
          </span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('desk.codeLast4Hint')}
          </Typography.Text>
          <Button icon={<PrinterOutlined />} onClick={(e) => {
              window.print();
              // Enter must not print again: the next scan's keys go to the scan box (DeskPage's keydown catch)
              e.currentTarget.blur();
            }}
            data-testid="desk-print">
            {t('desk.print')}
          </Button>
        </Flex>
      </Flex>
      <Receipt issued={issued} />
    </Card>
  );
}
