export { BOOKS_CHECKS, CHECK_NAMES, finding, type Capped, type CheckName, type Finding, type Severity } from './finding.js';
export { checkBooks, type BooksReport, type BooksRows, type CheckCount } from './books.js';
export { reservedAboveOnHand, reservedMatchesReservations, stockNegative, stockSubject, type ReservedRow, type StockFiguresRow } from './stock.js';
export {
  HOLDING_FULFILMENT_STATES, ORDER_STATES_WITH_OPEN_WORK, ORDER_STATES_WITHOUT_OPEN_WORK, openFulfilmentsWithoutReservations, orderStatesVsFulfilments, reservationsOfClosedWork,
  type ActiveReservationRow, type OpenFulfilmentRow, type OrderWorkRow,
} from './orders.js';
export { auditChain, deadWork, type AuditChainVerdict } from './log.js';
