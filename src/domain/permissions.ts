/**
 * Who may do what: the one place (docs/architecture.md). Routes and services ask here; nothing else decides.
 * The agency's roles (operator, cashier) see masked names and never national ID numbers (docs/rules/campaign-rules.md, rule A3).
 */
export type Role = 'admin' | 'secretary' | 'operator' | 'cashier' | 'student';
export const ROLES: Role[] = ['admin', 'secretary', 'operator', 'cashier', 'student'];

export interface Principal {
  userId: string;
  username: string;
  role: Role;
  departments: string[];
  studentNo: string | null;
}

/** Every permission, in one list: routes declare one of these (`config: { permission }`), getMe lists the caller's. */
export const PERMISSIONS = [
  'campaign.overview',
  'campaign.manage',
  'roster.import',
  'student.list',
  'student.read',
  'student.export',
  'student.nationalId.read',
  // full names and contact details; the agency's roles see 张*三 (docs/rules/campaign-rules.md: who uses the product)
  'student.name.read',
  'audit.read',
  'user.manage',
  // Schedule and bookings (issue #3). Booking permissions say what a role may do at all; whose booking
  // (own, own departments', anyone's) is decided by canSeeStudent.
  'session.list',
  // a student's own view of the sessions, with the reason a session is not open to them (S3/S4)
  'session.listMine',
  'booking.read',
  'booking.create',
  'booking.cancel',
  'waitlist.join',
  'schedule.manage',
  // live booked / capacity per session over SSE (issue #3, part 8): the admin, secretary and operator pages
  'session.live',
  // Photos (issue #4): upload and confirm at a station, read reports and images, void a confirmation (admin).
  'photo.upload',
  'photo.read',
  'photo.confirm',
  'photo.void',
  // a station's screen shows whoever stands there: only roles that see every student (admin, operator)
  'station.read',
  'keys.manage',
  'reminders.manage',
  // the capture day (issue 9): the desk checks students in with their collection code (the desk is the operator
  // role), stations call the queue; a ticket is read by the queue's roles and by its own student
  'checkin.create',
  'queue.operate',
  'ticket.read',
  // electronic payments (issue 9 section 3, P1; docs/decisions/0020-payments.md): the desk (operator) and the
  // cashier record a payment; the cashier and the admin list them and reconcile the merchant's bill files
  'payment.record',
  'payment.read',
  'payment.reconcile',
  // the student's own photo (issue 9 section 4, C3): reading the shot awaiting them and confirming it
  'photo.confirmMine',
  // progress everywhere (issue 9): mail the students of one's departments who have not booked or did not come
  'student.remind',
  // the registry package (issue 10 section 1, A1): build, list and download the encrypted batches (the admin only)
  'export.manage',
  // make-up captures (issue 10 section 3, S6): outlets, deadlines and the outstanding list (admin); the outlets read by the agency's operators
  'makeup.manage',
  'makeup.read',
  // prints and hand-over (issue 10 section 2, A2): the agency prints (operator, admin); the graduate school receives
  // and sends to the departments (admin); the secretary receives and hands over; the student confirms their own
  'print.produce',
  'handover.school',
  'handover.department',
  'handover.confirmMine',
  // the re-take list that follows the registry's 有误 answers (A1 → S6): the admin, a secretary for their departments,
  // the agency's operator (masked names) who photographs them again
  'retake.read',
  // after the capture (issue 10 sections 4 and 6): the dashboards (counts only) and the list of E7-flagged photos
  // and voided confirmations; the admin, and a secretary for their own departments (read-only)
  'dashboard.read',
  'corrections.read',
  // retention and deletion (issue 10 section 5, A3): the policy, purge runs, closing the campaign, the record of processing (admin)
  'retention.manage',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** Booking for oneself (student), for one's departments (secretary) or for anyone (admin). */
const BOOKING_PERMISSIONS: Permission[] = ['session.list', 'booking.read', 'booking.create', 'booking.cancel', 'waitlist.join'];

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  // The graduate school's admin may do everything but what is a student's own (their page of sessions).
  admin: new Set<Permission>(PERMISSIONS.filter((p) => p !== 'session.listMine' && p !== 'photo.confirmMine' && p !== 'handover.confirmMine')),
  secretary: new Set<Permission>(['handover.department', 'campaign.overview', 'student.list', 'student.read', 'student.export', 'student.name.read', ...BOOKING_PERMISSIONS, 'session.live', 'student.remind', 'dashboard.read', 'corrections.read', 'retake.read']),
  operator: new Set<Permission>(['print.produce', 'campaign.overview', 'student.list', 'student.read', 'session.list', 'session.live', 'photo.upload', 'photo.read', 'photo.confirm', 'station.read', 'checkin.create', 'queue.operate', 'ticket.read', 'payment.record', 'makeup.read', 'retake.read']),
  cashier: new Set<Permission>(['campaign.overview', 'student.list', 'student.read', 'session.list', 'payment.record', 'payment.read', 'payment.reconcile']),
  student: new Set<Permission>(['handover.confirmMine', 'student.read', 'student.name.read', ...BOOKING_PERMISSIONS, 'session.listMine', 'photo.read', 'ticket.read', 'photo.confirmMine']),
};

/** The permissions of a role, in the order of PERMISSIONS (getMe sends them; the web shows what they allow). */
export function permissionsOf(role: Role): Permission[] {
  return PERMISSIONS.filter((p) => GRANTS[role].has(p));
}

export function hasPermission(principal: Pick<Principal, 'role'>, permission: Permission): boolean {
  return GRANTS[principal.role].has(permission);
}

/** The departments whose students a principal may see: 'all', a list, or only their own record. */
export type StudentScope = { kind: 'all' } | { kind: 'departments'; departments: string[] } | { kind: 'self'; studentNo: string | null };

export function studentScope(principal: Principal): StudentScope {
  switch (principal.role) {
    case 'admin':
    case 'operator':
    case 'cashier':
      return { kind: 'all' };
    case 'secretary':
      return { kind: 'departments', departments: principal.departments };
    case 'student':
      return { kind: 'self', studentNo: principal.studentNo };
  }
}

export function canSeeStudent(principal: Principal, student: { department: string; studentNo: string }): boolean {
  const scope = studentScope(principal);
  if (scope.kind === 'all') return true;
  if (scope.kind === 'departments') return scope.departments.includes(student.department);
  return scope.studentNo !== null && scope.studentNo === student.studentNo;
}

/** Whether full names are shown; the agency's screens show 张*三 (docs/rules/campaign-rules.md: who uses the product). */
export function seesFullNames(principal: Pick<Principal, 'role'>): boolean {
  return hasPermission(principal, 'student.name.read');
}

/** Contact details (e-mail, phone) are for the graduate school, the department and the student. */
export function seesContactDetails(principal: Pick<Principal, 'role'>): boolean {
  return seesFullNames(principal);
}
