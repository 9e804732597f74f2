import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../core/errors.js';

/**
 * A function that reads the dashboard's password from a Secrets Manager secret (its name or ARN):
 * the secret string itself, or its `password` field when it holds a JSON object (as secrets made
 * with `generateSecretString.secretStringTemplate` do).
 * @throws {ConfigError} (`CONFIG_INVALID`), from the returned function, when the secret cannot be read or holds no password.
 * @example
 * createDashboard(inspector, { credentials: { username: 'celeriac', password: secretsManagerPassword(new SecretsManagerClient({}), secretArn) } });
 */
export function secretsManagerPassword(client: SecretsManagerClient | undefined, secretId: string): () => Promise<string> {
  const secrets = client ?? new SecretsManagerClient({});
  return async () => {
    let text: string | undefined;
    try {
      text = (await secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
    } catch (error) {
      throw new ConfigError(`Cannot read the dashboard password secret ${secretId}: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
    }
    const password = passwordOf(text);
    if (!password) throw new ConfigError(`The dashboard password secret ${secretId} holds no password (an empty string, or JSON without a "password" field).`);
    return password;
  };
}

function passwordOf(text: string | undefined): string | undefined {
  if (!text) return undefined;
  if (text.trimStart().startsWith('{')) {
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && 'password' in value) {
        const password = (value as { password: unknown }).password;
        return typeof password === 'string' && password ? password : undefined;
      }
    } catch {
      // not JSON: the string is the password
    }
  }
  return text;
}
