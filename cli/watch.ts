/** `--watch [SECONDS]`: a flag whose number is optional, which `parseArgs` cannot express. */

/** Takes `--watch`, `--watch N` or `--watch=N` out of `args`; `seconds` is undefined without it. */
export function watchOption(
  args: string[],
  defaultS: number,
): { args: string[]; seconds?: number } {
  const out: string[] = [];
  let seconds: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      out.push(...args.slice(i));
      break;
    }
    if (a !== "--watch" && !a.startsWith("--watch=")) {
      out.push(a);
      continue;
    }
    let raw = a.startsWith("--watch=") ? a.slice("--watch=".length) : undefined;
    if (raw === undefined && /^\d+(\.\d+)?$/.test(args[i + 1] ?? "")) raw = args[++i];
    seconds = raw === undefined ? defaultS : Number(raw);
    if (!(seconds >= 0.1) || seconds > 86_400) {
      throw new Error("--watch must be a number of seconds from 0.1 to 86400");
    }
  }
  return { args: out, seconds };
}
