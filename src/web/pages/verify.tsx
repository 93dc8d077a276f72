import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { GiveawayVerification } from "../../protocol/api.js";
import { commitmentOf, drawWinners, entrantListHash, fromHex, subtleFairnessCrypto, toHex } from "../../protocol/fairness.js";
import { ApiError, api } from "../platform/apiClient.js";
import { useGameText } from "../games/GiveawayText.js";
import { adoptCss } from "../platform/adoptCss.js";
import { Centered, Header, LoadError } from "../components/Layout.js";

adoptCss(`
.verify{max-width:52rem;margin:0 auto;padding:1rem;display:grid;gap:1rem}
.verify code{word-break:break-all;font-size:.85rem}
.verify-steps{list-style:none;padding:0;display:grid;gap:.5rem}
.verify-steps li{display:flex;gap:.6rem;align-items:center;padding:.5rem .75rem;border-radius:8px;background:#f1f3f5}
.verify-steps li[data-ok="true"]{background:#d3f9d8}
.verify-steps li[data-ok="false"]{background:#ffe3e3}
.verify-mark{font-size:1.3rem;font-weight:700;width:1.5rem;text-align:center}
.verify dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}
.verify dt{font-weight:600}
`);

type Step = "commitment" | "listHash" | "winners";
type Results = Partial<Record<Step, boolean>>;

/** Recomputes every published value with WebCrypto: the same code (src/protocol/fairness.ts) the server drew with. */
async function verify(v: GiveawayVerification): Promise<Results> {
  const crypto = subtleFairnessCrypto();
  const out: Results = {};
  if (!v.seed) return out;
  const seed = fromHex(v.seed);
  out.commitment = (await commitmentOf(seed, crypto.sha256)) === v.commitment;
  if (!v.entrants) return out;
  out.listHash = toHex(await entrantListHash(v.entrants, crypto.sha256)) === v.listHash;
  const again = await drawWinners(seed, v.entrants, v.winnerCount, crypto);
  out.winners = again.winners.length === v.winners.length && again.winners.every((w, i) => w === v.winners[i]);
  return out;
}

function VerifyPage() {
  const { t } = useGameText();
  const id = decodeURIComponent(location.pathname.split("/")[3] ?? "");
  const [data, setData] = useState<GiveawayVerification | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [results, setResults] = useState<Results | null>(null);

  useEffect(() => {
    api.get<{ verification: GiveawayVerification }>(`/api/giveaways/${encodeURIComponent(id)}/verification`).then(
      (r) => {
        setData(r.verification);
        document.title = `${r.verification.title} · Showcart`;
        void verify(r.verification).then(setResults, () => setResults({ commitment: false }));
      },
      (err) => setError(err instanceof ApiError && err.status === 404 ? t("verify.notFound") : t("common.error" as never)),
    );
  }, [id]);

  if (error)
    return (
      <>
        <Header />
        <LoadError message={error} />
      </>
    );
  if (!data)
    return (
      <>
        <Header />
        <Centered>…</Centered>
      </>
    );
  const step = (key: Step, label: string) => {
    const ok = results?.[key];
    return (
      <li data-ok={ok === undefined ? "pending" : String(ok)} data-testid={`verify-${key}`}>
        <span class="verify-mark">{ok === undefined ? "…" : ok ? "✓" : "✗"}</span>
        <span>
          {label} — {ok === undefined ? t("verify.checking") : ok ? t("verify.ok") : t("verify.fail")}
        </span>
      </li>
    );
  };
  return (
    <>
      <Header />
      <main class="verify" data-testid="verify">
        <h1>{t("verify.title")}</h1>
        <h2>{data.title}</h2>
        <p>{t("verify.lead")}</p>
        <dl>
          <dt>{t("verify.commitment")}</dt>
          <dd>
            <code data-testid="verify-commitment-value">{data.commitment}</code>
          </dd>
          <dt>{t("verify.seed")}</dt>
          <dd>{data.seed ? <code data-testid="verify-seed">{data.seed}</code> : t("verify.pending")}</dd>
          <dt>{t("verify.listHash")}</dt>
          <dd>{data.listHash ? <code>{data.listHash}</code> : "—"}</dd>
          <dt>{t("verify.winners")}</dt>
          <dd data-testid="verify-winner-ids">{data.winners.length ? data.winners.join(", ") : "—"}</dd>
        </dl>
        {data.seed && (
          <ul class="verify-steps">
            {step("commitment", t("verify.step.commitment"))}
            {step("listHash", t("verify.step.listHash"))}
            {step("winners", t("verify.step.winners"))}
          </ul>
        )}
        {data.entrants && (
          <details>
            <summary>{t("verify.entrants", { n: data.entrants.length })}</summary>
            <ol start={0}>
              {data.entrants.map((e) => (
                <li key={e}>
                  <code>{e}</code>
                </li>
              ))}
            </ol>
          </details>
        )}
        <details>
          <summary>{t("verify.how")}</summary>
          <p>{t("verify.algorithm")}</p>
        </details>
      </main>
    </>
  );
}

render(<VerifyPage />, document.getElementById("app")!);
