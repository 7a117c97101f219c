// The capture day's public call board, the desk's look at a student before check-in, and a student's own
// ticket (issue 9 sections 1 and 2; rules C1, C4, P1; docs/decisions/0021-call-board.md).
//
// - The board (`getBoard`, and its live stream through `createBoardHub`) is public: it carries ticket numbers,
//   station ids and figures only, never a name or a student number. A station shows as the number its id ends
//   with ("beijing-2" → 2 号机位, `stationNumberOf`).
// - Every queue change (check-in, call, recall, skip, transfer, serve) marks `Effects.queueChanged` in its
//   transaction; `change` announces it after commit in this process, or with NOTIFY inside the transaction on
//   PostgreSQL so that every process hears it only if it commits. The hub reads the board again and sends the
//   whole snapshot to the boards of that site: a board never applies deltas, so a lost or repeated message
//   cannot leave it wrong; a reconnected listener (`resync`) makes every board read again.
// - Snapshots of a site are read one at a time; a change arriving during a read makes one more read after it,
//   so the last snapshot a board gets was read after the last change it was told of.
import type { QueueMessage } from '../adapters/event-bus.js';
import type { Board, BoardCall, CheckInPreview, MyTicket } from '../contracts/board.js';
import { BOARD_CALLS, CheckInPreviewQuerySchema, stationNumberOf } from '../contracts/board.js';
import type { Tx } from '../db/database.js';
import type { CampaignDefinition, SiteId } from '../domain/campaign.js';
import { localDate } from '../domain/campaign.js';
import type { Decision } from '../domain/eligibility.js';
import { AppError, schemaIssues } from '../domain/errors.js';
import { maskName } from '../domain/masking.js';
import { priceFen } from '../domain/payment.js';
import { seesFullNames } from '../domain/permissions.js';
import { ETA_WINDOW, estimateWaitMinutes } from '../domain/queue.js';
import * as boardRepo from '../repositories/board.repository.js';
import * as bookingRepo from '../repositories/booking.repository.js';
import * as paymentRepo from '../repositories/payment.repository.js';
import * as photoRepo from '../repositories/photo.repository.js';
import * as queueRepo from '../repositories/queue.repository.js';
import { getActiveCampaign } from './campaign.service.js';
import type { Actor, ServiceDeps } from './deps.js';
import { authorize, nowIso } from './deps.js';
import { toTicket } from './queue.service.js';
import { settingsLookup } from './session-slots.js';

function today(deps: ServiceDeps, campaign: CampaignDefinition): string {
  return localDate(deps.clock(), campaign.timezone);
}

/** The site of the active campaign, or 404 (the board's address is typed by hand on a TV). */
function siteOf(campaign: CampaignDefinition, site: string): SiteId {
  const found = campaign.sites.find((s) => s.id === site);
  if (!found) throw new AppError('NOT_FOUND', { details: { site } });
  return found.id;
}

/** The order of the board: what was called (or called again) last comes first. */
function lastCalledAt(row: boardRepo.BoardCallRow): string {
  // a recall changes only updated_at of a ticket that is still called
  return row.status === 'called' ? row.updated_at : (row.called_at ?? row.updated_at);
}

async function readBoard(deps: ServiceDeps, db: Tx, campaign: CampaignDefinition, site: SiteId): Promise<Board> {
  const date = today(deps, campaign);
  const settings = settingsLookup(await bookingRepo.listSiteSettings(db, campaign.id))(site);
  const [rows, waiting, recent] = await Promise.all([
    boardRepo.listBoardCalls(db, campaign.id, site, date, BOARD_CALLS),
    boardRepo.countWaiting(db, campaign.id, site, date),
    queueRepo.listRecentServiceSeconds(db, campaign.id, site, ETA_WINDOW),
  ]);
  const calls: BoardCall[] = rows
    .filter((r) => r.station_id !== null && r.called_at !== null)
    .sort((a, b) => lastCalledAt(b).localeCompare(lastCalledAt(a)) || b.number.localeCompare(a.number))
    .slice(0, BOARD_CALLS)
    .map((r) => ({ number: r.number, stationId: r.station_id!, stationNo: stationNumberOf(r.station_id!), calledAt: lastCalledAt(r), recalls: r.recalls, current: r.status === 'called' }));
  return {
    site,
    date,
    calls,
    waiting,
    // a student checking in now is behind everyone waiting
    etaMinutes: estimateWaitMinutes({ recentServiceSeconds: recent, position: waiting + 1, stations: settings.stations, fallbackMinutesPerStudent: settings.minutesPerStudent }),
    stations: settings.stations,
    readAt: nowIso(deps),
  };
}

