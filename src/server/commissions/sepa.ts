// SEPA credit transfer initiation (ISO 20022 pain.001.001.09 by default, .03 for banks that still want it, as the EPC
// SCT implementation guidelines use them) and IBAN/BIC checks.
import { electronicFormatIBAN, isValidBIC, isValidIBAN } from "ibantools";
import type { PainVersion } from "../../protocol/api.js";

export const DEFAULT_PAIN_VERSION: PainVersion = "pain.001.001.09";

export function normalizeIban(iban: string): string {
  return electronicFormatIBAN(iban) ?? iban.replace(/\s+/g, "").toUpperCase();
}

/**
 * ISO 13616 through ibantools (its country table follows the SWIFT IBAN registry, so Albania, Moldova, Montenegro,
 * North Macedonia and Serbia are known): the country's length, its BBAN format and the mod-97 check digits.
 */
export function isValidIban(input: string): boolean {
  return isValidIBAN(normalizeIban(input));
}

export function normalizeBic(input: string): string {
  return input.replace(/\s+/g, "").toUpperCase();
}

/**
 * ISO 9362 through ibantools (4 bank, 2 country, a known one, 2 location, optional 3 branch), plus the location rules
 * banks apply: it does not start with 0 or 1 (0 there marks a test BIC) and its second character is not the letter O.
 */
export function isValidBic(input: string): boolean {
  const bic = normalizeBic(input);
  return /^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$/.test(bic) && isValidBIC(bic);
}

/** The SEPA character set (EPC guidelines §1.4): Latin letters, digits and / - ? : ( ) . , ' + space. */
export function sepaText(s: string, max: number): string {
  const map: Record<string, string> = { ä: "ae", ö: "oe", ü: "ue", Ä: "Ae", Ö: "Oe", Ü: "Ue", ß: "ss", "&": "+", _: "-" };
  const out = [...s.normalize("NFC")]
    .map((c) => map[c] ?? c)
    .join("")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return (out || "-").slice(0, max).trim() || "-";
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Minor units as the XSD's decimal with two fraction digits. */
export function sepaAmount(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents <= 0) throw new Error(`SEPA amount must be a positive whole number of cents, got ${cents}`);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

export interface SepaDebtor {
  name: string;
  iban: string;
  bic: string;
}

export interface SepaTransfer {
  endToEndId: string;
  amount: number;
  creditorName: string;
  iban: string;
  bic: string;
  remittance: string;
}

export class SepaError extends Error {}

/**
 * One pain.001 document: one payment information block (the merchant's account), one transfer per payout. The two
 * versions differ, for what we write, in the namespace, the agents' BIC element (.03 BIC, .09 BICFI) and the
 * execution date (.09 wraps it in <Dt>, the choice that also allows a date-time).
 */
export function painXml(
  input: { messageId: string; createdAt: Date; executionDate: string; debtor: SepaDebtor; transfers: SepaTransfer[] },
  version: PainVersion = DEFAULT_PAIN_VERSION,
): string {
  const { debtor, transfers } = input;
  if (transfers.length === 0) throw new SepaError("no transfers");
  if (!isValidIban(debtor.iban)) throw new SepaError("debtor IBAN is not valid");
  if (!isValidBic(debtor.bic)) throw new SepaError("debtor BIC is not valid");
  for (const t of transfers) {
    if (!isValidIban(t.iban)) throw new SepaError(`creditor IBAN of ${t.endToEndId} is not valid`);
    if (!isValidBic(t.bic)) throw new SepaError(`creditor BIC of ${t.endToEndId} is not valid`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.executionDate)) throw new SepaError("execution date must be YYYY-MM-DD");
  const v09 = version === "pain.001.001.09";
  const agent = (bic: string) => (v09 ? `<BICFI>${xml(normalizeBic(bic))}</BICFI>` : `<BIC>${xml(normalizeBic(bic))}</BIC>`);
  const sum = sepaAmount(transfers.reduce((s, t) => s + t.amount, 0));
  const msgId = sepaText(input.messageId, 35);
  const created = input.createdAt.toISOString().slice(0, 19);
  const txs = transfers
    .map(
      (t) => `      <CdtTrfTxInf>
        <PmtId><EndToEndId>${xml(sepaText(t.endToEndId, 35))}</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">${sepaAmount(t.amount)}</InstdAmt></Amt>
        <CdtrAgt><FinInstnId>${agent(t.bic)}</FinInstnId></CdtrAgt>
        <Cdtr><Nm>${xml(sepaText(t.creditorName, 70))}</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>${normalizeIban(t.iban)}</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>${xml(sepaText(t.remittance, 140))}</Ustrd></RmtInf>
      </CdtTrfTxInf>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:${version}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>${xml(msgId)}</MsgId>
      <CreDtTm>${created}</CreDtTm>
      <NbOfTxs>${transfers.length}</NbOfTxs>
      <CtrlSum>${sum}</CtrlSum>
      <InitgPty><Nm>${xml(sepaText(debtor.name, 70))}</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>${xml(msgId)}</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <BtchBookg>true</BtchBookg>
      <NbOfTxs>${transfers.length}</NbOfTxs>
      <CtrlSum>${sum}</CtrlSum>
      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>
      <ReqdExctnDt>${v09 ? `<Dt>${input.executionDate}</Dt>` : input.executionDate}</ReqdExctnDt>
      <Dbtr><Nm>${xml(sepaText(debtor.name, 70))}</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>${normalizeIban(debtor.iban)}</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId>${agent(debtor.bic)}</FinInstnId></DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
${txs}
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
`;
}
