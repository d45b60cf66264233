import { randomUUID } from 'node:crypto';
import { json, type RegisterReply } from './register-http.js';
import { moscowTimestamp } from './register-time.js';

/**
 * The errors the local register answers, as ATOL Online answers them (its error table: HTTP
 * status, code, name, text, type, and the status a document is in, if any — DOMAIN-FACTS B 3.1;
 * the v4 document 5.15 p. 63, the same codes in v5).
 */
interface TableRow {
  readonly http: number;
  readonly name: string;
  readonly text: string;
  readonly type: 'unknown' | 'system' | 'timeout';
  readonly status: 'wait' | 'fail' | null;
}

export const ERROR_TABLE: Readonly<Record<number, TableRow>> = {
  0: { http: 400, name: 'Undefined', text: 'Неизвестная ошибка обработки.', type: 'unknown', status: null },
  1: { http: 400, name: 'IncomingChequeProcessingFailed', text: 'Сервер не смог обработать входной чек.', type: 'system', status: null },
  10: { http: 401, name: 'MissingToken', text: 'Не распознан токен запроса', type: 'system', status: null },
  11: { http: 401, name: 'ExpiredToken', text: 'Переданный токен не активен', type: 'system', status: null },
  12: { http: 401, name: 'WrongLoginOrPassword', text: 'Неверный логин или пароль', type: 'system', status: null },
  13: { http: 400, name: 'ValidationException', text: 'Ошибка валидации входящего запроса. Ошибочные поля: {0}.', type: 'system', status: null },
  14: { http: 403, name: 'UserBlocked', text: 'Пользователь заблокирован', type: 'system', status: null },
  20: { http: 401, name: 'GroupCodeAndTokenDontMatch', text: 'Код группы, указанный в запросе, не соответствует токену.', type: 'system', status: null },
  21: { http: 401, name: 'NotSupportedGroupCodeForProtocol', text: 'Код группы не поддерживает данную версию протокола.', type: 'system', status: null },
  30: { http: 400, name: 'MissingUuid', text: 'Передан некорректный UUID : "{0}". Необходимо повторить запрос с корректными данными', type: 'system', status: 'fail' },
  31: { http: 400, name: 'IncomingOperationNotSupported', text: 'Операция "{0}" не поддерживается.', type: 'system', status: null },
  32: { http: 400, name: 'IncomingValidationException', text: 'Ошибка валидации входного чека. Ошибочные поля : {0}', type: 'system', status: 'fail' },
  33: { http: 400, name: 'IncomingExternalIdAlreadyExists', text: 'В системе существует чек с external_id : "{0}" и group_code: "{1}"', type: 'system', status: 'wait' },
  34: { http: 200, name: 'StateCheckNotFound', text: 'Состояние чека не найдено. Попробуйте позднее.', type: 'system', status: 'wait' },
  40: { http: 400, name: 'BadRequest', text: 'Некорректный запрос.', type: 'system', status: null },
  41: { http: 415, name: 'UnsupportedMediaType', text: 'Некорректный Content-Type: {0}.', type: 'system', status: null },
  50: { http: 500, name: 'ErrorServerConfiguration', text: 'Ошибка сервера. Обратитесь к Администратору.', type: 'system', status: null },
};

/** The queue-timeout failure of a document (code 1, type `timeout`): it was never printed; send it again later. */
export const QUEUE_TIMEOUT = { code: 1, text: 'Превышено время ожидания чека в очереди.', type: 'timeout' } as const;

export interface DocumentError {
  readonly error_id: string;
  readonly code: number;
  readonly text: string;
  readonly type: string;
}

export function documentError(code: number, text: string, type: string): DocumentError {
  return { error_id: randomUUID(), code, text, type };
}

/** The table's text with its placeholders filled. */
export function errorText(code: number, ...values: readonly string[]): string {
  const row = ERROR_TABLE[code];
  if (row === undefined) throw new Error(`no ATOL error ${code}`);
  return values.reduce((text, value, index) => text.replace(`{${index}}`, value), row.text);
}

/** An ATOL error answer: the table's HTTP status, `{error, status, timestamp}` and, where the answer concerns a document, its uuid. */
export function errorReply(code: number, now: Date, options: { readonly values?: readonly string[]; readonly text?: string; readonly uuid?: string | null; readonly status?: string } = {}): RegisterReply {
  const row = ERROR_TABLE[code];
  if (row === undefined) throw new Error(`no ATOL error ${code}`);
  return json(row.http, {
    ...(options.uuid === undefined ? {} : { uuid: options.uuid }),
    error: documentError(code, options.text ?? errorText(code, ...(options.values ?? [])), row.type),
    status: options.status ?? row.status,
    timestamp: moscowTimestamp(now),
  });
}
