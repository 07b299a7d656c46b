/**
 * A second labelled set for the near-duplicate check, written before the reworded-headline rule
 * was implemented and not used to tune it (`near_dup_pairs.ts` was). Same labels: `true` the same
 * item again, `false` similar but distinct.
 */
export const NEAR_DUP_HELDOUT: Array<[string, string, boolean]> = [
  // Reworded wire headlines.
  [
    "Amazon shares jump 8% after cloud revenue beats forecasts",
    "Amazon stock surges 8% as cloud revenue tops forecasts",
    true,
  ],
  [
    "Netflix adds 9 million subscribers, beating estimates",
    "Netflix beats estimates after adding 9 million subscribers",
    true,
  ],
  ["Oil falls 4% as OPEC output rises", "Oil drops 4% on rising OPEC output", true],
  [
    "Infosys raises full-year revenue guidance",
    "Infosys lifts its full-year revenue guidance",
    true,
  ],
  [
    "Ethereum slides below $3,000 as ETF outflows continue",
    "Ethereum falls below $3,000 on continued ETF outflows",
    true,
  ],
  [
    "Bank of Japan keeps rates unchanged, yen weakens",
    "Yen weakens as Bank of Japan leaves rates unchanged",
    true,
  ],
  // Retweets and quotes with a comment.
  [
    "Wow. RT @Reuters: Boeing shares tumble 10% after FAA grounds 737 MAX 9 jets",
    "Boeing shares tumble 10% after FAA grounds 737 MAX 9 jets",
    true,
  ],
  [
    "This is huge 🔥 Microsoft to buy Activision for $69 billion",
    "Microsoft to buy Activision for $69 billion",
    true,
  ],
  [
    "Not surprised at all. Intel cuts 15% of its workforce https://t.co/k",
    "Intel cuts 15% of its workforce",
    true,
  ],
  // Light edits.
  [
    "UPDATE 1-Nike shares sink 7% on weak China outlook",
    "Nike shares sink 7% on weak China outlook",
    true,
  ],
  [
    "Sensex ends 600 points higher; banks lead the gains",
    "Sensex ends 600 points higher, banks lead gains",
    true,
  ],
  // Similar but distinct.
  [
    "Amazon shares jump 8% after cloud revenue beats forecasts",
    "Amazon shares jump 3% after cloud revenue beats forecasts",
    false,
  ],
  ["Oil falls 4% as OPEC output rises", "Oil rises 4% as OPEC output falls", false],
  ["Infosys raises full-year revenue guidance", "Wipro raises full-year revenue guidance", false],
  [
    "Morgan Stanley upgrades Nvidia to overweight",
    "Morgan Stanley downgrades Nvidia to underweight",
    false,
  ],
  [
    "Copper hits a two-year high on China demand",
    "Aluminium hits a two-year high on China demand",
    false,
  ],
  ["Sensex ends 600 points higher", "Nifty ends 600 points higher", false],
  ["$ETH breaks above $4,000", "$SOL breaks above $4,000", false],
  ["Fed minutes show officials favour a pause", "ECB minutes show officials favour a pause", false],
  [
    "Unemployment rate rises to 4.1% in June",
    "Unemployment rate rises to 4.1% in July",
    false,
  ],
  [
    "Tesla recalls 2 million vehicles over autopilot",
    "Tesla recalls 200,000 vehicles over autopilot",
    false,
  ],
  [
    "Apple will not raise iPhone prices this year",
    "Apple will raise iPhone prices this year",
    false,
  ],
  ["Gold steady ahead of US jobs data", "Silver steady ahead of US jobs data", false],
];
