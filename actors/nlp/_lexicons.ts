/**
 * Word lists and patterns of the local backend. They are deliberately small: each entry should
 * be a strong signal on its own, because a match is taken without reading any context.
 */
import type { Classification } from "../../schemas/social.ts";

type Asset = Exclude<Classification["asset_class"], "none">;

export const CRYPTO_TICKERS: ReadonlySet<string> = new Set([
  "BTC",
  "ETH",
  "SOL",
  "DOGE",
  "XRP",
  "ADA",
  "USDT",
  "USDC",
  "BNB",
  "LTC",
  "DOT",
  "AVAX",
  "SHIB",
  "TRX",
  "LINK",
  "XMR",
]);

/** Equity tickers recognised without `$`: the most traded names, unambiguous in upper case. */
export const EQUITY_TICKERS: ReadonlySet<string> = new Set([
  "AAPL",
  "MSFT",
  "NVDA",
  "TSLA",
  "AMZN",
  "GOOGL",
  "GOOG",
  "META",
  "NFLX",
  "AMD",
  "INTC",
  "SPY",
  "QQQ",
  "COIN",
  "PLTR",
]);

/** Cashtags that are currencies rather than companies (`$USD`, `$EUR`). */
export const FOREX_TICKERS: ReadonlySet<string> = new Set([
  "USD",
  "EUR",
  "GBP",
  "JPY",
  "CHF",
  "CAD",
  "AUD",
  "NZD",
  "CNY",
  "DXY",
]);

/**
 * Keyword patterns per asset class, in order of precedence: a named instrument (crypto, a
 * commodity, a currency, a stock) wins over the macro context around it.
 */
export const ASSET_PATTERNS: ReadonlyArray<readonly [Asset, RegExp]> = [
  [
    "crypto",
    /\b(bitcoins?|btc|ethereum|eth|crypto\w*|blockchain|defi|altcoins?|solana|dogecoin|stablecoins?|nfts?|satoshis?)\b/i,
  ],
  [
    "commodity",
    /\b(oil|crude|brent|wti|gold|silver|copper|platinum|wheat|corn|soybeans?|natural gas|commodit(y|ies)|opec|bullion)\b/i,
  ],
  [
    "forex",
    /\b(forex|fx|usd|eur|gbp|jpy|exchange rates?|currency|currencies|dollar|euro|yen|sterling|yuan)\b/i,
  ],
  [
    "equity",
    /\b(stocks?|stock market|share price|shares (of|in|rose|fell|up|down|jumped|surged|slid|dropped|gained|tumbled|rallied)|equit(y|ies)|nasdaq|nyse|s&p( ?500)?|dow jones|earnings|ipo|dividends?|market cap|wall street)\b/i,
  ],
  [
    "macro",
    /\b(inflation|deflation|cpi|gdp|federal reserve|fomc|ecb|central banks?|interest rates?|rate (hike|cut)s?|unemployment|jobless|recession|jobs report|treasury yields?|bond yields?)\b/i,
  ],
];

/** "Fed" only when capitalised: lower-case "fed" is mostly "fed up". */
export const FED = /\bFed\b/;

export const TOPIC_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  [
    "markets",
    /\b(stocks?|markets?|nasdaq|earnings|trading|traders?|investors?|investing|portfolio)\b|\$[A-Z]{1,5}\b/i,
  ],
  ["crypto", /\b(bitcoin|crypto\w*|ethereum|blockchain|defi|nfts?)\b/i],
  [
    "economy",
    /\b(inflation|economy|economic|gdp|interest rates?|unemployment|recession|central banks?)\b|\bFed\b/,
  ],
  [
    "sports",
    /\b(football|soccer|basketball|baseball|hockey|tennis|cricket|rugby|nba|nfl|nhl|mlb|league|world cup|olympics?|playoffs?|touchdown|goalkeeper|striker|f[uú]tbol)\b/i,
  ],
  [
    "politics",
    /\b(elections?|elecciones|voters?|voting|president|parliament|senate|congress|minister|government|democrats?|republicans?|campaign)\b/i,
  ],
  [
    "tech",
    /\b(software|coding|programming|developers?|startups?|ai|llms?|open source|javascript|typescript|python|iphone|android|app|devlife)\b/i,
  ],
  [
    "weather",
    /\b(weather|rain(y|ing)?|sunny|snow(ing)?|storms?|forecast|heatwave|hurricane|tornado|wetter|tiempo)\b/i,
  ],
];

export const ORGANISATIONS = [
  "Apple",
  "Google",
  "Alphabet",
  "Microsoft",
  "Amazon",
  "Meta",
  "Tesla",
  "Nvidia",
  "OpenAI",
  "Anthropic",
  "Netflix",
  "Samsung",
  "Intel",
  "IBM",
  "Boeing",
  "Coinbase",
  "Binance",
  "BlackRock",
  "Goldman Sachs",
  "JPMorgan",
  "OPEC",
  "Fed",
  "Federal Reserve",
  "ECB",
  "IMF",
  "World Bank",
  "NASA",
  "SpaceX",
  "NATO",
  "UN",
  "EU",
  "WHO",
  "Bluesky",
  "Twitter",
];

export const PLACES = [
  "Paris",
  "London",
  "Berlin",
  "Madrid",
  "Rome",
  "Tokyo",
  "New York",
  "Los Angeles",
  "San Francisco",
  "Chicago",
  "Toronto",
  "Sydney",
  "Rio de Janeiro",
  "São Paulo",
  "Lisbon",
  "Beijing",
  "Shanghai",
  "Hong Kong",
  "Washington",
  "California",
  "Texas",
  "Florida",
  "Europe",
  "Asia",
  "Africa",
  "America",
  "Brazil",
  "Japan",
  "Germany",
  "France",
  "Spain",
  "Italy",
  "China",
  "India",
  "Russia",
  "Ukraine",
  "Canada",
  "Mexico",
  "Australia",
  "USA",
  "UK",
];

/** Capitalised words that begin a sentence or a title, never a person's name. */
export const NOT_NAME_WORDS: ReadonlySet<string> = new Set([
  "The",
  "This",
  "That",
  "These",
  "What",
  "When",
  "Why",
  "How",
  "Just",
  "Happy",
  "Good",
  "Great",
  "Check",
  "Breaking",
  "Thanks",
  "Thank",
  "New",
  "My",
  "Our",
  "Your",
  "Big",
  "Live",
  "Today",
  "Tomorrow",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
  "Sunday",
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
  "Street",
  "Avenue",
  "University",
  "Bank",
  "Reserve",
  "Federal",
  "Wall",
  "Cup",
  "World",
  "League",
  "Day",
]);

/** Titles dropped from the front of a name ("President Ada Lovelace" → "Ada Lovelace"). */
export const TITLES: ReadonlySet<string> = new Set([
  "Mr",
  "Mrs",
  "Ms",
  "Dr",
  "Prof",
  "Sir",
  "Dame",
  "President",
  "Senator",
  "Minister",
  "Chancellor",
  "Governor",
  "Chairman",
  "Chair",
  "CEO",
  "Coach",
]);
