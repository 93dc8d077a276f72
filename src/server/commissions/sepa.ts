// SEPA credit transfer initiation (ISO 20022 pain.001.001.03, as the EPC SCT implementation guidelines use it) and
// IBAN/BIC checks.

/** IBAN length per country (SEPA members and a few neighbours), from the SWIFT IBAN registry. */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24,
  AT: 20,
  BE: 16,
  BG: 22,
  CH: 21,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  EE: 20,
  ES: 24,
  FI: 18,
  FR: 27,
  GB: 22,
  GI: 23,
  GR: 27,
  HR: 21,
  HU: 28,
  IE: 22,
  IS: 26,
  IT: 27,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MT: 31,
  NL: 18,
  NO: 15,
  PL: 28,
  PT: 25,
  RO: 24,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  VA: 22,
};

export function normalizeIban(iban: string): string {
  return iban.replace(/\s+/g, "").toUpperCase();
}

/** ISO 13616: known country, its length, and (digits of the rearranged IBAN) mod 97 = 1. */
export function isValidIban(input: string): boolean {
  const iban = normalizeIban(input);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const len = IBAN_LENGTHS[iban.slice(0, 2)];
  if (len === undefined || iban.length !== len) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const ch of rearranged) {
    const v = ch >= "A" ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest === 1;
}

/** ISO 9362: 4 letters bank, 2 letters country, 2 location, optional 3 branch (the XSD's pattern, plus a known country). */
export function isValidBic(input: string): boolean {
  const bic = input.replace(/\s+/g, "").toUpperCase();
  return /^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$/.test(bic);
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

/** One pain.001.001.03 document: one payment information block (the merchant's account), one transfer per payout. */
export function painXml(input: { messageId: string; createdAt: Date; executionDate: string; debtor: SepaDebtor; transfers: SepaTransfer[] }): string {
  const { debtor, transfers } = input;
  if (transfers.length === 0) throw new SepaError("no transfers");
  if (!isValidIban(debtor.iban)) throw new SepaError("debtor IBAN is not valid");
  if (!isValidBic(debtor.bic)) throw new SepaError("debtor BIC is not valid");
  for (const t of transfers) {
    if (!isValidIban(t.iban)) throw new SepaError(`creditor IBAN of ${t.endToEndId} is not valid`);
    if (!isValidBic(t.bic)) throw new SepaError(`creditor BIC of ${t.endToEndId} is not valid`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.executionDate)) throw new SepaError("execution date must be YYYY-MM-DD");
  const sum = sepaAmount(transfers.reduce((s, t) => s + t.amount, 0));
  const msgId = sepaText(input.messageId, 35);
  const created = input.createdAt.toISOString().slice(0, 19);
  const txs = transfers
    .map(
      (t) => `      <CdtTrfTxInf>
        <PmtId><EndToEndId>${xml(sepaText(t.endToEndId, 35))}</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">${sepaAmount(t.amount)}</InstdAmt></Amt>
        <CdtrAgt><FinInstnId><BIC>${xml(t.bic.replace(/\s+/g, "").toUpperCase())}</BIC></FinInstnId></CdtrAgt>
        <Cdtr><Nm>${xml(sepaText(t.creditorName, 70))}</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>${normalizeIban(t.iban)}</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>${xml(sepaText(t.remittance, 140))}</Ustrd></RmtInf>
      </CdtTrfTxInf>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
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
      <ReqdExctnDt>${input.executionDate}</ReqdExctnDt>
      <Dbtr><Nm>${xml(sepaText(debtor.name, 70))}</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>${normalizeIban(debtor.iban)}</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><BIC>${xml(debtor.bic.replace(/\s+/g, "").toUpperCase())}</BIC></FinInstnId></DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
${txs}
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
`;
}
