import { parseArgs } from 'node:util';

/** A flag's value as a whole number (digits only), or undefined. */
export function wholeNumber(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** A `--port` value (default when absent), or an error message. */
export function portFlag(value: string | undefined, fallback: number, name = 'port'): number | string {
  const port = wholeNumber(value ?? String(fallback));
  return port === undefined || port > 65535 ? `--${name} must be 0-65535, got ${value}` : port;
}

/** An optional positive whole-number flag: undefined when absent, a number, or an error message. */
export function positiveFlag(name: string, value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  const number = wholeNumber(value);
  return number === undefined || number === 0 ? `--${name} must be a positive whole number, got ${value}` : number;
}

type FlagSpec = Record<string, { type: 'string' | 'boolean' }>;

/** Strict flag parsing with `--help`: the values, 'help', or an error message. */
export function parseFlags<T extends FlagSpec>(argv: string[], options: T): { values: ReturnType<typeof parseArgs<{ options: T }>>['values'] } | 'help' | { error: string } {
  try {
    const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
    return (values as { help?: boolean }).help ? 'help' : { values };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
