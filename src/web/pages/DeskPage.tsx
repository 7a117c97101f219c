// The check-in desk (issue 9 section 1; C1, C4, P1): a clerk serves a line of students fast. Student number
// (typed or scanned from the campus card) → Enter → the student as the desk may see them → the collection code
// (USB scanner, camera or typed) → Enter → a ticket with a 58 mm receipt. Not paid while the site takes payment
// first: the payment is recorded here and the check-in goes on without scanning again. The cursor is always in
// the scan box: on load, after every answer, after a dialog closes, when the window regains focus, and when a
// key or a scan arrives while nothing has the focus.
import { CameraOutlined, RedoOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Empty, Flex, Input, Row, Segmented, Table, Typography } from 'antd';
import type { InputRef } from 'antd';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { CheckInPreview } from '../../contracts/board.js';
import { SiteSchema } from '../../contracts/common.js';
import { ApiError } from '../api/client.js';
import { deskApi } from '../api/desk.js';
import { PageHeader } from '../components/PageHeader.js';
import { CameraScanModal } from '../components/desk/CameraScanModal.js';
import { PaymentModal } from '../components/desk/PaymentModal.js';
import { refusalSentence } from '../components/desk/refusal.js';
import { beijingTime } from '../components/desk/station.js';
import { StudentPreviewCard } from '../components/desk/StudentPreviewCard.js';
import { TicketResult, type IssuedTicket } from '../components/desk/TicketResult.js';

type Site = z.infer<typeof SiteSchema>;
type Step = 'student' | 'code';

const SITE_KEY = 'gradphoto.desk.site';
const RECENT_KEY = 'gradphoto.desk.recent';
const RECENT_MAX = 8;

interface RecentItem {
  number: string;
  name: string;
  site: Site;
  at: string;
}

function rememberedSite(): Site {
  try {
    const parsed = SiteSchema.safeParse(localStorage.getItem(SITE_KEY));
    return parsed.success ? parsed.data : 'beijing';
  } catch {
    return 'beijing';
  }
}