/** getBoard: the public call board of a site (no sign-in; ticket numbers and stations only). */
export async function getBoard(deps: ServiceDeps, site: string): Promise<Board> {
  const campaign = await getActiveCampaign(deps);
  return readBoard(deps, deps.db.db, campaign, siteOf(campaign, site));
}

// ───────────────────────────── the live board ─────────────────────────────

/** One open board stream, as the HTTP layer writes it. */
export interface BoardClient {
  send(board: Board): void;
  end(): void;
}

export interface BoardHub {
  /**
   * Registers a board of a site (404 for an unknown site, 429 BOARD_STREAMS_PER_ADDRESS beyond the cap of one
   * client address, 429 BOARD_VIEWERS_FULL beyond the process's cap) and
   * sends it the board, then a new board after every change of that site's queue. Call `release` when the
   * connection closes.
   */
  connect(site: string, client: BoardClient, address?: string | null): Promise<{ ready: Promise<void>; release: () => void }>;
  clientCount(): number;
  close(): void;
}

/** Boards one process serves at once (TVs, phones of students in the hall). */
export const DEFAULT_MAX_BOARD_CLIENTS = 500;

/**
 * Boards one client address holds at once: a hall's TVs and the phones behind one NAT stay far below it, while
 * one anonymous address can no longer take every stream of the process (outside test of issue 9, finding 2).
 */
export const DEFAULT_MAX_BOARD_CLIENTS_PER_ADDRESS = 20;

export interface BoardHubOptions {
  maxClients?: number;
  /** open boards per client address (the address as the server sees it after TRUST_PROXY_HOPS) */
  maxClientsPerAddress?: number;
  onError?: (e: unknown) => void;
}

interface SiteState {
  clients: Set<BoardClient>;
  reading: Promise<void> | null;
  again: boolean;
}

export function createBoardHub(deps: ServiceDeps, opts: BoardHubOptions = {}): BoardHub {
  const maxClients = opts.maxClients ?? DEFAULT_MAX_BOARD_CLIENTS;
  const maxPerAddress = opts.maxClientsPerAddress ?? DEFAULT_MAX_BOARD_CLIENTS_PER_ADDRESS;
  /** open boards per client address; an address without boards has no entry */
  const byAddress = new Map<string, number>();
  const sites = new Map<SiteId, SiteState>();
  let unsubscribe: (() => void) | null = null;
  const count = () => [...sites.values()].reduce((n, s) => n + s.clients.size, 0);

  /** Reads the site's board and sends it to all its boards; a refresh asked meanwhile reads once more after. */
  function refresh(site: SiteId): Promise<void> {
    const state = sites.get(site);
    if (!state || state.clients.size === 0) return Promise.resolve();
    if (state.reading) {
      state.again = true;
      return state.reading;
    }
    state.reading = (async () => {
      do {
        state.again = false;
        try {
          const board = await readBoard(deps, deps.db.db, await getActiveCampaign(deps), site);
          for (const c of state.clients) c.send(board);
        } catch (e) {
          opts.onError?.(e);
        }
      } while (state.again);
      state.reading = null;
    })();
    return state.reading;
  }

  function onMessage(message: QueueMessage): void {
    if (message.type === 'resync') {
      for (const site of sites.keys()) void refresh(site);
      return;
    }
    if (sites.has(message.site as SiteId)) void refresh(message.site as SiteId);
  }

  /** how to give back a client's place in its address's count */
  const addressOf = new WeakMap<BoardClient, () => void>();

  function release(site: SiteId, client: BoardClient): void {
    const state = sites.get(site);
    if (!state?.clients.delete(client)) return;
    addressOf.get(client)?.();
    addressOf.delete(client);
    if (state.clients.size === 0 && !state.reading) sites.delete(site);
    if (count() === 0 && unsubscribe) {
      unsubscribe();
      unsubscribe = null;
    }
  }

  return {
    async connect(siteParam, client, address) {
      const campaign = await getActiveCampaign(deps);
      const site = siteOf(campaign, siteParam);
      const key = address ?? 'unknown';
      // checked and counted with no await in between: concurrent connects cannot pass the cap together
      if ((byAddress.get(key) ?? 0) >= maxPerAddress) throw new AppError('BOARD_STREAMS_PER_ADDRESS', { params: { limit: maxPerAddress } });
      if (count() >= maxClients) throw new AppError('BOARD_VIEWERS_FULL', { params: { limit: maxClients } });
      byAddress.set(key, (byAddress.get(key) ?? 0) + 1);
      let released = false;
      const releaseAddress = () => {
        if (released) return;
        released = true;
        const n = (byAddress.get(key) ?? 1) - 1;
        if (n <= 0) byAddress.delete(key);
        else byAddress.set(key, n);
      };
      addressOf.set(client, releaseAddress);
      let state = sites.get(site);
      if (!state) {
        state = { clients: new Set(), reading: null, again: false };
        sites.set(site, state);
      }
      state.clients.add(client);
      if (!unsubscribe) unsubscribe = deps.events.subscribeQueue(onMessage);
      // Read after subscribing (and after LISTEN is in place): a change committed meanwhile is in it or comes after it.
      const ready = (async () => {
        await deps.events.listening();
        await refresh(site);
      })();
      return { ready, release: () => release(site, client) };
    },
    clientCount: count,
    close() {
      for (const [site, state] of [...sites]) {
        for (const c of [...state.clients]) {
          c.end();
          release(site, c);
        }
      }
    },
  };
}

