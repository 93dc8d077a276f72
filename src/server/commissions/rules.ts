// The rule evaluation lives in src/protocol so /admin's preview runs the same code as the ledger.
export {
  type RuleSet,
  type HostShare,
  type CommissionLine,
  type LineCommission,
  lineCommission,
  splitBetweenHosts,
  DEFAULT_RETURN_WINDOW_DAYS,
  DEFAULT_ATTRIBUTION_WINDOW_DAYS,
  DEFAULT_PAYOUT_MINIMUM,
} from "../../protocol/commission.js";