/** Today's (Beijing) check-ins of this desk, kept in this browser tab only (masked names as the server sent them). */
function readRecent(): RecentItem[] {
  try {
    const stored = JSON.parse(sessionStorage.getItem(RECENT_KEY) ?? '[]') as RecentItem[];
    const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' });
    return Array.isArray(stored) ? stored.filter((r) => new Date(r.at).toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' }) === today) : [];
  } catch {
    return [];
  }
}

/** A text box (the scan box, the payment's transaction number): keys typed there stay there. */
function takesText(el: Element | null): boolean {
  if (el instanceof HTMLTextAreaElement) return true;
  if (el instanceof HTMLInputElement) return !['radio', 'checkbox', 'button', 'submit', 'reset', 'file', 'range', 'color'].includes(el.type);
  return el instanceof HTMLElement && el.isContentEditable;
}

export default function DeskPage(): ReactNode {
  const { t } = useTranslation();
  const [site, setSite] = useState<Site>(rememberedSite);
  const [step, setStep] = useState<Step>('student');
  const [value, setValue] = useState('');
  const [studentNo, setStudentNo] = useState('');
  const [preview, setPreview] = useState<CheckInPreview | null>(null);
  const [issued, setIssued] = useState<IssuedTicket | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [busy, setBusy] = useState<'lookup' | 'checkin' | null>(null);
  const [payOpen, setPayOpen] = useState(false);
  const [cameraOpen, setCameraOpen] = useState(false);
  const [pendingCode, setPendingCode] = useState('');
  const [recent, setRecent] = useState<RecentItem[]>(readRecent);
  const scan = useRef<InputRef>(null);
  const dialogOpen = payOpen || cameraOpen;

  // The box is emptied when Enter sends what it holds, so whatever it holds later was typed since: the cursor goes to
  // its end (selecting it all would let the next key of a fast scan overwrite the scan's beginning).
  const focusScan = useCallback(() => {
    setTimeout(() => scan.current?.focus({ cursor: 'end' }), 0);
  }, []);
  /** Enter pressed while the student was being looked up (or a check-in was on its way): sent once that answer is in. */
  const enterWhileBusy = useRef(false);

  // on load, after every answer and step
  useEffect(() => {
    if (!dialogOpen && !busy) focusScan();
  }, [step, issued, refusal, busy, dialogOpen, focusScan]);
  // when the window regains focus (the clerk came back from another window)
  useEffect(() => {
    const onFocus = () => !dialogOpen && focusScan();
    window.addEventListener('focus', onFocus);
    return () => window.removeEventListener('focus', onFocus);
  }, [dialogOpen, focusScan]);
  // A scan (or a key) that arrives while the focus is not in a text box — nowhere after printing, on 打印小票 or on
  // the site switch after a click — goes into the scan box: focused during the key's keydown, the box receives its
  // character, so no digit of a scan is lost (and its Enter does not press the button that had the focus).
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (dialogOpen || e.ctrlKey || e.metaKey || e.altKey || e.key.length !== 1) return;
      if (!takesText(document.activeElement)) scan.current?.focus({ cursor: 'end' });
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [dialogOpen]);

  const reset = () => {
    enterWhileBusy.current = false;
    setStep('student');
    setValue('');
    setPreview(null);
    setStudentNo('');
    setRefusal(null);
    setPendingCode('');
    focusScan();
  };

  const changeSite = (next: Site) => {
    setSite(next);
    try {
      localStorage.setItem(SITE_KEY, next);
    } catch {
      /* private mode: not remembered */
    }
    focusScan();
  };

  const lookUp = async (no: string) => {
    setIssued(null);
    setRefusal(null);
    setPreview(null);
    setStudentNo(no);
    setBusy('lookup');
    try {
      const found = await deskApi.preview(no);
      setPreview(found);
      setStep('code');
    } catch (e) {
      // what was typed since was this student's code: it must not be taken as the next student's number
      enterWhileBusy.current = false;
      setValue('');
      setRefusal(refusalSentence(t, e, { studentNo: no, preview: null, deskSite: site }));
    } finally {
      setBusy(null);
    }
  };

  /**
   * After a refusal or a cancelled payment the desk starts again at the student number (the refusal and the last
   * student stay on screen): the next scan — the next student's number — is never taken as this student's code.
   */
  const backToStudent = () => {
    setStep('student');
    setPendingCode('');
  };

  const checkIn = async (code: string) => {
    setRefusal(null);
    setBusy('checkin');
    try {
      const answer = await deskApi.checkIn({ studentNo, collectionCode: code, site });
      const at = new Date().toISOString();
      setIssued({ answer, created: preview?.ticket?.id !== answer.ticket.id, issuedAt: at });
      const item: RecentItem = { number: answer.ticket.number, name: answer.student.name, site, at };
      setRecent((list) => {
        const next = [item, ...list.filter((r) => r.number !== item.number)].slice(0, RECENT_MAX);
        try {
          sessionStorage.setItem(RECENT_KEY, JSON.stringify(next));
        } catch {
          /* not kept */
        }
        return next;
      });
      setStep('student');
      setPreview(null);
      setPendingCode('');
    } catch (e) {
      if (e instanceof ApiError && e.code === 'PAYMENT_REQUIRED' && preview) {
        // P1: record the payment here, then check in again with the same code (no second scan). Whatever was typed
        // since belongs to no one yet: it is dropped, and never sent as this student's code.
        enterWhileBusy.current = false;
        setValue('');
        setPendingCode(code);
        setPayOpen(true);
      } else backToStudent();
      setRefusal(refusalSentence(t, e, { studentNo, preview, deskSite: site }));
    } finally {
      setBusy(null);
    }
  };

  const submit = () => {
    const text = value.trim();
    if (!text) return;
    if (busy) {
      // a scanner does not wait for the look-up: its Enter is kept and sent with the whole code once it is in
      enterWhileBusy.current = true;
      return;
    }
    setValue('');
    if (step === 'student') void lookUp(text);
    else void checkIn(text);
  };
  useEffect(() => {
    if (!busy && !dialogOpen && enterWhileBusy.current) {
      enterWhileBusy.current = false;
      submit();
    }
  });

  const onCamera = useCallback((code: string) => {
    setCameraOpen(false);
    void checkInRef.current(code);
  }, []);
  const checkInRef = useRef(checkIn);
  checkInRef.current = checkIn;

  return (
    <>
      <PageHeader
        title={t('desk.title')}
        crumbs={[{ title: t('desk.title') }]}
        sub={t('desk.sub')}
        extra={
          <Flex align="center" gap={8} title={t('desk.siteHint')}>
            <Typography.Text type="secondary">{t('desk.site')}</Typography.Text>
            <Segmented<Site> value={site} onChange={changeSite} options={SiteSchema.options.map((s) => ({ value: s, label: t(`site.${s}`) }))} data-testid="desk-site" />
          </Flex>
        }
      />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={15}>
          <Flex vertical gap={12}>
            <Card size="small">
              <Flex gap={8} wrap>
                <Input
                  ref={scan}
                  size="large"
                  autoFocus
                  autoComplete="off"
                  spellCheck={false}
                  style={{ flex: '1 1 260px', minWidth: 0 }}
                  addonBefore={<span data-testid="desk-step">{step === 'student' ? t('desk.stepStudent') : t('desk.stepCode')}</span>}
                  placeholder={step === 'student' ? t('desk.placeholderStudent') : t('desk.placeholderCode')}
                  value={value}
                  onChange={(e) => setValue(e.target.value)}
                  onPressEnter={(e) => {
                    e.preventDefault();
                    submit();
                  }}
                  onKeyDown={(e) => {
                    if (e.key === 'Escape') reset();
                  }}
                  onBlur={() =>
                    // a click on the page's background gives the focus back to the scan box
                    setTimeout(() => {
                      if (!dialogOpen && (document.activeElement === document.body || document.activeElement === null)) focusScan();
                    }, 200)
                  }
                  data-testid="desk-scan"
                />
                {step === 'code' ? (
                  <Button size="large" icon={<CameraOutlined />} onClick={() => setCameraOpen(true)} data-testid="desk-camera">
                    {t('desk.camera')}
                  </Button>
                ) : null}
                <Button size="large" icon={<RedoOutlined />} onClick={reset} data-testid="desk-restart">
                  {t('desk.restart')}
                </Button>
              </Flex>
              {busy ? (
                <Typography.Text type="secondary" style={{ display: 'block', marginTop: 6 }}>
                  {busy === 'lookup' ? t('desk.lookingUp') : t('desk.checkingIn')}
                </Typography.Text>
              ) : null}
            </Card>
            {refusal ? <Alert type="error" showIcon title={<span style={{ fontSize: 16 }}>{refusal}</span>} data-testid="desk-refusal" /> : null}
            {preview ? <StudentPreviewCard preview={preview} deskSite={site} /> : null}
            {issued ? <TicketResult issued={issued} /> : null}
          </Flex>
        </Col>
        <Col xs={24} lg={9}>
          <Card size="small" title={t('desk.recent')} data-testid="desk-recent">
            {recent.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('desk.recentEmpty')} />
            ) : (
              <Table<RecentItem>
                size="small"
                rowKey={(r) => `${r.site}-${r.number}`}
                pagination={false}
                dataSource={recent}
                columns={[
                  { title: t('desk.ticketNo'), dataIndex: 'number', render: (n: string) => <strong>{n}</strong> },
                  { title: t('desk.name'), dataIndex: 'name' },
                  { title: t('desk.at'), dataIndex: 'at', render: (at: string) => beijingTime(at) },
                ]}
              />
            )}
          </Card>
        </Col>
      </Row>
      {preview ? (
        <PaymentModal
          open={payOpen}
          studentNo={preview.student.studentNo}
          name={preview.student.name}
          priceFen={preview.priceFen}
          onClose={() => {
            setPayOpen(false);
            backToStudent();
          }}
          afterClose={focusScan}
          onRecorded={() => {
            setPayOpen(false);
            setPreview({ ...preview, paid: true });
            void checkIn(pendingCode);
          }}
        />
      ) : null}
      <CameraScanModal open={cameraOpen} onCode={onCamera} onClose={() => setCameraOpen(false)} afterClose={focusScan} />
    </>
  );
}
