// How the shop reads numbers and dates: Indian digit grouping (₹1,23,456.00)
// and DD-MM-YYYY. Amounts arrive as decimal strings and are formatted as
// strings: no float ever touches an amount, here as anywhere.

/** "123456.5" → "1,23,456.50"; the digits are never re-rounded. */
export function indian(amount: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === '') return '';
  const s = String(amount).trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = ''] = m;
  const digits = int.replace(/^0+(?=\d)/, '');
  let grouped: string;
  if (digits.length <= 3) {
    grouped = digits;
  } else {
    const last3 = digits.slice(-3);
    const rest = digits.slice(0, -3);
    grouped = rest.replace(/\B(?=(\d{2})+(?!\d))/g, ',') + ',' + last3;
  }
  const paise = frac.length >= 2 ? frac : (frac + '00').slice(0, 2);
  return `${sign}${grouped}.${paise}`;
}

export function rupees(amount: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === '') return '';
  const v = indian(amount);
  return v.startsWith('-') ? `-₹${v.slice(1)}` : `₹${v}`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Epoch milliseconds or an ISO date ("2026-12-01") → "01-12-2026". */
export function date(v: number | string | null | undefined): string {
  if (v === null || v === undefined || v === '') return '';
  if (typeof v === 'string') {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(v);
    return m ? `${m[3]}-${m[2]}-${m[1]}` : v;
  }
  const d = new Date(v);
  return `${pad(d.getDate())}-${pad(d.getMonth() + 1)}-${d.getFullYear()}`;
}

export function dateTime(ms: number | null | undefined): string {
  if (!ms) return '';
  const d = new Date(ms);
  return `${date(ms)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Today as the API's ISO date. */
export function isoToday(): string {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** "3 min ago", for the sync bar. */
export function ago(ms: number | null | undefined, now = Date.now()): string {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export const STATUS_LABEL: Record<string, string> = {
  received: 'Received',
  diagnosed: 'Diagnosed',
  estimate_shared: 'Estimate shared',
  approved: 'Approved',
  rejected: 'Rejected',
  in_repair: 'In repair',
  waiting_for_parts: 'Waiting for parts',
  ready: 'Ready',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
};

export function statusLabel(s: string): string {
  return STATUS_LABEL[s] ?? s;
}

/** A role as the shop says it. */
export function roleLabel(role: string): string {
  return ({ owner: 'Owner', manager: 'Manager', receptionist: 'Front desk', technician: 'Technician', accountant: 'Accountant' } as Record<string, string>)[role] ?? role;
}
