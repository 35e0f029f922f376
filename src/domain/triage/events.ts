import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';
import { aiRecordSchema } from '../returns/events.js';

/** Support tickets: opened by a channel, triaged once the recorded AI answer is in the log. */
export const ticketOpened = defineEvent({
  type: 'ticket.opened',
  schemaVersion: 1,
  origin: 'inbound',
  description: 'A customer wrote to support.',
  payload: z.object({
    ticketId: z.string().min(1).max(200),
    customerId: z.string().min(1).max(200).optional(),
    email: z.string().max(320).optional(),
    subject: z.string().max(500).optional(),
    text: z.string().min(1).max(20_000),
    /** How many times this customer wrote about the same matter before. */
    previousContacts: z.number().int().min(0).max(1000).optional(),
  }),
  subject: (p, meta) => `ticket:${meta.source}:${p.ticketId}`,
});

export const ticketTriaged = defineEvent({
  type: 'ticket.triaged',
  schemaVersion: 1,
  origin: 'decided',
  description: 'The ticket was categorised (AI answer as recorded), prioritised and linked to its order and case.',
  payload: z.object({ ticketId: z.string(), classification: aiRecordSchema }),
  subject: (p) => `ticket-id:${p.ticketId}`,
});

export const ticketEventDefinitions = [ticketOpened, ticketTriaged];
export type TicketOpenedPayload = z.infer<typeof ticketOpened.payload>;
