/**
 * Labelled pairs for the near-duplicate check. `true`: the same item again (a wire headline
 * re-sent or lightly rephrased, a tweet with another link or emoji, a retweet, a retweet with a
 * comment). `false`: similar but distinct (one template, another ticker, number or direction).
 */
export const NEAR_DUP_PAIRS: Array<[string, string, boolean]> = [
  // The same tweet with another link, emoji or case.
  [
    "$TSLA deliveries beat estimates, stock up 5% premarket https://t.co/abc123",
    "$TSLA deliveries beat estimates, stock up 5% premarket https://t.co/zzz999",
    true,
  ],
  ["Bitcoin just broke $70,000 🚀🚀", "Bitcoin just broke $70,000 🔥", true],
  [
    "Fed holds rates steady, signals two cuts this year https://reut.rs/x1",
    "Fed holds rates steady, signals two cuts this year",
    true,
  ],
  ["NVIDIA REPORTS RECORD DATA CENTER REVENUE", "Nvidia reports record data center revenue", true],
  [
    "Apple shares fell 3% after weak iPhone sales in China",
    "Apple shares fell 3% after weak iPhone sales in China!!",
    true,
  ],
  [
    "Gold hits record high as investors seek safety 📈 https://bit.ly/g",
    "Gold hits record high as investors seek safety https://bit.ly/h",
    true,
  ],
  [
    "Oil prices plunge 6% on demand worries, Brent below $75",
    "Oil prices plunge 6% on demand worries, Brent below $75 👀",
    true,
  ],
  [
    "Microsoft misses estimates, cuts guidance for the cloud unit",
    "Microsoft misses estimates, cuts guidance for the cloud unit https://on.ft.com/q",
    true,
  ],
  // Retweets.
  [
    "RT @markets: Dow loses 700 points on recession fears as banks slide",
    "Dow loses 700 points on recession fears as banks slide",
    true,
  ],
  [
    "RT @WSJ: Amazon tops expectations as cloud growth accelerates https://t.co/1",
    "Amazon tops expectations as cloud growth accelerates https://t.co/2",
    true,
  ],
  // A wire headline re-sent by another desk with a tag or a source.
  [
    "BREAKING: ECB raises rates by 25 basis points, European shares slide",
    "ECB raises rates by 25 basis points, European shares slide",
    true,
  ],
  [
    "Walmart raises annual profit forecast on strong demand - Reuters",
    "Walmart raises annual profit forecast on strong demand",
    true,
  ],
  // Rephrased wire headlines (the same news in other words).
  [
    "Apple shares fell 3% after weak iPhone sales",
    "Apple stock drops 3% as iPhone sales disappoint",
    true,
  ],
  [
    "Fed cuts rates by a quarter point",
    "Federal Reserve lowers interest rates by 25 basis points",
    true,
  ],
  [
    "Tesla deliveries beat estimates in the second quarter",
    "Tesla's second-quarter deliveries beat estimates",
    true,
  ],
  [
    "Bitcoin crashes below $60,000 as liquidations mount",
    "Bitcoin crashes below $60,000 amid mounting liquidations",
    true,
  ],
  // Retweets with a comment.
  [
    "Big if true. RT @business: Nvidia tumbles as export curbs hit China sales",
    "Nvidia tumbles as export curbs hit China sales",
    true,
  ],
  [
    "Told you so 👇 Coinbase shares plunge after SEC lawsuit over staking",
    "Coinbase shares plunge after SEC lawsuit over staking",
    true,
  ],
  // Similar but distinct: the same template with another ticker, number or direction.
  [
    "$TSLA up 5% premarket after deliveries beat",
    "$NVDA up 5% premarket after deliveries beat",
    false,
  ],
  [
    "Apple shares fell 3% after weak iPhone sales",
    "Apple shares fell 4% after weak iPhone sales",
    false,
  ],
  ["Bitcoin just broke $70,000", "Bitcoin just broke $71,000", false],
  [
    "Gold hits record high as investors seek safety",
    "Silver hits record high as investors seek safety",
    false,
  ],
  ["Fed raises rates by 25 basis points", "Fed cuts rates by 25 basis points", false],
  ["Goldman upgrades Meta to buy", "Goldman upgrades Intel to buy", false],
  ["Oil prices climb 3% on supply cuts", "Oil prices climb 2% on supply cuts", false],
  [
    "Reliance Industries shares gain 5% on strong refining margins",
    "Reliance Industries shares drop 5% on weak refining margins",
    false,
  ],
  [
    "US CPI rises 0.3% in March, in line with forecasts",
    "US CPI rises 0.4% in March, above forecasts",
    false,
  ],
  ["Dow gains 400 points on upbeat jobs data", "Dow gains 250 points on upbeat jobs data", false],
  [
    "HDFC Bank profit rises 20%, beats estimates",
    "ICICI Bank profit rises 20%, beats estimates",
    false,
  ],
  ["$AAPL earnings call at 5pm ET", "$MSFT earnings call at 5pm ET", false],
  [
    "Ethereum surges 12% after the network upgrade",
    "Ethereum surges 12% after the network upgrade, Solana follows with 9%",
    false,
  ],
  [
    "Nasdaq closes 1.2% higher led by chipmakers",
    "Nasdaq closes 1.2% lower dragged by chipmakers",
    false,
  ],
];
