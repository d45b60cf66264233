/** An integer setting of a stand-in's own process (`npm run payment-sandbox`, `npm run cloud-register`): the fallback when unset; out of range stops the process, naming it. */
export function integerFromEnvironment(name: string, fallback: number, min: number, max: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`${name} must be an integer ${min}–${max} (got ${text})`);
    process.exit(2);
  }
  return value;
}
