import { z } from "zod";

export const loginBody = z.strictObject({ email: z.string().trim().max(254), password: z.string().min(1).max(200) });

// 10–200 characters: long passphrases welcome; argon2id makes the stored form expensive to attack.
const newPassword = z.string().min(10, "at least 10 characters").max(200);
export const signUpBody = z.strictObject({
  email: z.string().trim().max(254).pipe(z.email()),
  password: newPassword,
  displayName: z.string().trim().min(1).max(60),
  /** Language of the confirmation email. */
  lang: z.enum(["de", "en"]).optional(),
});
export const signUpConfirmBody = z.strictObject({ token: z.string().min(20).max(100) });
export const inviteBody = z.strictObject({
  email: z.string().trim().max(254).pipe(z.email()),
  role: z.enum(["host", "staff"]),
  lang: z.enum(["de", "en"]).optional(),
  /** Platform admins name the shop; owners invite to their own. */
  merchantId: z.string().min(1).max(64).optional(),
});
/** A new account gives password and name; an existing one (a host joining another shop) is signed in and sends the token alone. */
export const acceptInviteBody = z.strictObject({
  token: z.string().min(20).max(100),
  password: newPassword.optional(),
  displayName: z.string().trim().min(1).max(60).optional(),
});
export const inviteInfoBody = z.strictObject({ token: z.string().min(20).max(100) });
/** The signed-in account's own settings (PATCH /api/auth/me): the language of its emails and statements. */
export const updateMeBody = z.strictObject({ lang: z.enum(["de", "en"]) });

export const passwordResetRequestBody = z.strictObject({ email: z.string().trim().max(254), lang: z.enum(["de", "en"]).optional() });
export const passwordResetBody = z.strictObject({ token: z.string().min(20).max(100), password: newPassword });
