// SQS errors as the AWS JSON 1.0 protocol carries them: __type (com.amazonaws.sqs#<Code>) plus the
// x-amzn-query-error header (<query code>;Sender) that the query-compatible SDK reads first. The query code is
// what maps a response to a modeled exception class (AWS.SimpleQueueService.NonExistentQueue -> QueueDoesNotExist).

/** Query codes that differ from the error's name, from the SQS API model's awsQueryError traits. */
const QUERY_CODES: Readonly<Record<string, string>> = Object.freeze({
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  QueueNameExists: 'QueueAlreadyExists',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
});

export class SqsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }

  get queryCode(): string {
    return Object.hasOwn(QUERY_CODES, this.code) ? (QUERY_CODES[this.code] as string) : this.code;
  }

  get fault(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

export function invalidValue(message: string): SqsError {
  return new SqsError('InvalidParameterValue', message);
}

export function missing(field: string): SqsError {
  return new SqsError('MissingParameter', `The request must contain the parameter ${field}.`);
}

export function queueDoesNotExist(): SqsError {
  return new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
}