// ───────────────────────────── the desk and the student ─────────────────────────────

/**
 * previewCheckIn: the student as the desk may see them before the code is scanned — masked name for the agency,
 * department, decision and its rule, their site, paid or not, a bound code's last 4, today's ticket. Never a
 * national ID, phone or e-mail.
 */
export async function previewCheckIn(deps: ServiceDeps, actor: Actor, query: unknown): Promise<CheckInPreview> {
  authorize(actor, 'checkin.create');
  const parsed = CheckInPreviewQuerySchema.safeParse(query);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', { params: { detail: `studentNo: ${parsed.error.issues[0]?.message ?? 'required'}` }, issues: schemaIssues(parsed.error.issues) });
  const studentNo = parsed.data.studentNo;
  const campaign = await getActiveCampaign(deps);
  const db = deps.db.db;
  const student = await queueRepo.findQueueStudentByNo(db, campaign.id, studentNo);
  if (!student || student.removed_at) throw new AppError('STUDENT_NOT_FOUND', { details: { studentNo } });
  const full = actor.principal !== null && seesFullNames(actor.principal);
  const site = student.site as SiteId;
  const [payment, paymentBeforeQueue, confirmation, code, ticketRow] = await Promise.all([
    paymentRepo.findPaymentOfStudent(db, campaign.id, student.id),
    paymentRepo.getPaymentBeforeQueue(db, campaign.id, site),
    photoRepo.findActiveConfirmationOfStudent(db, student.id),
    queueRepo.findCodeOfStudent(db, campaign.id, student.id),
    queueRepo.findActiveTicketOfStudent(db, campaign.id, today(deps, campaign), student.id),
  ]);
  return {
    student: { studentNo: student.student_no, name: full ? student.name : maskName(student.name), nameMasked: !full, department: student.department, decision: student.decision as Decision },
    rule: (student.rule as CheckInPreview['rule']) ?? null,
    site,
    paid: payment !== undefined,
    paymentBeforeQueue,
    priceFen: priceFen(campaign),
    photoConfirmed: confirmation !== undefined,
    codeLast4: code?.last4 ?? null,
    ticket: ticketRow ? await toTicket(db, ticketRow) : null,
  };
}

/** getMyTicket: the signed-in student's ticket of today (waiting or called), with position and estimate; null when none. */
export async function getMyTicket(deps: ServiceDeps, actor: Actor): Promise<MyTicket> {
  authorize(actor, 'ticket.read');
  const studentNo = actor.principal?.studentNo;
  // only a student has a ticket of their own; the queue's roles read tickets by id (getTicket)
  if (!studentNo) return { ticket: null };
  const campaign = await getActiveCampaign(deps);
  const db = deps.db.db;
  const student = await queueRepo.findQueueStudentByNo(db, campaign.id, studentNo);
  if (!student || student.removed_at) return { ticket: null };
  const row = await queueRepo.findActiveTicketOfStudent(db, campaign.id, today(deps, campaign), student.id);
  return { ticket: row ? await toTicket(db, row) : null };
}
