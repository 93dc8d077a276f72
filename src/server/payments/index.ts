export { TestPaymentProvider, TEST_CARD_OK, TEST_CARD_DECLINED, luhnValid, type PaymentProvider, type ChargeRequest, type ChargeResult } from "./test-provider.js";
