// The student at the desk as the desk may see them (previewCheckIn): masked name, department, decision with its
// rule in words, site, paid or not, a bound code, today's ticket. Warnings say what the check-in will refuse.
import { Alert, Card, Descriptions, Tag } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CheckInPreview } from '../../../contracts/board.js';
import { DecisionTag, RuleTag } from '../tags.js';
import { stationLabel } from './station.js';

export function StudentPreviewCard({ preview, deskSite }: { preview: CheckInPreview; deskSite: string }): ReactNode {
  const { t } = useTranslation();
  const s = preview.student;
  const warnings: string[] = [];
  if (s.decision !== 'required') warnings.push(t('desk.warnExcluded', { reason: preview.rule ? `${preview.rule} ${t(`ruleDesc.${preview.rule}`)}` : t(`decision.${s.decision}`) }));
  if (preview.photoConfirmed) warnings.push(t('desk.warnConfirmed'));
  if (preview.site !== deskSite) warnings.push(t('desk.warnWrongSite', { site: t(`site.${preview.site}`) }));
  const ticket = preview.ticket;
  return (
    <Card size="small" title={t('desk.studentCard')} data-testid="desk-preview">
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 2 }}
        items={[
          { key: 'name', label: t('desk.name'), children: <strong style={{ fontSize: 18 }} data-testid="desk-preview-name">{s.name}</strong> },
          { key: 'no', label: t('desk.studentNo'), children: s.studentNo },
          { key: 'dept', label: t('desk.department'), children: s.department },
          {
            key: 'decision',
            label: t('desk.decision'),
            children: (
              <span data-testid="desk-preview-decision">
                <DecisionTag decision={s.decision} rule={preview.rule} />
                <RuleTag rule={preview.rule} showName />
              </span>
            ),
          },
          { key: 'site', label: t('desk.studentSite'), children: t(`site.${preview.site}`) },
          {
            key: 'paid',
            label: t('desk.payment'),
            children: preview.paid ? (
              <Tag color="green" data-testid="desk-preview-paid">{t('desk.paid')}</Tag>
            ) : (
              <Tag color={preview.paymentBeforeQueue ? 'orange' : 'default'} data-testid="desk-preview-paid">
                {preview.paymentBeforeQueue ? t('desk.unpaidFirst') : t('desk.unpaid')}
              </Tag>
            ),
          },
          { key: 'code', label: t('desk.boundCode'), children: preview.codeLast4 ? t('desk.boundCodeValue', { last4: preview.codeLast4 }) : t('desk.noCode') },
          {
            key: 'ticket',
            label: t('desk.existingTicket'),
            children: ticket ? (
              <span>
                <strong>{ticket.number}</strong>
                {ticket.status === 'called' && ticket.stationId ? ` · ${t('desk.positionCalled', { station: stationLabel(t, ticket.stationId) })}` : ticket.position ? ` · ${t('desk.position', { ahead: ticket.position - 1 })}` : ''}
              </span>
            ) : (
              t('desk.noTicket')
            ),
          },
        ]}
      />
      {warnings.map((w) => (
        <Alert key={w} type="warning" showIcon title={w} style={{ marginTop: 8 }} data-testid="desk-preview-warning" />
      ))}
    </Card>
  );
}
