import pino from 'pino';

export type Logger = pino.Logger;

/** JSON logs; anything that looks like a credential is redacted before it is written. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'omniops' },
      redact: {
        paths: [
          'secret', '*.secret', 'apiKey', '*.apiKey', 'key', '*.key', 'password', '*.password', 'token', '*.token',
          'req.headers.authorization', 'req.headers["omniops-signature"]', 'headers.authorization', 'headers["omniops-signature"]',
        ],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
