// SSM service errors as they go on the wire: the name becomes __type and x-amzn-ErrorType.

export class SsmError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export function validation(message: string): SsmError {
  return new SsmError('ValidationException', message);
}

export function parameterNotFound(name: string): SsmError {
  return new SsmError('ParameterNotFound', `Parameter ${name} not found.`);
}

export function versionNotFound(name: string, selector: string): SsmError {
  return new SsmError(
    'ParameterVersionNotFound',
    `Systems Manager could not find version ${selector} of ${name}. Verify the version and try again.`,
  );
}
