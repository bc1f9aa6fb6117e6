// The one error the app's context reading raises: a value that cannot be used.

/** A context value that cannot be used; the message names the key and what is expected. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(`ecs-harden context: ${message}`);
    this.name = 'ConfigError';
  }
}
