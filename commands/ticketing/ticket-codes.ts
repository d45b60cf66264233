import { randomSymbols } from '../random-symbols.js';
import { timeOrderedId } from '../time-ordered-id.js';
import type { IssuedTicket } from '../../domain/ticketing/ticket-inventory.js';

const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ0123456789'; // 32 symbols, no I/L/O/U: easy to read aloud

/**
 * A ticket's QR code: 130 random bits from the OS CSPRNG as 26 base-32 symbols (T-3 asks for at
 * least 80). Unguessable, so the code alone is the door credential.
 */
export const drawTicketCode = (): string => randomSymbols(26, ALPHABET);

export const TICKET_CODE_PATTERN = /^[A-HJKMNP-TV-Z0-9]{26}$/;

/**
 * Ids and codes for `count` new tickets sold at `at`: the ids time-ordered (UUIDv7, so the
 * tickets read model's key grows at its right edge), the codes wholly random.
 */
export const drawTickets = (count: number, at: Date): IssuedTicket[] => Array.from({ length: count }, () => ({ ticketId: timeOrderedId(at), code: drawTicketCode() }));
