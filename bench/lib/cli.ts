/** A whole number ≥ 1 from the environment variable `name`, or `fallback` when unset. */
export function wholeNumberOption(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number >= 1`);
  return value;
}

/** A progress line printer: `[tag   12.3s] text`, timed from when it was made. */
export function progressLog(tag: string): (text: string) => void {
  const started = Date.now();
  return (text) => {
    const at = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
    process.stdout.write(`[${tag} ${at}s] ${text}\n`);
  };
}
